"""The batch: every report of a run as a few flat pandas frames that all rules read.

Built once per run; each rule then works on whole columns at once instead of looping over
reports. `rid` is the report's position in the batch.

Besides the frames, the batch offers integer views of its cells for the kinds that select cells by
table/row/col over millions of rows (`codes`, `label_mask`, `cell_grid`, `cell_first`,
`cell_positions`): computed once, kept in `cache`, and always consistent with `cells` (positions
are row positions in `cells`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..agency import resolve_types
from ..domain import agency_keys
from ..extract.numbers import clean, is_blank_mark
from ..model import Report

SCOPES = ["preface"] + [f"section_{n}" for n in range(1, 7)] + ["report"]
_UNIT = "(?<=\\d)(?:件|个|条|宗|次|项|元|万元)$"


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
        """For each report, the same agency's report of the year before (rid), or NA; one merge
        rather than one look-up per report."""
        info = self.info
        own = info.loc[rids, ["agency_key", "year"]]
        pool = info[info["agency_key"].notna() & info["year"].notna()].reset_index()
        # a report in the current batch beats an archived version of the same agency and year; within
        # the batch the first wins (the pipeline puts current versions before superseded ones)
        pool = pool.sort_values("history", kind="stable").drop_duplicates(["agency_key", "year"])
        want = pd.DataFrame({"agency_key": own["agency_key"].to_numpy(), "year": (own["year"] - 1).to_numpy()})
        found = want.merge(pool[["agency_key", "year", "rid"]], how="left", on=["agency_key", "year"])
        return pd.Series(found["rid"].to_numpy(), index=rids, dtype="Int64")

    # ------------------------------------------------------------------ integer views of the cells

    def codes(self) -> SimpleNamespace:
        """The cells as numpy arrays: rid; table/row/col as integer codes into `tables`/`rows`/`cols`
        (label lists); value, present, blank, derived; `norm` as codes into `norms`."""
        got = self.cache.get("cell_codes")
        if got is None:
            c = self.cells
            t_codes, t_labels = pd.factorize(c["table"].to_numpy(dtype=object))
            r_codes, r_labels = pd.factorize(c["row"].to_numpy(dtype=object))
            k_codes, k_labels = pd.factorize(c["col"].to_numpy(dtype=object))
            n_codes, n_labels = pd.factorize(c["norm"].to_numpy(dtype=object))
            got = _codes(c["rid"].to_numpy(dtype=np.int64), t_codes, list(t_labels), r_codes, list(r_labels),
                         k_codes, list(k_labels), c["value"].to_numpy(dtype=np.float64),
                         c["present"].to_numpy(dtype=bool), c["blank"].to_numpy(dtype=bool),
                         c["derived"].to_numpy(dtype=bool), n_codes, list(n_labels))
            self.cache["cell_codes"] = got
        return got

    def label_mask(self, axis: str, labels) -> np.ndarray:
        """Boolean per cell: its `axis` ('table', 'row' or 'col') is one of `labels`."""
        k = self.codes()
        codes, names = {"table": (k.table, k.tables), "row": (k.row, k.rows), "col": (k.col, k.cols)}[axis]
        wanted = set(labels)
        lut = np.array([n in wanted for n in names] + [False], dtype=bool)   # code -1 (NA) → False
        return lut[codes]

    def rid_mask(self, rids) -> np.ndarray:
        """Boolean per cell: its report is one of `rids`."""
        k = self.codes()
        lut = np.zeros(len(self.info) + 1, dtype=bool)
        r = np.asarray(rids, dtype=np.int64)
        lut[r[(r >= 0) & (r < len(self.info))]] = True
        return lut[k.rid]

    def cell_grid(self, table: str) -> SimpleNamespace:
        """One table's cells as a dense rid × row × col array of cell positions (-1: no such cell;
        the first cell wins when a report has the same cell twice), with `rows`/`cols` label → index,
        `read_row` (rid × row: some cell of the row was read, or its label found) and `has`
        (rid: some cell of the table)."""
        key = ("cell_grid", table)
        got = self.cache.get(key)
        if got is None:
            k = self.codes()
            n = len(self.info)
            t = k.tables.index(table) if table in k.tables else -2
            pos = np.flatnonzero(k.table == t)
            r_codes, r_labels = _recode(k.row[pos])
            c_codes, c_labels = _recode(k.col[pos])
            rows = {k.rows[x]: i for i, x in enumerate(r_labels) if x >= 0}
            cols = {k.cols[x]: i for i, x in enumerate(c_labels) if x >= 0}
            nr, nc = len(r_labels), len(c_labels)
            rid = k.rid[pos]
            flat = (rid * nr + r_codes) * nc + c_codes
            first = np.full(n * nr * nc, -1, dtype=np.int64)
            if len(flat) and np.bincount(flat).max() > 1:
                uniq, at = np.unique(flat, return_index=True)   # stable: the first occurrence wins
                first[uniq] = pos[at]
            else:
                first[flat] = pos
            read_row = np.zeros(n * max(nr, 1), dtype=bool)
            present = k.present[pos] | k.derived[pos]    # derived and unread: label found, numbers not
            read_row[rid[present] * nr + r_codes[present]] = True
            has = np.zeros(n, dtype=bool)
            has[rid] = True
            got = SimpleNamespace(first=first.reshape(n, nr, nc), rows=rows, cols=cols,
                                  read_row=read_row[: n * nr].reshape(n, nr), has=has)
            self.cache[key] = got
        return got

    def cell_first(self, table: str, row: str, col: str) -> np.ndarray:
        """Per rid (all reports): position of the report's first cell (table, row, col), or -1."""
        g = self.cell_grid(table)
        if row not in g.rows or col not in g.cols:
            return np.full(len(self.info), -1, dtype=np.int64)
        return g.first[:, g.rows[row], g.cols[col]]

    def cell_positions(self, table: str, row: str, col: str) -> np.ndarray:
        """Positions (ascending) of every cell (table, row, col) in `cells`, duplicates included."""
        key = ("cell_positions", table, row, col)
        got = self.cache.get(key)
        if got is None:
            k = self.codes()
            idx = [lab.index(x) if x in lab else -2 for lab, x in ((k.tables, table), (k.rows, row), (k.cols, col))]
            got = np.flatnonzero((k.table == idx[0]) & (k.row == idx[1]) & (k.col == idx[2]))
            self.cache[key] = got
        return got


