"""The batch: every report of a run as a few flat pandas frames that all rules read.

Built once per run; each rule then works on whole columns at once instead of looping over
reports. `rid` is the report's position in the batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..agency import infer_types
from ..extract.numbers import clean, is_blank_mark
from ..model import Report

SCOPES = ["preface"] + [f"section_{n}" for n in range(1, 7)] + ["report"]


@dataclass
class Batch:
    reports: list[Report]
    info: pd.DataFrame       # rid → file, agency, year, template, status
    cells: pd.DataFrame      # rid, table, row, col, raw, value, present, blank, norm, derived
    texts: pd.DataFrame      # rid, scope, text (only scopes that exist in the report)
    sections: pd.DataFrame   # rid, number, title, pos

    def rids_for(self, templates: list[str]) -> pd.Index:
        """Reports a pack applies to; reports whose reading failed get no compliance rules."""
        tpl = self.info["template"].fillna("unknown")
        mask = tpl.isin(templates) & (self.info["status"] != "failed")
        return self.info.index[mask]


def build_batch(reports: list[Report], agency_types: dict[str, str] | None = None) -> Batch:
    info = pd.DataFrame({
        "file": [r.file for r in reports],
        "agency": [r.meta.get("agency") for r in reports],
        "year": pd.array([r.meta.get("year") for r in reports], dtype="Int64"),
        "template": [r.template for r in reports],
        "status": [r.status for r in reports],
        "published": pd.to_datetime([r.meta.get("published") for r in reports], errors="coerce", format="%Y-%m-%d"),
    })
    info.index.name = "rid"
    info["truncated_after"] = pd.array([r.truncated_after for r in reports], dtype="Int64")
    info["agency_type"] = infer_types(info["agency"])
    if agency_types:
        names = info["agency"].fillna("").str.replace(r"\s+", "", regex=True)
        override = names.map(agency_types)
        info["agency_type"] = override.fillna(info["agency_type"])

    cell_rows = [(rid, c.table, c.row, c.col, c.raw, c.value, c.derived)
                 for rid, r in enumerate(reports) for c in r.cells]
    cells = pd.DataFrame(cell_rows, columns=["rid", "table", "row", "col", "raw", "value", "derived"])
    cells["value"] = pd.to_numeric(cells["value"], errors="coerce").astype("float64")
    cells["present"] = cells["raw"].notna()
    raw = cells["raw"].fillna("")
    cells["norm"] = raw.map(clean)
    cells["blank"] = cells["present"] & raw.map(is_blank_mark)

    text_rows = []
    sec_rows = []
    for rid, r in enumerate(reports):
        text_rows.append((rid, "preface", r.preface))
        parts = [r.preface]
        for pos, s in enumerate(r.sections):
            text_rows.append((rid, f"section_{s.number}", s.text))
            sec_rows.append((rid, s.number, s.title, r.section_order.index(s.number)))
            parts.append(s.title + "\n" + s.text)
        text_rows.append((rid, "report", "\n".join(parts)))
    texts = pd.DataFrame(text_rows, columns=["rid", "scope", "text"])
    sections = pd.DataFrame(sec_rows, columns=["rid", "number", "title", "pos"])
    return Batch(reports, info, cells, texts, sections)
