"""Kind `cell_domain`: what a cell may hold (non-negative integer, non-negative number, not blank).

All cell_domain rules share one frame (the selected cells of every report, tagged by rule) and
Great Expectations checks it: a regular expression over the cleaned cell text for the number
domains, a 0/1 blank flag for `not_blank`. Cells we could not read are not judged here.
"""
from __future__ import annotations

import pandas as pd

from ...catalog import TABLE_SHORT, col_label, row_label
from ...rules.model import Rule
from ..batch import Batch
from ..gx_backend import ExpectationSpec
from ..hits import Hit

FRAME = "cell_domain"               # which cells each rule judges (booleans, one column per rule)
CONTENTS = "cell_domain_contents"   # what each cell holds: cleaned text, blank flag, value
GX_FRAME = "cell_domain_values"     # distinct (rule, text, blank, value): what GX validates
CELLS = "cell_domain_cells"         # the batch's cells (not validated; findings are read from it)
_KEY = ["rule_key", "norm", "is_blank", "value"]
_REGEX = {"non_negative_integer": r"\d+", "non_negative_decimal": r"\d+(?:\.\d+)?", "integer": r"[+-]?\d+"}


def cell_location(table: str, row: str, col: str) -> str:
    if table == "t4":
        return f"{TABLE_SHORT[table]}「{row_label(table, row)}」「{col_label(table, col)}」"
    return f"{TABLE_SHORT[table]}「{row_label(table, row)}」行「{col_label(table, col)}」列"


def _mask(rule: Rule, batch: Batch, rids: pd.Index) -> pd.Series:
    """The cells a rule judges (a boolean over the batch's cells: no copy of the cells)."""
    p = rule.params
    c = batch.cells
    # Cells placed by inference (derived) are never evidence against the agency.
    mask = c["table"].isin(p["tables"]) & c["rid"].isin(rids) & c["present"] & ~c["derived"]
    if p.get("rows"):
        mask &= c["row"].isin(p["rows"])
    if p.get("exclude_rows"):
        mask &= ~c["row"].isin(p["exclude_rows"])
    if p.get("cols"):
        mask &= c["col"].isin(p["cols"])
    if p.get("exclude_cols"):
        mask &= ~c["col"].isin(p["exclude_cols"])
    if p["domain"] == "at_most":
        mask &= c["value"].notna()
    if p["domain"] != "not_blank":
        mask &= ~c["blank"]
    return mask


def _contents(batch: Batch) -> pd.DataFrame:
    return pd.DataFrame({"norm": batch.cells["norm"], "is_blank": batch.cells["blank"].astype(int),
                         "value": batch.cells["value"]})


def plan(rules: list[Rule], batch: Batch, rids_by_rule: dict[str, pd.Index]):
    contents = _contents(batch)
    masks = {r.key: _mask(r, batch, rids_by_rule[r.key]) for r in rules}
    # A cell's domain depends only on what it holds: GX validates each distinct content once per rule.
    parts = [contents[m].drop_duplicates().assign(rule_key=key) for key, m in masks.items()]
    distinct = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_KEY))[_KEY]
    distinct = distinct.reset_index(drop=True)
    distinct["_rid"] = range(len(distinct))
    selected = pd.DataFrame(masks, index=contents.index)     # one boolean column per rule
    specs = []
    for r in rules:
        domain = r.params["domain"]
        if domain == "at_most":
            specs.append(ExpectationSpec(key=f"domain:{r.key}", frame=GX_FRAME, column="value", kind="between",
                                         min_value=None, max_value=float(r.params["max_value"]),
                                         where=(("rule_key", r.key),), meta=(("rule_id", r.id),)))
        elif domain == "not_blank":
            specs.append(ExpectationSpec(key=f"domain:{r.key}", frame=GX_FRAME, column="is_blank", kind="between",
                                         min_value=0, max_value=0, where=(("rule_key", r.key),),
                                         meta=(("rule_id", r.id),)))
        else:
            specs.append(ExpectationSpec(key=f"domain:{r.key}", frame=GX_FRAME, column="norm", kind="regex",
                                         regex=_REGEX[domain], where=(("rule_key", r.key),),
                                         meta=(("rule_id", r.id),)))
    return {FRAME: selected, CONTENTS: contents, GX_FRAME: distinct, CELLS: batch.cells}, specs, []


def finish(rules: list[Rule], frames: dict[str, pd.DataFrame], failing: dict[str, set[int]]) -> list[Hit]:
    selected, contents = frames[FRAME], frames[CONTENTS]
    distinct = frames[GX_FRAME]
    cells = frames[CELLS]
    hits: list[Hit] = []
    for rule in rules:
        bad_values = distinct[distinct["_rid"].isin(failing.get(f"domain:{rule.key}", set()))]
        if bad_values.empty:
            continue
        # the rule's cells whose content GX rejected
        chosen = contents[selected[rule.key]]
        hit_index = chosen.reset_index().merge(bad_values[["norm", "is_blank", "value"]],
                                               on=["norm", "is_blank", "value"])["index"]
        bad = cells.loc[hit_index.sort_values()]
        group = rule.params.get("group_by", "cell")
        keys = {"cell": ["rid", "table", "row", "col"], "row": ["rid", "table", "row"], "table": ["rid", "table"]}[group]
        for key, g in bad.groupby(keys, sort=True):
            rid, table = int(key[0]), key[1]
            names = [cell_location(table, r, c) for r, c in zip(g["row"], g["col"])]
            if group == "cell":
                loc, lkey = names[0], f"{table}:{key[2]}:{key[3]}"
            elif group == "row":
                loc, lkey = f"{TABLE_SHORT[table]}「{row_label(table, key[2])}」行", f"{table}:{key[2]}"
            else:
                loc, lkey = TABLE_SHORT[table], table
            shown = "、".join(names[:3]) + ("等" if len(names) > 3 else "")
            raw = g["raw"].iloc[0]
            hits.append(Hit(rid, rule, loc, lkey,
                            fields={"raw": raw, "count": len(g), "cells": shown},
                            values={"单元格数": len(g), "示例": shown, "原文": raw}))
    return hits
