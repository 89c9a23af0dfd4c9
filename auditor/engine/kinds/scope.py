"""What the text kinds (`text_pattern`, `statement`, `text_length`, `text_number`, `cross_year`)
share: the texts of a scope of the report, and when a missing phrase is the report's fault.

Each pattern runs over the texts of the scope (one Series per scope, shared by all rules through
the batch cache). A scope the extraction did not find (a missing section) cannot be judged: that is
reported as not evaluated, and the missing section itself is the business of the `sections` rules.

Absence is concluded only on a text read whole whose parts were all found: when the file stops
early, or a part's heading was missed or only seen (so the parts' bounds are unsure), a phrase
missing from its scope but present elsewhere in the report may just have been cut into the wrong
part — that is 需人工核查, not the agency's fault. A `statement` (a specific phrasing, such as the
fee sentence) found anywhere in the report is never reported as missing from its part.

A PDF (and text converted from one) breaks its lines where the page ends, inside a word or a
number: what must be present is also looked for with those wraps undone (`rejoin_wraps`), so that
「责任\n追究」 or 「至1\n2月31日」 is not reported missing; what must not be present is only looked for
in the text as it is.

A pattern may be anchored at the start of its clause (`clause`: the text after the last 。；;，, or
line break): the match then runs from the clause start to the end of the regex match, the regex
must begin within `max_chars` characters of the clause start, and none of the `exclude` words may
begin between the clause start and the regex. This is what the regex
`(?:^|(?<=[。；;，,\n]))(?:(?!word|…)[^。；;，,\n]){0,max_chars}?(?:regex)` would match, found from the
regex's own literals instead of by trying every position of the text (auditor/engine/search.py).
"""
from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from ...catalog import T2_ROWS_2019, T2_ROWS_2021, T3_COLS, T3_ROWS_2019, T3_ROWS_2021, T4_COLS, T4_GROUPS
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


def scope_texts(batch: Batch, rids: pd.Index, scope: str) -> tuple[pd.Series, pd.Index]:
    """Texts of the scope indexed by rid, and the rids where the scope does not exist."""
    texts = scope_series(batch, scope)
    texts = texts[texts.index.isin(rids)]
    return texts, rids.difference(texts.index)


def contains(texts: pd.Series, regex: str, clause: dict | None = None, rejoined: pd.Series | None = None) -> pd.Series:
    """Whether each text holds the pattern. With `rejoined` (the same texts with their wrapped lines
    joined, `rejoined_texts`), a text also holds it when its rejoined form does: for what must be
    present only, never for what must not be (a join could make a forbidden word)."""
    f = finder(regex, clause)
    found = [f.contains(t, rid) for rid, t in zip(texts.index, texts.to_numpy())]
    if rejoined is not None:
        found = [ok or (rid in rejoined.index and f.contains(rejoined.at[rid], rid))
                 for ok, rid in zip(found, texts.index)]
    return pd.Series(found, index=texts.index, dtype=bool)


# A line is wrapped, not ended, when it is long (a heading or a list item's label is short) and does
# not end a sentence or a clause that introduces what follows; the next line then goes on with it,
# unless it starts a numbered item or heading of its own.
WRAP_MIN_CHARS = 15
_LINE_ENDS = frozenset("。！？!?；;：:…”」』）)")
_ITEM_START = re.compile(r"[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[.、．](?!\d)")


def rejoin_wraps(text: str) -> str:
    """The text with its hard line wraps undone: a PDF, and text converted from one, breaks its lines
    where the page ends, in the middle of a word or a number (「责任\n追究」, 「至1\n2月31日」).
    Only used to find what must be present; a join never hides anything (the text as it is is
    searched first)."""
    if "\n" not in text:
        return text
    out: list[str] = []
    last = ""           # the previous physical line
    for line in text.split("\n"):
        stripped = line.strip()
        tail = last.rstrip()
        if out and stripped and len(tail) >= WRAP_MIN_CHARS and tail[-1] not in _LINE_ENDS \
                and not _ITEM_START.match(stripped):
            out[-1] = out[-1].rstrip() + stripped
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def rejoined_texts(batch: Batch, scope: str) -> pd.Series:
    """`rejoin_wraps` of the scope's texts that have a wrapped line, by rid (the others are left
    out); built once per batch and scope, shared by every rule."""
    key = ("rejoined", scope)
    if key not in batch.cache:
        texts = scope_series(batch, scope)
        joined = {}
        for rid, text in zip(texts.index, texts.to_numpy()):
            if isinstance(text, str) and "\n" in text:
                again = rejoin_wraps(text)
                if again != text:
                    joined[rid] = again
        batch.cache[key] = pd.Series(joined, dtype=object)
    return batch.cache[key]


def cut_short(batch: Batch, rid: int, scope: str) -> int | None:
    """The part where the file stops, if it stops inside (or before the end of) this scope."""
    after = batch.info.at[rid, "truncated_after"]
    if pd.isna(after):
        return None
    if scope in ("report", "preface") or int(scope.split("_")[1]) >= int(after):
        return int(after)
    return None


