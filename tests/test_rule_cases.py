"""Every rule's YAML cases pass, and every rule has a passing and a failing case (`auditor rules test`).

One pytest item per case, with the id `pack/RULE/case name`, so `pytest -k T3-A1` runs that rule's
cases and a failure names its case. The cases are still audited as `auditor rules test` audits them,
each pack in one batch, once per session; the items only read their own result.
"""
from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from auditor.rulecases import CaseResult, RuleSummary, case_files, run_pack_cases
from auditor.rules.loader import load_all_packs
from auditor.rules.model import Pack

from .conftest import RULES

LOCAL = RULES.parent / "examples" / "local-packs"
FIXTURES = RULES / "fixtures"


class Case(NamedTuple):
    pack: str
    rule: str
    index: int          # its place among the rule's results in that pack
    name: str

    @property
    def id(self) -> str:
        return f"{self.pack}/{self.rule}/{self.name}"


def _packs() -> list[Pack]:
    return load_all_packs(RULES, [LOCAL])


def _cases(packs: list[Pack]) -> Iterator[Case]:
    """The cases in the order the runner reports them: rules by id, each rule's case files, their cases;
    a case file that cannot be read is one result named after the file."""
    for pack in packs:
        for rule in sorted(pack.rules, key=lambda r: r.id):
            index = 0
            for path in case_files(pack, rule):
                try:
                    names = [c["name"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]
                except (yaml.YAMLError, KeyError, TypeError):
                    names = [path.name]
                for name in names:
                    yield Case(pack.id, rule.id, index, name)
                    index += 1


CASES = list(_cases(_packs()))


def audit_cases(rules: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], RuleSummary]:
    """(pack, rule) → the rule's summary, each pack's cases audited in one batch as `auditor rules test`
    does; only the packs and rules given, if given (each case is its own report and agency)."""
    out = {}
    for pack in _packs():
        if rules is not None:
            pack = dataclasses.replace(pack, rules=[r for r in pack.rules if (pack.id, r.id) in rules])
            if not pack.rules:
                continue
        out.update({(pack.id, s.rule_id): s for s in run_pack_cases(pack, FIXTURES)})
    return out


@pytest.fixture(scope="session")
def summaries() -> dict[tuple[str, str], RuleSummary]:
    """Every rule's cases, audited once per session."""
    return audit_cases()


@pytest.fixture(scope="session")
def selected(request) -> dict[tuple[str, str], RuleSummary]:
    """The summaries of the rules whose cases this session runs: `pytest -k T3-A1` audits one rule."""
    chosen = {(item.callspec.params["case"].pack, item.callspec.params["case"].rule)
              for item in request.session.items if item.originalname == "test_rule_case"}
    if chosen >= {(c.pack, c.rule) for c in CASES}:
        return request.getfixturevalue("summaries")
    return audit_cases(chosen)


def explain(case: Case, result: CaseResult) -> str:
    """What a failing case says: the rule, the case, and which findings were missing or unexpected."""
    head = f"规则 {case.rule}（规则包 {case.pack}）的用例「{case.name}」未通过"
    if result.error:
        return f"{head}：{result.error}"
    actual = list(result.actual)
    missing = []
    for category, location, message in result.expected:
        hit = next((a for a in actual if a[0] == category and a[2] == message
                    and (location is None or a[1] == location)), None)
        if hit is None:
            missing.append((category, location, message))
        else:
            actual.remove(hit)
    lines = [head + "。"]
    lines += ["期望而没有的问题："] + [f"  - [{c}] {loc or '（任意位置）'}：{msg}" for c, loc, msg in missing]
    lines += ["多出的问题："] + [f"  + [{c}] {loc}：{msg}" for c, loc, msg in actual]
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case: Case, selected) -> None:
    results = selected[(case.pack, case.rule)].results
    assert len(results) > case.index, f"{case.id}：运行结果中没有这个用例"
    result = results[case.index]
    assert result.name == case.name, (result.name, case.name)
    if not result.passed:
        pytest.fail(explain(case, result), pytrace=False)


def test_cases_are_collected_as_the_runner_reports_them(summaries) -> None:
    assert len(CASES) == sum(len(s.results) for s in summaries.values()) >= 300
    assert len({c.id for c in CASES}) == len(CASES), "two cases of one rule share a name"


def test_every_rule_has_a_passing_and_a_failing_case(summaries) -> None:
    incomplete = [f"{pack}/{rule}" for (pack, rule), s in summaries.items() if s.required and not (s.has_ok and s.has_fail)]
    assert incomplete == []
    assert len({rule for _, rule in summaries}) >= 50


def test_local_pack_overrides_are_tested(summaries) -> None:
    local = [s for (_, rule), s in summaries.items() if rule == "PUB-DEADLINE-DEPT" and not s.required]
    assert local and all(s.passed for s in local) and sum(len(s.results) for s in local) >= 2


def test_a_failing_case_names_its_rule_and_the_difference() -> None:
    case = Case("national-2021", "T3-A1", 1, "本年新收自然人由 4 改为 5")
    result = CaseResult("T3-A1", case.name, False,
                        expected=[("compliance", "表三「自然人」列", "不相等（相差 1）。")],
                        actual=[("compliance", "表三「自然人」列", "不等于（相差 1）。")])
    text = explain(case, result)
    assert "T3-A1" in text and "national-2021" in text and case.name in text
    assert "  - [compliance] 表三「自然人」列：不相等（相差 1）。" in text
    assert "  + [compliance] 表三「自然人」列：不等于（相差 1）。" in text


# --- `auditor rules test`, in this process, on a pack of one rule ---------------------------------

def one_rule_pack(root: Path, rule: str) -> Path:
    """A rules folder holding the national-2021 pack with only `rule` (and its cases) and the fixtures."""
    source = next(RULES.joinpath("national-2021").rglob(f"{rule}.yaml"))
    pack = root / "rules" / "national-2021"
    (pack / source.parent.name).mkdir(parents=True)
    shutil.copy2(RULES / "national-2021" / "pack.yaml", pack / "pack.yaml")
    for path in (source, source.with_name(f"{rule}.cases.yaml")):
        shutil.copy2(path, pack / source.parent.name / path.name)
    shutil.copytree(FIXTURES, root / "rules" / "fixtures")
    return root / "rules"


def rules_test(auditor_main, rules: Path):
    return auditor_main("rules", "--rules", str(rules), "test")


def test_rules_test_command_passes_on_a_sound_pack(tmp_path, auditor_main):
    done = rules_test(auditor_main, one_rule_pack(tmp_path, "T3-A1"))
    assert done.code == 0, done.out
    assert "通过    T3-A1" in done.out and "全部通过" in done.out


def test_rules_test_command_fails_when_a_case_fails(tmp_path, auditor_main):
    rules = one_rule_pack(tmp_path, "T3-A1")
    cases = rules / "national-2021" / "tables" / "T3-A1.cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("4+0=4 不相等", "4+0=4 不等于"), encoding="utf-8")
    done = rules_test(auditor_main, rules)
    assert done.code == 1
    assert "未通过  T3-A1" in done.out and "未通过用例 1 个" in done.out


def test_rules_test_command_fails_without_a_failing_case(tmp_path, auditor_main):
    rules = one_rule_pack(tmp_path, "TXT-PERIOD")
    cases = rules / "national-2021" / "text" / "TXT-PERIOD.cases.yaml"
    data = yaml.safe_load(cases.read_text(encoding="utf-8"))
    data["cases"] = [c for c in data["cases"] if not c["expect"]]
    cases.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = rules_test(auditor_main, rules)
    assert done.code == 1
    assert "缺少不通过的用例" in done.out
