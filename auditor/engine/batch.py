"""The batch: every report of a run as a few flat pandas frames that all rules read.

Built once per run; each rule then works on whole columns at once instead of looping over
reports. `rid` is the report's position in the batch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..agency import infer_types
from ..catalog import normalize_label
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
    # derived views that several rules share (e.g. one scope's texts by rid), built on first use
    cache: dict = field(default_factory=dict)

    def rids_for(self, templates: list[str]) -> pd.Index:
        """Reports a pack applies to; reports whose reading failed, and earlier years' reports loaded
        only for comparison, get no rules."""
        tpl = self.info["template"].fillna("unknown")
        mask = tpl.isin(templates) & (self.info["status"] != "failed") & ~self.info["history"]
        return self.info.index[mask]

    def previous_year(self, rids: pd.Index) -> pd.Series:
        """For each report, the same agency's report of the year before (rid), or NA."""
        info = self.info
        own = info.loc[rids, ["agency_key", "year"]]
        pool = info[info["agency_key"].notna() & info["year"].notna()].reset_index()
        # a report in the current batch beats an archived version of the same agency and year
        pool = pool.sort_values("history").drop_duplicates(["agency_key", "year"])
        lookup = pool.set_index(["agency_key", "year"])["rid"]
        keys = list(zip(own["agency_key"], own["year"] - 1))
        prev = [lookup.get(k) if k[0] is not None and not pd.isna(k[1]) else None for k in keys]
        return pd.Series(prev, index=rids, dtype="Int64")


def build_batch(reports: list[Report], agency_types: dict[str, str] | None = None,
                history: list[Report] | None = None) -> Batch:
    """`history`: earlier reports loaded for cross-year rules only (never audited themselves)."""
    n_current = len(reports)
    reports = list(reports) + list(history or [])
    info = pd.DataFrame({
        "file": [r.file for r in reports],
        "agency": [r.meta.get("agency") for r in reports],
        "year": pd.array([r.meta.get("year") for r in reports], dtype="Int64"),
        "template": [r.template for r in reports],
        "status": [r.status for r in reports],
        "published": pd.to_datetime([r.meta.get("published") for r in reports], errors="coerce", format="%Y-%m-%d"),
    })
    info.index.name = "rid"
    info["history"] = [i >= n_current for i in range(len(reports))]
    info["agency_key"] = [normalize_label(a) if a else None for a in info["agency"]]
    info["truncated_after"] = pd.array([r.truncated_after for r in reports], dtype="Int64")
    info["agency_type"] = infer_types(info["agency"])
    if agency_types:
        names = info["agency"].astype(object).fillna("").astype(str).str.replace(r"\s+", "", regex=True)
        override = names.map(agency_types)
        info["agency_type"] = override.fillna(info["agency_type"])

    cell_rows = [(rid, c.table, c.row, c.col, c.raw, c.value, c.derived)
                 for rid, r in enumerate(reports) for c in r.cells]
    cells = pd.DataFrame(cell_rows, columns=["rid", "table", "row", "col", "raw", "value", "derived"])
    cells["value"] = pd.to_numeric(cells["value"], errors="coerce").astype("float64")
    cells["present"] = cells["raw"].notna()
    raw = cells["raw"].fillna("")
    # the text a domain rule judges: cleaned, with a unit word after the number dropped ('4件' → '4')
    cells["norm"] = raw.map(clean).str.replace(r"(?<=\d)(?:件|个|条|宗|次|项|元|万元)$", "", regex=True)
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
