"""Text-versus-table claims on a real report: every reading the format allows is tried.

pingtan-2022.txt says 「全区收到政府信息公开申请75件」 with 表三 本年新收 74 and 上年结转 1: offices (and the
format's own 勾稽 note) count 75 as received-and-handled, so no finding of any kind may come of it. A
number that matches none of the readings is the report's problem only when every reading was read
exactly; otherwise it is 需人工核查.
"""
from __future__ import annotations

import dataclasses

import msgspec
import pandas as pd
import pytest

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document

from .conftest import SAMPLES

PINGTAN = SAMPLES / "pingtan-2022.txt"
CLAIM = "全区收到政府信息公开申请75件"
RULE = "TXT-TABLE-CONSIST-APPLY"


@pytest.fixture(scope="module")
def pingtan():
    return extract(read_document(PINGTAN))


def _variant(tmp_path, text: str, name: str = "pingtan-2022.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(read_document(path))


def _read_exactly(report):
    """The report as it would be with every table-3 cell read directly (a better reader)."""
    cells = [msgspec.structs.replace(c, derived=False) if c.table == "t3" else c for c in report.cells]
    return dataclasses.replace(report, cells=cells)


def _claims(report, packs) -> pd.DataFrame:
    f = audit([report], packs).findings
    return f[f["rule_id"] == RULE]


def test_real_report_claim_matches_new_plus_carried_over(pingtan, packs):
    assert CLAIM in PINGTAN.read_text(encoding="utf-8")
    t3 = pingtan.as_json()["tables"]["t3"]
    assert (t3["new_received"]["total"], t3["carried_over"]["total"]) == (74, 1)
    assert _claims(pingtan, packs).empty            # inferred cells as read today


def test_real_report_claim_with_cells_read_exactly(pingtan, packs):
    exact = _read_exactly(pingtan)
    assert not any(c.derived for c in exact.cells if c.table == "t3")
    assert _claims(exact, packs).empty


def test_number_matching_no_reading_is_reported_with_readings_tried(tmp_path, packs):
    text = PINGTAN.read_text(encoding="utf-8").replace(CLAIM, "全区收到政府信息公开申请80件")
    report = _read_exactly(_variant(tmp_path, text))
    got = _claims(report, packs)
    assert list(got["category"]) == ["compliance"]
    assert got["message"].iloc[0] == (
        "正文写收到政府信息公开申请 80 件（原文「全区收到政府信息公开申请80件」），"
        "与表三本年新收申请总计 74 件、新收加上年结转 75 件、办理结果（七）总计 75 件均不一致。")
    assert got["severity"].iloc[0] == "error"


def test_mismatch_against_inferred_cells_is_only_for_review(tmp_path, packs):
    text = PINGTAN.read_text(encoding="utf-8").replace(CLAIM, "全区收到政府信息公开申请80件")
    got = _claims(_variant(tmp_path, text), packs)       # the run-together cells are inferred
    assert list(got["category"]) == ["extraction"]
    assert "系推断所得" in got["message"].iloc[0] and "需人工核查" in got["message"].iloc[0]


@pytest.mark.parametrize("stated", [74, 75])
def test_each_allowed_reading_is_consistent(tmp_path, packs, stated):
    text = PINGTAN.read_text(encoding="utf-8").replace(CLAIM, f"全区收到政府信息公开申请{stated}件")
    assert _claims(_read_exactly(_variant(tmp_path, text)), packs).empty


def test_review_and_litigation_claims_agree_on_the_real_report(pingtan, packs):
    f = audit([_read_exactly(pingtan)], packs).findings
    assert f[f["rule_id"].str.startswith("TXT-TABLE-CONSIST")].empty


@pytest.mark.parametrize("compare, problem", [
    ("    cells: [{table: t3, row: new_received, col: total}]\n"
     "    readings: [{label: 甲, cells: [{table: t3, row: new_received, col: total}]}]\n",
     "以下各项只能写其中一项：「cells」、「readings」、「meta」、「multiple_of」"),
    ("    unit: 件\n", "以下各项须写其中一项：「cells」、「readings」、「meta」、「multiple_of」"),
    ("    readings: [{cells: [{table: t3, row: new_received, col: total}]}]\n", "缺少必填键：「label」"),
])
def test_readings_are_declared_in_the_rule_file(tmp_path, compare, problem):
    from auditor.rules.loader import RuleError, load_packs

    from .conftest import RULES

    (tmp_path / "pack.yaml").write_text("id: my-pack\ntitle: 测试\nextends: national-2021\n"
                                        "templates: [\"2021\", \"unknown\"]\n", encoding="utf-8")
    (tmp_path / "X-CLAIM.yaml").write_text(
        "id: X-CLAIM\ntitle: 测试规则\nseverity: info\nkind: text_number\nbasis: 测试\nmessage: '{readings}'\n"
        "params:\n  scope: report\n  regex: '收到(?P<n>\\d+)件'\n  compare:\n" + compare, encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_packs(RULES, [tmp_path])
    assert any(problem in p for p in err.value.problems), err.value.problems
