"""Kinds `text_pattern`, `statement` and `text_length`: regular expressions over a scope of the report text.

Each pattern runs over the texts of the scope (one Series per scope, shared by all rules through
the batch cache). A scope the extraction did not find (a missing section) cannot be judged: that is
reported as not evaluated, and the missing section itself is the business of the `sections` rules.

A pattern may be anchored at the start of its clause (`clause`: the text after the last 。；;，, or
line break): the match then runs from the clause start to the end of the regex match, the regex
must begin within `max_chars` characters of the clause start, and none of the `exclude` words may
begin between the clause start and the regex. This is what the regex
`(?:^|(?<=[。；;，,\n]))(?:(?!word|…)[^。；;，,\n]){0,max_chars}?(?:regex)` would match, found from the
regex's own literals instead of by trying every position of the text (auditor/engine/search.py).
"""
from __future__ import annotations

import pandas as pd

from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, not_evaluated
from ..search import finder, learn
from .sections import section_name

_SCOPE_NAMES = {"preface": "报告开头（第一部分之前）", "report": "全文"}


def scope_name(scope: str) -> str:
    if scope.startswith("section_"):
        return section_name(int(scope.split("_")[1]))
    return _SCOPE_NAMES[scope]


def scope_series(batch: Batch, scope: str) -> pd.Series:
    """All texts of one scope indexed by rid (the first, if a scope occurs twice); built once per
    batch and shared by every rule with that scope."""
    key = ("scope_texts", scope)
    if key not in batch.cache:
        t = batch.texts
        batch.cache[key] = texts = t[t["scope"] == scope].drop_duplicates("rid").set_index("rid")["text"]
        learn(t for t in texts.iloc[:50] if isinstance(t, str))   # common characters: steers search speed
    return batch.cache[key]


def _scope_texts(batch: Batch, rids: pd.Index, scope: str) -> tuple[pd.Series, pd.Index]:
    """Texts of the scope indexed by rid, and the rids where the scope does not exist."""
    texts = scope_series(batch, scope)
    texts = texts[texts.index.isin(rids)]
    return texts, rids.difference(texts.index)


def _contains(texts: pd.Series, regex: str, clause: dict | None = None) -> pd.Series:
    f = finder(regex, clause)
    return pd.Series([f.contains(t) for t in texts.to_numpy()], index=texts.index, dtype=bool)


def cut_short(batch: Batch, rid: int, scope: str) -> int | None:
    """The part where the file stops, if it stops inside (or before the end of) this scope."""
    after = batch.info.at[rid, "truncated_after"]
    if pd.isna(after):
        return None
    if scope in ("report", "preface") or int(scope.split("_")[1]) >= int(after):
        return int(after)
    return None


def _absence(rule: Rule, batch: Batch, rid: int, scope: str, hit: Hit) -> Hit:
    """Something is missing — unless the file stops early, when it may just be cut off."""
    after = cut_short(batch, rid, scope) if scope != "preface" else None
    if after is None:
        return hit
    return not_evaluated(rid, rule, hit.location, hit.location_key,
                         f"报告在第{'一二三四五六'[after - 1]}部分中途结束，无法判断{scope_name(scope)}是否写明")


def _missing_scope(rule: Rule, absent: pd.Index, scope: str) -> list[Hit]:
    return [not_evaluated(int(rid), rule, scope_name(scope), f"scope:{scope}",
                          f"未能定位{scope_name(scope)}") for rid in absent]


def evaluate_patterns(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    scope = rule.params["scope"]
    texts, absent = _scope_texts(batch, rids, scope)
    patterns = rule.params["patterns"]
    found = pd.DataFrame({p["name"]: _contains(texts, p["regex"], p.get("clause")) for p in patterns},
                         index=texts.index)
    mode = rule.params["require"]
    if mode == "any":
        bad = found.index[~found.any(axis=1)] if len(found.columns) else found.index
    elif mode == "all":
        bad = found.index[~found.all(axis=1)]
    else:
        bad = found.index[found.any(axis=1)]
    hits = _missing_scope(rule, absent, scope)
    for rid in bad:
        row = found.loc[rid]
        present = [n for n in found.columns if row[n]]
        missing = [n for n in found.columns if not row[n]]
        matched = _first_matches(texts.loc[rid], [p for p in patterns if p["name"] in present])
        hit = Hit(int(rid), rule, scope_name(scope), f"scope:{scope}",
                  fields={"scope": scope_name(scope), "missing": "、".join(missing),
                          "present": "、".join(present), "matched": "；".join(matched)},
                  values={"未出现": "、".join(missing)} if mode != "none" else {"出现": "；".join(matched)})
        hits.append(hit if mode == "none" else _absence(rule, batch, int(rid), scope, hit))
    return hits


def evaluate_statements(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    scope = rule.params["scope"]
    texts, absent = _scope_texts(batch, rids, scope)
    joined = "|".join(f"(?:{p})" for p in rule.params["phrasings"])
    ok = _contains(texts, joined)
    topic = rule.params.get("topic", rule.title)
    hits = _missing_scope(rule, absent, scope)
    hits += [_absence(rule, batch, int(rid), scope,
                      Hit(int(rid), rule, scope_name(scope), f"scope:{scope}",
                          fields={"scope": scope_name(scope), "topic": topic}, values={"缺少表述": topic}))
             for rid in ok.index[~ok]]
    return hits


def _first_matches(text: str, patterns: list[dict]) -> list[str]:
    out = []
    for p in patterns:
        m = finder(p["regex"], p.get("clause")).first(text)
        if m is not None:
            out.append(m)
    return out


def evaluate_length(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    """Kind `text_length`: a scope shorter than `min_chars` (whitespace not counted)."""
    scope = rule.params["scope"]
    texts, absent = _scope_texts(batch, rids, scope)
    # str.split() and re's \s agree on what is whitespace (both use Py_UNICODE_ISSPACE)
    lengths = pd.Series([len("".join(t.split())) for t in texts.to_numpy()], index=texts.index, dtype="int64")
    short = lengths[lengths < rule.params["min_chars"]]
    hits = _missing_scope(rule, absent, scope)
    hits += [_absence(rule, batch, int(rid), scope,
                      Hit(int(rid), rule, scope_name(scope), f"scope:{scope}",
                          fields={"scope": scope_name(scope), "length": int(n), "min_chars": rule.params["min_chars"]},
                          values={"字数": int(n), "最少字数": rule.params["min_chars"]}))
             for rid, n in short.items()]
    return hits
