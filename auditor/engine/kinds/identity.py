"""Kind `identity`: sums over named rows (per column) or columns (per row) must be equal.

All identity rules build one checks frame for the batch: one row per (rule, report, line) with
both sums and their difference. Great Expectations then decides which differences exceed the
rule's tolerance. A check that needs a cell we could not read is never sent to GX: it becomes a
"could not be evaluated" hit naming that cell.
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from ...catalog import TABLE_SHORT, col_label, cols_for, row_label, rows_for
from ...rules.model import Rule
from ..batch import Batch
from ..gx_backend import ExpectationSpec
from ..hits import Hit, fmt_number, not_evaluated, plain

FRAME = "identity_checks"
GX_FRAME = "identity_differences"   # distinct (rule, difference) pairs: what GX validates


def _line_label(table: str, per: str, key: str) -> str:
    return col_label(table, key) if per == "column" else row_label(table, key)


def location(table: str, per: str, key: str) -> str:
    kind = "列" if per == "column" else ("行" if table != "t4" else "")
    return f"{TABLE_SHORT[table]}「{_line_label(table, per, key)}」{kind}"


def _check_rows(rule: Rule, batch: Batch, rids: pd.Index) -> tuple[pd.DataFrame, list[Hit]]:
    p = rule.params
    table, per = p["table"], p["per"]
    lhs, rhs = p["lhs"]["terms"], p["rhs"]["terms"]
    terms = list(dict.fromkeys(lhs + rhs))
    cells = batch.cells[(batch.cells["table"] == table) & batch.cells["rid"].isin(rids)]
    # term = the summed axis (rows when checking per column), line = the axis checked one by one
    term_axis, line_axis = ("row", "col") if per == "column" else ("col", "row")
    lines = p.get("over") or (cols_for(table) if per == "column"
                              else list(dict.fromkeys(rows_for(table, "2021") + rows_for(table, "2019"))))
    hits: list[Hit] = []
    has_table = cells.groupby("rid").size()
    for rid in rids.difference(has_table.index):
        hits.append(not_evaluated(int(rid), rule, f"{TABLE_SHORT[table]}", f"{table}:absent",
                                  f"未能读取{TABLE_SHORT[table]}"))
    cells = cells[cells[term_axis].isin(terms) & cells[line_axis].isin(lines)]
    present_rids = has_table.index
    if present_rids.empty:
        return pd.DataFrame(), hits
    # Every (report, line, term) that must exist, whether or not extraction produced it. Checking
    # per row without `over`: the rows of each report's own format (2019 and 2021 differ).
    if per == "row" and not p.get("over"):
        own = cells[["rid", "row"]].drop_duplicates().rename(columns={"row": "line"})
        pairs = own.merge(pd.DataFrame({"term": terms}), how="cross")
        grid = pd.MultiIndex.from_frame(pairs[["rid", "line", "term"]])
    else:
        grid = pd.MultiIndex.from_product([present_rids, lines, terms], names=["rid", "line", "term"])
    got = cells.rename(columns={line_axis: "line", term_axis: "term"}).set_index(["rid", "line", "term"])
    got = got[~got.index.duplicated()].reindex(grid)
    readable = got["present"].fillna(False).astype(bool)
    blank = got["blank"].fillna(False).astype(bool)
    # Blank cells that exist ('' or '-') count as 0 (NUM-BLANK warns about them); text does not.
    number = got["value"].where(~blank, 0.0)
    usable = readable & number.notna()
    shaky = blank | got["derived"].fillna(False).astype(bool)
    wide_val = number.unstack("term")
    wide_ok = usable.unstack("term")
    wide_raw = got["raw"].unstack("term")
    wide_shaky = shaky.unstack("term")
    checks = pd.DataFrame(index=wide_val.index)
    checks["lhs_sum"] = wide_val[lhs].sum(axis=1, min_count=1)
    checks["rhs_sum"] = wide_val[rhs].sum(axis=1, min_count=1)
    checks["complete"] = wide_ok[terms].all(axis=1)
    checks["shaky"] = wide_shaky[terms].any(axis=1)
    checks["diff"] = checks["lhs_sum"] - checks["rhs_sum"]
    incomplete = checks[~checks["complete"]]
    unread: dict[int, list[str]] = {}
    for (rid, line) in incomplete.index:
        for t in terms:
            if not wide_ok.at[(rid, line), t]:
                unread.setdefault(int(rid), []).append(_cell_name(table, per, line, t, wide_raw.at[(rid, line), t]))
    for rid, names in unread.items():
        names = list(dict.fromkeys(names))
        shown = "、".join(names[:4]) + (f"等 {len(names)} 个单元格" if len(names) > 4 else "")
        hits.append(not_evaluated(rid, rule, TABLE_SHORT[table], f"{table}:unreadable",
                                  f"{shown}未能读取为数字", values={"未读取单元格数": len(names)}))
    # The terms' values and blank/inferred flags ride along as columns; they are only turned into
    # Python objects for the few checks that fail (see finish).
    keep = checks["complete"]
    wide = pd.concat([wide_val[terms].add_prefix("v:"), wide_shaky[terms].add_prefix("s:")], axis=1)
    checks = pd.concat([checks[keep], wide[keep]], axis=1).reset_index()
    checks["rule_key"] = rule.key
    return checks, hits


def _cell_name(table: str, per: str, line: str, term: str, raw: object) -> str:
    row, col = (term, line) if per == "column" else (line, term)
    shown = "" if raw is None or raw != raw else f"（原文「{raw}」）"
    return f"{TABLE_SHORT[table]}「{row_label(table, row)}」行「{col_label(table, col)}」列{shown}"


def plan(rules: list[Rule], batch: Batch, rids_by_rule: dict[str, pd.Index]):
    frames = []
    hits: list[Hit] = []
    for rule in rules:
        checks, pre = _check_rows(rule, batch, rids_by_rule[rule.key])
        hits.extend(pre)
        if not checks.empty:
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
    return {FRAME: frame, GX_FRAME: distinct}, specs, hits


def _bounds(rule: Rule) -> tuple[float | None, float | None]:
    """Allowed range of lhs − rhs: equal within tolerance, or one side not larger than the other."""
    tol = float(rule.params.get("tolerance", 0))
    relation = rule.params.get("relation", "eq")
    return (None if relation == "le" else -tol, None if relation == "ge" else tol)


def finish(rules: list[Rule], frames: dict[str, pd.DataFrame], failing: dict[str, set[int]]) -> list[Hit]:
    frame = frames[FRAME]
    distinct = frames[GX_FRAME]
    by_id = {r.key: r for r in rules}
    hits = []
    for rule in rules:
        bad_pairs = distinct[distinct["_rid"].isin(failing.get(f"identity:{rule.key}", set()))]
        if bad_pairs.empty:
            continue
        bad = set(frame.merge(bad_pairs[["rule_key", "diff"]], on=["rule_key", "diff"])["_rid"])
        p = rule.params
        table, per = p["table"], p["per"]
        terms = list(dict.fromkeys(p["lhs"]["terms"] + p["rhs"]["terms"]))
        for rec in frame[frame["_rid"].isin(bad)].to_dict("records"):
            r = SimpleNamespace(**{k: v for k, v in rec.items() if ":" not in k})
            rule = by_id[r.rule_key]
            vals = {t: rec[f"v:{t}"] for t in terms}
            shaky_terms = [t for t in terms if rec[f"s:{t}"] is True]
            lhs_expr = "+".join(fmt_number(vals[t]) for t in p["lhs"]["terms"])
            rhs_expr = "+".join(fmt_number(vals[t]) for t in p["rhs"]["terms"])
            values = {_line_label(table, "row" if per == "column" else "column", t): vals[t]
                      for t in dict.fromkeys(p["lhs"]["terms"] + p["rhs"]["terms"])}
            values.update({p["lhs"]["label"]: r.lhs_sum, p["rhs"]["label"]: r.rhs_sum, "差额": r.diff})
            values = {k: plain(v) for k, v in values.items()}
            if shaky_terms:
                # Blank or inferred cells decide the outcome: ask a person, never accuse.
                cells = "、".join(_cell_name(table, per, r.line, t, None) for t in shaky_terms[:4])
                hits.append(not_evaluated(int(r.rid), rule, location(table, per, r.line), f"{table}:{per}:{r.line}",
                                          f"按 0 计算时不成立（{lhs_expr}={fmt_number(r.lhs_sum)}，"
                                          f"{rhs_expr}={fmt_number(r.rhs_sum)}），但{cells}为空白或系推断所得，"
                                          f"不能据此判定", values=values))
                continue
            hits.append(Hit(int(r.rid), rule, location(table, per, r.line), f"{table}:{per}:{r.line}",
                            fields={"lhs_label": p["lhs"]["label"], "rhs_label": p["rhs"]["label"],
                                    "lhs_expr": lhs_expr, "rhs_expr": rhs_expr,
                                    "lhs_sum": fmt_number(r.lhs_sum), "rhs_sum": fmt_number(r.rhs_sum),
                                    "difference": fmt_number(abs(r.diff)),
                                    "line": _line_label(table, per, r.line)},
                            values=values))
    return hits
