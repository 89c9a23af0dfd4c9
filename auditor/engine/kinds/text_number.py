"""Kind `text_number`: a number stated in the prose must agree with the tables or the report year.

The rule's regular expression captures the stated number as group `n`; every mention in the scope
is compared (quoted from the start of its clause when the rule has `clause`, see text.py). A
comparison with cells we could not read exactly is reported as not evaluated.
"""
from __future__ import annotations

import pandas as pd

from ...catalog import TABLE_SHORT, col_label, row_label
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, fmt_number, not_evaluated, plain
from ..search import finder
from .text import _missing_scope, _scope_texts, scope_name


def _cell_name(c: dict[str, str]) -> str:
    return f"{TABLE_SHORT[c['table']]}「{row_label(c['table'], c['row'])}」「{col_label(c['table'], c['col'])}」"


def _expected(rule: Rule, batch: Batch, rids: pd.Index) -> tuple[pd.Series, pd.Series, pd.Series, str]:
    """Expected value per rid, whether it could be read, whether it is inferred, and its name."""
    cmp = rule.params["compare"]
    none = pd.Series(False, index=rids)
    if cmp.get("meta") == "year":
        year = batch.info.loc[rids, "year"].astype("Float64")
        return year, year.notna(), none, "报告年度"
    if "cells" in cmp:
        total = pd.Series(0.0, index=rids)
        ok = pd.Series(True, index=rids)
        inferred = none.copy()
        for c in cmp["cells"]:
            sel = batch.cells.iloc[batch.cell_positions(c["table"], c["row"], c["col"])]
            sel = sel.drop_duplicates("rid").set_index("rid").reindex(rids)
            ok &= sel["present"].fillna(False).astype(bool) & sel["value"].notna()
            inferred |= sel["derived"].fillna(False).astype(bool)
            total = total.add(sel["value"].fillna(0.0), fill_value=0.0)
        label = cmp.get("label") or "、".join(_cell_name(c) for c in cmp["cells"])
        return total, ok, inferred, label
    return pd.Series(dtype=float, index=rids), pd.Series(True, index=rids), none, ""


def mentions(texts: pd.Series, regex: str, clause: dict | None = None) -> pd.DataFrame:
    """Every match in every text, in order: rid, quote (the whole match) and the named groups
    (None where a group did not take part), like pandas' str.extractall."""
    f = finder(regex, clause)
    names = list(f.names)
    rows = [(rid, quote, *(groups[n] for n in names))
            for rid, text in zip(texts.index, texts.to_numpy()) for quote, groups in f.finditer(text)]
    return pd.DataFrame(rows, columns=["rid", "quote", *names])


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    p = rule.params
    scope = p["scope"]
    texts, absent = _scope_texts(batch, rids, scope)
    hits = _missing_scope(rule, absent, scope)
    if texts.empty:
        return hits
    found = mentions(texts, p["regex"], p.get("clause"))
    if found.empty:
        return hits
    found["stated"] = pd.to_numeric(found["n"], errors="coerce")
    subject = p.get("subject", "文中数字")
    cmp = p["compare"]
    if "multiple_of" in cmp:
        m = float(cmp["multiple_of"])
        bad = found[found["stated"].notna() & ((found["stated"] % m) != 0)]
        return hits + [Hit(int(r.rid), rule, scope_name(scope), f"scope:{scope}:{r.quote}",
                           fields={"quote": r.quote, "stated": fmt_number(r.stated), "multiple": fmt_number(m),
                                   "subject": subject, "scope": scope_name(scope)},
                           values={"原文": r.quote, subject: plain(r.stated)})
                       for r in bad.itertuples()]
    expected, usable, inferred, label = _expected(rule, batch, pd.Index(found["rid"].unique()))
    found["expected"] = found["rid"].map(expected)
    found["usable"] = found["rid"].map(usable).fillna(False).astype(bool)
    found["inferred"] = found["rid"].map(inferred).fillna(False).astype(bool)
    for rid in found.loc[~found["usable"], "rid"].unique():
        hits.append(not_evaluated(int(rid), rule, scope_name(scope), f"scope:{scope}",
                                  f"{label}未能读取"))
    differ = found["usable"] & found["stated"].notna() & (found["stated"] != found["expected"])
    # An inferred table value that agrees confirms nothing wrong; one that disagrees proves nothing.
    for r in found[differ & found["inferred"]].drop_duplicates("rid").itertuples():
        hits.append(not_evaluated(int(r.rid), rule, scope_name(scope), f"scope:{scope}",
                                  f"{label}系推断所得（{fmt_number(r.expected)}），与正文「{r.quote}」不一致，"
                                  "不能据此判定"))
    bad = found[differ & ~found["inferred"]]
    for r in bad.drop_duplicates(["rid", "quote"]).itertuples():
        hits.append(Hit(int(r.rid), rule, scope_name(scope), f"scope:{scope}:{r.quote}",
                        fields={"quote": r.quote, "stated": fmt_number(r.stated), "expected": fmt_number(r.expected),
                                "label": label, "subject": subject, "scope": scope_name(scope)},
                        values={"原文": r.quote, subject: plain(r.stated), label: plain(r.expected)}))
    return hits
