"""Kind `cross_year`: compare a report with the same agency's report of the year before.

The earlier report comes from the same batch or from the ledger (loaded as `history`). Checks:
`carry_over` (A5: this year's 上年结转 equals last year's 结转下年度继续办理, every column),
`stock` (A6: 现行有效 ≈ last year's 现行有效 + 本年制发 − 本年废止), `similarity` (内容雷同: the
share of this year's text that also stands in last year's) and `claim` (较上年增加N件 against the
two years' 本年新收 totals). No earlier report, or unreadable cells: the rule stays silent or says
it could not check; it never guesses.
"""
from __future__ import annotations

import re
import warnings

import pandas as pd

from ...catalog import col_label, cols_for
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, fmt_number, not_evaluated
from .text import scope_name


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    prev = batch.previous_year(rids).dropna()
    if prev.empty:
        return []
    check = rule.params["check"]
    return {"carry_over": _carry_over, "stock": _stock, "similarity": _similarity, "claim": _claim}[check](
        rule, batch, prev.astype(int))


def _cells(batch: Batch, table: str, row: str) -> pd.DataFrame:
    """rid × col values of one row, NaN where unreadable or derived (never evidence)."""
    c = batch.cells
    sel = c[(c["table"] == table) & (c["row"] == row)]
    value = sel["value"].where(sel["present"] & ~sel["derived"])
    value = value.where(~sel["blank"], 0.0)
    return pd.DataFrame({"rid": sel["rid"], "col": sel["col"], "value": value}).pivot_table(
        index="rid", columns="col", values="value", aggfunc="first", dropna=False)


def _year(batch: Batch, rid: int) -> int:
    return int(batch.info.at[rid, "year"])


def _carry_over(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    now = _cells(batch, "t3", "carried_over").reindex(prev.index)
    before = _cells(batch, "t3", "carried_forward").reindex(prev.values)
    before.index = prev.index
    cols = [c for c in cols_for("t3") if c in now.columns and c in before.columns]
    now, before = now[cols], before[cols]
    unread = now.isna().any(axis=1) | before.isna().any(axis=1)
    differs = (now != before).any(axis=1) & ~unread
    hits: list[Hit] = [not_evaluated(int(rid), rule, "表三「二、上年结转政府信息公开申请数量」行", "t3:carry_over",
                                     "本年或上一年度表三的结转数未能读取") for rid in now.index[unread]]
    for rid in now.index[differs]:
        a, b = now.loc[rid], before.loc[rid]
        bad = [c for c in cols if a[c] != b[c]]
        detail = "；".join(f"{col_label('t3', c)} {fmt_number(a[c])}≠{fmt_number(b[c])}" for c in bad)
        py = _year(batch, int(prev[rid]))
        hits.append(Hit(int(rid), rule, "表三「二、上年结转政府信息公开申请数量」行", "t3:carry_over",
                        fields={"detail": detail, "prev_year": py},
                        values={f"本年上年结转·{col_label('t3', c)}": fmt_number(a[c]) for c in bad}
                        | {f"{py}年结转下年度·{col_label('t3', c)}": fmt_number(b[c]) for c in bad}))
    return hits


def _stock(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    hits: list[Hit] = []
    names = {"regulations": "规章", "normative_documents": "行政规范性文件"}
    for row, name in names.items():
        now = _cells(batch, "t2", row).reindex(prev.index)
        before = _cells(batch, "t2", row).reindex(prev.values)
        before.index = prev.index
        if not {"in_force", "issued", "repealed"} <= set(now.columns) or "in_force" not in before:
            continue
        expected = before["in_force"] + now["issued"] - now["repealed"]
        ok = expected.notna() & now["in_force"].notna()
        bad = now.index[ok & (expected != now["in_force"])]
        for rid in bad:
            py = _year(batch, int(prev[rid]))
            hits.append(Hit(int(rid), rule, f"表二「{name}」行", f"t2:stock:{row}",
                            fields={"name": name, "prev_year": py, "prev": fmt_number(before.at[rid, "in_force"]),
                                    "issued": fmt_number(now.at[rid, "issued"]),
                                    "repealed": fmt_number(now.at[rid, "repealed"]),
                                    "expected": fmt_number(expected[rid]), "actual": fmt_number(now.at[rid, "in_force"])},
                            values={f"{py}年现行有效": fmt_number(before.at[rid, "in_force"]),
                                    "本年制发": fmt_number(now.at[rid, "issued"]),
                                    "本年废止": fmt_number(now.at[rid, "repealed"]),
                                    "本年现行有效": fmt_number(now.at[rid, "in_force"])}))
    return hits


def _shingles(text: str, n: int = 8) -> set[str]:
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"20\d\d", "", text)      # the year itself always changes
    return {text[i:i + n] for i in range(max(len(text) - n + 1, 0))}


def _similarity(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    scope = rule.params.get("scope", "section_1")
    threshold = rule.params.get("threshold", 0.8)
    min_chars = rule.params.get("min_chars", 100)
    texts = batch.texts[batch.texts["scope"] == scope].drop_duplicates("rid").set_index("rid")["text"]
    hits: list[Hit] = []
    for rid, prid in prev.items():
        if rid not in texts.index or prid not in texts.index:
            continue
        mine, theirs = _shingles(texts[rid]), _shingles(texts[prid])
        if len(mine) < min_chars or not theirs:
            continue
        share = len(mine & theirs) / len(mine)
        if share > threshold:
            py = _year(batch, int(prid))
            hits.append(Hit(int(rid), rule, scope_name(scope), f"similar:{scope}",
                            fields={"share": f"{share:.0%}", "threshold": f"{threshold:.0%}", "prev_year": py,
                                    "scope": scope_name(scope)},
                            values={"相同比例": round(share, 3), "上限": threshold, "比较年度": py}))
    return hits


def _claim(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    scope = rule.params.get("scope", "report")
    regex = rule.params["regex"]
    texts = batch.texts[(batch.texts["scope"] == scope) & batch.texts["rid"].isin(prev.index)]
    texts = texts.drop_duplicates("rid").set_index("rid")["text"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        found = texts.str.extractall(f"(?P<quote>{regex})")
    if found.empty:
        return []
    totals = _cells(batch, "t3", "new_received")
    hits: list[Hit] = []
    for (rid, _), r in found.iterrows():
        prid = int(prev[rid])
        now = totals["total"].get(rid) if "total" in totals else None
        before = totals["total"].get(prid) if "total" in totals else None
        if now is None or before is None or pd.isna(now) or pd.isna(before):
            hits.append(not_evaluated(int(rid), rule, scope_name(scope), f"claim:{r['quote']}",
                                      "本年或上一年度表三的本年新收总计未能读取"))
            continue
        stated = float(r["n"]) * (-1 if re.search(r"减|少|下降", r["dir"] or "") else 1)
        if stated != now - before:
            py = _year(batch, prid)
            hits.append(Hit(int(rid), rule, scope_name(scope), f"claim:{r['quote']}",
                            fields={"quote": r["quote"], "prev_year": py, "now": fmt_number(now),
                                    "before": fmt_number(before), "change": fmt_number(now - before)},
                            values={"原文": r["quote"], "本年新收": fmt_number(now), f"{py}年新收": fmt_number(before)}))
    return hits
