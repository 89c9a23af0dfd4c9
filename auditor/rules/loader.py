"""Load rule packs from rules/: strict YAML, JSON Schema validation, one line per problem.

A pack is a folder holding pack.yaml and any number of rule files (one rule per file, in
sub-folders as the author likes). Files ending in .cases.yaml are rule test cases, not rules.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from .model import Pack, Rule
from .strict_yaml import YamlProblem, compose, construct, line_of


class RuleError(Exception):
    """Rule files are invalid. `problems` holds one `file:line: message` string per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    text = (Path(__file__).resolve().parent.parent / "schema" / name).read_text(encoding="utf-8")
    return json.loads(text)


def load_packs(root: Path) -> list[Pack]:
    """Load every pack under `root` (each folder with a pack.yaml). Raises RuleError."""
    problems: list[str] = []
    packs: list[Pack] = []
    if not root.is_dir():
        raise RuleError([f"{root}: 规则目录不存在"])
    manifests = sorted(root.rglob("pack.yaml"))
    if not manifests:
        raise RuleError([f"{root}: 未找到任何规则包（pack.yaml）"])
    seen: dict[str, str] = {}
    for manifest in manifests:
        data = _load(manifest, "pack.v1.json", problems)
        if data is None:
            continue
        pack = Pack(id=data["id"], title=data["title"], templates=list(data["templates"]),
                    description=data.get("description", ""), path=str(manifest.parent))
        for path in sorted(manifest.parent.rglob("*.yaml")):
            if path.name == "pack.yaml" or path.name.endswith(".cases.yaml"):
                continue
            if path.parent != manifest.parent and (path.parent / "pack.yaml").exists():
                continue
            rule = _load_rule(path, pack.id, problems)
            if rule is None:
                continue
            if rule.id in seen:
                problems.append(f"{path}:1: 规则编号「{rule.id}」重复（已在 {seen[rule.id]} 中定义）")
                continue
            seen[rule.id] = str(path)
            pack.rules.append(rule)
        packs.append(pack)
    if problems:
        raise RuleError(problems)
    return packs


def _load(path: Path, schema_name: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
        node = compose(text)
    except UnicodeDecodeError:
        problems.append(f"{path}:1: 文件不是 UTF-8 编码")
        return None
    except YamlProblem as exc:
        problems.append(f"{path}:{exc.line}: {exc.message}")
        return None
    data = construct(node)
    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not isinstance(data, dict):
        problems.append(f"{path}:1: 文件内容应为键值映射")
        return None
    for err in _leaf_errors(errors):
        problems.append(f"{path}:{line_of(node, list(err.absolute_path))}: {_path(err)}{_describe(err)}")
    if errors:
        return None
    return data


def _load_rule(path: Path, pack_id: str, problems: list[str]) -> Rule | None:
    data = _load(path, "rule.v1.json", problems)
    if data is None:
        return None
    before = len(problems)
    for where, regex in _regexes(data):
        try:
            re.compile(regex)
        except re.error as exc:
            problems.append(f"{path}:1: {where} 的正则表达式无效：{exc}")
    if data["kind"] == "text_number" and "(?P<n>" not in data["params"].get("regex", ""):
        problems.append(f"{path}:1: params.regex 须含命名分组 (?P<n>…) 以取出文中的数字")
    if len(problems) > before:
        return None
    return Rule(id=data["id"], title=data["title"], severity=data["severity"], basis=data["basis"],
                message=data["message"], kind=data["kind"], params=data["params"],
                description=data.get("description", ""), pack=pack_id, source=str(path),
                when=data.get("when", {}))


def _regexes(data: dict[str, Any]) -> list[tuple[str, str]]:
    params = data.get("params", {})
    out = [(f"params.patterns[{i}]", p["regex"]) for i, p in enumerate(params.get("patterns", []))]
    out += [(f"params.phrasings[{i}]", p) for i, p in enumerate(params.get("phrasings", []))]
    if "regex" in params:
        out.append(("params.regex", params["regex"]))
    return out


def _leaf_errors(errors: list[jsonschema.ValidationError]) -> list[jsonschema.ValidationError]:
    """if/then failures wrap the useful errors; report those instead of the wrapper."""
    out: list[jsonschema.ValidationError] = []
    for err in errors:
        if err.context:
            out.extend(_leaf_errors(list(err.context)))
        else:
            out.append(err)
    return out


def _path(err: jsonschema.ValidationError) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in err.absolute_path]
    text = ".".join(parts).replace(".[", "[")
    return f"{text}: " if text else ""


def _describe(err: jsonschema.ValidationError) -> str:
    v = err.validator
    if v == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return "未知的键：" + "、".join(f"「{k}」" for k in extra)
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        return "缺少必填键：" + "、".join(f"「{k}」" for k in missing)
    if v == "type":
        names = {"string": "文本", "integer": "整数", "number": "数字", "array": "列表", "object": "键值映射",
                 "boolean": "true/false"}
        want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return f"类型错误：应为{'或'.join(names.get(w, w) for w in want)}，实际为「{err.instance!r}」"
    if v in ("enum", "const"):
        allowed = err.validator_value if v == "enum" else [err.validator_value]
        return f"取值「{err.instance}」无效，可选：{'、'.join(str(a) for a in allowed)}"
    if v == "pattern":
        return f"「{err.instance}」格式不符（应匹配 {err.validator_value}）"
    if v in ("minItems", "minLength"):
        return "不能为空"
    if v in ("minimum", "maximum"):
        return f"取值 {err.instance} 超出范围"
    return err.message
