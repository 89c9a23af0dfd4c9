"""A YAML loader that refuses the traps: duplicate keys, dates and yes/no turned into other types.

Only plain data is constructed (it extends yaml.SafeLoader), and every node keeps its line so a
schema error can be reported as file:line.
"""
from __future__ import annotations

import re
from typing import Any

import yaml


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with timestamps left as strings and only true/false as booleans."""


StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))

MAX_YAML_BYTES = 256 * 1024
MAX_NODES = 20_000


class YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def compose(text: str) -> yaml.Node | None:
    """Parse to a node tree, rejecting oversize input, alias bombs and duplicate keys."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise YamlProblem(1, f"规则文件过大（上限 {MAX_YAML_BYTES // 1024} KB）")
    try:
        node = yaml.compose(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as exc:
        line, why = syntax_problem(exc)
        raise YamlProblem(line, f"YAML 格式错误：{why}") from None
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1 if isinstance(exc.position, int) else 1
        raise YamlProblem(line, f"YAML 格式错误：含不可用的控制字符（U+{exc.character:04X}），请删除"
                          if isinstance(exc.character, int) else "YAML 格式错误：含不可用的字符") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise YamlProblem(1, f"YAML 无法解析（{type(exc).__name__}）") from None
    if node is not None:
        _check(node)
    return node


# PyYAML's problems → what to fix, in Chinese; True: the line is where the construct began (an
# unclosed bracket or quote is reported by PyYAML where the file ends, not where it was opened).
_SYNTAX: list[tuple[re.Pattern[str], str, bool]] = [(re.compile(rx), zh, at_start) for rx, zh, at_start in [
    (r"expected ',' or '\]'", "方括号 [ ] 未闭合，或列表中缺少逗号", True),
    (r"expected ',' or '\}'", "花括号 { } 未闭合，或其中缺少逗号", True),
    (r"found unexpected end of stream", "引号未闭合", True),
    (r"unknown escape character", "双引号内的反斜杠 \\ 无效（含反斜杠的路径等请改用单引号）", False),
    (r"mapping values are not allowed here", "此处不能出现冒号（值中含「: 」时请给整个值加引号，或检查上一行的缩进）", False),
    (r"character '\\t' that cannot start any token|tab character", "含制表符（Tab），请改用空格缩进", False),
    (r"character '(.)' that cannot start any token", "值不能以「%s」开头，请给整个值加引号", False),
    (r"expected <block end>", "缩进不一致，或值后面多出了内容", False),
    (r"could not find expected ':'", "缺少冒号「:」（或引号未闭合）", False),
    (r"did not find expected key", "缩进不一致，或缺少「键:」", False),
    (r"did not find expected '-' indicator", "列表各项的缩进不一致", False),
    (r"did not find expected node content|expected the node content", "缺少取值", False),
    (r"found undefined alias", "不允许使用 YAML 别名（*）", False),
    (r"expected '<document start>'", "多出了括号或其他无法识别的内容", False),
    (r"found duplicate anchor|found undefined tag handle", "不允许使用 YAML 锚点或标签（&、!）", False),
]]


def syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """(line, Chinese reason) of a PyYAML syntax error; PyYAML's own words stay only, in
    parentheses, for a problem this table does not know."""
    problem = exc.problem or ""
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1) if mark else 1
    for rx, zh, at_start in _SYNTAX:
        found = rx.search(problem)
        if found:
            if at_start and exc.context_mark is not None:
                line = exc.context_mark.line + 1
            return line, zh % found.groups() if found.groups() else zh
    return line, f"无法识别的写法（{problem}）"


def _check(root: yaml.Node) -> None:
    count = 0
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise YamlProblem(node.start_mark.line + 1, "不允许使用 YAML 别名（&/*）")
        seen.add(id(node))
        count += 1
        if count > MAX_NODES:
            raise YamlProblem(1, "规则文件结构过大")
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlProblem(key_node.start_mark.line + 1, "键必须是简单文字，不能是列表或映射")
                key = key_node.value
                if key in keys:
                    raise YamlProblem(key_node.start_mark.line + 1,
                                      f"键「{key}」重复（第 {keys[key]} 行已出现）")
                keys[key] = key_node.start_mark.line + 1
                stack.extend([key_node, value_node])
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def construct(node: yaml.Node | None) -> Any:
    if node is None:
        return None
    loader = StrictLoader("")
    try:
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        tag = re.search(r"constructor for the tag '([^']*)'", exc.problem or "")
        why = f"不支持 YAML 标签「{tag.group(1)}」，请删除它" if tag else f"无法识别的取值（{exc.problem}）"
        raise YamlProblem((mark.line + 1) if mark else 1, f"YAML 取值无效：{why}") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise YamlProblem(1, f"YAML 取值无效（{type(exc).__name__}）") from None
    finally:
        loader.dispose()


def line_of(node: yaml.Node | None, path: list[Any], key: bool = False) -> int:
    """Line (1-based) of the node at a JSON path, or of the deepest node found on the way. With
    `key`, the line of the last step's key where it is a mapping key (`PUB-X:` rather than the
    first line of the mapping under it)."""
    if node is None:
        return 1
    for i, step in enumerate(path):
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == step:
                    if key and i == len(path) - 1:
                        return key_node.start_mark.line + 1
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1
