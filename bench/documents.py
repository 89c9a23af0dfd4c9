"""Document building blocks shared by the benchmark's corpus and the tests' fixtures: merged table
regions, a DOCX paragraph of runs, and a small PDF writer (text and ruled tables, reportlab).

The PDF uses reportlab's built-in CID font STSong-Light: it needs no font file on the machine
(CI installs nothing), and its text layer maps back to Unicode, so Chinese round-trips exactly.
Lives in bench/ because bench never imports tests; tests/fixtures_build.py builds on it.
"""
from __future__ import annotations

from dataclasses import dataclass

CJK_FONT = "STSong-Light"


@dataclass(frozen=True)
class Merge:
    """A merged region; its text is the one at (row, col) of the given rows."""

    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1

    def covers(self, r: int, c: int) -> bool:
        return self.row <= r < self.row + self.rowspan and self.col <= c < self.col + self.colspan


Paragraph = str | list[str]  # a list is one paragraph written as several runs


def docx_paragraph(doc, p: Paragraph) -> None:
    para = doc.add_paragraph()
    for run in ([p] if isinstance(p, str) else p):
        para.add_run(run)  # python-docx turns "\n" inside a run into <w:br/>


PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN = 60.0
BODY_SIZE = 12.0
CELL_SIZE = 9.0


def pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy wrap by glyph width (CJK breaks anywhere, which is what Word does too)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for raw in text.split("\n"):
        line = ""
        for ch in raw:
            if line and stringWidth(line + ch, CJK_FONT, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


class PdfWriter:
    def __init__(self, canvas):
        self.c = canvas
        self.y = PAGE_H - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.c.showPage()
            self.y = PAGE_H - MARGIN

    def paragraph(self, text: str, size: float = BODY_SIZE) -> None:
        for line in wrap(text, PAGE_W - 2 * MARGIN, size):
            self.need(size * 1.5)
            self.y -= size * 1.5
            self.c.setFont(CJK_FONT, size)
            self.c.drawString(MARGIN, self.y, line)

    def table(self, rows: list[list[str]], merges: list[Merge], col_widths: list[float],
              ruled: bool = True) -> None:
        """Ruled table: every cell / merged region is outlined with lines (lines strategy)."""
        ncols = len(rows[0])
        xs = [MARGIN]
        for w in col_widths:
            xs.append(xs[-1] + w)

        def region(r: int, c: int) -> Merge:
            return next((m for m in merges if m.covers(r, c)), Merge(r, c))

        # Row heights: enough for the wrapped text of the cells that start in the row.
        heights = []
        for r in range(len(rows)):
            lines = 1
            for c in range(ncols):
                m = region(r, c)
                if (m.row, m.col) == (r, c) and m.rowspan == 1:
                    width = xs[c + m.colspan] - xs[c] - 4
                    lines = max(lines, len(wrap(rows[r][c], width, CELL_SIZE)))
            heights.append(lines * CELL_SIZE * 1.3 + 6)
        total = sum(heights)
        self.need(total + 6)
        top = self.y - 6
        ys = [top]
        for h in heights:
            ys.append(ys[-1] - h)
        self.c.setLineWidth(0.5)
        self.c.setFont(CJK_FONT, CELL_SIZE)
        for r in range(len(rows)):
            for c in range(ncols):
                m = region(r, c)
                if (m.row, m.col) != (r, c):
                    continue
                x0, x1 = xs[c], xs[c + m.colspan]
                y_top, y_bot = ys[r], ys[r + m.rowspan]
                for a, b in (((x0, y_top), (x1, y_top)), ((x0, y_bot), (x1, y_bot)),
                             ((x0, y_top), (x0, y_bot)), ((x1, y_top), (x1, y_bot))):
                    if ruled:
                        self.c.line(a[0], a[1], b[0], b[1])
                ty = y_top - 3 - CELL_SIZE
                for line in wrap(rows[r][c], x1 - x0 - 4, CELL_SIZE):
                    self.c.drawString(x0 + 2, ty, line)
                    ty -= CELL_SIZE * 1.3
        self.y = ys[-1] - 6
