"""PDF layouts that WPS/LibreOffice exports of real reports showed, built from the sample.

Classes (issue 11, "what was seen" 3):
  page_break_t3     table 3 broken across pages, its header rows repeated on the next page
  page_break_label  table 3 broken inside a merged group label (the label printed on both pages)
  vertical_labels   row-group labels set in vertical text, one character per line (不/予/公/开)
  t4_one_row        table 4 as one row of 15 numbers under a two-row header
  collapsed_other   a 2021 table 3 whose （六）其他处理 is one row instead of three
  unruled           tables without rules: read as text lines, table 3's header on several lines
                    ('科研机 社会公 法律服务机' above '商业企业 其他'), so its column order is unknown
  (and `plain`, the official merged layout, as the control)

Each is an HTML page rendered from `variants.distinct_canonical` (a different value in nearly
every cell, so a shifted value shows). `python -m tests.pdf_variants` converts them once with
LibreOffice (soffice --convert-to pdf) into tests/data/pdf/, which is committed: CI has no
LibreOffice. The DOCX_CLASSES go through a DOCX first, as WPS exports do. `reportlab_cut_pdf`
builds a table cut across pages (a row cut in two, a repeated header row, a page number) with
reportlab at test time.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import variants as V

ROOT = Path(__file__).resolve().parent.parent
PDF_DIR = ROOT / "tests" / "data" / "pdf"
CLASSES = ["plain", "page_break_t3", "page_break_label", "vertical_labels", "t4_one_row", "collapsed_other",
           "unruled"]
# Exported from DOCX (as WPS does from a Word file): Word tables let a row break across pages, so
# table 3 is cut inside the row 4.保|护第三方合法权益 (label and numbers above, the rest below).
DOCX_CLASSES = ["plain", "vertical_labels", "collapsed_other"]
COLLAPSED = ["other_no_correction", "other_fee_unpaid", "other_other"]
_FILLER = ("本段为版式测试而加的说明文字，用以把表格推到页面底部，使表格跨页排版，与报告内容无关，"
           "也不含任何数字或标题。")


def canonical() -> V.Canonical:
    return V.distinct_canonical(V.load_canonical())


def _vertical(text: str) -> str:
    """One character per line, as a vertical text box exported to PDF gives it."""
    return "\n".join(text)


def grid_for(canon: V.Canonical, kind: str) -> tuple[V.Grid, V.Grid]:
    """(table 3, table 4) grids of a class."""
    t3, t4 = V.t3_grid(canon), V.t4_grid(canon)
    if kind == "vertical_labels":
        for row in t3.rows[t3.header_rows:]:
            if row[0] == V.OUTCOME:
                row[0] = _vertical("本年度办理结果")
            if row[1].startswith("（三）") or row[1].startswith("（四）") or row[1].startswith("（五）") \
                    or row[1].startswith("（六）"):
                row[1] = _vertical(row[1])
    elif kind == "t4_one_row":
        t4 = V.t4_simple_grid(canon)
    elif kind == "collapsed_other":
        t3 = _collapse_other(canon, t3)
    return t3, t4


def _collapse_other(canon: V.Canonical, t3: V.Grid) -> V.Grid:
    """（六）其他处理 printed as one row (its three items summed) instead of three."""
    keys = [k for _, _, k in V.T3_LAYOUT]
    first = t3.header_rows + keys.index(COLLAPSED[0])
    sums = [str(sum(int(canon.raw("t3", k, c)) for k in COLLAPSED)) for c in V.T3_COL_KEYS]
    rows = t3.rows[:first] + [[V.OUTCOME, "（六）其他处理", "（六）其他处理", *sums]] + t3.rows[first + 3:]
    merges = []
    for m in t3.merges:
        if m.row >= first + 3:
            merges.append(V.Merge(m.row - 2, m.col, m.rowspan, m.colspan))
        elif m.row == first and m.col == 1:
            merges.append(V.Merge(first, 1, 1, 2))
        elif m.row < first and m.row + m.rowspan > first:
            merges.append(V.Merge(m.row, m.col, m.rowspan - 2, m.colspan))
        else:
            merges.append(m)
    return V.Grid(rows, merges, "t3", header_rows=t3.header_rows)


def html_of(canon: V.Canonical, kind: str) -> bytes:
    """The class's page: the official merged layout, with the class's change."""
    t3, t4 = grid_for(canon, kind)
    blocks = V.outline(canon, t3=t3, t4=t4)
    page = V.render_html(blocks, "utf-8", merged=True, title=canon.title).decode("utf-8")
    at = page.index(f"<p>{canon.heading(3)}</p>")
    if kind == "page_break_t3":
        # Push table 3 so that it starts low on a page; its three header rows repeat (thead).
        page = page[:at] + f"<p>{_FILLER}</p>\n" * 22 + page[at:]
        page = _thead(page, 3)
    elif kind == "page_break_label":
        page = page[:at] + f"<p>{_FILLER}</p>\n" * 17 + page[at:]
    elif kind == "unruled":
        page = page.replace('<table border="1"', '<table border="0"')
    # Vertical labels: a line break between characters inside the cell.
    page = page.replace("<td", "<td style=\"font-size:9pt\"")
    return page.replace("\n</td>", "</td>").encode("utf-8") if kind != "vertical_labels" else \
        _breaks(page).encode("utf-8")


def _thead(page: str, rows: int) -> str:
    """Wrap the first `rows` rows of table 3 in <thead>, which LibreOffice repeats on every page."""
    start = page.index("<table", page.index("申请人情况") - 2000)
    start = page.index("<tr>", start)
    end = start
    for _ in range(rows):
        end = page.index("</tr>", end) + len("</tr>")
    return page[:start] + "<thead>" + page[start:end] + "</thead><tbody>" + page[end:].replace(
        "</table>", "</tbody></table>", 1)


def _breaks(page: str) -> str:
    import re

    def cell(m: re.Match) -> str:
        text = m.group(2)
        if "\n" in text:
            text = "<br>".join(text.split("\n"))
        return m.group(1) + text + "</td>"

    return re.sub(r"(<td[^>]*>)([^<]*)</td>", cell, page)


# ----------------------------------------------------------- reportlab (built at test time, CI)

CUT_LABEL = "4.保护第三方合法权益"


def reportlab_cut_pdf(canon: V.Canonical, path: Path, cut: str = "row", furniture: bool = True) -> Path:
    """The sample as a ruled PDF (reportlab, STSong-Light) whose table 3 (one label column, one
    cell per number) breaks across pages inside the row 4.保护第三方合法权益, with the header row
    repeated on the next page and a page number ('- 3 -') at the foot of the first.

    `cut`: "row" — '4.保' and the numbers above the break, '护第三方合法权益' and empty cells
    below; "label" — the whole label and empty cells above, the numbers below (label cell empty);
    "none" — the break falls between two rows."""
    from reportlab.pdfgen import canvas

    from .fixtures_build import _font, _PdfWriter

    _font()
    grid = V.t3_simple_grid(canon)
    at = next(i for i, row in enumerate(grid.rows) if row[0] == CUT_LABEL)
    header = [grid.rows[1]]
    values = grid.rows[at][1:]
    if cut == "row":
        above, below = [["4.保", *values]], [["护第三方合法权益"] + [""] * len(values)]
    elif cut == "label":
        above, below = [[CUT_LABEL] + [""] * len(values)], [["", *values]]
    else:
        above, below = [grid.rows[at]], []
    width = len(grid.rows[1])

    def pad(row: list[str]) -> list[str]:
        return row + [""] * (width - len(row))

    first = [pad(r) for r in grid.rows[:at]] + above
    second = [pad(r) for r in header + below + grid.rows[at + 1:]]
    widths = [151.0] + [46.0] * (width - 1)
    c = canvas.Canvas(str(path), pagesize=(595.0, 842.0))
    c.setTitle(canon.title)
    w = _PdfWriter(c)
    for i, block in enumerate(V.outline(canon, simple=True)):
        if isinstance(block, V.Grid) and block.kind == "t3":
            c.showPage()
            w.y = 842.0 - 60.0
            w.table(first, [], widths, ruled=True)
            if furniture:
                c.setFont(V.CJK_FONT, 9)
                c.drawString(280, 30, "- 3 -")
            c.showPage()
            w.y = 842.0 - 60.0
            w.table(second, [], widths, ruled=True)
        elif isinstance(block, V.Grid):
            w.table(block.rows, [], V._WIDTHS[block.kind], ruled=True)
        else:
            w.paragraph(block, 16 if i == 0 else 12)
    c.save()
    return path


def expected(canon: V.Canonical) -> dict[tuple[str, str, str], object]:
    return {(c["table"], c["row"], c["col"]): c["value"] for c in canon.data["cells"]}


def build(out: Path = PDF_DIR) -> list[Path]:
    """Convert every class to PDF with LibreOffice (run once; the PDFs are committed)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice (LibreOffice) not found")
    out.mkdir(parents=True, exist_ok=True)
    canon = canonical()
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in CLASSES:
            src = Path(tmp) / f"lo_{kind}.html"
            src.write_bytes(html_of(canon, kind))
            subprocess.run([soffice, "--headless", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out),
                            str(src)], check=True, capture_output=True, timeout=300)
            made.append(out / f"lo_{kind}.pdf")
        for kind in DOCX_CLASSES:
            t3, t4 = grid_for(canon, kind)
            src = V.render_docx(Path(tmp) / f"lo_docx_{kind}.docx", V.outline(canon, t3=t3, t4=t4))
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(src)],
                           check=True, capture_output=True, timeout=300)
            made.append(out / f"lo_docx_{kind}.pdf")
    return made


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else PDF_DIR):
        print(path, path.stat().st_size)