def structure_sure(batch: Batch) -> pd.Series:
    """Per rid: all six parts were found, no heading was only seen, the file was read to its end.
    Built once per batch (cached) from the extraction's evidence, never by re-reading the text."""
    key = "structure_sure"
    if key not in batch.cache:
        info = batch.info
        found = batch.sections.groupby("rid")["number"].nunique().reindex(info.index, fill_value=0)
        seen = pd.Series([bool(getattr(r, "heading_seen", None)) for r in batch.reports], index=info.index)
        batch.cache[key] = (found >= 6) & ~seen & info["truncated_after"].isna().to_numpy(dtype=bool)
    return batch.cache[key]


@lru_cache(maxsize=1)
def _table_labels() -> re.Pattern[str]:
    """The tables' printed row and column labels (line breaks allowed inside): removed from the text
    searched elsewhere, so that a label such as 「申请人逾期未按收费通知要求缴纳费用」 is not taken for
    a sentence of the report."""
    labels = [lab.label for lab in T3_ROWS_2021 + T3_ROWS_2019 + T3_COLS + T4_GROUPS + T4_COLS]
    labels += [lab.label for row, cols in T2_ROWS_2021 + T2_ROWS_2019 for lab in [row, *cols]]
    words = set()
    for label in labels:
        for part in re.split(r"[\s「」]+", label):
            part = re.sub(r"^(?:\d+\.|（[一二三四五六七八九十]）|[一二三四五六七八九十]、)", "", part)
            if len(part) >= 4:
                words.add(part)
    alternatives = [r"\s*".join(map(re.escape, w)) for w in sorted(words, key=len, reverse=True)]
    return re.compile("|".join(alternatives))


def _elsewhere(batch: Batch, rid: int, regexes: list[tuple[str, dict | None]]) -> str | None:
    """The first of the regexes found anywhere in the report's prose (table labels left out), as
    quoted from it. Only run for the few reports that lack something in its scope."""
    text = scope_series(batch, "report").get(rid)
    if not isinstance(text, str):
        return None
    text = _table_labels().sub("\n", text)
    for candidate in (text, rejoin_wraps(text)):       # as it is, then its line wraps undone
        for regex, clause in regexes:
            m = finder(regex, clause).first(candidate, rid)
            if m is not None:
                return _sentence_around(candidate, m)
    return None


def _sentence_around(text: str, quoted: str) -> str:
    """The sentence the matched words stand in (a person checks it, not a bare 「未收取」)."""
    at = text.find(quoted)
    if at < 0:
        return quoted
    start = max(text.rfind(c, 0, at) for c in "。；;\n") + 1
    ends = [e for e in (text.find(c, at + len(quoted)) for c in "。；;\n") if e >= 0]
    end = min(ends) if ends else len(text)
    sentence = text[start:end].strip()
    return sentence if len(sentence) <= 60 else quoted


def absence(rule: Rule, batch: Batch, rid: int, scope: str, hit: Hit,
            regexes: list[tuple[str, dict | None]] | None = None, always_elsewhere: bool = False,
            topic: str = "相关") -> Hit:
    """Something is missing — unless the file stops early (it may just be cut off), or the parts'
    bounds are unsure and the searched words stand elsewhere in the report (they may belong here)."""
    after = cut_short(batch, rid, scope) if scope != "preface" else None
    if after is not None:
        return not_evaluated(rid, rule, hit.location, hit.location_key,
                             f"报告在第{'一二三四五六'[after - 1]}部分中途结束，无法判断{scope_name(scope)}是否写明")
    if scope == "report" or not regexes:
        return hit
    sure = bool(structure_sure(batch).get(rid, False))
    if sure and not always_elsewhere:
        return hit
    quoted = _elsewhere(batch, rid, regexes)
    if quoted is None:
        return hit
    name = scope_name(scope)
    why = (f"，请核对该表述是否属于{name}" if sure
           else f"；报告各部分的起止位置未能全部确定，不能断定{name}未写明")
    return not_evaluated(rid, rule, hit.location, hit.location_key,
                         f"{name}中未见{topic}的表述，但报告其他位置出现「{quoted}」{why}",
                         values={"其他位置出现": quoted[:80]})


def missing_scope(rule: Rule, absent: pd.Index, scope: str, batch: Batch | None = None) -> list[Hit]:
    """Not evaluated: the scope was not located (saying so when its heading words were seen)."""
    hits = []
    for rid in absent:
        what = f"未能定位{scope_name(scope)}"
        if batch is not None and scope.startswith("section_"):
            words = (getattr(batch.reports[int(rid)], "heading_seen", None) or {}).get(int(scope.split("_")[1]))
            if words:
                what = f"正文中出现「{words}」字样，但未能确定{scope_name(scope)}的起止位置"
        hits.append(not_evaluated(int(rid), rule, scope_name(scope), f"scope:{scope}", what))
    return hits
