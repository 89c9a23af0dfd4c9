"""Waivers: an accepted finding stays visible as waived; expired and unused waivers are reported."""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from auditor import cli
from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.rules.loader import RuleError
from auditor.waivers import load_waivers

from . import mutate as m
from .conftest import RULES, ZIBO

WAIVERS = """waivers:
  - rule: T4-A4
    agency: 淄博市公安局高新区分局
    year: 2022
    reason: 已与单位核实，总计栏为排版错误
    approved_by: 张三
    expires: "2099-12-31"
  - rule: T3-A1
    agency: 淄博市公安局高新区分局
    year: 2022
    reason: 过期的豁免
    approved_by: 李四
    expires: "2020-01-01"
  - rule: SEC-PRESENT
    agency: 淄博市公安局高新区分局
    year: 2022
    reason: 没有对应问题的豁免
    approved_by: 王五
    expires: "2099-12-31"
"""


@pytest.fixture()
def broken(tmp_path):
    text = m.set_t4_cell(ZIBO.read_text(encoding="utf-8"), 4, "1")
    text = m.set_t3_cell(text, "一、本年新收政府信息公开申请数量", 0, "5")
    path = tmp_path / "broken.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_waiver_statuses(tmp_path, broken, packs):
    (tmp_path / "w.yaml").write_text(WAIVERS, encoding="utf-8")
    waivers = load_waivers(tmp_path / "w.yaml")
    result = audit([extract(read_document(broken))], packs, waivers=waivers, today=dt.date(2026, 11, 27))
    f = result.findings.set_index("rule_id")
    assert bool(f.loc["T4-A4", "waived"]) is True
    assert f.loc["T4-A4", "waiver"].startswith("已豁免：已与单位核实")
    assert bool(f.loc["T3-A1", "waived"]) is False and f.loc["T3-A1", "waiver"].startswith("豁免已过期")
    assert list(result.waivers["status"]) == ["有效", "已过期", "未使用"]
    # the waived error no longer counts; the expired one still does
    # (T3-A1, T3-A3 and TXT-TABLE-CONSIST-APPLY — the prose says 4 applications — remain)
    assert int(result.reports.loc[0, "n_error"]) == 3


def test_cli_writes_waiver_sheet(tmp_path, broken, capsys):
    (tmp_path / "w.yaml").write_text(WAIVERS, encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["run", str(broken), "--out", str(out), "--rules", str(RULES),
                     "--waivers", str(tmp_path / "w.yaml")]) == 0
    assert "豁免 3 条：有效 1，已过期 1，未使用 1" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out / "latest" / "summary.xlsx")
    rows = list(wb["豁免"].iter_rows(values_only=True))
    assert rows[0][0] == "规则编号" and [r[8] for r in rows[1:]] == ["有效", "已过期", "未使用"]
    issues = list(wb["问题清单"].iter_rows(values_only=True))
    col = issues[0].index("豁免")
    assert any(r[col] and r[col].startswith("已豁免") for r in issues[1:])
    lines = [json.loads(x) for x in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]
    assert any(x["rule_id"] == "T4-A4" and x["waived"] for x in lines)


def test_bad_waiver_file(tmp_path):
    (tmp_path / "w.yaml").write_text("waivers:\n  - rule: T4-A4\n    reason: x\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_waivers(tmp_path / "w.yaml")
    assert err.value.problems[0].startswith(f"豁免清单 {tmp_path / 'w.yaml'} 第 2 行：waivers[0]: 缺少必填键")
