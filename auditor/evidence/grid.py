"""Tables 2–4 of a report as grids with the format's Chinese labels, each slot marked read, derived
(inferred by the reader, not printed as such), blank, text or unread: what the evidence page and
`auditor extract` show of what the engine read."""
from __future__ import annotations

from dataclasses import dataclass

from ..catalog import (T2_ROWS_2019, T2_ROWS_2021, T3_COLS, T4_COLS, TABLE_NAMES, col_label, row_label,
                       rows_for)
from ..model import Cell, Report

TABLES = ("t2", "t3", "t4")
READ, DERIVED, BLANK, TEXT, UNREAD, NONE = "read", "derived", "blank", "text", "unread", "none"
STATE_WORDS = {DERIVED: "推断", BLANK: "空白", TEXT: "非数字", UNREAD: "未读取", NONE: "（无此格）"}


@dataclass(frozen=True)
class Slot:
    """One cell of the grid: its text as shown and its state (NONE: the format has no such cell)."""
    text: str
    state: str


@dataclass(frozen=True)
class Grid:
    table: str
    name: str                          # 表三（收到和处理政府信息公开申请情况）
    rows: list[tuple[str, str]]        # (key, Chinese label)
    cols: list[tuple[str, str]]
    slots: dict[tuple[str, str], Slot]
    read: bool                         # any cell of the table was found at all


def _columns(table: str, template: str | None) -> dict[str, list[str]]:
    """Row key → its column keys in the format (table 2's rows have columns of their own)."""
    if table == "t2":
        return {r.key: [c.key for c in cs] for r, cs in (T2_ROWS_2019 if template == "2019" else T2_ROWS_2021)}
    cols = [c.key for c in (T3_COLS if table == "t3" else T4_COLS)]
    return {r: cols for r in rows_for(table, template)}


def _slot(cell: Cell | None) -> Slot:
    if cell is None or cell.raw is None:
        return Slot("", UNREAD)
    raw = cell.raw.strip()
    if cell.value is None:
        return Slot(raw, BLANK if raw in ("", "-", "－", "—", "/", "／") else TEXT)
    value = cell.value
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return Slot(text, DERIVED if cell.derived else READ)


def grids(report: Report) -> list[Grid]:
    """Tables 2–4 as the format lays them out (2021 unless the report is in the 2019 format), plus
    any row or column the reader found beyond the format's."""
    found: dict[tuple[str, str, str], Cell] = {}
    for c in report.cells:
        found.setdefault((c.table, c.row, c.col), c)
    out = []
    for table in TABLES:
        layout = _columns(table, report.template)
        extra = [c for c in report.cells if c.table == table and c.col not in layout.get(c.row, [c.col])]
        for c in extra:
            layout.setdefault(c.row, []).append(c.col)
        cols = list(dict.fromkeys(col for cs in layout.values() for col in cs))
        slots = {}
        for row, row_cols in layout.items():
            for col in cols:
                slots[row, col] = _slot(found.get((table, row, col))) if col in row_cols else Slot("", NONE)
        out.append(Grid(table, TABLE_NAMES[table], [(r, row_label(table, r)) for r in layout],
                        [(c, col_label(table, c)) for c in cols], slots,
                        any(k[0] == table for k in found)))
    return out
