"""Tables 2–4 as grids on a terminal, for `auditor extract`: aligned by display width (a Chinese
character takes two columns), the format's Chinese labels wrapped to fit, each cell's state marked."""
from __future__ import annotations

from ..cli.width import display_width, pad, wrap
from ..model import Report
from .grid import BLANK, DERIVED, NONE, TEXT, UNREAD, Grid, grids

LABEL_WIDTH = 30       # the row labels' column; longer labels wrap onto the next lines
CELL_AT_LEAST = 6      # a value column: 「自然人」 on one line, longer labels on two or three
TEXT_AT_MOST = 8       # characters of a text cell shown (「无」「不适用」 …); the rest as 「…」
MARKS = {DERIVED: "*", UNREAD: "?", NONE: ""}
LEGEND = "说明：* 推断所得（不作为判定依据）；? 未能读取；「空」空白或“-”；空格处：格式中无此格"


def _shown(text: str, state: str) -> str:
    if state == UNREAD or state == NONE:
        return MARKS[state]
    if state == BLANK:
        return "空"
    if state == TEXT:
        return text if len(text) <= TEXT_AT_MOST else text[:TEXT_AT_MOST] + "…"
    return text + MARKS.get(state, "")


def grid_lines(grid: Grid) -> list[str]:
    """One table as lines of text: the header (column labels wrapped), then a line per row."""
    cells = {k: _shown(s.text, s.state) for k, s in grid.slots.items()}
    widths = [max(CELL_AT_LEAST, *(display_width(cells[r, c]) for r, _ in grid.rows)) for c, _ in grid.cols]
    heads = [wrap(label, w) for (_, label), w in zip(grid.cols, widths)]
    widths = [max(w, *(display_width(x) for x in h)) for w, h in zip(widths, heads)]
    lines = [grid.name + ("（未能读取）" if not grid.read else "")]
    depth = max(len(h) for h in heads)
    heads = [[""] * (depth - len(h)) + h for h in heads]       # labels stand on the values' line
    for i in range(depth):
        lines.append(pad("", LABEL_WIDTH) + "".join(
            " " + " " * (w - display_width(h[i])) + h[i] for h, w in zip(heads, widths)).rstrip())
    for key, label in grid.rows:
        parts = wrap(label, LABEL_WIDTH)
        values = "".join(" " + " " * (w - display_width(cells[key, c])) + cells[key, c]
                         for (c, _), w in zip(grid.cols, widths))
        lines.append(pad(parts[0], LABEL_WIDTH) + values.rstrip())
        lines.extend(parts[1:])
    return lines


def table_lines(report: Report) -> list[str]:
    """Tables 2–4 of `report` and the legend, ready to print."""
    out = []
    for grid in grids(report):
        out.extend(grid_lines(grid))
        out.append("")
    out.append(LEGEND)
    return out
