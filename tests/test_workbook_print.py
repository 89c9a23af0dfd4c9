"""summary.xlsx as a printed and filtered document (issue 16, Deliver 2): links to files beside it,
print settings on every sheet, 数据 left off the paper, dates as date cells, 数值 as readable text
(and the decisions import reading it back), the dated twin and the technical files' folder.

One module-scoped run of the real reports in reports_in/ (and one of the shared reports, for the
values of every rule kind they trigger), read back with openpyxl, and the workbook looked at as a
picture through LibreOffice where it is installed."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from openpyxl.utils.cell import absolute_coordinate, get_column_letter, range_boundaries

from auditor.outputs.charts import SHEET_PAINTERS
from auditor.outputs.links import Link
from auditor.outputs.values_text import readable_values
from auditor.outputs.xlsx import DATE_HEADERS, NOT_PRINTED, WORKBOOK_OPTIONS, _Formats, as_date, write_sheet

from .conftest import RULES
from .run_cli import in_process, inbox

TODAY = "2027-01-15"           # the audit's day (AUDITOR_TODAY): names the dated twin, unlike the clock
DATED = "年报审核汇总-2027-01.xlsx"
SHARED = Path("/work/shared/reports")
slow = pytest.mark.slow


# ---------------------------------------------------------------- the link cell (fast)

def _one_sheet(tmp_path: Path, frame: pd.DataFrame):
    path = tmp_path / "t.xlsx"
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    write_sheet(workbook, _Formats(workbook), "总览", frame)
    workbook.close()
    return openpyxl.load_workbook(path)["总览"]


def test_a_link_cell_opens_a_relative_file_and_shows_its_text(tmp_path: Path) -> None:
    targets = ["核查页/某 区#1 报告-1a2b3c4d.html", "核查页/=cmd-00000000.html"]
    frame = pd.DataFrame({"单位": ["甲", "乙", "丙"],
                          "核查页": [Link("查看", targets[0]), Link("=HYPERLINK(1)", targets[1]), None]})
    ws = _one_sheet(tmp_path, frame)
    first, second, blank = ws["B2"], ws["B3"], ws["B4"]
    assert first.value == "查看" and first.hyperlink is not None
    assert first.hyperlink.target.replace("\\", "/") == "核查页/某%20区%231%20报告-1a2b3c4d.html"
    assert not first.hyperlink.location          # "#" is part of the file name, not an anchor
    assert second.value == "'=HYPERLINK(1)" and second.data_type == "s"     # escaped text, no formula
    assert blank.value is None and blank.hyperlink is None


@pytest.mark.parametrize("target", ["", "/etc/passwd", "C:\\x.html", "http://example.com/a"])
def test_a_link_is_to_a_relative_file_only(target: str) -> None:
    with pytest.raises(ValueError):
        Link("看", target)


def test_a_link_reads_as_its_text_where_it_cannot_be_a_link() -> None:
    assert str(Link("查看", "核查页/a.html")) == "查看"


# ---------------------------------------------------------------- 数值 as text (fast)

def test_values_text_labels_every_value_and_keeps_unknown_keys() -> None:
    text = readable_values({"实际标题": "四、行政复议", "规定标题": "四、行政复议、行政诉讼",
                            "差额": -1, "相同比例": 0.125, "读取状态": "partial", "格式": "2021",
                            "原文": "", "年度": None, "实际顺序": [1, 3, 2], "ok": True, "extra_key": 1.0})
    assert text == ("实际标题：四、行政复议；规定标题：四、行政复议、行政诉讼；差额：-1；相同比例：0.125；"
                    "读取状态：部分读取；格式：2021版；原文：（空白）；年度：（无）；实际顺序：1、3、2；ok：是；extra_key：1")
    assert readable_values({}) == readable_values(None) == ""
    assert readable_values(json.dumps({"差额": 2}, ensure_ascii=False)) == "差额：2"     # as the ledger keeps it


def test_an_iso_date_text_becomes_a_date_and_nothing_else_does() -> None:
    assert as_date("2026-03-31") == dt.date(2026, 3, 31)
    assert [as_date(v) for v in ("2026-02-30", "2026年3月", "2026-3-31", "", None, 3)] == \
        ["2026-02-30", "2026年3月", "2026-3-31", "", None, 3]


# ---------------------------------------------------------------- a real run

@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """reports_in/ audited as of TODAY, and the shared reports: their results folders."""
    root = tmp_path_factory.mktemp("print")
    out = {"reports_in": root / "out", "shared": root / "shared-out"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDITOR_TODAY", TODAY)
        done = in_process("run", inbox(root / "in"), "--out", out["reports_in"], "--rules", RULES)
        assert done.returncode in (0, 1), done.stderr.decode()
        if SHARED.is_dir():
            shared = root / "shared-in"
            shutil.copytree(SHARED, shared, ignore=shutil.ignore_patterns("*.yaml"))
            done = in_process("run", shared, "--out", out["shared"], "--rules", RULES)
            assert done.returncode in (0, 1), done.stderr.decode()
    return out


@pytest.fixture(scope="module")
def latest(runs) -> Path:
    return runs["reports_in"] / "latest"


@pytest.fixture(scope="module")
def book(latest):
    return openpyxl.load_workbook(latest / "summary.xlsx")


def _headers(ws) -> list:
    return [c.value for c in ws[1]]


@slow
def test_every_sheet_prints_a4_landscape_one_page_wide_with_its_header(book) -> None:
    assert len(book.worksheets) >= 5
    for ws in book.worksheets:
        setup, fit = ws.page_setup, ws.sheet_properties.pageSetUpPr
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9, ws.title        # A4
        assert fit is not None and fit.fitToPage, ws.title
        assert setup.fitToWidth in (None, 1) and int(setup.fitToHeight) == 0, ws.title  # 1 wide (OOXML default), any tall
        assert ws.print_title_rows == "$1:$1", ws.title
        footer = ws.oddFooter
        if ws.title in SHEET_PAINTERS:      # a painter lays out its own page (charts.py), page numbers kept
            assert "第 &P 页，共 &N 页" in "".join(p.text or "" for p in (footer.left, footer.center, footer.right))
        else:
            assert footer.right.text == "第 &P 页，共 &N 页" and footer.left.text == "&A", ws.title
        if ws.title in NOT_PRINTED:
            continue
        if ws.title in SHEET_PAINTERS:      # charts: Excel's own area (used range and charts), or the painter's
            if ws.print_area is not None:
                left, top, right, bottom = range_boundaries(ws.print_area.split("!")[1])
                assert (left, top) == (1, 1) and right >= ws.max_column and bottom >= ws.max_row, ws.title
        else:
            assert ws.print_area == f"'{ws.title}'!{absolute_coordinate(ws.dimensions)}", ws.title


@slow
def test_the_data_sheet_is_left_off_the_paper_but_stays_in_sight(book) -> None:
    ws = book["数据"]
    assert ws.sheet_state == "visible" and ws.max_row > 1 and ws.max_column > 20
    area = ws.print_area.split("!")[1]
    first_col, first_row, last_col, last_row = range_boundaries(area)
    assert (first_col, first_row) == (last_col, last_row)                 # one cell …
    assert first_col > ws.max_column and ws.cell(first_row, first_col).value is None   # … outside the data, empty
    assert range_boundaries(ws.auto_filter.ref)[2] < first_col


@slow
def test_panes_freeze_the_header_and_the_agency_column(book) -> None:
    frozen_agency = 0
    for ws in book.worksheets:
        headers = _headers(ws)
        agency = headers.index("单位") + 1 if "单位" in headers else 0
        frozen_agency += bool(agency)
        assert ws.freeze_panes == f"{get_column_letter(agency + 1)}2", ws.title
    assert frozen_agency >= 3       # 总览, 问题清单, 需人工核查 at least


@slow
def test_dates_are_date_cells_with_the_report_dates(book, latest) -> None:
    for ws in book.worksheets:
        for col, header in enumerate(_headers(ws), start=1):
            if header not in DATE_HEADERS:
                continue
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                if isinstance(cell.value, str):       # a text only where it is not a date
                    assert as_date(cell.value) == cell.value, (ws.title, cell.coordinate, cell.value)
                elif cell.value is not None:
                    assert cell.is_date and cell.number_format == "yyyy-mm-dd", (ws.title, cell.coordinate)
    overview = book["总览"]
    headers = _headers(overview)
    shown = {row[headers.index("文件")]: row[headers.index("发布日期")]
             for row in overview.iter_rows(min_row=2, values_only=True)}
    dated = 0
    for file, value in shown.items():
        done = in_process("extract", "--json", file)
        published = json.loads(done.stdout)["meta"].get("published")
        if published:
            assert value == dt.datetime.fromisoformat(published), file
            dated += 1
        else:
            assert value is None, file
    assert dated >= 2
    deadlines = [r[headers.index("发布期限")] for r in overview.iter_rows(min_row=2, values_only=True)]
    assert any(isinstance(d, dt.datetime) for d in deadlines) and not any(isinstance(d, str) for d in deadlines)


@slow
def test_the_dated_twin_holds_the_same_workbook(runs, latest) -> None:
    twin = latest / DATED
    assert twin.is_file() and twin.read_bytes() == (latest / "summary.xlsx").read_bytes()
    assert sorted(p.name for p in latest.glob("*.xlsx")) == sorted(["summary.xlsx", DATED])
    assert (latest / "summary.xlsx").resolve().parent == twin.resolve().parent    # in the run's own folder


@slow
def test_great_expectations_results_are_in_the_technical_folder(latest) -> None:
    gx = latest / "技术文件" / "gx_validation.json"
    assert json.loads(gx.read_text("utf-8"))["format"] == "auditor.gx_results/1"
    assert not (latest / "gx_validation.json").exists()


@slow
def test_every_real_findings_values_read_as_labelled_text(runs) -> None:
    rows = [json.loads(line) for out in runs.values() if (out / "latest").exists()
            for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]
    with_values = [r for r in rows if r["values"]]
    kinds = {r["rule_kind"] for r in with_values}
    assert len(with_values) >= 20 and len(kinds) >= 5, kinds
    for r in with_values:
        text = readable_values(r["values"])
        assert '{"' not in text and '":' not in text, text
        for key in r["values"]:
            assert f"{key}：" in text, (key, text)
        assert text.count("；") == len(r["values"]) - 1 or "；" in "".join(map(str, r["values"].values())), text


# ---------------------------------------------------------------- the decisions import reads either form

def _import(runs, tmp_path: Path, cell) -> tuple[subprocess.CompletedProcess, list]:
    """A copy of the results; two compliance findings decided in a copy of its workbook, their 数值
    cells rewritten by `cell(values)`; `auditor decisions import` of it; the decisions recorded."""
    from .test_decisions_import import edit

    out = tmp_path / "out"
    shutil.copytree(runs["reports_in"], out, symlinks=True)
    rows = [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]
    picked = [r for r in rows if r["category"] == "compliance" and r["values"] and not r.get("absent")][:2]
    assert len(picked) == 2
    book = tmp_path / "填好的.xlsx"
    edit(out / "latest" / "summary.xlsx", book, {r["fingerprint"]: ("确认属实", "") for r in picked},
         cells={r["fingerprint"]: {"数值": cell(r["values"])} for r in picked})
    done = in_process("decisions", "import", book, "--by", "张三", "--out", out)
    with sqlite3.connect(out / "ledger.sqlite") as db:
        recorded = db.execute("SELECT fingerprint, decision FROM decisions ORDER BY id").fetchall()
    return done, recorded


@slow
@pytest.mark.parametrize("form", [readable_values, lambda v: json.dumps(v, ensure_ascii=False)],
                         ids=["readable text", "JSON of older workbooks"])
def test_the_import_accepts_readable_and_json_values(runs, tmp_path: Path, form) -> None:
    done, recorded = _import(runs, tmp_path, form)
    assert done.returncode == 0, done.stderr.decode()
    assert [d for _, d in recorded] == ["confirmed", "confirmed"]


@slow
def test_the_import_refuses_readable_values_that_changed(runs, tmp_path: Path) -> None:
    done, recorded = _import(runs, tmp_path, lambda v: readable_values(v) + "；差额：9")
    err = done.stderr.decode()
    assert done.returncode == 2 and "数值与最近一次审核不一致" in err and "；差额：9」" in err, err
    assert recorded == []


# ---------------------------------------------------------------- looked at as a picture

@slow
def test_the_workbook_prints_as_landscape_pages_without_the_data_sheet(latest, tmp_path: Path) -> None:
    """xlsx → PDF (LibreOffice) → PNG of the first page; the PNG stays in the test's tmp dir."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice (LibreOffice) is not installed: the printed workbook was not looked at")
    source = tmp_path / "summary.xlsx"
    shutil.copy2(latest / "summary.xlsx", source)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    import pdfplumber

    with pdfplumber.open(tmp_path / "summary.pdf") as pdf:
        pages = [(p.width, p.height, p.extract_text() or "") for p in pdf.pages]
    data_headers = [h for h in (latest / "data.csv").read_text("utf-8-sig").splitlines()[0].split(",") if "·" in h]
    assert data_headers
    assert 3 <= len(pages) <= 20, len(pages)          # 7 reports once printed as 249 pages
    for number, (width, height, text) in enumerate(pages, start=1):
        assert width > height, number                                       # landscape
        assert f"第 {number} 页" in text and "页，共" in text, number        # the footer
        assert not any(h in text for h in data_headers[:20]), number       # 数据 is not printed
    png = tmp_path / "page-1.png"
    try:
        import pypdfium2

        pypdfium2.PdfDocument(tmp_path / "summary.pdf")[0].render(scale=1).to_pil().save(png)
    except ImportError:
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(tmp_path / "summary.pdf"),
                        str(tmp_path / "page-1")], check=True, timeout=60)
    from PIL import Image

    image = Image.open(png).convert("L")
    dark = sum(1 for v in image.tobytes() if v < 128)
    assert image.size[0] > image.size[1] and 0.001 < dark / (image.size[0] * image.size[1]) < 0.5, png
