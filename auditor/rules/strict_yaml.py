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
        mark = exc.problem_mark or exc.context_mark
        raise YamlProblem((mark.line + 1) if mark else 1, f"YAML 语法错误：{exc.problem}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise YamlProblem(1, f"YAML 无法解析（{type(exc).__name__}）") from None
    if node is not None:
        _check(node)
    return node


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
        raise YamlProblem((mark.line + 1) if mark else 1, f"YAML 取值无效：{exc.problem}") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise YamlProblem(1, f"YAML 取值无效（{type(exc).__name__}）") from None
    finally:
        loader.dispose()


def line_of(node: yaml.Node | None, path: list[Any]) -> int:
    """Line (1-based) of the node at a JSON path, or of the deepest node found on the way."""
    if node is None:
        return 1
    for step in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == step:
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1
