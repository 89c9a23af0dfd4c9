"""Load rule packs from rules/: strict YAML, JSON Schema validation, one line per problem.

A pack is a folder holding pack.yaml and any number of rule files (one rule per file, in
sub-folders as the author likes). Files ending in .cases.yaml are rule test cases, not rules.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jsonschema

from .kinds import KINDS, unknown_placeholders
from .model import Pack, Rule
from .regex_screen import backtracking_risk
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


def load_packs(root: Path, extra: list[Path] | None = None) -> list[Pack]:
    """Load the packs under `root` and any extra (local) folders, resolve `extends`, and return the
    effective packs, each with the templates it is used for. Raises RuleError."""
    problems: list[str] = []
    packs: list[Pack] = []
    for i, folder in enumerate([root] + list(extra or [])):
        if not folder.is_dir():
            raise RuleError([_missing_folder(folder, local=i > 0)])
        manifests = sorted(folder.rglob("pack.yaml"))
        if not manifests:
            problems.append(f"{folder}: 未找到任何规则包（pack.yaml）")
        packs.extend(p for m in manifests if (p := _load_pack(m, problems)) is not None)
    used: list[Pack] = []
    if not problems:
        effective, templates = _resolve(packs, problems)
        for pid, tpl in templates.items():
            if tpl:
                effective[pid].templates = tpl
                used.append(effective[pid])
    if problems:
        raise RuleError(problems)
    return used


def load_all_packs(root: Path, extra: list[Path] | None = None) -> list[Pack]:
    """Every pack with its effective rules and declared templates, whether or not a more derived
    pack replaces it in a run (for `auditor rules test`)."""
    problems: list[str] = []
    missing = [_missing_folder(f, local=i > 0) for i, f in enumerate([root] + list(extra or [])) if not f.is_dir()]
    if missing:
        raise RuleError(missing)
    packs = [p for folder in [root] + list(extra or [])
             for m in sorted(folder.rglob("pack.yaml")) if (p := _load_pack(m, problems)) is not None]
    effective: dict[str, Pack] = {}
    if not problems:
        effective, _ = _resolve(packs, problems)
    if problems:
        raise RuleError(problems)
    return list(effective.values())


def _load_pack(manifest: Path, problems: list[str]) -> Pack | None:
    data = _load(manifest, "pack.v1.json", problems)
    if data is None:
        return None
    pack = Pack(id=data["id"], title=data["title"], templates=list(data["templates"]),
                description=data.get("description", ""), path=str(manifest.parent),
                extends=data.get("extends"), overrides=data.get("overrides", {}), fixture=data.get("fixture"))
    seen: dict[str, str] = {}
    for path in sorted(manifest.parent.rglob("*.yaml")):
        if path.name == "pack.yaml" or path.name.endswith(".cases.yaml"):
            continue
        if any((parent / "pack.yaml").exists() for parent in path.parents
               if parent != manifest.parent and manifest.parent in parent.parents):
            continue  # belongs to a nested pack
        rule = _load_rule(path, pack.id, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"{path}:{_line(path, ['id'])}: 规则编号「{rule.id}」重复（已在 {seen[rule.id]} 中定义）")
            continue
        seen[rule.id] = str(path)
        pack.rules.append(rule)
    return pack


def _resolve(packs: list[Pack], problems: list[str]) -> tuple[dict[str, Pack], dict[str, list[str]]]:
    """Apply `extends` and `overrides`; a pack is used for the templates where it is the most
    derived pack. Two unrelated packs claiming the same template is an error."""
    by_id: dict[str, Pack] = {}
    for pack in packs:
        if pack.id in by_id:
            problems.append(f"{_at(pack, ['id'])}规则包编号「{pack.id}」重复（已在 {by_id[pack.id].path} 中定义）")
        by_id[pack.id] = pack
    if problems:
        return {}, {}
    chains: dict[str, list[str]] = {}
    for pack in packs:
        chain, cur = [pack.id], pack
        while cur.extends:
            if cur.extends not in by_id:
                problems.append(f"{_at(cur, ['extends'])}继承的规则包「{cur.extends}」不存在")
                break
            if cur.extends in chain:
                problems.append(f"{_at(pack, ['extends'])}规则包继承成环：{' → '.join(chain + [cur.extends])}")
                break
            chain.append(cur.extends)
            cur = by_id[cur.extends]
        chains[pack.id] = chain
    if problems:
        return {}, {}
    effective = {pid: _effective(by_id, chains[pid], problems) for pid in by_id}
    used: dict[str, list[str]] = {pid: [] for pid in by_id}
    for template in ("2021", "2019", "unknown"):
        claim = [pid for pid in by_id if template in by_id[pid].templates]
        leaves = [p for p in claim if not any(p != q and p in chains[q] for q in claim)]
        if len(leaves) > 1:
            where = _at(by_id[sorted(leaves)[-1]], ["templates"])
            problems.append(f"{where}规则包 {'、'.join(sorted(leaves))} 同时适用于「{template}」格式的报告，且互不继承；"
                            "请只保留一个本地规则包")
        elif leaves:
            used[leaves[0]].append(template)
    return effective, used


def _effective(by_id: dict[str, Pack], chain: list[str], problems: list[str]) -> Pack:
    """Rules of the chain's root, then each descendant's overrides and own rules in turn."""
    rules: dict[str, Rule] = {}
    for pid in reversed(chain):
        pack = by_id[pid]
        for rid, change in pack.overrides.items():
            if rid not in rules:
                upper = str(rid).upper()
                hint = f"（规则编号须大写：「{upper}」）" if upper in rules else ""
                problems.append(f"{_at(pack, ['overrides', rid], key=True)}overrides 中的规则「{rid}」在所继承的规则包中不存在{hint}")
                continue
            if change.get("enabled") is False:
                del rules[rid]
                continue
            rule = rules[rid]
            params = {**rule.params, **change.get("params", {})}
            new = replace(rule, params=params, pack=pack.id,
                          **{k: change[k] for k in ("severity", "message", "basis", "title", "when") if k in change})
            errors = list(jsonschema.Draft202012Validator(schema("rule.v1.json")).iter_errors(_as_dict(new)))
            for err in _leaf_errors(errors):
                problems.append(f"{_at(pack, ['overrides', rid, *err.absolute_path])}"
                                f"overrides.{rid}.{_path(err)}{_describe(err)}")
            if not errors:
                _check_kind(new, Path(pack.path) / "pack.yaml", ["overrides", rid], set(change.get("params", {})),
                            "message" in change, problems)
            rules[rid] = new
        for rule in pack.rules:
            if rule.id in rules:
                problems.append(f"{rule.source}:{_line(Path(rule.source), ['id'])}: "
                                "规则编号「{rule.id}」与所继承的规则重复；修改继承的规则请用 overrides")
                continue
            rules[rule.id] = rule
    leaf = by_id[chain[0]]
    return Pack(id=leaf.id, title=leaf.title, templates=list(leaf.templates), description=leaf.description,
                path=leaf.path, rules=[replace(r, pack=leaf.id) for r in rules.values()], extends=leaf.extends, overrides=leaf.overrides,
                fixture=leaf.fixture or next((by_id[p].fixture for p in chain if by_id[p].fixture), None))


def _at(pack: Pack, keys: list[Any], key: bool = False) -> str:
    """`pack.yaml:line: ` of a value (or, with `key`, of its key) in a pack's manifest."""
    manifest = Path(pack.path) / "pack.yaml"
    return file_line(manifest, _line(manifest, keys, key))


