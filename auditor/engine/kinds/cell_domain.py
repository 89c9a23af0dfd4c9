"""Kind `cell_domain`: what a cell may hold (non-negative integer, non-negative number, not blank).

All cell_domain rules share one frame (the selected cells of every report, tagged by rule) and
Great Expectations checks it: a regular expression over the cleaned cell text for the number
domains, a 0/1 blank flag for `not_blank`. Cells we could not read are not judged here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...catalog import TABLE_SHORT, col_label, row_label
from ...rules.kinds import CellDomain
from ...rules.model import Rule
from ..batch import Batch
from ..gx_backend import ExpectationSpec
from ..hits import Hit
from .base import Plan, WithExpectations, register

FRAME = "cell_domain"               # which cells each rule judges (booleans, one column per rule)
CONTENTS = "cell_domain_contents"   # what each cell holds, as an id (equal content, equal id)
GX_FRAME = "cell_domain_values"     # distinct (rule, text, blank, value): what GX validates
CELLS = "cell_domain_cells"         # the batch's cells (not validated; findings are read from it)
DISTINCT_IDS = "cell_domain_content_ids"   # content_id of each row of GX_FRAME (same order)
_KEY = ["rule_key", "norm", "is_blank", "value"]
_REGEX = {"non_negative_integer": r"\d+", "non_negative_decimal": r"\d+(?:\.\d+)?", "integer": r"[+-]?\d+"}


def cell_location(table: str, row: str, col: str) -> str:
    if table == "t4":
        return f"{TABLE_SHORT[table]}「{row_label(table, row)}」「{col_label(table, col)}」"
    return f"{TABLE_SHORT[table]}「{row_label(table, row)}」行「{col_label(table, col)}」列"


def _mask(rule: Rule, batch: Batch, rids: pd.Index) -> np.ndarray:
    """The cells a rule judges (a boolean over the batch's cells: no copy of the cells)."""
    p: CellDomain = rule.args
    k = batch.codes()
    # Cells placed by inference (derived) are never evidence against the agency.
    mask = batch.label_mask("table", p.tables) & batch.rid_mask(rids) & k.present & ~k.derived
    if p.rows:
        mask &= batch.label_mask("row", p.rows)
    if p.exclude_rows:
        mask &= ~batch.label_mask("row", p.exclude_rows)
    if p.cols:
        mask &= batch.label_mask("col", p.cols)
    if p.exclude_cols:
        mask &= ~batch.label_mask("col", p.exclude_cols)
    if p.domain == "at_most":
        mask &= ~np.isnan(k.value)
    if p.domain != "not_blank":
        mask &= ~k.blank
    return mask


def _content_ids(batch: Batch) -> np.ndarray:
    """Per cell: equal for cells of equal content (cleaned text, blank flag, value), numbered in order
    of first appearance."""
    k = batch.codes()
    v_codes, v_uniq = pd.factorize(k.value)                  # NaN → -1
    combined = (k.norm.astype(np.int64) * 2 + k.blank) * (len(v_uniq) + 1) + (v_codes + 1)
    return pd.factorize(combined)[0]


def _first_of_each(ids: np.ndarray) -> np.ndarray:
    """Positions in `ids` of the first occurrence of each distinct value, in order."""
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    codes = pd.factorize(ids)[0]                             # numbered in order of first appearance
    seen = np.maximum.accumulate(codes)
    return np.flatnonzero(np.concatenate(([True], codes[1:] > seen[:-1])))


def plan(rules: list[Rule], batch: Batch, rids_by_rule: dict[str, pd.Index]) -> Plan:
    content_id = _content_ids(batch)
    masks = {r.key: _mask(r, batch, rids_by_rule[r.key]) for r in rules}
    # A cell's domain depends only on what it holds: GX validates each distinct content once per rule
    # (the values of the first cell with that content, in cell order).
    norm, blank, value = batch.cells["norm"], batch.cells["blank"].to_numpy(), batch.cells["value"].to_numpy()
    parts, ids = [], []
    for key, m in masks.items():
        chosen = np.flatnonzero(m)
        chosen = chosen[_first_of_each(content_id[chosen])]
        parts.append(pd.DataFrame({"rule_key": key, "norm": norm.iloc[chosen].reset_index(drop=True),
                                   "is_blank": blank[chosen].astype(int), "value": value[chosen]}))
        ids.append(content_id[chosen])
    distinct = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_KEY))[_KEY]
    distinct = distinct.reset_index(drop=True)
    distinct["_rid"] = range(len(distinct))
    distinct_ids = pd.DataFrame({"content_id": np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)})
    contents = pd.DataFrame({"content_id": content_id})
    selected = pd.DataFrame(masks, index=contents.index)     # one boolean column per rule
    specs = []
    for r in rules:
        args: CellDomain = r.args
        domain = args.domain
        if domain == "at_most":
            specs.append(ExpectationSpec(key=f"domain:{r.key}", frame=GX_FRAME, column="value", kind="between",
                                         min_value=None, max_value=float(args.max_value),
                                         where=(("rule_key", r.key),), meta=(("rule_id", r.id),)))
        elif domain == "not_blank":
            specs.append(ExpectationSpec(key=f"domain:{r.key}", frame=GX_FRAME, column="is_blank", kind="between",
                                         min_value=0, max_value=0, where=(("rule_key", r.key),),
                                         meta=(("rule_id", r.id),)))
        else:
            specs.append(ExpectationSpec(key=f"domain:{r.key}", frame=GX_FRAME, column="norm", kind="regex",
                                         regex=_REGEX[domain], where=(("rule_key", r.key),),
                                         meta=(("rule_id", r.id),)))
    return Plan(frames={FRAME: selected, CONTENTS: contents, GX_FRAME: distinct, DISTINCT_IDS: distinct_ids,
                        CELLS: batch.cells}, expectations=specs)


def finish(rules: list[Rule], frames: dict[str, pd.DataFrame], failing: dict[str, set[int]]) -> list[Hit]:
    selected, contents = frames[FRAME], frames[CONTENTS]
    distinct = frames[GX_FRAME]
    cells = frames[CELLS]
    hits: list[Hit] = []
    for rule in rules:
        bad_rows = distinct["_rid"].isin(failing.get(f"domain:{rule.key}", set())).to_numpy()
        if not bad_rows.any():
            continue
        # the rule's cells whose content GX rejected
        bad_ids = frames[DISTINCT_IDS]["content_id"].to_numpy()[bad_rows]
        hit = selected[rule.key].to_numpy() & np.isin(contents["content_id"].to_numpy(), bad_ids)
        bad = cells.iloc[np.flatnonzero(hit)]
        group = rule.args.group_by
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


register(WithExpectations("cell_domain", plan, finish))
