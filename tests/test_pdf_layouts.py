"""WPS/LibreOffice PDF layouts of real reports (issue 11, "what was seen" 3): read exactly or mark
unread, never a shifted value, never a compliance finding the report's text form does not have.

The PDFs in tests/data/pdf/ were exported once by LibreOffice from `tests/pdf_variants.py`
(`python -m tests.pdf_variants`): the sample with a different value in nearly every cell, with
table 3 broken across pages (header rows repeated; a merged group label cut by the break; from
DOCX, a row cut in two: '4.保' and its numbers, then '护第三方合法权益' on the next page),
group labels in vertical text, table 4 as one row of 15 numbers under a two-row header, and
（六）其他处理 collapsed into one row. The control is the same report as an HTML page.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.ingest.pdf import _continue_table
from auditor.model import TableBlock, TextBlock

from . import pdf_variants as P
from . import variants as V

KINDS = ["page_break_t3", "page_break_label", "vertical_labels", "t4_one_row", "collapsed_other",
         "docx_plain", "docx_vertical_labels", "unruled"]
EXACT = ["page_break_t3", "page_break_label", "vertical_labels", "t4_one_row", "docx_plain", "docx_vertical_labels"]


@pytest.fixture(scope="module")
def canon() -> V.Canonical:
    return P.canonical()


@pytest.fixture(scope="module")
def control(canon, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf-control") / "control.html"
    path.write_bytes(P.html_of(canon, "plain"))
    return path


@pytest.fixture(scope="module")
def reports(control):
    paths = {kind: P.PDF_DIR / f"lo_{kind}.pdf" for kind in KINDS}
    paths["control"] = control
    return {kind: extract(read_document(path)) for kind, path in paths.items()}


@pytest.fixture(scope="module")
def findings(reports, packs) -> dict[str, pd.DataFrame]:
    f = audit(list(reports.values()), packs).findings
    return {kind: f[f["file"] == str(r.file)] for kind, r in reports.items()}


def _serious(df: pd.DataFrame) -> set[tuple[str, str]]:
    c = df[(df["category"] == "compliance") & df["severity"].isin(["warning", "error"])]
    return set(zip(c["rule_id"], c["location"]))


def test_the_committed_pdfs_have_the_layouts(reports):
    import pdfplumber

    with pdfplumber.open(P.PDF_DIR / "lo_page_break_t3.pdf") as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    with_header = [i for i, text in enumerate(pages) if "申请人情况" in text]
    assert len(with_header) >= 2                   # table 3's header repeated on the next page
    assert any("予以公开" in pages[i] for i in with_header) and any("结转下年度" in pages[i] for i in with_header[1:])
    with pdfplumber.open(P.PDF_DIR / "lo_vertical_labels.pdf") as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert "\n不\n予\n" in text or "不\n予" in text  # one character per line


def test_control_reads_every_cell(reports, canon):
    got = {(c.table, c.row, c.col): c.value for c in reports["control"].cells}
    assert got == P.expected(canon)


@pytest.mark.parametrize("kind", KINDS)
def test_cells_are_exact_or_unread(reports, canon, kind):
    """Never a shifted value: every cell read holds the value printed in it."""
    want = P.expected(canon)
    for c in reports[kind].cells:
        if c.raw is not None and (c.table, c.row, c.col) in want:
            assert c.value == want[(c.table, c.row, c.col)], (kind, c)


@pytest.mark.parametrize("kind", EXACT)
def test_layout_is_read_completely(reports, canon, kind):
    cells = reports[kind].cells
    assert {(c.table, c.row, c.col): c.value for c in cells} == P.expected(canon)
    assert not any(c.derived for c in cells)


def test_collapsed_other_row_is_read_as_printed(reports, canon):
    """（六）其他处理 as one row: its numbers are read under that row (the 2019 format's row), the
    three 2021 rows are not invented from it, and every other row is exact."""
    r = reports["collapsed_other"]
    got = {(c.table, c.row, c.col): c.value for c in r.cells if c.raw is not None}
    want = P.expected(canon)
    for col in V.T3_COL_KEYS:
        assert got[("t3", "other", col)] == sum(want[("t3", k, col)] for k in P.COLLAPSED)
        for k in P.COLLAPSED:
            assert ("t3", k, col) not in got
    for key in [k for _, _, k in V.T3_LAYOUT if k not in P.COLLAPSED]:
        for col in V.T3_COL_KEYS:
            assert got[("t3", key, col)] == want[("t3", key, col)]


@pytest.mark.parametrize("kind", KINDS)
def test_no_compliance_finding_the_text_form_does_not_have(findings, kind):
    extra = _serious(findings[kind]) - _serious(findings["control"])
    assert not extra, extra


def test_the_docx_export_cuts_a_row_across_pages():
    import pdfplumber

    with pdfplumber.open(P.PDF_DIR / "lo_docx_plain.pdf") as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    flat = ["".join(text.split()) for text in pages]      # labels wrap in their narrow column
    cut = [i for i, text in enumerate(flat) if "4.保" in text and "第三方合法权益" not in text]
    assert cut and "护第三方合法权益" in flat[cut[0] + 1]


ROW = ["三、本年度办理结果", "（三）不予公开", "4.保", "2", "0", "0", "3", "1", "2", "8"]
REST = ["", "", "护第三方合法权益", "", "", "", "", "", "", ""]
NEXT = ["", "", "5.属于三类内部事务信息", "1", "3", "3", "0", "0", "2", "9"]


def _joined(first_rows, second_rows, between=()) -> list:
    blocks = [TextBlock("表前"), TableBlock([list(r) for r in first_rows])]
    _continue_table(blocks, [*between, TableBlock([list(r) for r in second_rows])])
    return [b.rows for b in blocks if isinstance(b, TableBlock) and b.rows]


def test_a_row_cut_by_a_page_break_is_joined():
    assert _joined([ROW], [REST, NEXT]) == [
        [ROW[:2] + ["4.保护第三方合法权益"] + ROW[3:]], [NEXT]]
    # page furniture between the parts ('- 3 -') does not stop the join
    assert _joined([ROW], [REST, NEXT], [TextBlock("- 3 -")])[0][0][2] == "4.保护第三方合法权益"
    # label above, numbers below
    top = ROW[:3] + [""] * 7
    bottom = ["", "", "护第三方合法权益"] + ROW[3:]
    assert _joined([top], [bottom])[0] == [ROW[:2] + ["4.保护第三方合法权益"] + ROW[3:]]


def test_rows_that_are_not_one_cut_row_are_left_apart():
    # the next page starts a row of its own
    assert _joined([ROW], [NEXT]) == [[ROW], [NEXT]]
    # numbers on both sides: two rows, never numbers concatenated
    half = ["", "", "护第三方合法权益", "1", "", "", "", "", "", ""]
    assert _joined([ROW], [half]) == [[ROW], [half]]
    # a prose paragraph between the tables: not a continuation
    assert _joined([ROW], [REST], [TextBlock("（本表数据截至12月31日。）")]) == [[ROW], [REST]]


def test_an_unjoined_cut_row_makes_table3_derived_never_a_finding(control, canon, packs, findings):
    """When the two halves of a cut row cannot be joined ('4.保' with its numbers, then
    '护第三方合法权益' with empty cells), the row with the empty cells must not be read as blanks
    that break the sums: the table's cells are derived and no compliance finding is added."""
    import dataclasses

    doc = read_document(control)
    at = next(i for i, b in enumerate(doc.blocks) if isinstance(b, TableBlock)
              and any("第三方合法权益" in x for row in b.rows for x in row))
    table = doc.blocks[at]
    r = next(i for i, row in enumerate(table.rows) if any("第三方合法权益" in x for x in row))
    cut = [x.replace("4.保护第三方合法权益", "4.保") for x in table.rows[r]]
    rest = ["" if x.strip().isdigit() else x.replace("4.保护第三方合法权益", "护第三方合法权益") for x in table.rows[r]]
    first = TableBlock(table.rows[:r] + [cut], frozenset(rc for rc in table.copies if rc[0] <= r))
    second = TableBlock([rest] + table.rows[r + 1:], frozenset((a - r, b) for a, b in table.copies if a >= r))
    blocks = doc.blocks[:at] + [first, TextBlock("- 3 -"), TextBlock("第三部分续表"), second] + doc.blocks[at + 1:]
    report = extract(dataclasses.replace(doc, blocks=blocks, path=str(control) + "#cut"))
    want = P.expected(canon)
    t3 = [c for c in report.cells if c.table == "t3"]
    assert all(c.value == want[(c.table, c.row, c.col)] for c in t3 if c.raw is not None and c.value is not None)
    assert all(c.derived for c in t3 if c.raw is not None)
    assert any("4.保" in p and "推断" in p for p in report.problems)
    f = audit([report], packs).findings
    assert not (_serious(f) - _serious(findings["control"]))


def test_unruled_tables_with_a_multiline_header_are_derived(reports, canon):
    """No rules: the tables are read as text lines, and table 3's header words come out of column
    order ('科研机 社会公 法律服务机' above '商业企业 其他'). The header order is not believed:
    the values are placed by the format's order and marked derived (here that order is right)."""
    import pdfplumber

    with pdfplumber.open(P.PDF_DIR / "lo_unruled.pdf") as pdf:
        assert not any(p.find_tables() for p in pdf.pages)
    r = reports["unruled"]
    t3 = [c for c in r.cells if c.table == "t3"]
    assert t3 and all(c.derived for c in t3)
    want = P.expected(canon)
    assert all(c.value == want[(c.table, c.row, c.col)] for c in t3)
    assert "表三表头各列的次序无法从文字行确定（表头分多行排列），按格式规定的列序读取，读出的数值标为推断" in r.problems


@pytest.fixture(scope="module")
def reportlab_cuts(canon, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reportlab-cuts")
    out = {cut: P.reportlab_cut_pdf(canon, folder / f"cut_{cut}.pdf", cut) for cut in ("row", "label", "none")}
    out["row_no_furniture"] = P.reportlab_cut_pdf(canon, folder / "cut_row_bare.pdf", "row", furniture=False)
    return out


@pytest.mark.parametrize("cut", ["row", "label", "none", "row_no_furniture"])
def test_reportlab_table_cut_across_pages_reads_exactly(reportlab_cuts, canon, packs, findings, cut):
    """Built at test time (CI): table 3 broken across pages with its header row repeated on the
    next page and a page number between; the break cuts the row 4.保护第三方合法权益 (label and
    numbers above, the rest below; or the label above and the numbers below) or falls between rows."""
    import pdfplumber

    path = reportlab_cuts[cut]
    with pdfplumber.open(path) as pdf:
        texts = ["".join((p.extract_text() or "").split()) for p in pdf.pages]
    if cut.startswith("row"):
        assert any("4.保" in t and "第三方" not in t for t in texts) and any("护第三方合法权益" in t for t in texts)
    report = extract(read_document(path))
    assert {(c.table, c.row, c.col): c.value for c in report.cells} == P.expected(canon)
    assert not any(c.derived for c in report.cells)
    f = audit([report], packs).findings
    assert not (_serious(f) - _serious(findings["control"]))


def test_a_repeated_header_row_does_not_stop_the_join():
    header = ["申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计", "", ""]
    blocks = [TableBlock([header, ROW])]
    _continue_table(blocks, [TableBlock([header, REST, NEXT])])
    assert blocks[0].rows[-1][2] == "4.保护第三方合法权益" and blocks[0].rows[-1][3:] == ROW[3:]
    assert blocks[1].rows == [header, NEXT]


def test_numbers_below_an_unjoined_label_leave_the_blank_row_unread(control, canon, packs, findings):
    """Label above a page break with empty cells, its numbers below in a row without a label, and
    the halves not joined (a running title between them): the empty cells must not be read as
    blanks that break the sums: that row is left unread; no compliance finding is added."""
    import dataclasses

    doc = read_document(control)
    at = next(i for i, b in enumerate(doc.blocks) if isinstance(b, TableBlock)
              and any("第三方合法权益" in x for row in b.rows for x in row))
    table = doc.blocks[at]
    r = next(i for i, row in enumerate(table.rows) if any("第三方合法权益" in x for x in row))
    above = ["" if x.strip().isdigit() else x for x in table.rows[r]]
    below = [x if x.strip().isdigit() else "" for x in table.rows[r]]
    first = TableBlock(table.rows[:r] + [above], frozenset(rc for rc in table.copies if rc[0] < r))
    second = TableBlock([below] + table.rows[r + 1:], frozenset((a - r, b) for a, b in table.copies if a > r))
    blocks = doc.blocks[:at] + [first, TextBlock("淄博市公安局高新区分局2022年政府信息公开工作年度报告"), second] \
        + doc.blocks[at + 1:]
    report = extract(dataclasses.replace(doc, blocks=blocks, path=str(control) + "#label-above"))
    want = P.expected(canon)
    t3 = [c for c in report.cells if c.table == "t3"]
    row = [c for c in t3 if c.row == "denied_third_party_rights"]
    assert all(c.raw is None and c.value is None for c in row)
    assert all(c.value == want[(c.table, c.row, c.col)] for c in t3 if c.raw is not None)
    assert any("保护第三方合法权益" in p and "无行名的一行数值" in p and "该行未读取" in p for p in report.problems)
    f = audit([report], packs).findings
    assert not (_serious(f) - _serious(findings["control"]))