def _missing_folder(folder: Path, local: bool) -> str:
    what = "本地规则包目录" if local else "规则目录"
    option = "--local" if local else "--rules"
    why = "不是目录" if folder.exists() else "不存在"
    return f"{what} {folder} {why}，请检查 {option} 给出的路径。"


def file_line(path: Path, line: int) -> str:
    """How a problem's place is written for rule authors: `file:line: ` (editors jump to it)."""
    return f"{path}:{line}: "


def load_checked(path: Path, schema_name: str, where: Callable[[Path, int], str] = file_line) -> Any:
    """Strict YAML validated against one of our schemas; RuleError with one problem per line
    otherwise, each starting with `where(path, line)`. The file is read as UTF-8 (OSError and
    UnicodeDecodeError are the caller's to word)."""
    try:
        node = compose(path.read_text(encoding="utf-8-sig"))
    except YamlProblem as exc:
        raise RuleError([f"{where(path, exc.line)}{exc.message}"]) from None
    try:
        data = construct(node)
    except YamlProblem as exc:
        raise RuleError([f"{where(path, exc.line)}{exc.message}"]) from None
    errors = list(jsonschema.Draft202012Validator(schema(schema_name)).iter_errors(data))
    if errors:
        raise RuleError([f"{where(path, line_of(node, list(e.absolute_path)))}{_path(e)}{_describe(e)}"
                         for e in _leaf_errors(errors)])
    return data


def _as_dict(rule: Rule) -> dict[str, Any]:
    data = {"id": rule.id, "title": rule.title, "severity": rule.severity, "basis": rule.basis,
            "message": rule.message, "kind": rule.kind, "params": rule.params}
    if rule.when:
        data["when"] = rule.when
    return data


