"""One home per domain fact: the workbook, the roster sheet and the findings give one answer.

Deadlines come from the publication rules (a local pack's override included), so 总览's 发布期限 and
按期发布 can never contradict a PUB-DEADLINE finding; an unknown publication date is never 按期.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor import domain
from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.outputs.xlsx import write_xlsx
from auditor.roster import coverage
from auditor.rules.loader import load_packs

from .conftest import RULES, ZIBO

ROOT = RULES.parent
HUAIHUA = ROOT / "examples" / "local-packs" / "huaihua-2021"


@pytest.fixture(scope="module")
def zibo():
    report = extract(read_document(ZIBO))
    assert report.meta["agency"].endswith("分局") and report.meta["year"] == 2022
    return report


@pytest.fixture(scope="module")
def huaihua():
    return load_packs(RULES, [HUAIHUA])


def _published(report, date):
    return dataclasses.replace(report, meta={**report.meta, "published": date})


def _overview(tmp_path: Path, reports, packs) -> tuple[list[dict], pd.DataFrame]:
    """The 总览 sheet of the workbook as written (read back with openpyxl), and the findings."""
    result = audit(reports, packs)
    path = tmp_path / "summary.xlsx"
    write_xlsx(path, result.findings, result.reports)
    ws = openpyxl.load_workbook(path, read_only=True)["总览"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]], result.findings


@pytest.mark.parametrize("date, status", [("2023-01-28", domain.ON_TIME), ("2023-01-29", domain.LATE),
                                          ("2023-02-15", domain.LATE)])
def test_workbook_deadline_agrees_with_finding_under_local_pack(tmp_path, zibo, huaihua, date, status):
    rows, findings = _overview(tmp_path, [_published(zibo, date)], huaihua)
    (row,) = rows
    assert row["发布期限"] == dt.datetime(2023, 1, 28)   # huaihua: departments by 28 January, not 31 (a date cell)
    assert row["按期发布"] == status
    late = findings[(findings["rule_id"] == "PUB-DEADLINE-DEPT") & (findings["category"] == "compliance")]
    assert (len(late) == 1) == (status == domain.LATE)
    if len(late):
        assert "2023年1月28日" in late["message"].iloc[0]


def test_workbook_deadline_follows_national_rules(tmp_path, zibo, packs):
    rows, findings = _overview(tmp_path, [_published(zibo, "2023-01-29")], packs)
    assert (rows[0]["发布期限"], rows[0]["按期发布"]) == (dt.datetime(2023, 1, 31), domain.ON_TIME)
    assert not (findings["rule_id"].str.startswith("PUB-DEADLINE") & (findings["category"] == "compliance")).any()


@pytest.mark.parametrize("missing", [None, float("nan"), ""])
def test_unknown_publication_date_is_never_on_time(tmp_path, zibo, packs, missing):
    rows, findings = _overview(tmp_path, [_published(zibo, missing)], packs)
    assert rows[0]["按期发布"] == "无法判断（发布日期不明）" == domain.DATE_UNKNOWN
    pub = findings[findings["rule_id"] == "PUB-DEADLINE-DEPT"]
    assert list(pub["category"]) == ["extraction"]          # the finding says the same: not judged
    assert "按期发布无法判断（发布日期不明）" in pub["message"].iloc[0]


def test_unknown_date_same_answer_on_roster_sheet(zibo, packs):
    result = audit([_published(zibo, None)], packs)
    over = result.reports.assign(agency_type=[domain.agency_type_word(t) for t in result.reports["agency_type"]])
    roster = pd.DataFrame({"name": [zibo.meta["agency"]], "aliases": [[]], "region": [None],
                           "agency_type": [None], "parent": [None]})
    sheet = coverage(over, roster, 2022, domain.deadlines_by_type(packs, "2021", 2022))
    assert list(sheet["类别"]) == ["发布日期不明"]
    assert result.reports["deadline_status"].tolist() == [domain.DATE_UNKNOWN]


def test_roster_sheet_deadline_from_local_pack(zibo, huaihua):
    late = _published(zibo, "2023-01-29")
    result = audit([late], huaihua)
    frame = pd.DataFrame({"file": [late.file], "agency": [late.meta["agency"]], "year": [2022],
                          "published": ["2023-01-29"], "agency_type": ["department"]})
    roster = pd.DataFrame({"name": [zibo.meta["agency"]], "aliases": [[]], "region": [None],
                           "agency_type": [None], "parent": [None]})
    sheet = coverage(frame, roster, 2022, domain.deadlines_by_type(huaihua, "2021", 2022))
    assert list(sheet["类别"]) == ["逾期发布"]
    assert sheet["发布期限"].tolist() == result.reports["deadline"].tolist() == ["2023-01-28"]


def test_national_rules_set_the_statutory_deadlines(packs):
    """条例第四十九条: departments 1-31, governments 3-31; unknown types get the lenient one, and so do
    townships: their 1-31 is local custom (PUB-DEADLINE-TOWNSHIP, 提示), never 逾期 in the overview."""
    assert domain.deadlines_by_type(packs, "2021", 2022) == {
        "government": "03-31", "department": "01-31", "township": "03-31", "unknown": "03-31"}


def test_township_custom_deadline_is_a_hint_not_late(tmp_path, zibo, packs):
    town = dataclasses.replace(zibo, meta={**zibo.meta, "agency": "沭城镇人民政府", "published": "2023-02-15"})
    rows, findings = _overview(tmp_path, [town], packs)
    assert (rows[0]["单位类型"], rows[0]["发布期限"], rows[0]["按期发布"]) == ("乡镇（街道）", dt.datetime(2023, 3, 31), domain.ON_TIME)
    hint = findings[findings["rule_id"] == "PUB-DEADLINE-TOWNSHIP"]
    assert list(hint["severity"]) == ["info"] and "2023年1月31日" in hint["message"].iloc[0]


def test_agency_types_given_by_name_variants(zibo, packs):
    """An override names the agency however it is spaced or written (one key everywhere)."""
    name = zibo.meta["agency"]
    spaced = " ".join(name)
    result = audit([_published(zibo, "2023-03-01")], packs, agency_types={spaced: "government"})
    assert result.reports["agency_type"].tolist() == ["人民政府"]
    f = result.findings
    assert not (f["rule_id"].str.startswith("PUB-DEADLINE") & (f["category"] == "compliance")).any()
    assert result.reports["deadline"].tolist() == ["2023-03-31"]


def test_agency_key_is_one_function():
    from auditor.roster import normalize_agency

    assert domain.agency_key("沭阳县 人民政府") == domain.agency_key("沭阳县政府") == normalize_agency("沭阳县人民政府")
    assert domain.agency_key(None) is None and domain.agency_key("（）") is None


_DUPLICATES = [
    (r'"error":\s*"错误"|"错误":\s*"error"', "severity words"),
    (r'"error":\s*0', "severity order"),
    (r'"government":\s*"人民政府"|"人民政府":\s*"government"', "agency-type words"),
    (r'"(?:01|03)-31"', "deadlines"),
    (r'"无法判断（发布日期不明）"|"基本合格（有警告）"', "verdict words"),
    (r'normalize_label\(\s*(?:a|agency|r\.meta)', "agency key"),
    (r'str\.replace\(r"\\s\+", "", regex=True\)\.map\(agency_types\)', "agency-type override lookup"),
]


@pytest.mark.parametrize("pattern, what", _DUPLICATES)
def test_domain_literals_live_in_one_module(pattern, what):
    home = ROOT / "auditor" / "domain.py"
    copies = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "auditor").rglob("*.py"))
              if p != home and re.search(pattern, p.read_text(encoding="utf-8"))]
    assert copies == [], f"{what} defined outside auditor/domain.py"


def test_ledger_rekeys_versions_stored_under_an_earlier_agency_key(tmp_path, zibo):
    """A ledger written before the one agency key still finds an agency's earlier year."""
    from auditor.ledger import Ledger, pack_report

    gov = dataclasses.replace(zibo, meta={**zibo.meta, "agency": "沭阳县人民政府", "year": 2021})
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path)
    with ledger.db:
        ledger.db.execute("INSERT INTO versions VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                          ("h1", gov.file, "沭阳县人民政府", "沭阳县人民政府", 2021, gov.template, gov.status,
                           gov.meta["published"], "2022", "2022", pack_report(gov)))
        ledger.db.execute("DELETE FROM meta WHERE key = 'agency_key'")     # as an earlier version left it
    ledger.close()
    ledger = Ledger(path)
    try:
        key = domain.agency_key("沭阳县 政府")
        assert ledger.db.execute("SELECT agency_key FROM versions").fetchone()[0] == key == "沭阳县"
        assert [r.meta["agency"] for r in ledger.reports_of([(key, 2021)])] == ["沭阳县人民政府"]
    finally:
        ledger.close()