def _recode(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber a subset's codes densely (0..m-1, in order of the old codes, -1 included); returns
    the new codes and, per new code, the old one."""
    if not len(codes):
        return codes.astype(np.int64), np.zeros(0, dtype=np.int64)
    old = np.flatnonzero(np.bincount(codes + 1)) - 1
    lut = np.full(codes.max() + 2, -1, dtype=np.int64)
    lut[old + 1] = np.arange(len(old))
    return lut[codes + 1], old


def _codes(rid, t_codes, t_labels, r_codes, r_labels, k_codes, k_labels, value, present, blank, derived,
           n_codes, n_labels) -> SimpleNamespace:
    return SimpleNamespace(rid=rid, table=t_codes, tables=t_labels, row=r_codes, rows=r_labels,
                           col=k_codes, cols=k_labels, value=value, present=present, blank=blank,
                           derived=derived, norm=n_codes, norms=n_labels)


def _cells_frame(reports: list[Report]) -> tuple[pd.DataFrame, SimpleNamespace]:
    """The cells frame, built column by column; text-derived columns computed once per distinct raw text."""
    counts = [len(r.cells) for r in reports]
    every = [c for r in reports for c in r.cells]
    if not every:
        return _cells_frame_rows([]), None
    rid = np.repeat(np.arange(len(reports), dtype=np.int64), counts)
    labels, codes, arrays = {}, {}, {}
    for name in ("table", "row", "col"):
        arrays[name] = np.fromiter(map(attrgetter(name), every), dtype=object, count=len(every))
        codes[name], labels[name] = pd.factorize(arrays[name])
    raw_arr = np.fromiter(map(attrgetter("raw"), every), dtype=object, count=len(every))
    raw_codes, raw_uniq = pd.factorize(raw_arr)            # None → -1
    values = list(map(attrgetter("value"), every))
    try:
        value = np.array(values, dtype=np.float64) if values else np.zeros(0, dtype=np.float64)
    except (TypeError, ValueError):
        value = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("float64").to_numpy()
    derived_list = list(map(attrgetter("derived"), every))
    derived = np.array(derived_list)
    derived_ok = derived.dtype == np.bool_
    # per distinct raw text: the text a domain rule judges (cleaned, a unit word after the number
    # dropped: '4件' → '4') and whether it is a blank mark
    raw_uniq = list(raw_uniq)
    norm_uniq = pd.Series([clean(x) for x in raw_uniq] + [""], dtype=object).str.replace(_UNIT, "", regex=True)
    blank_uniq = np.array([is_blank_mark(x) for x in raw_uniq] + [False], dtype=bool)
    norm_codes_u, norm_labels = pd.factorize(norm_uniq.to_numpy(dtype=object))
    present = raw_codes >= 0
    norm_codes = norm_codes_u[raw_codes]                   # -1 → the "" appended last
    blank = blank_uniq[raw_codes] & present
    str_dtype = pd.Series(["x"]).dtype
    cells = pd.DataFrame({
        "rid": rid,
        "table": _strings(labels["table"], arrays["table"], str_dtype, codes["table"]),
        "row": _strings(labels["row"], arrays["row"], str_dtype, codes["row"]),
        "col": _strings(labels["col"], arrays["col"], str_dtype, codes["col"]),
        "raw": _strings(raw_uniq, raw_arr, str_dtype, raw_codes),
        "value": value,
        "derived": derived if derived_ok else pd.Series(derived_list).to_numpy(),
    }, copy=False)
    cells["present"] = present
    cells["norm"] = _strings(norm_labels, np.asarray(norm_labels, dtype=object).take(norm_codes), str_dtype,
                             norm_codes)
    cells["blank"] = blank
    k = None
    if derived_ok and all(isinstance(x, str) for x in labels["table"]) and all(isinstance(x, str) for x in labels["row"]) \
            and all(isinstance(x, str) for x in labels["col"]):
        k = _codes(rid, codes["table"], list(labels["table"]), codes["row"], list(labels["row"]),
                   codes["col"], list(labels["col"]), value, present, blank, derived,
                   norm_codes, list(norm_labels))
    return cells, k


def _cells_frame_rows(cell_rows: list[tuple]) -> pd.DataFrame:
    """The same frame built from row tuples (used for a batch without cells: same dtypes as ever)."""
    cells = pd.DataFrame(cell_rows, columns=["rid", "table", "row", "col", "raw", "value", "derived"])
    cells["value"] = pd.to_numeric(cells["value"], errors="coerce").astype("float64")
    cells["present"] = cells["raw"].notna()
    raw = cells["raw"].fillna("")
    cells["norm"] = raw.map(clean).str.replace(_UNIT, "", regex=True)
    cells["blank"] = cells["present"] & raw.map(is_blank_mark)
    return cells


def _strings(uniques, values: np.ndarray, str_dtype, codes: np.ndarray | None = None) -> object:
    """An object array of Python strings (None: missing) as the column pandas builds from them.
    From the codes (−1: missing) when given: the few distinct strings are checked, not every cell."""
    if all(isinstance(u, str) for u in uniques):
        if codes is not None:
            return pd.array(list(uniques), dtype=str_dtype).take(codes, allow_fill=True)
        return pd.array(values, dtype=str_dtype)
    return pd.Series(list(values)).array     # other content: let pandas infer, as from a list


def _text_or_none(value: object) -> str | None:
    """A non-empty string, else None (NaN, None, '' and other types alike)."""
    return value if isinstance(value, str) and value.strip() else None


def build_batch(reports: list[Report], agency_types: dict[str, str] | None = None,
                history: list[Report] | None = None) -> Batch:
    """`history`: earlier reports loaded for cross-year rules only (never audited themselves)."""
    n_current = len(reports)
    reports = list(reports) + list(history or [])
    info = pd.DataFrame({
        "file": [r.file for r in reports],
        # object dtype: a missing agency stays None (pandas 3 would make it NaN, which is truthy)
        "agency": pd.Series([_text_or_none(r.meta.get("agency")) for r in reports], dtype=object),
        "year": pd.array([r.meta.get("year") for r in reports], dtype="Int64"),
        "template": [r.template for r in reports],
        "status": [r.status for r in reports],
        # strings only: a future pandas reads a number with a format as an epoch (here it never matched the format)
        "published": pd.to_datetime([_text_or_none(r.meta.get("published")) for r in reports], errors="coerce",
                                    format="%Y-%m-%d"),
    })
    info.index.name = "rid"
    info["history"] = [i >= n_current for i in range(len(reports))]
    keys = agency_keys(info["agency"])
    info["agency_key"] = keys.astype(object).where(keys != "", None)
    info["truncated_after"] = pd.array([r.truncated_after for r in reports], dtype="Int64")
    info["agency_type"] = resolve_types(info["agency"], agency_types)

    cells, codes = _cells_frame(reports)

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
    batch = Batch(reports, info, cells, texts, sections)
    if codes is not None:
        batch.cache["cell_codes"] = codes
    return batch