def _load(path: Path, schema_name: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
        node = compose(text)
    except UnicodeDecodeError:
        problems.append(f"{path}:1: 文件不是 UTF-8 编码")
        return None
    except OSError as exc:
        from ..fileerrors import why_unreadable

        problems.append(f"{path}:1: 规则文件无法读取：{why_unreadable(exc)}")
        return None
    except YamlProblem as exc:
        problems.append(f"{path}:{exc.line}: {exc.message}")
        return None
    try:
        data = construct(node)
    except YamlProblem as exc:
        problems.append(f"{path}:{exc.line}: {exc.message}")
        return None
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
    rule = Rule(id=data["id"], title=data["title"], severity=data["severity"], basis=data["basis"],
                message=data["message"], kind=data["kind"], params=data["params"],
                description=data.get("description", ""), pack=pack_id, source=str(path),
                when=data.get("when", {}))
    before = len(problems)
    _check_kind(rule, path, [], None, True, problems)
    return rule if len(problems) == before else None


def _check_kind(rule: Rule, path: Path, prefix: list[Any], changed: set[str] | None, message: bool,
                problems: list[str]) -> None:
    """What the schema cannot check, each problem at its line: the kind's own checks on its typed
    parameters (auditor/rules/kinds.py), every regex (it compiles and passes the static screen for
    runaway backtracking, rules/regex_screen.py), and every `{placeholder}` of the message (one the
    kind never fills would print literally). For an override (`prefix` = its place in pack.yaml),
    only the parameters it `changed` and, if it sets one, its `message`; a change that makes the
    inherited message's placeholders wrong is reported at the override."""
    args = rule.args
    if args is None:
        return

    def at(keys: list[Any], key: bool = False) -> str:
        return file_line(path, _line(path, prefix + keys, key))

    def label(keys: list[Any]) -> str:
        return ".".join(f"[{k}]" if isinstance(k, int) else str(k) for k in prefix + keys).replace(".[", "[")

    def mine(where: tuple[Any, ...]) -> bool:
        return changed is None or where[0] in changed

    for where, why in args.problems():
        if mine(where):
            problems.append(f"{at(['params', *where])}{label(['params', *where])} {why}")
    for where, regex in args.regexes():
        if not mine(where):
            continue
        keys = ["params", *where]
        name = label(keys)
        try:
            re.compile(regex)
        except re.error as exc:
            problems.append(f"{at(keys)}{name} 的正则表达式无效：{exc}")
            continue
        why = backtracking_risk(regex)
        if why is not None:
            problems.append(f"{at(keys)}{name} 的正则表达式{why}，遇到长数字等文字时可能"
                            "回溯失控（运行时每份报告限时，超时即需人工核查），请改写，例如让各遍之间必须有分隔符")
    unknown = unknown_placeholders(rule.kind, args, rule.message)
    if unknown and (message or changed):
        allowed = "、".join(f"{{{n}}}" for n in sorted(KINDS[rule.kind].placeholders_for(args)))
        where = at(["message"]) if message else at([], key=True)
        problems.append(f"{where}{label(['message'])} 中的占位符 " + "、".join(f"{{{n}}}" for n in unknown)
                        + f" 不是 {rule.kind} 类规则提供的（可用：{allowed or '无'}），会原样出现在问题说明中")


def _line(path: Path, keys: list[Any], key: bool = False) -> int:
    """Line of a value (or, with `key`, of its key) in a YAML file already read once (only needed
    for a problem)."""
    try:
        return line_of(compose(path.read_text(encoding="utf-8-sig")), keys, key)
    except (OSError, UnicodeDecodeError, YamlProblem):
        return 1


def _leaf_errors(errors: list[jsonschema.ValidationError]) -> list[jsonschema.ValidationError]:
    """if/then failures wrap the useful errors; report those instead of the wrapper."""
    out: list[jsonschema.ValidationError] = []
    for err in errors:
        if err.validator in ("oneOf", "anyOf") and all(c.validator == "required" for c in err.context or []):
            out.append(err)          # "write exactly one of these keys": one message, not one per key
        elif err.context:
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
    if v == "oneOf":
        keys = [k for option in err.validator_value for k in option.get("required", [])]
        names = "、".join(f"「{k}」" for k in keys)
        return f"以下各项须写其中一项：{names}" if err.context else f"以下各项只能写其中一项：{names}"
    if v == "anyOf":
        groups = ["和".join(f"「{k}」" for k in option.get("required", [])) for option in err.validator_value]
        return "须给出" + "，或".join(groups)
    if v in ("minItems", "minLength"):
        if isinstance(err.validator_value, int) and err.validator_value > 1 and err.instance:
            return f"太短：至少 {err.validator_value} {'项' if v == 'minItems' else '个字'}"
        return "不能为空"
    if v in ("minimum", "maximum"):
        return f"取值 {err.instance} 超出范围"
    return err.message
