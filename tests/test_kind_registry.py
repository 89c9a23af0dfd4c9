"""A rule kind is declared once (auditor/rules/kinds.py): the schema's per-kind part, the kind table
in docs/internals.md, the evaluators and the defaults they use all agree with that declaration."""
from __future__ import annotations

import ast
import copy
import json
import re
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from auditor.rules.kinds import KINDS, PLACEHOLDER, schema_dispatch
from auditor.rules.loader import load_packs
from auditor.rules.model import KIND_ZH, Rule

from .conftest import RULES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "auditor" / "schema" / "rule.v1.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ schema and registry

def test_the_schema_dispatches_exactly_the_declared_kinds_in_their_order():
    enum, all_of = schema_dispatch()
    assert SCHEMA["properties"]["kind"]["enum"] == enum
    assert SCHEMA["allOf"] == all_of


def disagreements(spec, part: dict) -> list[str]:
    """Where a kind's part of the schema (`$defs/<kind>`) and its declared params differ."""
    declared = {f.name for f in fields(spec.params)}
    props = part.get("properties", {})
    out = [f"参数 {k}：只在 schema 中" for k in sorted(set(props) - declared)]
    out += [f"参数 {k}：只在声明中" for k in sorted(declared - set(props))]
    if sorted(part.get("required", [])) != sorted(spec.required()):
        out.append(f"必填参数：schema {sorted(part.get('required', []))}，声明 {sorted(spec.required())}")
    defaults = spec.defaults()
    for key, prop in props.items():
        want = defaults.get(key)
        if prop.get("default") != want and not (want is None and "default" not in prop):
            out.append(f"{key} 的缺省值：schema {prop.get('default')!r}，声明 {want!r}")
    return out


@pytest.mark.parametrize("name", list(KINDS))
def test_schema_params_agree_with_the_declared_params_and_defaults(name):
    assert disagreements(KINDS[name], SCHEMA["$defs"][name]) == []


def test_a_schema_default_that_differs_is_seen():
    part = copy.deepcopy(SCHEMA["$defs"]["table_rows"])
    part["properties"]["min_share"]["default"] = 0.9
    del part["required"]
    assert disagreements(KINDS["table_rows"], part) == [
        "必填参数：schema []，声明 ['table']", "min_share 的缺省值：schema 0.9，声明 0.8"]


def test_kind_zh_comes_from_the_registry():
    assert KIND_ZH == {name: spec.zh for name, spec in KINDS.items()}


def test_every_declared_kind_has_one_evaluator_and_the_text_kinds_come_from_the_declaration():
    from auditor.engine import TEXT_KINDS
    from auditor.engine.kinds import KINDS as EVALUATORS

    assert list(EVALUATORS) == list(KINDS)
    assert all(e.spec is KINDS[name] for name, e in EVALUATORS.items())
    assert TEXT_KINDS == {"text_pattern", "statement", "text_length", "text_number", "cross_year"}
    assert {n for n, e in EVALUATORS.items() if e.together} == {"identity", "cell_domain"}   # the GX kinds


# -------------------------------------------------------------------------------------- docs table

