"""Kind `identity`: sums over named rows (per column) or columns (per row) must be equal.

All identity rules build one checks frame for the batch: one row per (rule, report, line) with
both sums and their difference. Great Expectations then decides which differences exceed the
rule's tolerance. A check that needs a cell we could not read is never sent to GX: it becomes a
"could not be evaluated" hit naming that cell.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...catalog import TABLE_SHORT, col_label, cols_for, row_label, rows_for
from ...rules.kinds import Identity
from ...rules.model import Rule
from ..batch import Batch
from ..gx_backend import ExpectationSpec
from ..hits import Hit, fmt_number, not_evaluated, plain
from .base import Plan, WithExpectations, register

FRAME = "identity_checks"
GX_FRAME = "identity_differences"   # distinct (rule, difference) pairs: what GX validates
TERMS = "identity_terms"            # per rule: its checks' term values and blank/inferred flags


def _line_label(table: str, per: str, key: str) -> str:
    return col_label(table, key) if per == "column" else row_label(table, key)


def location(table: str, per: str, key: str) -> str:
    kind = "列" if per == "column" else ("行" if table != "t4" else "")
    return f"{TABLE_SHORT[table]}「{_line_label(table, per, key)}」{kind}"


def _check_rows(rule: Rule, batch: Batch, rids: pd.Index) -> tuple[pd.DataFrame, list[Hit]]:
    """The rule's checks, one row per (report, line), from the batch's rid × row × col cell grid."""
    p: Identity = rule.args
    table, per = p.table, p.per
    lhs, rhs = p.lhs["terms"], p.rhs["terms"]
    terms = list(dict.fromkeys(lhs + rhs))
    # term = the summed axis (rows when checking per column), line = the axis checked one by one
    lines = p.over or (cols_for(table) if per == "column"
                              else list(dict.fromkeys(rows_for(table, "2021") + rows_for(table, "2019"))))
    grid = batch.cell_grid(table)
    k = batch.codes()
    hits: list[Hit] = []
    rid_arr = np.asarray(rids, dtype=np.int64)
    has = grid.has[rid_arr]
    for rid in np.unique(rid_arr[~has]):
        hits.append(not_evaluated(int(rid), rule, f"{TABLE_SHORT[table]}", f"{table}:absent",
                                  f"未能读取{TABLE_SHORT[table]}"))
    present_rids = np.unique(rid_arr[has])
    if not len(present_rids):
        return pd.DataFrame(), hits
    line_keys = sorted(set(lines))      # one check per (report, line), in (rid, line) order
    term_pos = {"row": grid.rows, "col": grid.cols}["row" if per == "column" else "col"]
    line_pos = {"row": grid.rows, "col": grid.cols}["col" if per == "column" else "row"]
    # positions of the cells: n_rids × n_lines × n_terms (-1: no such cell)
    pos = np.full((len(present_rids), len(line_keys), len(terms)), -1, dtype=np.int64)
    for li, line in enumerate(line_keys):
        if line not in line_pos:
            continue
        for ti, term in enumerate(terms):
            if term not in term_pos:
                continue
            r, c = (term_pos[term], line_pos[line]) if per == "column" else (line_pos[line], term_pos[term])
            pos[:, li, ti] = grid.first[present_rids, r, c]
    if per == "row" and not p.over:
        # the rows of each report's own format (2019 and 2021 differ): those it has a term cell of
        keep_line = (pos >= 0).any(axis=2)
    else:
        keep_line = np.ones(pos.shape[:2], dtype=bool)
    rid_idx, line_idx = np.nonzero(keep_line)
    pos = pos[rid_idx, line_idx]                                 # checks × terms
    found = pos >= 0
    safe = np.where(found, pos, 0)
    readable = found & k.present[safe]
    blank = found & k.blank[safe]
    derived = found & k.derived[safe]
    # Blank cells that exist ('' or '-') count as 0 (NUM-BLANK warns about them); text does not.
    number = np.where(blank, 0.0, np.where(found, k.value[safe], np.nan))
    usable = readable & ~np.isnan(number)
    shaky = blank | derived
    t_index = {t: i for i, t in enumerate(terms)}
    lhs_sum = _sum(number, [t_index[t] for t in lhs])
    rhs_sum = _sum(number, [t_index[t] for t in rhs])
    complete = usable.all(axis=1)
    check_rid = present_rids[rid_idx]
    check_line = np.array(line_keys, dtype=object)[line_idx] if len(line_keys) else np.array([], dtype=object)
    unread: dict[int, list[str]] = {}
    raw = batch.cells["raw"]
    for i in np.flatnonzero(~complete):
        for ti, t in enumerate(terms):
            if not usable[i, ti]:
                shown = raw.iat[pos[i, ti]] if found[i, ti] else None
                unread.setdefault(int(check_rid[i]), []).append(_cell_name(table, per, check_line[i], t, shown))
    for rid, names in unread.items():
        names = list(dict.fromkeys(names))
        shown = "、".join(names[:4]) + (f"等 {len(names)} 个单元格" if len(names) > 4 else "")
        hits.append(not_evaluated(rid, rule, TABLE_SHORT[table], f"{table}:unreadable",
                                  f"{shown}未能读取为数字", values={"未读取单元格数": len(names)}))
    keep = complete
    checks = pd.DataFrame({"rid": check_rid[keep], "line": check_line[keep], "lhs_sum": lhs_sum[keep],
                           "rhs_sum": rhs_sum[keep], "diff": lhs_sum[keep] - rhs_sum[keep]})
    checks["rule_key"] = rule.key
    # The terms' values and blank/inferred flags stay numpy arrays (one row per check); they are only
    # turned into Python objects for the few checks that fail (see finish).
    checks.attrs["terms"] = (terms, number[keep], shaky[keep])
    return checks, hits


def _sum(number: np.ndarray, cols: list[int]) -> np.ndarray:
    """Row sums over `cols` in order, missing values skipped, NaN when all are missing (pandas
    `sum(axis=1, min_count=1)`)."""
    total = np.zeros(len(number))
    missing = np.ones(len(number), dtype=bool)
    for i, c in enumerate(cols):      # term by term, like pandas' reduction over the columns
        col = number[:, c]
        nan = np.isnan(col)
        filled = np.where(nan, 0.0, col)
        total = filled.copy() if i == 0 else total + filled
        missing &= nan
    total[missing] = np.nan
    return total


def _cell_name(table: str, per: str, line: str, term: str, raw: object) -> str:
    row, col = (term, line) if per == "column" else (line, term)
    shown = "" if raw is None or raw != raw else f"（原文「{raw}」）"
    return f"{TABLE_SHORT[table]}「{row_label(table, row)}」行「{col_label(table, col)}」列{shown}"


def plan(rules: list[Rule], batch: Batch, rids_by_rule: dict[str, pd.Index]) -> Plan:
    frames = []
    hits: list[Hit] = []
    terms: dict[str, pd.DataFrame] = {}
    offset = 0
    for rule in rules:
        checks, pre = _check_rows(rule, batch, rids_by_rule[rule.key])
        hits.extend(pre)
        if not checks.empty:
            names, values, shaky = checks.attrs.pop("terms")
            index = pd.RangeIndex(offset, offset + len(checks))
            # the terms' values and blank/inferred flags of the rule's checks, by the checks' `_rid`
            terms[f"{TERMS}:{rule.key}"] = pd.concat(
                [pd.DataFrame(values, index=index, columns=[f"v:{t}" for t in names]),
                 pd.DataFrame(shaky, index=index, columns=[f"s:{t}" for t in names])], axis=1)
            offset += len(checks)
            frames.append(checks)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["rid", "line", "lhs_sum", "rhs_sum", "diff", "rule_key", "term_values"])
    frame["_rid"] = range(len(frame))
    # Whether a check passes depends only on its rule and its difference: GX validates each distinct
    # pair once (a province has millions of checks but only a handful of distinct differences).
    distinct = frame[["rule_key", "diff"]].drop_duplicates().reset_index(drop=True)
    distinct["_rid"] = range(len(distinct))
    specs = []
    for r in rules:
        low, high = _bounds(r)
        specs.append(ExpectationSpec(key=f"identity:{r.key}", frame=GX_FRAME, column="diff", kind="between",
                                     min_value=low, max_value=high, where=(("rule_key", r.key),),
                                     meta=(("rule_id", r.id), ("basis", r.basis))))
    return Plan(hits=hits, frames={FRAME: frame, GX_FRAME: distinct, **terms}, expectations=specs)


def _bounds(rule: Rule) -> tuple[float | None, float | None]:
    """Allowed range of lhs − rhs: equal within tolerance, or one side not larger than the other."""
    args: Identity = rule.args
    tol, relation = float(args.tolerance), args.relation
    return (None if relation == "le" else -tol, None if relation == "ge" else tol)


def finish(rules: list[Rule], frames: dict[str, pd.DataFrame], failing: dict[str, set[int]]) -> list[Hit]:
    frame = frames[FRAME]
    distinct = frames[GX_FRAME]
    hits = []
    for rule in rules:
        bad_pairs = distinct[distinct["_rid"].isin(failing.get(f"identity:{rule.key}", set()))]
        if bad_pairs.empty:
            continue
        own = frames[f"{TERMS}:{rule.key}"]
        mine = frame.iloc[own.index[0]:own.index[-1] + 1]          # the rule's checks, in order
        bad = mine[mine["diff"].isin(bad_pairs.loc[bad_pairs["rule_key"] == rule.key, "diff"])]
        p: Identity = rule.args
        table, per = p.table, p.per
        terms = list(dict.fromkeys(p.lhs["terms"] + p.rhs["terms"]))
        term_vals = own.loc[bad["_rid"], [f"v:{t}" for t in terms]].to_numpy()
        term_shaky = own.loc[bad["_rid"], [f"s:{t}" for t in terms]].to_numpy()
        for r, tv, ts in zip(bad.itertuples(index=False), term_vals, term_shaky):
            vals = {t: float(v) for t, v in zip(terms, tv)}
            shaky_terms = [t for t, s in zip(terms, ts) if bool(s)]
            lhs_sum, rhs_sum, diff = float(r.lhs_sum), float(r.rhs_sum), float(r.diff)
            lhs_expr = "+".join(fmt_number(vals[t]) for t in p.lhs["terms"])
            rhs_expr = "+".join(fmt_number(vals[t]) for t in p.rhs["terms"])
            values = {_line_label(table, "row" if per == "column" else "column", t): vals[t]
                      for t in dict.fromkeys(p.lhs["terms"] + p.rhs["terms"])}
            values.update({p.lhs["label"]: lhs_sum, p.rhs["label"]: rhs_sum, "差额": diff})
            values = {k: plain(v) for k, v in values.items()}
            if shaky_terms:
                # Blank or inferred cells decide the outcome: ask a person, never accuse.
                cells = "、".join(_cell_name(table, per, r.line, t, None) for t in shaky_terms[:4])
                hits.append(not_evaluated(int(r.rid), rule, location(table, per, r.line), f"{table}:{per}:{r.line}",
                                          f"按 0 计算时不成立（{lhs_expr}={fmt_number(lhs_sum)}，"
                                          f"{rhs_expr}={fmt_number(rhs_sum)}），但{cells}为空白或系推断所得，"
                                          f"不能据此判定", values=values))
                continue
            hits.append(Hit(int(r.rid), rule, location(table, per, r.line), f"{table}:{per}:{r.line}",
                            fields={"lhs_label": p.lhs["label"], "rhs_label": p.rhs["label"],
                                    "lhs_expr": lhs_expr, "rhs_expr": rhs_expr,
                                    "lhs_sum": fmt_number(lhs_sum), "rhs_sum": fmt_number(rhs_sum),
                                    "difference": fmt_number(abs(diff)),
                                    "line": _line_label(table, per, r.line)},
                            values=values))
    return hits


register(WithExpectations("identity", plan, finish))
