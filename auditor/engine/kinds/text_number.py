"""Kind `text_number`: a number stated in the prose must agree with the tables or the report year.

The rule's regular expression captures the stated number as group `n`; every mention in the scope
is compared (quoted from the start of its clause when the rule has `clause`, see scope.py).

A number in prose may be meant in more than one way that the format allows (收到申请 N 件 may be the
new requests, new plus carried over, or all requests handled): the rule lists these `readings`, and a
stated number that matches any of them is consistent. Only a number that matches none, with every
reading read exactly from the table, is the report's problem; when a reading could not be read or
was inferred, a mismatch proves nothing and is reported as not evaluated (需人工核查).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...catalog import TABLE_SHORT, col_label, row_label
from ...rules.kinds import TextNumber
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, fmt_number, not_evaluated, plain
from ..search import finder
from .base import ByRule, register
from .scope import missing_scope, scope_name, scope_texts


def _cell_name(c: dict[str, str]) -> str:
    return f"{TABLE_SHORT[c['table']]}「{row_label(c['table'], c['row'])}」「{col_label(c['table'], c['col'])}」"


@dataclass(frozen=True)
class Reading:
    """One way the format allows the stated number to be meant: the sum of some cells."""
    label: str
    cells: tuple[dict[str, str], ...]


def readings(rule: Rule) -> list[Reading]:
    """The rule's readings: `compare.readings`, or the single `compare.cells` (with `label`)."""
    cmp = rule.args.compare
    if "readings" in cmp:
        return [Reading(r["label"], tuple(r["cells"])) for r in cmp["readings"]]
    label = cmp.get("label") or "、".join(_cell_name(c) for c in cmp["cells"])
    return [Reading(label, tuple(cmp["cells"]))]


def _reading_values(reading: Reading, batch: Batch, rids: pd.Index) -> pd.DataFrame:
    """Per rid: the reading's value, whether every cell was read, whether any was inferred."""
    total = pd.Series(0.0, index=rids)
    ok = pd.Series(True, index=rids)
    inferred = pd.Series(False, index=rids)
    for c in reading.cells:
        sel = batch.cells.iloc[batch.cell_positions(c["table"], c["row"], c["col"])]
        sel = sel.drop_duplicates("rid").set_index("rid").reindex(rids)
        ok &= sel["present"].fillna(False).astype(bool) & sel["value"].notna()
        inferred |= sel["derived"].fillna(False).astype(bool)
        total = total.add(sel["value"].fillna(0.0), fill_value=0.0)
    return pd.DataFrame({"value": total.where(ok), "ok": ok, "inferred": inferred & ok})


def mentions(texts: pd.Series, regex: str, clause: dict | None = None) -> pd.DataFrame:
    """Every match in every text, in order: rid, quote (the whole match) and the named groups
    (None where a group did not take part), like pandas' str.extractall."""
    f = finder(regex, clause)
    names = list(f.names)
    rows = [(rid, quote, *(groups[n] for n in names))
            for rid, text in zip(texts.index, texts.to_numpy()) for quote, groups in f.finditer(text, rid)]
    return pd.DataFrame(rows, columns=["rid", "quote", *names])


def _unit(rule: Rule) -> str:
    unit = rule.args.compare.get("unit", "")
    return f" {unit}" if unit else ""


def _tried(rule: Rule, per: list[tuple[Reading, pd.Series]], marks: bool) -> str:
    """「label value 件、…」: the readings tried, with their values (and, if `marks`, how sure)."""
    unit = _unit(rule)
    parts = []
    for reading, row in per:
        if not row["ok"]:
            parts.append(f"{reading.label}（未能读取）")
        elif marks and row["inferred"]:
            parts.append(f"{reading.label} {fmt_number(row['value'])}{unit}（系推断所得）")
        else:
            parts.append(f"{reading.label} {fmt_number(row['value'])}{unit}")
    return "、".join(parts)


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    p: TextNumber = rule.args
    scope = p.scope
    texts, absent = scope_texts(batch, rids, scope)
    hits = missing_scope(rule, absent, scope, batch=batch)
    if texts.empty:
        return hits
    found = mentions(texts, p.regex, p.clause)
    if found.empty:
        return hits
    found["stated"] = pd.to_numeric(found["n"], errors="coerce")
    found = found[found["stated"].notna()]
    subject = p.subject
    cmp = p.compare
    where = scope_name(scope)
    if "multiple_of" in cmp:
        m = float(cmp["multiple_of"])
        bad = found[(found["stated"] % m) != 0]
        return hits + [Hit(int(r.rid), rule, where, f"scope:{scope}:{r.quote}",
                           fields={"quote": r.quote, "stated": fmt_number(r.stated), "multiple": fmt_number(m),
                                   "subject": subject, "scope": where},
                           values={"原文": r.quote, subject: plain(r.stated)})
                       for r in bad.itertuples()]
    if cmp.get("meta") == "year":
        return hits + _against_year(rule, batch, found, scope, subject)
    return hits + _against_readings(rule, batch, found, scope, subject)