def _docs_table() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")
    start = text.index("| kind | 中文名 |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells
    return rows


def test_the_docs_kind_table_agrees_with_the_registry():
    table = _docs_table()
    assert list(table) == list(KINDS)
    for name, (_, zh, _, params, placeholders) in table.items():
        spec = KINDS[name]
        assert zh == spec.zh
        for f in fields(spec.params):
            assert re.search(rf"`{f.name}\b|\b{f.name}`", params), f"{name}: 参数 {f.name} 未列出"
            default = spec.defaults().get(f.name)
            if default is not None:
                assert f"`{f.name}`（缺省 `{default}`）" in params, f"{name}.{f.name} 的缺省值未列出"
        if spec.by_check:
            groups = dict(part.split("：", 1) for part in placeholders.split("；"))
            assert {c: set(PLACEHOLDER.findall(p)) for c, p in groups.items()} == spec.by_check
        else:
            assert set(PLACEHOLDER.findall(placeholders)) == spec.placeholders


# ---------------------------------------------------------------------------------------- defaults

def _rule(kind: str, params: dict) -> Rule:
    return Rule(id="TST-X", title="测试规则", severity="warning", basis="测试依据", message="测试", kind=kind,
                params=params)


def test_a_rule_omitting_a_param_gets_the_declared_default():
    side = {"label": "左", "terms": ["a"]}
    identity = _rule("identity", {"table": "t3", "per": "column", "lhs": side, "rhs": side}).args
    assert (identity.tolerance, identity.relation, identity.over) == (0, "eq", None)
    assert _rule("cell_domain", {"tables": ["t2"], "domain": "integer"}).args.group_by == "cell"
    assert _rule("table_rows", {"table": "t3"}).args.min_share == 0.8
    similarity = _rule("cross_year", {"check": "similarity"}).args
    assert (similarity.scope, similarity.threshold, similarity.min_chars) == ("section_1", 0.8, 100)
    assert _rule("cross_year", {"check": "claim", "regex": "(?P<n>\\d+)"}).args.scope == "report"
    assert _rule("text_number", {"scope": "report", "regex": "(?P<n>\\d+)", "compare": {"meta": "year"}}).args.subject \
        == "文中数字"
    assert _rule("statement", {"scope": "report", "phrasings": ["x"]}).args.topic is None   # the title


def test_written_params_win_over_defaults():
    args = _rule("cross_year", {"check": "similarity", "threshold": 0.5, "scope": "section_5"}).args
    assert (args.threshold, args.scope, args.min_chars) == (0.5, "section_5", 100)


def test_the_evaluators_read_no_raw_params():
    """Defaults live in the declaration only: no evaluator reads `rule.params` (where a `.get(key,
    default)` would hide a second default)."""
    kinds = ROOT / "auditor" / "engine" / "kinds"
    readers = [p.name for p in kinds.glob("*.py") if re.search(r"\.params\b", p.read_text(encoding="utf-8"))]
    assert readers == []


def filled_fields(source: str) -> set[str]:
    """The keys of every `Hit(..., fields={...})` in an evaluator's source: what its messages can use."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Hit":
            for kw in node.keywords:
                if kw.arg == "fields":
                    assert isinstance(kw.value, ast.Dict), "fields 须为字面的键值映射，以便核对占位符"
                    out.update(k.value for k in kw.value.keys)
    return out


def test_the_declared_placeholders_are_the_fields_the_evaluators_fill():
    """Per evaluator module: the fields its hits fill are exactly the placeholders its kinds declare
    (read from the source, so every path counts, not only those a sample report reaches)."""
    from auditor.engine.kinds import KINDS as EVALUATORS

    by_module: dict[str, set[str]] = {}
    for name, evaluator in EVALUATORS.items():
        fn = getattr(evaluator, "evaluate", None) or evaluator.finish
        spec = KINDS[name]
        declared = spec.placeholders.union(*spec.by_check.values())
        by_module.setdefault(fn.__module__, set()).update(declared)
    assert len(by_module) >= 7
    for module, declared in by_module.items():
        path = ROOT / (module.replace(".", "/") + ".py")
        assert filled_fields(path.read_text(encoding="utf-8")) == declared, module


def test_the_fields_reader_sees_a_field_no_kind_declares():
    source = 'def f(rule):\n    return [Hit(1, rule, "全文", "k", fields={"scope": 1, "lhs_summ": 2})]\n'
    assert filled_fields(source) == {"scope", "lhs_summ"}


def test_every_shipped_message_uses_declared_placeholders(packs):
    for pack in packs:
        for rule in pack.rules:
            allowed = KINDS[rule.kind].placeholders_for(rule.args)
            assert set(PLACEHOLDER.findall(rule.message)) <= allowed, rule.id


def test_shipped_rules_all_parse(packs):
    assert all(isinstance(r.args, KINDS[r.kind].params) for p in packs for r in p.rules)
    assert pd.Series([r.kind for p in packs for r in p.rules]).isin(list(KINDS)).all()
    assert load_packs(RULES)


def test_rules_explain_prints_the_parameters_in_effect_with_the_kinds_defaults(capsys):
    """T3-A1 writes neither tolerance nor relation: explain shows the declared defaults beside what it writes."""
    from auditor.cli import main

    assert main(["rules", "--rules", str(RULES), "explain", "T3-A1"]) == 0
    shown = capsys.readouterr().out
    block = shown.split("参数（含缺省值）：\n", 1)[1].split("\n规则文件", 1)[0]
    params = json.loads(block)
    defaults = {f.name: f.default for f in fields(KINDS["identity"].params)}
    assert (params["tolerance"], params["relation"]) == (defaults["tolerance"], defaults["relation"]) == (0, "eq")
    assert params["table"] == "t3"
