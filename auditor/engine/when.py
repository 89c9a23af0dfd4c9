"""Rule applicability (`when`): which reports of the batch a rule is evaluated on.

Conditions are data, never code: year range, templates, agency types, and a comparison of one
table cell with a number. A cell we could not read makes the rule not apply (it cannot be known
whether the condition holds), and the rule stays silent rather than guess.
"""
from __future__ import annotations

import operator
from typing import Any

import pandas as pd

from .batch import Batch

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne}


def applicable(when: dict[str, Any], batch: Batch, rids: pd.Index) -> pd.Index:
    if not when:
        return rids
    info = batch.info.loc[rids]
    mask = pd.Series(True, index=info.index)
    if "year_min" in when:
        mask &= info["year"].ge(when["year_min"]).fillna(False).astype(bool)
    if "year_max" in when:
        mask &= info["year"].le(when["year_max"]).fillna(False).astype(bool)
    if "templates" in when:
        mask &= info["template"].fillna("unknown").isin(when["templates"])
    if "agency_types" in when:
        mask &= info["agency_type"].isin(when["agency_types"])
    if "cell" in when:
        c = when["cell"]
        cells = batch.cells
        sel = cells[(cells["table"] == c["table"]) & (cells["row"] == c["row"]) & (cells["col"] == c["col"])
                    & cells["present"] & cells["value"].notna() & ~cells["derived"]]
        values = sel.drop_duplicates("rid").set_index("rid")["value"].reindex(info.index)
        mask &= OPS[c["op"]](values, c["value"]).fillna(False).astype(bool)
    return info.index[mask]
