"""The 数据 sheet: every extracted table value, one row per report, one column per table cell.

Offices use it to sort, filter and total the figures themselves (e.g. all 行政复议 counts of a
county). Columns follow the format's own order and carry the printed Chinese labels, so a column
means the same cell in every report; 2019-format table-2 blocks differ from the 2021 ones and
get their own columns (blank for 2021 reports) rather than being squeezed into look-alikes.
"""
from __future__ import annotations

import gc
import re
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from .catalog import T2_ROWS_2019, T2_ROWS_2021, TABLE_SHORT, Label, col_label, cols_for, row_label, rows_for
from .outputs.tables import STATUS_WORDS, template_word, word
from .speed import SHEET_MAX_REPORTS

if TYPE_CHECKING:
    from .model import Report

META_COLUMNS = ["文件", "单位", "年度", "格式", "读取状态"]
ANY = "*"            # variant for cells whose keys mean the same in both formats (tables 3 and 4)
T2_2019_PREFIX = "表二（2019版）"


def _short(label: str) -> str:
    """'第二十条第（一）项「规章」' → '规章': the article reference is the same for every column."""
    m = re.search(r"「(.+?)」", label)
    return m.group(1) if m else label


def _t2_entries(layout: list[tuple[Label, list[Label]]], variant: str, prefix: str) -> list[tuple]:
    return [(variant, "t2", row.key, col.key, f"{prefix}·{_short(row.label)}·{col.label}")
            for row, cols in layout for col in cols]


def _grid(table: str, rows: list[str]) -> list[tuple]:
    return [(ANY, table, r, c, f"{TABLE_SHORT[table]}·{row_label(table, r)}·{col_label(table, c)}")
            for r in rows for c in cols_for(table)]


def column_catalog() -> pd.DataFrame:
    """variant, table, row, col, header — in sheet order: the 2021 format's tables 2–4, then the
    2019-only columns (table 2's older blocks and table 3's single （六）其他处理 row)."""
    t3_2021 = rows_for("t3", "2021")
    entries = (_t2_entries(T2_ROWS_2021, "2021", TABLE_SHORT["t2"]) + _grid("t3", t3_2021)
               + _grid("t4", rows_for("t4", "2021")) + _t2_entries(T2_ROWS_2019, "2019", T2_2019_PREFIX)
               + _grid("t3", [r for r in rows_for("t3", "2019") if r not in t3_2021]))
    catalog = pd.DataFrame(entries, columns=["variant", "table", "row", "col", "header"])
    assert catalog["header"].is_unique, "数据表列名重复"
    return catalog


def _cells(reports: list[Report]) -> pd.DataFrame:
    """All cells of all reports as one long frame: rid, key (table, row, col), value.

    Reading the attributes is the only per-cell Python work; values stay Python objects so ints
    stay ints. The collector is paused meanwhile: millions of small tuples would trigger it
    hundreds of times for nothing (none of them forms a cycle).
    """
    counts = np.fromiter((len(r.cells) for r in reports), dtype=np.int64, count=len(reports))
    paused = gc.isenabled()
    gc.disable()
    try:
        keys = pd.Series([(c.table, c.row, c.col) for r in reports for c in r.cells], dtype=object)
        values = np.array([c.value for r in reports for c in r.cells] or [], dtype=object)
    finally:
        if paused:
            gc.enable()
    return pd.DataFrame({"rid": np.repeat(np.arange(len(reports)), counts), "key": keys, "value": values})


def _locate(cells: pd.DataFrame, reports: list[Report], catalog: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Column position of every cell, decided once per distinct (key, format) pair and spread back by code.

    Table 2 is looked up in the report's own format first, then the other one; a key in neither
    gets an extra column at the end, so no value is ever dropped silently.
    """
    codes, uniques = pd.factorize(cells["key"])
    lookup = {(v, t, r, c): i for i, (v, t, r, c) in
              enumerate(catalog[["variant", "table", "row", "col"]].itertuples(index=False))}
    extra: dict[tuple, int] = {}
    table = np.empty((len(uniques), 2), dtype=np.int64)     # [distinct key, is 2019 format]
    for k, key in enumerate(uniques):
        for is_2019 in (0, 1):
            order = ("2019", "2021") if is_2019 else ("2021", "2019")
            variants = order if key[0] == "t2" else (ANY,)
            pos = next((lookup[(v, *key)] for v in variants if (v, *key) in lookup), None)
            if pos is None:
                pos = len(catalog) + extra.setdefault(key, len(extra))
            table[k, is_2019] = pos
    fmt = np.fromiter((r.template == "2019" for r in reports), dtype=bool, count=len(reports))
    positions = table[codes, fmt[cells["rid"].to_numpy()].astype(np.int64)] if len(codes) else codes
    headers = [f"{TABLE_SHORT.get(t, t)}·{row_label(t, r)}·{col_label(t, c)}（未列入格式）" for t, r, c in extra]
    return positions, headers


def data_frame(reports: list[Report]) -> pd.DataFrame:
    """One row per report: 文件, 单位, 年度, 格式, 读取状态, then every table cell's value (number or None).

    Derived (inferred-position) cells still show their value; that mark lives in the JSON output.
    """
    catalog = column_catalog()
    cells = _cells(reports)
    cells["pos"], extra = _locate(cells, reports, catalog)
    headers = list(catalog["header"]) + extra
    try:
        wide = cells.pivot(index="rid", columns="pos", values="value")
    except ValueError:  # a key read twice in one report: keep the last, as Report.tables() does
        wide = cells.drop_duplicates(["rid", "pos"], keep="last").pivot(index="rid", columns="pos", values="value")
    wide = wide.reindex(index=range(len(reports)), columns=range(len(headers)))
    values = np.array(wide.to_numpy(dtype=object), dtype=object, copy=True)
    values[pd.isna(values)] = None
    meta = pd.DataFrame({
        "文件": [r.file for r in reports],
        "单位": [r.meta.get("agency") for r in reports],
        "年度": [_year(r.meta.get("year")) for r in reports],
        "格式": [template_word(r.template) for r in reports],
        "读取状态": [word(STATUS_WORDS, r.status) for r in reports],
    }, dtype=object)
    body = pd.DataFrame(values, columns=headers, dtype=object)
    return pd.concat([meta, body], axis=1)


def sheet_or_note(reports: list[Report],
                  make: Callable[[list[Report]], pd.DataFrame] | None = None) -> pd.DataFrame:
    """What the workbook's 数据 sheet shows: the table itself, or for a large batch where to find it."""
    if len(reports) <= SHEET_MAX_REPORTS:
        return (make or data_frame)(reports)
    return pd.DataFrame({"说明": [
        f"本次共 {len(reports)} 份报告，数据表较大，未放入本工作簿。全部数值见同一结果目录下的 data.csv"
        f"（UTF-8 编码，可用 Excel 或 WPS 直接打开），每份报告一行、每个表格单元格一列，列名与小批量时的本表相同。"]})


def _year(value: object) -> int | None:
    try:
        return None if value is None else int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
