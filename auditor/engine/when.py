"""Rule applicability (`when`): which reports of the batch a rule is evaluated on.

Conditions are data, never code: year range, templates, agency types, and a comparison of one
table cell with a number. A cell we could not read makes the rule not apply (it cannot be known
whether the condition holds), and the rule stays silent rather than guess.

Evaluated on numpy arrays of the batch's report fields (built once per batch, kept in its cache):
a batch has a few hundred rules, each asking about thousands of reports.
"""
from __future__ import annotations

import operator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from .batch import Batch

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne}


def applicable(when: dict[str, Any], batch: Batch, rids: pd.Index) -> pd.Index:
    if not when:
        return rids
    info = batch.info
    pos = info.index.get_indexer(rids)
    if (pos < 0).any():
        raise KeyError(f"{list(np.asarray(rids)[pos < 0])} not in index")
    v = _views(batch)
    mask = np.ones(len(pos), dtype=bool)
    if "year_min" in when:
        mask &= v.year[pos] >= when["year_min"]      # an unknown year (NaN) never qualifies
    if "year_max" in when:
        mask &= v.year[pos] <= when["year_max"]
    if "templates" in when:
        mask &= _member(v.template, when["templates"])[pos]
    if "agency_types" in when:
        mask &= _member(v.agency_type, when["agency_types"])[pos]
    if "cell" in when:
        c = when["cell"]
        values = _cell_values(batch, c["table"], c["row"], c["col"])
        mask &= np.asarray(OPS[c["op"]](values[pos], c["value"]), dtype=bool)
    return pd.Index(info.index.to_numpy()[pos[mask]], name=info.index.name)


def _views(batch: Batch) -> SimpleNamespace:
    got = batch.cache.get("when_views")
    if got is None:
        info = batch.info
        year = info["year"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        got = SimpleNamespace(year=year, template=pd.factorize(info["template"].fillna("unknown")),
                              agency_type=pd.factorize(info["agency_type"]))
        batch.cache["when_views"] = got
    return got


def _member(factorized: tuple[np.ndarray, Any], wanted: list) -> np.ndarray:
    """`Series.isin(wanted)` from the series' factorization (codes -1: missing values)."""
    codes, uniques = factorized
    lut = np.append(pd.Index(uniques).isin(wanted), bool(pd.Series([None], dtype=object).isin(wanted).iloc[0]))
    return lut[codes]


def _cell_values(batch: Batch, table: str, row: str, col: str) -> np.ndarray:
    """Per rid: the value of the report's first readable, not inferred cell (table, row, col), or NaN."""
    key = ("when_cell", table, row, col)
    got = batch.cache.get(key)
    if got is None:
        k = batch.codes()
        p = batch.cell_positions(table, row, col)
        p = p[k.present[p] & ~np.isnan(k.value[p]) & ~k.derived[p]]
        got = np.full(len(batch.info), np.nan)
        rid, first = np.unique(k.rid[p], return_index=True)
        got[rid] = k.value[p][first]
        batch.cache[key] = got
    return got