def _against_year(rule: Rule, batch: Batch, found: pd.DataFrame, scope: str, subject: str) -> list[Hit]:
    where = scope_name(scope)
    year = batch.info["year"].astype("Float64").reindex(found["rid"].unique())
    hits = [not_evaluated(int(rid), rule, where, f"scope:{scope}", "报告年度未能读取")
            for rid in year.index[year.isna().to_numpy()]]
    found = found.assign(expected=found["rid"].map(year).astype("float64"))
    bad = found[found["expected"].notna() & (found["stated"] != found["expected"])]
    for r in bad.drop_duplicates(["rid", "quote"]).itertuples():
        hits.append(Hit(int(r.rid), rule, where, f"scope:{scope}:{r.quote}",
                        fields={"quote": r.quote, "stated": fmt_number(r.stated), "expected": fmt_number(r.expected),
                                "label": "报告年度", "readings": f"报告年度 {fmt_number(r.expected)}",
                                "subject": subject, "scope": where},
                        values={"原文": r.quote, subject: plain(r.stated), "报告年度": plain(r.expected)}))
    return hits


def _against_readings(rule: Rule, batch: Batch, found: pd.DataFrame, scope: str, subject: str) -> list[Hit]:
    """Consistent when any reading matches; the report's problem only when all were read exactly."""
    where = scope_name(scope)
    rids = pd.Index(found["rid"].unique())
    alts = readings(rule)
    tables = [_reading_values(a, batch, rids) for a in alts]
    stated = found["stated"].to_numpy(dtype=float)
    pos = rids.get_indexer(found["rid"])
    matched = np.zeros(len(found), dtype=bool)
    for t in tables:
        v = t["value"].to_numpy(dtype=float)[pos]
        matched |= ~np.isnan(v) & (v == stated)
    exact = np.ones(len(rids), dtype=bool)
    for t in tables:
        exact &= (t["ok"] & ~t["inferred"]).to_numpy(dtype=bool)
    open_ = found[~matched]
    hits: list[Hit] = []
    unsure = open_[~exact[rids.get_indexer(open_["rid"])]]
    for r in unsure.drop_duplicates("rid").itertuples():
        per = [(a, t.loc[r.rid]) for a, t in zip(alts, tables)]
        hits.append(not_evaluated(int(r.rid), rule, where, f"scope:{scope}", _why_unsure(rule, per, r, subject)))
    sure = open_[exact[rids.get_indexer(open_["rid"])]]
    for r in sure.drop_duplicates(["rid", "quote"]).itertuples():
        per = [(a, t.loc[r.rid]) for a, t in zip(alts, tables)]
        values = {"原文": r.quote, subject: plain(r.stated)}
        values.update({a.label: plain(row["value"]) for a, row in per})
        hits.append(Hit(int(r.rid), rule, where, f"scope:{scope}:{r.quote}",
                        fields={"quote": r.quote, "stated": fmt_number(r.stated),
                                "expected": fmt_number(per[0][1]["value"]), "label": per[0][0].label,
                                "readings": _tried(rule, per, marks=False), "subject": subject, "scope": where},
                        values=values))
    return hits


def _why_unsure(rule: Rule, per: list[tuple[Reading, pd.Series]], r, subject: str) -> str:
    """Why a mismatch cannot be judged: which readings were unread or inferred, with what was tried."""
    if not any(row["ok"] for _, row in per):
        return "、".join(a.label for a, _ in per) + "未能读取"
    if len(per) == 1:
        reading, row = per[0]
        return (f"{reading.label}系推断所得（{fmt_number(row['value'])}），与正文「{r.quote}」不一致，"
                "不能据此判定")
    return (f"正文「{r.quote}」所述{subject} {fmt_number(r.stated)}{_unit(rule)}，与{_tried(rule, per, marks=True)}均不一致，"
            "但其中有未能读取或系推断所得的数值，不能据此判定")


register(ByRule("text_number", evaluate))
