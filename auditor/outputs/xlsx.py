"""summary.xlsx: the workbook civil servants actually read.

Text is always written as text (automatic formula/URL/number conversion off, formula-escaped),
severity is shown as a word *and* a fill colour, and every sheet has a frozen bold header (and the
单位 column) with an autofilter so it can be sorted and filtered in Excel or WPS without setup. Dates
are date cells. Every sheet prints as it is: A4 landscape, one page wide, the header on every page,
page numbers and the sheet's name in the footer; 数据 is not printed (see `set_print`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .charts import FIRST_SHEETS, SHEET_PAINTERS
from .escape import escape_cell
from .links import Link
from ..ledger import DECISION_WORDS
from .tables import (COMMENT_HEADER, DECISION_HEADER, SEVERITY_HEADER, SEVERITY_WORDS, VERDICT_ERROR,
                     VERDICT_FAILED, VERDICT_OK, VERDICT_WARNING, issues_frame, overview_frame,
                     review_frame, rule_stats_frame)

SHEETS = ("总览", "问题清单", "需人工核查", "规则统计")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}

MAX_WIDTH = 60
MIN_WIDTH = 8
FILTER_BUTTON = 3  # room for the autofilter drop-down arrow next to the header text
MAX_CELL_CHARS = 32767  # Excel's hard limit per cell
TRUNCATED = "…（内容过长，已截断）"

# Excel's "good/neutral/bad" palette: readable when printed in greyscale, text always present.
FILLS = {
    "error": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "warning": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "info": {"bg_color": "#DDEBF7", "font_color": "#1F4E78"},
    "ok": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "manual": {"bg_color": "#EDEDED", "font_color": "#3A3A3A"},
}
SEVERITY_FILL = {word: key for key, word in SEVERITY_WORDS.items()}
COUNT_FILL = {**{word: key for key, word in SEVERITY_WORDS.items()}, "读取问题": "manual"}
VERDICT_FILL = [(VERDICT_FAILED, "manual"), (VERDICT_ERROR, "error"),
                (VERDICT_WARNING, "warning"), (VERDICT_OK, "ok")]


AGENCY_HEADER = "单位"      # the column frozen beside the header, wherever it is
# Columns holding dates, by header: an ISO date there ("2026-03-31") is written as a date cell.
DATE_HEADERS = ("发布日期", "发布期限", "整改期限", "通知日期", "日期")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NOT_PRINTED = ("数据",)     # one row per report and hundreds of columns: data.csv is its printable form
A4 = 9                      # xlsxwriter's paper code
FOOTER = "&L&A&R第 &P 页，共 &N 页"     # the sheet's name left, 第 n 页，共 m 页 right


def display_width(value: Any) -> int:
    """Width of the longest line in Excel character units (CJK/full-width count as 2)."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and "\n" not in text:    # numbers, ISO dates, plain ASCII: no wide characters
        return len(text)                        # (half a million cells in 数据; tests/test_outputs.py)
    return _width_by_character(text)


def _width_by_character(text: str) -> int:
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.split("\n")), default=0)


def fill_for(header: str, value: Any) -> str | None:
    """Fill key for a cell, or None; colour always mirrors text already in the row."""
    if header == SEVERITY_HEADER:
        return SEVERITY_FILL.get(value) if isinstance(value, str) else None
    if header in COUNT_FILL:
        return COUNT_FILL[header] if isinstance(value, (int, float)) and value > 0 else None
    if header == "审核结论" and isinstance(value, str):
        return next((key for prefix, key in VERDICT_FILL if value.startswith(prefix)), None)
    return None


class _Formats:
    """Caches xlsxwriter formats, which must be created once per distinct style."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[bool, str | None], Format] = {}
        self.header = workbook.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1,
                                           "valign": "top"})
        # the review form's fill-in columns (处理意见, 说明): a header of their own colour
        self.fill_in = workbook.add_format({"bold": True, "bg_color": "#FFE699", "border": 1,
                                            "valign": "top"})
        self.typing = workbook.add_format({"valign": "top", "text_wrap": True})
        self.date = workbook.add_format({"valign": "top", "num_format": "yyyy-mm-dd"})   # a real date cell
        self.link = workbook.add_format({"valign": "top", "font_color": "blue", "underline": 1})

    def body(self, wrap: bool, fill: str | None) -> Format:
        key = (wrap, fill)
        if key not in self._cache:
            props: dict[str, Any] = {"valign": "top", "text_wrap": wrap}
            props.update(FILLS.get(fill or "", {}))
            self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]


def fit_cell(text: str) -> str:
    """`text` cut to what one cell holds, saying so at the end."""
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED


def _cell_text(value: Any) -> str:
    return fit_cell(str(escape_cell(str(value))))


def _as_datetime(value: dt.date) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


# How xlsxwriter escapes a link (its Url._escape_url), plus "#", which it would take for the start of
# an anchor inside the file: escaped here, all at once, since it leaves an escaped link alone.
_URL_ESCAPES = {"%": "%25", '"': "%22", " ": "%20", "<": "%3c", ">": "%3e", "[": "%5b", "]": "%5d",
                "^": "%5e", "`": "%60", "{": "%7b", "}": "%7d", "#": "%23"}


def link_url(target: str) -> str:
    """xlsxwriter's URL for a relative file `target`: "external:" and the path, escaped."""
    return "external:" + "".join(_URL_ESCAPES.get(ch, ch) for ch in target.replace("\\", "/"))


