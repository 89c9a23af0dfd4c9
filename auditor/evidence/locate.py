"""Which cells of tables 2–4 a finding is about, as far as the finding itself says it.

An identity finding names its line in `location` (表三「总计」列) and its rule names the summed terms:
its cells are those terms on that line. Any other finding is placed by the cells, rows or columns
its location, message and values name in the catalogue's words (表三「…」行「…」列). A finding
that names only a table marks the whole table and says so: a cell is never guessed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog import TABLE_SHORT, col_label, row_label
from ..engine.kinds.identity import location as identity_location
from ..rules.model import Rule
from .grid import Grid


@dataclass
class Mark:
    """The part of a table a finding points at: cells, else rows/columns, else the table itself."""
    table: str
    cells: set[tuple[str, str]] = field(default_factory=set)
    rows: set[str] = field(default_factory=set)
    cols: set[str] = field(default_factory=set)
    whole: bool = False

    @property
    def note(self) -> str:
        """What the page says when the finding could not be narrowed down to cells."""
        if self.cells:
            return ""
        if self.whole:
            return f"该问题未指明具体单元格，已标出整张{TABLE_SHORT[self.table]}。"
        return "该问题未指明具体单元格，已标出所涉的行或列。"

    def covers(self, row: str, col: str) -> bool:
        return (row, col) in self.cells or row in self.rows or col in self.cols or self.whole


def _identity_cells(finding: dict[str, Any], rules: list[Rule], grid: Grid) -> set[tuple[str, str]] | None:
    """The terms × line of the identity rule whose location the finding carries, when exactly one
    reading fits (rules of the same id in several packs may sum other terms)."""
    fits = set()
    for rule in rules:
        p = rule.params
        table, per = p.get("table"), p.get("per")
        if table != grid.table:
            continue
        keys = [c for c, _ in grid.cols] if per == "column" else [r for r, _ in grid.rows]
        for line in keys:
            if identity_location(table, per, line) == finding.get("location"):
                terms = list(dict.fromkeys(p["lhs"]["terms"] + p["rhs"]["terms"]))
                fits.add(frozenset((t, line) if per == "column" else (line, t) for t in terms))
    return set(next(iter(fits))) if len(fits) == 1 else None


def _said(finding: dict[str, Any]) -> str:
    values = finding.get("values")
    shown = " ".join(f"{k} {v}" for k, v in values.items()) if isinstance(values, dict) else str(values or "")
    return " ".join(str(finding.get(k) or "") for k in ("location", "message")) + " " + shown


def locate(finding: dict[str, Any], grid: Grid, rules: list[Rule]) -> Mark | None:
    """The finding's mark in `grid`'s table, or None when the finding does not concern that table."""
    table, short = grid.table, TABLE_SHORT[grid.table]
    said = _said(finding)
    if short not in said:
        return None
    mark = Mark(table)
    if finding.get("rule_kind") == "identity" and finding.get("category") != "extraction":
        cells = _identity_cells(finding, [r for r in rules if r.id == finding.get("rule_id")
                                          and r.kind == "identity"], grid)
        if cells:
            mark.cells = cells
            return mark
    rows = {r: row_label(table, r) for r, _ in grid.rows}
    cols = {c: col_label(table, c) for c, _ in grid.cols}
    for r, rl in rows.items():
        for c, cl in cols.items():
            if f"{short}「{rl}」行「{cl}」列" in said or f"{short}「{rl}」「{cl}」" in said:
                mark.cells.add((r, c))
    if mark.cells:
        return mark
    mark.rows = {r for r, rl in rows.items() if f"{short}「{rl}」行" in said
                 or (table == "t4" and f"{short}「{rl}」" in said)}
    mark.cols = {c for c, cl in cols.items() if f"{short}「{cl}」列" in said}
    if not (mark.rows or mark.cols):
        mark.whole = True
    return mark
