"""Data passed between the stages: ingest → Document → extract → Report.

Readers produce a `Document` (what the file says, in reading order); extraction turns it into a
`Report` with fixed keys. Rules only ever see `Report`s, so a new input format never touches them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(slots=True)
class Cell:
    """One table cell mapped to fixed keys. `raw` None means the cell was not found at all.

    Slotted: a province's batch holds millions of cells."""

    table: str
    row: str
    col: str
    raw: str | None
    value: float | int | None
    derived: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "col": self.col, "raw": self.raw,
                "value": self.value, "derived": self.derived}

    def __reduce__(self) -> tuple:
        # Reports travel from the reading processes by pickle: a plain tuple is about twice as fast
        # to pickle as a slotted object's default state dict.
        return (Cell, (self.table, self.row, self.col, self.raw, self.value, self.derived))


@dataclass(slots=True)
class Section:
    number: int
    title: str
    text: str

    def __reduce__(self) -> tuple:
        return (Section, (self.number, self.title, self.text))


@dataclass
class Report:
    """The canonical extraction of one report; `as_json` is the contract of `auditor extract`."""

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
        """Everything needed to audit the report again without reading the file (for the ledger)."""
        return {"file": self.file, "template": self.template, "meta": dict(self.meta), "preface": self.preface,
                "sections": [[s.number, s.title, s.text] for s in self.sections],
                "section_order": list(self.section_order),
                "cells": [[c.table, c.row, c.col, c.raw, c.value, c.derived] for c in self.cells],
                "status": self.status, "problems": list(self.problems), "truncated_after": self.truncated_after,
                "heading_seen": {str(n): w for n, w in self.heading_seen.items()}}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> "Report":
        return cls(file=data["file"], template=data["template"], meta=data["meta"], preface=data["preface"],
                   sections=[Section(*s) for s in data["sections"]], section_order=data["section_order"],
                   cells=[Cell(*c) for c in data["cells"]], status=data["status"], problems=data["problems"],
                   truncated_after=data.get("truncated_after"),
                   heading_seen={int(n): w for n, w in (data.get("heading_seen") or {}).items()})

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