def _write_link(ws: Worksheet, row: int, col: int, link: Link, link_fmt: Format, fmt: Format) -> None:
    """A hyperlink to a file beside the workbook; its text alone when Excel could not take the link
    (a path over 2079 characters, or past 65530 links in a sheet)."""
    text = _cell_text(link.text or link.target)
    if ws.write_url(row, col, link_url(link.target), link_fmt, string=text) != 0:
        ws.write_string(row, col, text, fmt)


def _write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Format,
                link_fmt: Format | None = None) -> None:
    if value is None or value == "":
        return  # a truly blank cell, so 筛选 offers "(空白)" rather than an empty string
    if isinstance(value, Link):
        if link_fmt is not None:
            _write_link(ws, row, col, value, link_fmt, fmt)
        else:
            ws.write_string(row, col, _cell_text(value.text), fmt)
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value):
            ws.write_number(row, col, value, fmt)
        return
    if isinstance(value, dt.date):          # outside a date column: ISO text rather than a serial number
        ws.write_string(row, col, value.isoformat()[:10], fmt)
        return
    ws.write_string(row, col, _cell_text(value), fmt)


BULK_ROWS = 2000      # larger plain sheets (数据) are written row by row without per-cell formats
WIDTH_SAMPLE = 2000   # column widths are fitted on the first rows: cosmetic, and costly per cell
COLOURED = {SEVERITY_HEADER, "审核结论", *COUNT_FILL}


def write_sheet(workbook: Workbook, formats: _Formats, name: str, frame: pd.DataFrame) -> Worksheet:
    """One sheet: bold frozen header, autofilter, fitted widths, wrapped long text, fills."""
    ws = workbook.add_worksheet(name)
    headers = [str(h) for h in frame.columns]
    rows = list(frame.itertuples(index=False, name=None))
    if len(rows) > BULK_ROWS and not COLOURED & set(headers):
        return _write_bulk(ws, formats, headers, rows)
    for col, header in enumerate(headers):
        values = [row[col] for row in rows]
        sample = values[:WIDTH_SAMPLE]
        longest = max([display_width(header) + FILTER_BUTTON] + [display_width(v) for v in sample])
        wrap = longest > MAX_WIDTH or any(isinstance(v, str) and "\n" in v for v in sample)
        ws.set_column(col, col, min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))
        ws.write_string(0, col, _cell_text(header), formats.header)
        if header in COLOURED:
            for r, value in enumerate(values, start=1):
                _write_cell(ws, r, col, value, formats.body(wrap, fill_for(header, value)))
        elif header in DATE_HEADERS or any(isinstance(v, dt.date) for v in sample):
            longest = max(longest, display_width("2026-12-31") + FILTER_BUTTON)   # dates as dates: Excel
            ws.set_column(col, col, min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))  # sorts and filters them
            for r, value in enumerate(values, start=1):
                day = as_date(value) if header in DATE_HEADERS else value
                if isinstance(day, dt.date):
                    ws.write_datetime(r, col, _as_datetime(day), formats.date)
                else:
                    _write_cell(ws, r, col, value, formats.body(wrap, None))
        else:
            fmt = formats.body(wrap, None)
            for r, value in enumerate(values, start=1):
                _write_cell(ws, r, col, value, fmt, formats.link)
    freeze(ws, headers)
    ws.autofilter(0, 0, len(rows), max(len(headers) - 1, 0))
    return ws


