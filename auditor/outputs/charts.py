"""Sheets that draw on themselves after their rows are written (a native Excel chart, a print
layout of their own): sheet name → painter(workbook, worksheet, frame). summary.xlsx calls the
painter of each sheet it writes (auditor/outputs/xlsx.py).

汇总 (auditor/outputs/rollup.py) shows its rates as percentages and gets two native charts beside
its table — verdict shares (pie) and 按期率 by 地区 (bar; by 单位类型 without a roster) — drawn by
xlsxwriter as chart parts that Excel and WPS both open and redraw from the cells.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .rollup import GROUPS, RATE_HEADERS, SHEET_NAME, TOTAL, VERDICT_CLASSES

Painter = Callable[[Workbook, Worksheet, pd.DataFrame], None]

CHART_SIZE = {"x_scale": 1.0, "y_scale": 1.0}
CHART_ROWS = 16            # rows between the two charts' tops (one chart's height, 288 px, and a gap)
CHART_COLUMNS = 8          # columns a chart covers (480 px of 64 px default columns, rounded up)
A4 = 9
NOTE_WIDTH = 28
FIGURE_WIDTH = 8           # fits 「100.0%」 and a two-character line of a wrapped header with its filter button
HEADER_HEIGHT = 32         # two lines
PAGE_HEADER = "&C&14&B政府信息公开工作年度报告审核汇总"
PAGE_FOOTER = "&C第 &P 页，共 &N 页"


def paint_summary(workbook: Workbook, ws: Worksheet, frame: pd.DataFrame) -> None:
    """Rates as percentages (the cells keep the fraction: a number, never text) and the two charts."""
    from .xlsx import display_width      # here: xlsx.py imports this module

    headers = list(frame.columns)
    percent = workbook.add_format({"num_format": "0.0%", "valign": "top"})
    decimal = workbook.add_format({"num_format": "0.00", "valign": "top"})
    for name, fmt in [*((h, percent) for h in RATE_HEADERS), ("每份问题数", decimal)]:
        col = headers.index(name)
        for r, value in enumerate(frame[name].tolist(), start=1):
            if isinstance(value, (int, float)):
                ws.write_number(r, col, value, fmt)
    # Narrow columns (the figures' width, not a fraction's digits) under headers that wrap: the
    # table and the charts beside it fit a landscape page at a readable size.
    head = workbook.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "valign": "top",
                                "text_wrap": True})
    for col, header in enumerate(headers):
        ws.write_string(0, col, header, head)
        if header == "说明":
            ws.set_column(col, col, NOTE_WIDTH)
        elif header != "名称":
            ws.set_column(col, col, FIGURE_WIDTH if display_width(header) > 4 else FIGURE_WIDTH - 1)
    ws.set_row(0, HEADER_HEIGHT)
    beside = len(headers) + 1
    _print_layout(ws, len(frame), beside + CHART_COLUMNS)
    groups = frame["分组"].tolist()
    if TOTAL in groups and frame.loc[groups.index(TOTAL), "报告数"]:
        ws.insert_chart(1, beside, _verdict_pie(workbook, headers, groups.index(TOTAL) + 1), CHART_SIZE)
    label = GROUPS["region"] if GROUPS["region"] in groups else GROUPS["type"]
    rows = [r + 1 for r, g in enumerate(groups) if g == label]
    if rows:
        ws.insert_chart(1 + CHART_ROWS, beside, _on_time_bar(workbook, headers, rows, label), CHART_SIZE)


def _print_layout(ws: Worksheet, rows: int, columns: int) -> None:
    """The page a leader prints as it is: A4 landscape, the table and the charts beside it one page
    wide (as many pages tall as the groups need), the header row on every page, a title and page numbers."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.print_area(0, 0, max(rows, 2 * CHART_ROWS), columns)
    ws.set_header(PAGE_HEADER)
    ws.set_footer(PAGE_FOOTER)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)


def _verdict_pie(workbook: Workbook, headers: list[str], row: int):
    first, last = headers.index(next(iter(VERDICT_CLASSES))), headers.index(list(VERDICT_CLASSES)[-1])
    chart = workbook.add_chart({"type": "pie"})
    chart.add_series({"name": "审核结论", "categories": [SHEET_NAME, 0, first, 0, last],
                      "values": [SHEET_NAME, row, first, row, last],
                      "data_labels": {"value": True, "percentage": True, "leader_lines": True},
                      "points": [{"fill": {"color": c}} for c in ("#70AD47", "#FFC000", "#C00000", "#A5A5A5")]})
    chart.set_title({"name": "审核结论占比（合计）"})
    return chart


def _on_time_bar(workbook: Workbook, headers: list[str], rows: list[int], label: str):
    """rows: the block's sheet rows, contiguous (rollup writes a block together)."""
    name, rate = headers.index("名称"), headers.index("按期率")
    chart = workbook.add_chart({"type": "column"})
    chart.add_series({"name": "按期率", "categories": [SHEET_NAME, rows[0], name, rows[-1], name],
                      "values": [SHEET_NAME, rows[0], rate, rows[-1], rate],
                      "data_labels": {"value": True, "num_format": "0%"}})
    chart.set_title({"name": f"按期率（按{label}）"})
    chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
    chart.set_legend({"none": True})
    return chart


SHEET_PAINTERS: dict[str, Painter] = {SHEET_NAME: paint_summary}
# Sheets placed before the standard ones (总览, 问题清单, ...), in this order, when a run has them.
FIRST_SHEETS: tuple[str, ...] = (SHEET_NAME,)
