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
from collections import Counter

import pandas as pd

from ...catalog import col_label, cols_for
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, fmt_number, not_evaluated
from .text import scope_name, scope_series
from .text_number import mentions


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    prev = _previous_year(batch, rids)
    if prev.empty:
        return []
    check = rule.params["check"]
    return {"carry_over": _carry_over, "stock": _stock, "similarity": _similarity, "claim": _claim}[check](
        rule, batch, prev.astype(int))


def _previous_year(batch: Batch, rids: pd.Index) -> pd.Series:
    """Earlier report per rid (those that have one); the cross-year rules share it (batch cache)."""
    key = ("previous_year", rids.to_numpy().tobytes())
    if key not in batch.cache:
        batch.cache[key] = batch.previous_year(rids).dropna()
    return batch.cache[key]


def _cells(batch: Batch, table: str, row: str) -> pd.DataFrame:
    """rid × col values of one row, NaN where unreadable or derived (never evidence); built once
    per batch (several rules and both years read the same rows)."""
    key = ("cross_year_cells", table, row)
    if key not in batch.cache:
        c = batch.cells
        sel = c[(c["table"].to_numpy() == table) & (c["row"].to_numpy() == row)]
        value = sel["value"].where(sel["present"] & ~sel["derived"])
        value = value.where(~sel["blank"], 0.0)
        batch.cache[key] = pd.DataFrame({"rid": sel["rid"], "col": sel["col"], "value": value}).pivot_table(
            index="rid", columns="col", values="value", aggfunc="first", dropna=False)
    return batch.cache[key]


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


_YEAR = re.compile(r"20\d\d")


def _shingles(text: str, n: int = 8) -> set[str]:
    # str.split() and re's \s agree on what is whitespace (both use Py_UNICODE_ISSPACE)
    text = _YEAR.sub("", "".join(text.split()))      # the year itself always changes
    return {text[i:i + n] for i in range(max(len(text) - n + 1, 0))}


def _similarity(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    scope = rule.params.get("scope", "section_1")
    threshold = rule.params.get("threshold", 0.8)
    min_chars = rule.params.get("min_chars", 100)
    series = scope_series(batch, scope)
    texts = dict(zip(series.index, series.to_numpy()))
    pairs = [(int(rid), int(prid)) for rid, prid in prev.items() if rid in texts and prid in texts]
    # Each text is shingled once although it is compared twice (with the year before and after):
    # pairs are taken agency by agency in year order, and a shingle set is kept until its last use.
    uses = Counter(r for pair in pairs for r in pair)
    kept: dict[int, set[str]] = {}

    def take(rid: int, compute: bool) -> set[str] | None:
        s = kept.pop(rid, None)
        if s is None and compute:
            s = _shingles(texts[rid])
        uses[rid] -= 1
        if uses[rid] > 0 and s is not None:
            kept[rid] = s
        return s

    info = batch.info
    order = sorted(range(len(pairs)), key=lambda i: (str(info.at[pairs[i][0], "agency_key"]),
                                                     int(info.at[pairs[i][0], "year"]), i))
    found: dict[int, Hit] = {}
    for i in order:
        rid, prid = pairs[i]
        # fewer than min_chars + 7 characters cannot give min_chars different 8-character pieces
        mine = take(rid, len(texts[rid]) >= min_chars + 7)
        theirs = take(prid, mine is not None and len(mine) >= min_chars)
        if mine is None or len(mine) < min_chars or not theirs:
            continue
        share = len(mine & theirs) / len(mine)
        if share > threshold:
            py = _year(batch, prid)
            found[i] = Hit(rid, rule, scope_name(scope), f"similar:{scope}",
                           fields={"share": f"{share:.0%}", "threshold": f"{threshold:.0%}", "prev_year": py,
                                   "scope": scope_name(scope)},
                           values={"相同比例": round(share, 3), "上限": threshold, "比较年度": py})
    return [found[i] for i in sorted(found)]


def _claim(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    scope = rule.params.get("scope", "report")
    texts = scope_series(batch, scope)
    found = mentions(texts[texts.index.isin(prev.index)], rule.params["regex"])
    if found.empty:
        return []
    totals = _cells(batch, "t3", "new_received")
    hits: list[Hit] = []
    for r in found.to_dict("records"):
        rid = r["rid"]
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