def as_date(value: Any) -> Any:
    """A date for an ISO date text ("2026-03-31"), else the value itself (a text that only looks
    like a date, such as "2026-02-30" or "2026年", stays text)."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def freeze(ws: Worksheet, headers: list[str]) -> None:
    """Freeze the header row and, when the sheet has one, every column up to 单位, so that both stay
    in sight while scrolling."""
    ws.freeze_panes(1, headers.index(AGENCY_HEADER) + 1 if AGENCY_HEADER in headers else 0)


def set_print(ws: Worksheet, name: str, n_rows: int, n_cols: int, painted: bool) -> None:
    """Print settings: A4 landscape, one page wide (as many pages tall as needed), the header row on
    every page, the footer, and the rows and columns written as the print area.

    A sheet with a chart (`painted`) keeps the print area its painter set, else Excel's own, the used
    range together with its charts: a print area of the rows alone would leave the charts off the
    paper. 数据 is not printed.
    OOXML has no "do not print this sheet" flag; its print area is one empty cell beside the header
    instead, which Excel and WPS find nothing to print in, and LibreOffice leaves out of a PDF
    (checked with soffice --convert-to pdf), while the sheet stays visible and filterable. Hiding the
    sheet would also keep it off paper, but a reviewer would think the data gone."""
    ws.set_paper(A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_footer(FOOTER)
    if name in NOT_PRINTED:
        ws.print_area(0, n_cols, 0, n_cols)
    elif not painted:
        ws.print_area(0, 0, n_rows, max(n_cols - 1, 0))


ISSUES_SHEET = SHEETS[1]
# How wide the fill-in columns are, so that a reviewer can type in them without widening them first.
FILL_IN_WIDTHS = {DECISION_HEADER: 16, COMMENT_HEADER: 40}
DECISION_CHOICES = list(DECISION_WORDS.values())          # 确认属实, 不予采纳
DECISION_PROMPT = {
    "input_title": "处理意见",
    "input_message": "请选择 确认属实 或 不予采纳（可留空）。不予采纳须在「说明」中写明理由。"
                     "填好后运行 auditor decisions import 本工作簿 --by 姓名 导入。",
    "error_title": "处理意见",
    "error_message": "处理意见只能是 确认属实 或 不予采纳，或留空。",
}


def mark_review_form(ws: Worksheet, formats: _Formats, frame: pd.DataFrame) -> None:
    """问题清单 as a review form: 处理意见 offers a drop-down (确认属实 / 不予采纳, blank allowed) on
    every data row, and the two fill-in columns have a header colour of their own and room to type.
    A list validation is plain OOXML, which Excel and WPS both show as a drop-down."""
    headers = [str(h) for h in frame.columns]
    for header, width in FILL_IN_WIDTHS.items():
        if header not in headers:
            continue
        col = headers.index(header)
        ws.write_string(0, col, header, formats.fill_in)
        ws.set_column(col, col, width, formats.typing)
    if DECISION_HEADER in headers and len(frame):
        col = headers.index(DECISION_HEADER)
        ws.data_validation(1, col, len(frame), col, {"validate": "list", "source": DECISION_CHOICES,
                                                     "ignore_blank": True, "error_type": "stop",
                                                     **DECISION_PROMPT})


def build_frames(findings: pd.DataFrame, reports: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Sheet name → frame, in workbook order."""
    return dict(zip(SHEETS, (overview_frame(reports), issues_frame(findings),
                             review_frame(reports, findings), rule_stats_frame(findings))))


def write_xlsx(path: Path, findings: pd.DataFrame, reports: pd.DataFrame,
               extra: dict[str, pd.DataFrame] | None = None) -> None:
    """Write summary.xlsx to `path` (frames are built first so bad input fails before writing).

    `extra` adds sheets (already Chinese-labelled frames) after the standard ones, except those of
    charts.FIRST_SHEETS, which come first; a sheet with a painter (charts.SHEET_PAINTERS) draws its
    chart after its rows are written."""
    extra = extra or {}
    first = {name: extra[name] for name in FIRST_SHEETS if name in extra}
    frames = {**first, **build_frames(findings, reports), **{k: v for k, v in extra.items() if k not in first}}
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    try:
        formats = _Formats(workbook)
        for name, frame in frames.items():
            ws = write_sheet(workbook, formats, name, frame)
            if name == ISSUES_SHEET:
                mark_review_form(ws, formats, frame)
            painter = SHEET_PAINTERS.get(name)
            set_print(ws, name, len(frame), len(frame.columns), painter is not None)
            if painter is not None:      # after the print settings: a painter may set its own page
                painter(workbook, ws, frame)
    except BaseException:
        with contextlib.suppress(Exception):  # keep the original error, not a close() failure
            workbook.close()
        raise
    workbook.close()


def _bulk_value(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return _cell_text(value)      # a Link: its text


def _write_bulk(ws: Worksheet, formats: _Formats, headers: list[str], rows: list[tuple]) -> Worksheet:
    """Same sheet, faster: one write_row per row (blank cells stay blank, text still escaped)."""
    for col, header in enumerate(headers):
        sample = [row[col] for row in rows[:WIDTH_SAMPLE]]
        longest = max([display_width(header) + FILTER_BUTTON] + [display_width(v) for v in sample])
        ws.set_column(col, col, min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))
        ws.write_string(0, col, _cell_text(header), formats.header)
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, [_bulk_value(v) for v in row])
    for col in [c for c, header in enumerate(headers) if header in DATE_HEADERS]:
        for r, row in enumerate(rows, start=1):
            day = as_date(row[col])
            if isinstance(day, dt.date):
                ws.write_datetime(r, col, _as_datetime(day), formats.date)
    freeze(ws, headers)
    ws.autofilter(0, 0, len(rows), max(len(headers) - 1, 0))
    return ws
