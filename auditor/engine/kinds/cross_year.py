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

import numpy as np
import pandas as pd

from ...catalog import col_label, cols_for
from ...rules.kinds import CrossYear
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, fmt_number, not_evaluated
from .base import ByRule, register
from .scope import scope_name, scope_series
from .text_number import mentions


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    prev = _previous_year(batch, rids)
    if prev.empty:
        return []
    check = rule.args.check
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
        k = batch.codes()
        t = k.tables.index(table) if table in k.tables else -2
        r = k.rows.index(row) if row in k.rows else -2
        sel = batch.cells.iloc[np.flatnonzero((k.table == t) & (k.row == r))]
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
_N = 8                   # characters per piece


def _clean(text: str) -> str:
    """The text as compared: no whitespace, no years (the year itself always changes)."""
    # str.split() and re's \s agree on what is whitespace (both use Py_UNICODE_ISSPACE)
    return _YEAR.sub("", "".join(text.split()))


def _shingles(text: str, n: int = _N) -> set[str]:
    text = _clean(text)
    return {text[i:i + n] for i in range(max(len(text) - n + 1, 0))}


def _similarity(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    args: CrossYear = rule.args
    scope, threshold, min_chars = args.scope, args.threshold, args.min_chars
    series = scope_series(batch, scope)
    texts = dict(zip(series.index, series.to_numpy()))
    # fewer than min_chars + 7 characters cannot give min_chars different 8-character pieces
    pairs = [(int(rid), int(prid)) for rid, prid in prev.items()
             if rid in texts and prid in texts and len(texts[rid]) >= min_chars + _N - 1]
    bound = _share_bounds([(texts[rid], texts[prid]) for rid, prid in pairs], min_chars)
    # only pairs the bound cannot rule out are compared exactly (few: a copied report)
    kept: dict[int, set[str]] = {}
    hits: list[Hit] = []
    for i in np.flatnonzero(bound > threshold):
        rid, prid = pairs[i]
        mine = kept.get(rid) or kept.setdefault(rid, _shingles(texts[rid]))
        if len(mine) < min_chars:
            continue
        theirs = kept.get(prid) or kept.setdefault(prid, _shingles(texts[prid]))
        if not theirs:
            continue
        share = len(mine & theirs) / len(mine)
        if share > threshold:
            py = _year(batch, prid)
            hits.append(Hit(rid, rule, scope_name(scope), f"similar:{scope}",
                            fields={"share": f"{share:.0%}", "threshold": f"{threshold:.0%}", "prev_year": py,
                                    "scope": scope_name(scope)},
                            values={"相同比例": round(share, 3), "上限": threshold, "比较年度": py}))
    return hits


def _share_bounds(pairs: list[tuple[str, str]], min_chars: int, chunk: int = 128) -> np.ndarray:
    """For each (text, earlier text): a number at least the share of the text's different pieces
    that also stand in the earlier text, 0 where the text has fewer than min_chars pieces.

    Counted on 40-bit hashes of the pieces (numpy, a chunk of pairs at a time) instead of the pieces
    themselves, and still a true upper bound: with n piece positions, H different hashes and I of
    them also among the earlier text's, if C pieces hide behind a hash shared with another piece,
    the share is at most (I + C) / (H + C) ≤ (I + n − H) / n, as C ≤ n − H."""
    clean: dict[str, str] = {}
    parts = [clean.get(t) or clean.setdefault(t, _clean(t)) for pair in pairs for t in pair[::-1]]
    counts = [_hash_counts(parts[2 * i:2 * (i + chunk)]) for i in range(0, len(pairs), chunk)]
    n = np.array([max(len(p) - _N + 1, 0) for p in parts[1::2]], dtype=np.int64)
    different = np.concatenate([c[0] for c in counts]) if counts else n
    shared = np.concatenate([c[1] for c in counts]) if counts else n
    bound = np.zeros(len(pairs))
    ok = n >= max(min_chars, 1)          # fewer positions: fewer than min_chars different pieces
    bound[ok] = (shared[ok] + n[ok] - different[ok]) / n[ok]
    return bound


_MUL = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9),
        np.uint64(0xD6E8FEB86659FD93))


