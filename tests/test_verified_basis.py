"""Only verified requirements count against an agency by default.

Rules whose national basis could not be verified (annual-report-format.md marks them UNVERIFIED, or
they rest on local notices or best practice) are 提示 (info): they never turn an agency 不合格 or
基本合格（有警告）. A local pack may raise them where a local notice requires the item. No title or
message shows an agency a requirement called 未核实.
"""
from __future__ import annotations

import dataclasses

import pytest

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.outputs.tables import verdict
from auditor.rules.loader import load_packs

from .conftest import RULES, ZIBO

ROOT = RULES.parent
UNVERIFIED = ["TXT-OTHER-ITEMS-INNOVATION", "TXT-OTHER-ITEMS-POINTS", "TXT-OTHER-ITEMS-PROPOSALS",
              "TXT-GOV-REGION", "TXT-FEE-LOGIC", "PUB-DEADLINE-TOWNSHIP", "NUM-BLANK", "TXT-CONTACT",
              "TXT-PERIOD", "FMT-CITE", "T3-NOTE"]


@pytest.fixture(scope="module")
def zibo():
    return extract(read_document(ZIBO))


def _all_rules(packs):
    return [r for p in packs for r in p.rules]


@pytest.mark.parametrize("rule_id", UNVERIFIED)
def test_unverified_requirements_are_hints(packs, rule_id):
    got = {(p.id, r.severity) for p in packs for r in p.rules if r.id == rule_id}
    assert got and all(sev == "info" for _, sev in got), got


def test_no_requirement_is_called_unverified_in_front_of_an_agency(packs):
    local = load_packs(RULES, [ROOT / "examples" / "local-packs" / "huaihua-2021"])
    for rule in _all_rules(packs) + _all_rules(local):
        for text in (rule.title, rule.message, rule.basis):
            assert "未核实" not in text and "未经核实" not in text, (rule.id, text)


def test_real_report_with_only_an_unverified_item_missing_is_compliant(zibo, packs):
    """zibo-gaoxin-police-2022 mentions no 人大代表建议/政协提案 anywhere: a hint, not a warning."""
    result = audit([zibo], packs)
    f = result.findings
    assert f[(f["category"] == "compliance")][["rule_id", "severity"]].values.tolist() == [
        ["TXT-OTHER-ITEMS-PROPOSALS", "info"]]
    row = result.reports.iloc[0]
    assert verdict(row["status"], row["n_error"], row["n_warning"]) == "合格"


def test_a_local_pack_may_raise_an_unverified_item(tmp_path, zibo):
    local = tmp_path / "my-city"
    local.mkdir()
    (local / "pack.yaml").write_text(
        "id: my-city\ntitle: 本地规则包（测试）\nextends: national-2021\ntemplates: [\"2021\", \"unknown\"]\n"
        "overrides:\n  TXT-OTHER-ITEMS-PROPOSALS:\n    severity: warning\n"
        "    basis: 某市年度报告编制通知（第六部分须报告建议提案办理结果公开情况）\n", encoding="utf-8")
    packs = load_packs(RULES, [local])
    result = audit([dataclasses.replace(zibo)], packs)
    f = result.findings
    raised = f[f["rule_id"] == "TXT-OTHER-ITEMS-PROPOSALS"]
    assert raised[["severity", "basis"]].values.tolist() == [
        ["warning", "某市年度报告编制通知（第六部分须报告建议提案办理结果公开情况）"]]
    row = result.reports.iloc[0]
    assert verdict(row["status"], row["n_error"], row["n_warning"]) == "基本合格（有警告）"
