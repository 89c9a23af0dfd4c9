"""Data passed between the stages: ingest → Document → extract → Report.

Readers produce a `Document` (what the file says, in reading order); extraction turns it into a
`Report` with fixed keys. Rules only ever see `Report`s, so a new input format never touches them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec


@dataclass(slots=True)
class TextBlock:
    """A run of text as the reader found it (a paragraph, a line or a flattened table cell)."""

    text: str


@dataclass
class TableBlock:
    """A table as a grid of cell texts, merged cells already expanded (one string per slot).

    `copies` holds the (row, col) slots that repeat a merged cell's text rather than being a cell
    of their own, so that a number spanning three columns is read once, not three times.
    """

    rows: list[list[str]]
    copies: frozenset[tuple[int, int]] = frozenset()


Block = TextBlock | TableBlock


@dataclass
class Document:
    """A file decoded into blocks. `meta` holds crawler/page headers (标题, 发布日期 …) if any."""

    path: str
    blocks: list[Block]
    encoding: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class Cell(msgspec.Struct, array_like=True, gc=False):
    """One table cell mapped to fixed keys. `raw` None means the cell was not found at all.

    A msgspec Struct stored as a plain array: a province's batch holds millions of cells, which
    the ledger and the reading processes pass as msgpack (auditor/ledger.py). Not tracked by the
    garbage collector: a cell holds only strings and numbers, so it can never be in a cycle."""

    table: str
    row: str
    col: str
    raw: str | None
    value: float | int | None
    derived: bool = False

    def as_json(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)


class Section(msgspec.Struct, array_like=True, gc=False):
    number: int
    title: str
    text: str


@dataclass
class Report:
    """The canonical extraction of one report; `as_json` is the contract of `auditor extract`.

    Each field is declared here only: msgspec encodes and decodes the report from these
    annotations (auditor/ledger.py), so a new field travels to the ledger and back from the reading
    processes without more code. A dataclass (msgspec handles both), so `dataclasses.replace` works."""

    file: str
    template: str | None = None
    meta: dict[str, Any] = field(default_factory=lambda: {
        "title": None, "agency": None, "year": None, "published": None})
    preface: str = ""
    sections: list[Section] = field(default_factory=list)
    section_order: list[int] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    status: str = "complete"
    problems: list[str] = field(default_factory=list)
    truncated_after: int | None = None   # the text stops inside this part: later parts can't be judged
    # part number → its heading words as seen in the text, for parts whose place is unsure: start and
    # end not recovered (a numbered title glued to a sentence, inside a table …), or placed on a
    # numbered line carrying no known title. Any entry makes the parts' bounds unsure for the rules.
    heading_seen: dict[int, str] = field(default_factory=dict)

    def tables(self) -> dict[str, dict[str, dict[str, Any]]]:
        out: dict[str, dict[str, dict[str, Any]]] = {"t2": {}, "t3": {}, "t4": {}}
        for c in self.cells:
            out.setdefault(c.table, {}).setdefault(c.row, {})[c.col] = c.value
        return out

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    def to_store(self) -> dict[str, Any]:
        """The report as plain data (what the ledger stores, before msgpack): cells and sections as arrays."""
        return msgspec.to_builtins(self)

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> "Report":
        """`to_store`'s data back, also as JSON gave it (part numbers as strings) in earlier ledgers."""
        return msgspec.convert(data, cls, strict=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "template": self.template,
            "meta": dict(self.meta),
            "sections": [{"number": s.number, "title": s.title, "text": s.text}
                         for s in sorted(self.sections, key=lambda s: s.number)],
            "tables": self.tables(),
            "cells": [c.as_json() for c in self.cells],
            "extraction": {"status": self.status, "problems": list(self.problems)},
        }
