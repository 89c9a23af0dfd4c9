"""Tests for auditor.outputs: content, Chinese labels, formula escaping and atomic replacement."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import auditor.outputs as outputs
from auditor.outputs import write_outputs
from auditor.outputs import xlsx as xlsx_mod
from auditor.outputs.atomic import atomic_path
from auditor.outputs.escape import escape_cell
from auditor.outputs.tables import FINDING_COLUMNS, REPORT_COLUMNS, verdict

EVIL_AGENCY = '=HYPERLINK("http://x","y")'
BOM = b"\xef\xbb\xbf"


def _finding(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "file": "a.html", "agency": "某市交通运输局", "year": 2023, "rule_id": "T3-001",
        "rule_kind": "table_sum", "title": "表三合计一致", "severity": "error",
        "category": "compliance", "location": "表三「自然人」列", "message": "合计不等于分项之和",
        "basis": "《中华人民共和国政府信息公开条例》第五十条", "values": {"合计": 10, "分项和": 9},
        "fingerprint": "ab12",
    }
    base.update(kw)
    return base


@pytest.fixture()
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    findings = pd.DataFrame([
        _finding(agency=EVIL_AGENCY, rule_id="T3-002", severity="warning", message="+号开头的说明",
                 fingerprint="f1"),
        _finding(agency=EVIL_AGENCY, message="@SUM(A1)", fingerprint="f2"),
        _finding(agency=EVIL_AGENCY, rule_id="T2-001", severity="info", message="-1+2",
                 values={"x": None, "名称": "=1+1"}, fingerprint="f3"),
        _finding(file="b.txt", agency=None, year=None, rule_id="X-001", rule_kind="extraction",
                 title="表格无法读取", severity="warning", category="extraction",
                 location="表三", message="表三未能识别，需人工核查", values={}, fingerprint="f4"),
    ], columns=FINDING_COLUMNS)
    reports = pd.DataFrame([
        {"file": "a.html", "agency": EVIL_AGENCY, "year": 2023, "template": "2021",
         "published": "2024-01-20", "status": "complete", "problems": [], "n_error": 1,
         "n_warning": 1, "n_info": 1, "n_extraction": 0},
        {"file": "b.txt", "agency": None, "year": None, "template": None, "published": None,
         "status": "partial", "problems": ["表四缺失"], "n_error": 0, "n_warning": 0,
         "n_info": 0, "n_extraction": 1},
        {"file": "c.pdf", "agency": "某区政府办", "year": 2022, "template": "2019",
         "published": None, "status": "failed", "problems": ["无法解码", "正文为空"],
         "n_error": 0, "n_warning": 0, "n_info": 0, "n_extraction": 0},
    ], columns=REPORT_COLUMNS)
    return findings, reports


def _rows(ws) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _col(ws, header: str) -> list[object]:
    rows = _rows(ws)
    idx = rows[0].index(header)
    return [r[idx] for r in rows[1:]]


# ------------------------------------------------------------------ escaping

@pytest.mark.parametrize("raw", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "  =1", "-"])
def test_escape_cell_prefixes_formula_starts(raw: str) -> None:
    assert escape_cell(raw) == "'" + raw


@pytest.mark.parametrize("raw", ["某市交通运输局", "", "1-2", "a=b", 5, None, 2.5])
def test_escape_cell_leaves_safe_values(raw: object) -> None:
    assert escape_cell(raw) == raw


def test_verdict_words() -> None:
    assert verdict("failed", 3, 0) == "无法审核（需人工核查）"
    assert verdict("complete", 1, 1) == "不合格"
    assert verdict("complete", 0, 2) == "基本合格（有警告）"
    assert verdict("complete", 0, 0) == "合格"
    assert verdict("partial", 0, 0) == "合格；部分内容未能读取"


# ------------------------------------------------------------------ files

def test_returns_paths_and_creates_dir(tmp_path: Path, frames, monkeypatch) -> None:
    monkeypatch.setenv("AUDITOR_TODAY", "2026-03-09")
    out = tmp_path / "new" / "dir"
    paths = write_outputs(out, *frames)
    assert [p.name for p in paths] == ["findings.jsonl", "findings.csv", "summary.xlsx", "年报审核汇总-2026-03.xlsx"]
    assert paths[3].read_bytes() == paths[2].read_bytes()
    assert all(p.parent == out and p.is_file() for p in paths)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)


def test_jsonl_round_trip(tmp_path: Path, frames) -> None:
    findings, _ = frames
    path = write_outputs(tmp_path, *frames)[0]
    raw = path.read_bytes()
    assert not raw.startswith(BOM)
    assert "表三「自然人」列".encode() in raw  # ensure_ascii=False: Chinese stays readable
    lines = raw.decode("utf-8").splitlines()
    assert len(lines) == len(findings)
    objs = [json.loads(line) for line in lines]
    assert all(list(o) == ["schema", *FINDING_COLUMNS] and o["schema"] == "finding.v1" for o in objs)
    first, last = objs[0], objs[3]
    assert first["agency"] == EVIL_AGENCY  # data, not escaped
    assert first["message"] == "+号开头的说明"
    assert first["year"] == 2023 and isinstance(first["year"], int)
    assert first["values"] == {"合计": 10, "分项和": 9}
    assert objs[2]["values"] == {"x": None, "名称": "=1+1"}
    assert last["year"] is None and last["agency"] is None and last["values"] == {}
    assert [o["fingerprint"] for o in objs] == ["f1", "f2", "f3", "f4"]


def test_jsonl_year_stays_int_when_column_is_float(tmp_path: Path, frames) -> None:
    findings, reports = frames
    findings = findings.copy()
    findings["year"] = findings["year"].astype("float64")  # what pandas does with int + None
    objs = [json.loads(x) for x in
            write_outputs(tmp_path, findings, reports)[0].read_text("utf-8").splitlines()]
    assert [o["year"] for o in objs] == [2023, 2023, 2023, None]


def test_csv_bom_headers_and_escaping(tmp_path: Path, frames) -> None:
    path = write_outputs(tmp_path, *frames)[1]
    assert path.read_bytes().startswith(BOM)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["文件", "单位", "年度", "规则编号", "规则类型", "规则名称", "严重程度", "类别",
                       "位置", "问题说明", "依据", "数值", "指纹"]
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert len(body) == 4
    assert body[0]["单位"] == "'" + EVIL_AGENCY
    assert body[0]["问题说明"] == "'+号开头的说明"
    assert body[1]["问题说明"] == "'@SUM(A1)"
    assert body[2]["问题说明"] == "'-1+2"
    assert [b["严重程度"] for b in body] == ["警告", "错误", "提示", "警告"]
    assert body[0]["类别"] == "合规问题"
    assert body[3]["类别"] == "读取问题（需人工核查）"
    assert body[0]["年度"] == "2023" and body[3]["年度"] == "" and body[3]["单位"] == ""
    assert json.loads(body[0]["数值"]) == {"合计": 10, "分项和": 9}
    assert body[0]["数值"] == '{"合计":10,"分项和":9}'
    for row in rows:
        for cell in row:
            assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell


def test_xlsx_structure_and_safety(tmp_path: Path, frames) -> None:
    path = write_outputs(tmp_path, *frames)[2]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["总览", "问题清单", "需人工核查", "规则统计"]
    expected_headers = {
        "总览": ["单位", "年度", "格式", "发布日期", "读取状态", "错误", "警告", "提示",
               "读取问题", "审核结论", "文件"],
        "问题清单": ["单位", "年度", "文件", "严重程度", "规则编号", "规则名称", "位置", "问题说明",
                 "依据", "数值", "处理意见", "说明", "处理记录", "指纹"],
        "需人工核查": ["文件", "单位", "年度", "读取状态", "规则编号", "原因"],
        "规则统计": ["规则编号", "规则名称", "严重程度", "类别", "发现数", "涉及报告数"],
    }
    for ws in wb.worksheets:
        assert _rows(ws)[0] == expected_headers[ws.title]
        assert all(c.font.b for c in ws[1]), ws.title
        # the header row, and the columns up to 单位 (wherever it is)
        headers = expected_headers[ws.title]
        agency = headers.index("单位") + 1 if "单位" in headers else 0
        assert ws.freeze_panes == f"{openpyxl.utils.get_column_letter(agency + 1)}2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
                if isinstance(c.value, str):
                    assert not c.value.lstrip().startswith(("=", "+", "-", "@")), c.value


def test_xlsx_widths_and_wrapping(tmp_path: Path, frames) -> None:
    findings, reports = frames
    findings = findings.copy()
    findings.loc[0, "message"] = "数据不一致" * 40  # 400 display units: must be capped and wrapped
    ws = openpyxl.load_workbook(write_outputs(tmp_path, findings, reports)[2])["问题清单"]
    headers = _rows(ws)[0]
    msg = ws.cell(row=1, column=headers.index("问题说明") + 1).column_letter
    sev = ws.cell(row=1, column=headers.index("严重程度") + 1).column_letter
    assert 55 <= ws.column_dimensions[msg].width <= 62
    assert ws[f"{msg}3"].alignment.wrap_text  # row sorted: error, warning(long msg), info
    assert 8 <= ws.column_dimensions[sev].width < 20
    assert not ws[f"{sev}2"].alignment.wrap_text


def test_xlsx_overview(tmp_path: Path, frames) -> None:
    ws = openpyxl.load_workbook(write_outputs(tmp_path, *frames)[2])["总览"]
    rows = {r[-1]: dict(zip(_rows(ws)[0], r)) for r in _rows(ws)[1:]}      # 文件 is the last column
    assert set(rows) == {"a.html", "b.txt", "c.pdf"}
    a, b, c = rows["a.html"], rows["b.txt"], rows["c.pdf"]
    assert a["单位"] == "'" + EVIL_AGENCY
    assert a["年度"] == 2023 and isinstance(a["年度"], int)
    assert (a["格式"], b["格式"], c["格式"]) == ("2021版", "未识别", "2019版")
    assert (a["读取状态"], b["读取状态"], c["读取状态"]) == ("完整", "部分读取", "读取失败")
    assert (a["错误"], a["警告"], a["提示"], b["读取问题"]) == (1, 1, 1, 1)
    assert a["审核结论"] == "不合格"
    assert b["审核结论"] == "合格；部分内容未能读取"
    assert c["审核结论"] == "无法审核（需人工核查）"
    assert b["年度"] is None and b["发布日期"] is None


def test_xlsx_issue_list_excludes_extraction_and_colours_severity(tmp_path: Path, frames) -> None:
    ws = openpyxl.load_workbook(write_outputs(tmp_path, *frames)[2])["问题清单"]
    rows = _rows(ws)
    assert len(rows) == 1 + 3
    assert _col(ws, "规则编号") == ["T3-001", "T3-002", "T2-001"]  # error, warning, info
    assert _col(ws, "严重程度") == ["错误", "警告", "提示"]
    assert "X-001" not in _col(ws, "规则编号")
    assert all("表三未能识别" not in str(v) for r in rows for v in r)
    sev_idx = rows[0].index("严重程度") + 1
    fills = [ws.cell(row=r, column=sev_idx).fill.fgColor.rgb for r in range(2, 5)]
    assert all(isinstance(f, str) and f.upper().endswith(("FFC7CE", "FFEB9C", "DDEBF7"))
               for f in fills), fills
    assert len(set(fills)) == 3  # each severity has its own colour
    assert ws.cell(row=2, column=sev_idx).fill.fgColor.rgb.upper().endswith("FFC7CE")
    assert _col(ws, "问题说明")[1] == "'+号开头的说明"


def test_xlsx_manual_review_sheet(tmp_path: Path, frames) -> None:
    ws = openpyxl.load_workbook(write_outputs(tmp_path, *frames)[2])["需人工核查"]
    recs = [dict(zip(_rows(ws)[0], r)) for r in _rows(ws)[1:]]
    reasons = [r["原因"] for r in recs]
    assert "表四缺失" in reasons
    assert "表三未能识别，需人工核查" in reasons
    assert "无法解码" in reasons and "正文为空" in reasons
    assert all(r["文件"] != "a.html" for r in recs)  # complete report without extraction findings
    extraction = next(r for r in recs if r["原因"] == "表三未能识别，需人工核查")
    assert extraction["规则编号"] == "X-001" and extraction["读取状态"] == "部分读取"
    partial = next(r for r in recs if r["原因"] == "表四缺失")
    assert partial["读取状态"] == "部分读取" and partial["规则编号"] is None


def test_xlsx_rule_stats(tmp_path: Path, frames) -> None:
    findings, reports = frames
    findings = pd.concat([findings, pd.DataFrame(
        [_finding(file="z.html", fingerprint="f5"), _finding(fingerprint="f6")])],
        ignore_index=True)
    ws = openpyxl.load_workbook(write_outputs(tmp_path, findings, reports)[2])["规则统计"]
    stats = {r[0]: dict(zip(_rows(ws)[0], r)) for r in _rows(ws)[1:]}
    assert set(stats) == {"T2-001", "T3-001", "T3-002", "X-001"}
    assert stats["T3-001"]["发现数"] == 3 and stats["T3-001"]["涉及报告数"] == 2
    assert stats["T3-001"]["严重程度"] == "错误" and stats["T3-001"]["类别"] == "合规问题"
    assert stats["X-001"]["类别"] == "读取问题（需人工核查）"


def test_empty_inputs_still_have_headers(tmp_path: Path) -> None:
    findings = pd.DataFrame(columns=FINDING_COLUMNS)
    reports = pd.DataFrame(columns=REPORT_COLUMNS)
    jsonl, csv_path, xlsx_path, dated = write_outputs(tmp_path, findings, reports)
    assert dated.read_bytes() == xlsx_path.read_bytes()
    assert jsonl.read_text("utf-8") == ""
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [["文件", "单位", "年度", "规则编号", "规则类型", "规则名称",
                                         "严重程度", "类别", "位置", "问题说明", "依据", "数值", "指纹"]]
    wb = openpyxl.load_workbook(xlsx_path)
    for ws in wb.worksheets:
        assert ws.max_row == 1 and ws["A1"].value
        assert ws.freeze_panes in ("A2", "B2", "C2") and ws.auto_filter.ref    # the header (and up to 单位)


def test_missing_column_is_a_clear_error(tmp_path: Path, frames) -> None:
    findings, reports = frames
    with pytest.raises(ValueError, match="fingerprint"):
        write_outputs(tmp_path, findings.drop(columns=["fingerprint"]), reports)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ atomicity

def test_failed_xlsx_keeps_previous_outputs(tmp_path: Path, frames, monkeypatch) -> None:
    findings, reports = frames
    paths = write_outputs(tmp_path, findings, reports)
    before = {p.name: p.read_bytes() for p in paths}

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsx_mod, "write_sheet", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_outputs(tmp_path, findings.iloc[:1], reports.iloc[:1])
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # all three untouched, no temp files left over


def test_failed_xlsx_close_leaves_no_temp(tmp_path: Path, frames, monkeypatch) -> None:
    (tmp_path / "summary.xlsx").write_bytes(b"old")
    monkeypatch.setattr(outputs, "write_xlsx", lambda *a: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        write_outputs(tmp_path, *frames)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.xlsx"]
    assert (tmp_path / "summary.xlsx").read_bytes() == b"old"


def test_atomic_path_replaces_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(ValueError):
        with atomic_path(target) as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".x.txt.tmp-")
            tmp.write_text("half", encoding="utf-8")
            raise ValueError
    assert target.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]
    with atomic_path(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert target.read_text("utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


# ------------------------------------------------------------------ workbook written by a child process

def _sheets(path: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: _rows(ws) for ws in wb.worksheets}


def test_background_workbook_equals_inline(tmp_path: Path, frames, monkeypatch) -> None:
    inline = write_outputs(tmp_path / "inline", *frames)
    monkeypatch.setattr(outputs, "BACKGROUND_FROM", 0)          # force the forked writer
    forked = write_outputs(tmp_path / "forked", *frames)
    assert _sheets(forked[2]) == _sheets(inline[2])
    assert forked[0].read_bytes() == inline[0].read_bytes()


def test_background_workbook_failure_keeps_previous_outputs(tmp_path: Path, frames, monkeypatch) -> None:
    findings, reports = frames
    paths = write_outputs(tmp_path, findings, reports)
    before = {p.name: p.read_bytes() for p in paths}
    monkeypatch.setattr(outputs, "BACKGROUND_FROM", 0)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full in the child")

    monkeypatch.setattr(xlsx_mod, "write_sheet", boom)
    with pytest.raises(RuntimeError, match="disk full in the child"):
        write_outputs(tmp_path, findings.iloc[:1], reports.iloc[:1])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_background_child_that_dies_is_an_error(tmp_path: Path, frames, monkeypatch) -> None:
    import os

    monkeypatch.setattr(outputs, "BACKGROUND_FROM", 0)
    monkeypatch.setattr(xlsx_mod, "write_sheet", lambda *a, **k: os._exit(3))
    with pytest.raises(OSError, match="退出码 3"):
        write_outputs(tmp_path, *frames)
    assert list(tmp_path.iterdir()) == []


def test_data_csv_escapes_text_and_keeps_numbers(tmp_path: Path, frames) -> None:
    data = pd.DataFrame({"文件": ["a.html", "b.txt"], "单位": [EVIL_AGENCY, None],
                         "表三·（七）总计·总计": [12, None], "表二·行政事业性收费·本年收费金额（单位：万元）": [1.5, 0]},
                        dtype=object)
    paths = write_outputs(tmp_path, *frames, data=data)
    assert paths[3].name == "data.csv" and paths[3].read_bytes().startswith(BOM)
    rows = list(csv.reader(paths[3].read_text("utf-8-sig").splitlines()))
    assert rows == [list(data.columns), ["a.html", "'" + EVIL_AGENCY, "12", "1.5"], ["b.txt", "", "", "0"]]
    # the table may also be given as a function, called while the workbook is being written
    later = write_outputs(tmp_path / "later", *frames, data=lambda: data)
    assert later[3].read_bytes() == paths[3].read_bytes()


def test_data_csv_from_a_child_process(tmp_path: Path, frames, monkeypatch) -> None:
    data = pd.DataFrame({"文件": ["a.html"], "单位": [EVIL_AGENCY], "表三·（七）总计·总计": [3]}, dtype=object)
    inline = write_outputs(tmp_path / "inline", *frames, data=lambda: data)
    monkeypatch.setattr(outputs, "BACKGROUND_FROM", 0)
    forked = write_outputs(tmp_path / "forked", *frames, data=lambda: data)
    assert forked[3].read_bytes() == inline[3].read_bytes()

    def broken() -> pd.DataFrame:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_outputs(tmp_path / "forked", *frames, data=broken)
    assert forked[3].read_bytes() == inline[3].read_bytes()      # the earlier files stay


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(), st.dates(),
                 st.text(alphabet=st.sampled_from("ab1 \n\t年，Ａ😀-"))))
def test_display_width_is_the_width_by_character(value):
    """The fast path of display_width (ASCII text without a line break: its length) gives what
    counting every character does."""
    assert xlsx_mod.display_width(value) == (0 if value is None else xlsx_mod._width_by_character(str(value)))