def _hash_counts(parts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """parts = [earlier, text, earlier, text, …]; per pair: how many different piece hashes the
    text has and how many of them the earlier text has too."""
    npairs = len(parts) // 2
    lens = np.array([len(p) for p in parts], dtype=np.int64)
    raw = "".join(parts).encode("utf-32-le")
    positions = len(raw) // 4 - _N + 1
    if positions <= 0:
        return np.zeros(npairs, np.int64), np.zeros(npairs, np.int64)
    # two characters exactly in one 64-bit word (an overlapping view); a piece is 4 such words
    pair_words = np.ndarray((len(raw) // 4 - 1,), dtype=np.uint64, buffer=raw, strides=(4,))
    h = pair_words[:positions] * _MUL[0]
    for j in (1, 2, 3):
        h ^= pair_words[2 * j:positions + 2 * j] * _MUL[j]
    # sort key: pair, 40-bit hash, then 1 for the text / 0 for the earlier text
    tag = (np.arange(len(parts), dtype=np.int64) >> 1 << 41) | (np.arange(len(parts)) & 1)
    key = (h >> np.uint64(24)).astype(np.int64) << 1 | np.repeat(tag, lens)[:positions]
    ends = np.cumsum(lens)
    across = (ends[:, None] - np.arange(1, _N)).ravel()       # pieces reaching into the next part
    key[across[(across >= 0) & (across < positions)]] = -1
    key = np.sort(key)
    key = key[np.concatenate(([True], key[1:] != key[:-1])) & (key >= 0)]
    mine = (key & 1) == 1
    pair = key >> 41
    different = np.bincount(pair[mine], minlength=npairs)
    also = mine[1:] & (key[:-1] == key[1:] - 1)
    return different, np.bincount(pair[1:][also], minlength=npairs)


def _claim(rule: Rule, batch: Batch, prev: pd.Series) -> list[Hit]:
    args: CrossYear = rule.args
    scope = args.scope
    texts = scope_series(batch, scope)
    found = mentions(texts[texts.index.isin(prev.index)], args.regex)
    if found.empty:
        return []
    totals = _cells(batch, "t3", "new_received")
    hits: list[Hit] = []
    for r in found.to_dict("records"):
        rid = r["rid"]
        stated = _stated(r)
        if stated is None:          # the regex matched without a number (its group n did not take part)
            continue
        prid = int(prev[rid])
        now = totals["total"].get(rid) if "total" in totals else None
        before = totals["total"].get(prid) if "total" in totals else None
        if now is None or before is None or pd.isna(now) or pd.isna(before):
            hits.append(not_evaluated(int(rid), rule, scope_name(scope), f"claim:{r['quote']}",
                                      "本年或上一年度表三的本年新收总计未能读取"))
            continue
        if stated != now - before:
            py = _year(batch, prid)
            hits.append(Hit(int(rid), rule, scope_name(scope), f"claim:{r['quote']}",
                            fields={"quote": r["quote"], "prev_year": py, "now": fmt_number(now),
                                    "before": fmt_number(before), "change": fmt_number(now - before)},
                            values={"原文": r["quote"], "本年新收": fmt_number(now), f"{py}年新收": fmt_number(before)}))
    return hits


def _stated(mention: dict) -> float | None:
    """The change a mention states: its number `n`, negative when its `dir` group (optional, in
    the regex and in the match) says 减/少/下降. None when `n` did not take part or is no number.
    A group that did not take part is None or NaN (pandas), never a string."""
    n, direction = mention.get("n"), mention.get("dir")
    try:
        value = float(n) if isinstance(n, str) else None
    except ValueError:
        return None
    if value is None or value != value:
        return None
    falls = isinstance(direction, str) and re.search(r"减|少|下降", direction) is not None
    return -value if falls else value


register(ByRule("cross_year", evaluate))
