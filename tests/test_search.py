"""The fast rule-regex search (auditor/engine/search.py) must give exactly what Python's re gives.

Checked for every regex of the shipped rule packs on texts built from the words those regexes look
for (so that matches, near-misses and overlaps are frequent), on the real sample reports, and for
a set of regex shapes that exercise each shortcut (literal skip, lookbehind-led anchor, windows
around literals, alternatives searched one by one, clause anchoring). The plain path that
AUDITOR_PLAIN selects (`_PlainFinder`, see auditor/speed.py) is held to the same results.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.engine import search
from auditor.engine.kinds.cross_year import _share_bounds, _shingles
from auditor.engine.search import _ClauseFinder, _Finder, _Literals, _PlainFinder, clause_regex, finder
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.rules.loader import load_all_packs

from .conftest import RULES, SAMPLES

SEPARATORS = "。；;，,\n"

def _rule_regexes() -> list[tuple[str, dict | None]]:
    out = []
    for pack in load_all_packs(RULES):
        for rule in pack.rules:
            p = rule.params
            if "regex" in p:
                out.append((p["regex"], p.get("clause")))
            for pat in p.get("patterns", []):
                out.append((pat["regex"], pat.get("clause")))
            if "phrasings" in p:
                out.append(("|".join(f"(?:{x})" for x in p["phrasings"]), None))
    return sorted(set((r, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in c.items())) if c else None)
                      for r, c in out), key=str)


RULE_REGEXES = [(r, dict((k, list(v) if isinstance(v, tuple) else v) for k, v in c) if c else None)
                for r, c in _rule_regexes()]
WORDS = sorted({w for r, c in RULE_REGEXES for w in re.findall(r"[\u4e00-\u9fff]{1,6}", r + str(c or ""))}
               | set(SEPARATORS) | {"12", "3", "0", "1.5", " ", "X", "XX", "×", "ｘｘ", "（", "）", "(", "：", "、", "元", "件"})


def _expected(regex: str, clause: dict | None, text: str) -> tuple[bool, str | None, list[tuple[str, dict]]]:
    rx = re.compile(clause_regex(regex, clause) if clause else regex)
    first = rx.search(text)
    names = list(re.compile(regex).groupindex)
    return (first is not None, None if first is None else first.group(0),
            [(m.group(0), {n: m.group(n) for n in names}) for m in rx.finditer(text)])


def _actual(regex: str, clause: dict | None, text: str) -> tuple[bool, str | None, list[tuple[str, dict]]]:
    f = finder(regex, clause)
    return f.contains(text), f.first(text), list(f.finditer(text))


def _plain(regex: str, clause: dict | None, text: str) -> tuple[bool, str | None, list[tuple[str, dict]]]:
    """The plain path's results (AUDITOR_PLAIN: speed.py)."""
    f = _PlainFinder(regex, clause)
    return f.contains(text), f.first(text), list(f.finditer(text))


def test_the_rule_packs_have_regexes_to_check() -> None:
    assert len(RULE_REGEXES) > 20 and any(c for _, c in RULE_REGEXES)


@pytest.mark.parametrize("regex,clause", RULE_REGEXES, ids=[f"rx{i}" for i in range(len(RULE_REGEXES))])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.sampled_from(WORDS), max_size=60))
def test_rule_regex_same_as_re(regex: str, clause: dict | None, words: list[str]) -> None:
    text = "".join(words)
    assert _actual(regex, clause, text) == _expected(regex, clause, text) == _plain(regex, clause, text)


@pytest.fixture(scope="module")
def sample_texts() -> list[str]:
    out = []
    for path in sorted(SAMPLES.iterdir()):
        r = extract(read_document(path))
        out += [r.preface, *(s.title + "\n" + s.text for s in r.sections)]
    return out


def test_rule_regexes_same_as_re_on_the_sample_reports(sample_texts: list[str]) -> None:
    for regex, clause in RULE_REGEXES:
        for text in sample_texts:
            assert _actual(regex, clause, text) == _expected(regex, clause, text) == _plain(regex, clause, text), regex


SHAPES = [
    r"(?<![A-Za-z0-9])[XＸ×]{2,}(?![A-Za-z0-9])",                      # starts with a lookbehind
    r"(?<!科技)创新(?:工作|做法)|(?:政务公开|信息公开)[^。，]{0,10}?创新",  # alternatives
    r"(?:^|(?<=[。，\n]))[^。，\n]{0,5}?费\d+元",                          # bounded reach, windows
    r"(?<!复议、)行政诉讼\s*(?P<n>\d+)件",                                # anchor after lookbehinds
    r"创新(?=[^。]{0,3}工作)",                                            # lookahead reach
    r"\d+(?:件|元)",
    r"(?:检索费|复制费)[^。，]{0,6}?(?<![\d.])[1-9]\d*元",
    r"(?:收到|新收)[^。，]{0,4}?件",                                      # starts with one of a set
    r"[费元]\d",                                                          # starts with a character class
    r"政务公开|信息公开|创新工作|创新",                                    # a finite set of strings
    r"(?<!\d)1\d{2}(?!\d)|费",                                           # alternatives, one with a body
    r"(?<!科技)(?:创新|工作)[^。]{0,3}?费",                                 # assertion, then a set
]
ALPHABET = ["a", "X", "×", "创新", "科技", "工作", "做法", "政务公开", "信息公开", "。", "，", "\n", "费",
            "元", "件", "1", "23", "0", "复议、", "行政诉讼", " ", "检索费", "复制费", "."]


@pytest.mark.parametrize("regex", SHAPES)
@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(ALPHABET), max_size=80))
def test_search_shapes_same_as_re(regex: str, words: list[str]) -> None:
    text = "".join(words)
    assert _actual(regex, None, text) == _expected(regex, None, text) == _plain(regex, None, text)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(ALPHABET + ["较上年", "上年"]), max_size=80),
       max_chars=st.integers(0, 12))
def test_clause_same_as_the_regex_it_stands_for(words: list[str], max_chars: int) -> None:
    text = "".join(words)
    clause = {"max_chars": max_chars, "exclude": ["较上年", "上年", "科技"]}
    regex = r"行政诉讼\s*(?P<n>\d+)件"
    assert _actual(regex, clause, text) == _expected(regex, clause, text) == _plain(regex, clause, text)


def test_the_switch_gives_the_plain_finder(monkeypatch) -> None:
    """AUDITOR_PLAIN (speed.py) turns the literal analysis off; unset, the fast finders are back."""
    monkeypatch.setenv("AUDITOR_PLAIN", "1")
    assert isinstance(finder(r"(?<!\d)费\d+元"), _PlainFinder)
    assert isinstance(finder(r"费\d+元", {"max_chars": 3}), _PlainFinder)
    monkeypatch.delenv("AUDITOR_PLAIN")
    assert isinstance(finder(r"(?<!\d)费\d+元"), _Finder)
    assert isinstance(finder(r"费\d+元", {"max_chars": 3}), _ClauseFinder)


@pytest.fixture()
def learnt(monkeypatch, sample_texts: list[str]) -> None:
    """Character frequencies from the sample reports (common characters: other search paths)."""
    monkeypatch.setattr(search, "_SAMPLE", [])
    monkeypatch.setattr(search, "_FREQUENCY", {})
    search.learn(sample_texts)


def _fresh(regex: str, clause: dict | None) -> _Finder | _ClauseFinder:
    """An uncached searcher, tuned on first use with the current frequencies."""
    return _ClauseFinder(regex, clause["max_chars"], clause.get("exclude", [])) if clause else _Finder(regex)


def test_rule_regexes_same_as_re_with_learnt_frequencies(learnt, sample_texts: list[str]) -> None:
    texts = sample_texts + ["".join(WORDS[i::7]) for i in range(7)]
    for regex, clause in RULE_REGEXES + [(s, None) for s in SHAPES]:
        f = _fresh(regex, clause)
        for text in texts:
            assert (f.contains(text), f.first(text), list(f.finditer(text))) == _expected(regex, clause, text), regex


@settings(max_examples=300, deadline=None)
@given(strings=st.sets(st.text("ab费元检索", min_size=1, max_size=4), min_size=1, max_size=6),
       text=st.text("ab费元检索。", max_size=40))
def test_literals_find_every_occurrence(strings: set[str], text: str) -> None:
    lit = _Literals(frozenset(strings))
    where = sorted({i for s in strings for i in range(len(text)) if text.startswith(s, i)})
    assert lit.starts(text) == where
    assert lit.present(text) == bool(where)


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(["本年度", "政务公开", "工作", "2023", "2022年", " ", "\n", "。", "平台建设",
                                        "依申请公开", "主动公开", "监督保障", "取得成效", "𠀀"]), max_size=120),
       cut=st.integers(0, 120), min_chars=st.sampled_from([1, 10, 100]))
def test_similarity_bound_is_never_below_the_share(pieces: list[str], cut: int, min_chars: int) -> None:
    """The hashed bound (cross_year) must never rule out a pair whose exact share is higher."""
    text, earlier = "".join(pieces), "".join(pieces[cut:] + pieces[:cut // 2])
    pairs = [(text, earlier), (earlier, text), (text, text), (text, "")]
    bound = _share_bounds(pairs, min_chars, chunk=3)
    for (a, b), up in zip(pairs, bound):
        mine, theirs = _shingles(a), _shingles(b)
        if len(mine) >= min_chars and theirs:
            assert len(mine & theirs) / len(mine) <= up


# ------------------------------------------------------------------ the time-bounded regexes mean what re means
#
# The rule regexes run through the regex module, with a time bound (auditor/engine/bounded_regex.py),
# written out from re's parse tree so that they match exactly as re does. Where the two modules'
# classes differ: ① ² ¹ are \w to re only, \x1c-\x1f are \s to re only, digits and letters of
# newer Unicode versions than Python's (𐵀) are \d or \w to regex only, combining marks.

ODD_CHARS = ["a", "Z", "_", "1", "٣", "①", "²", "\u0301", "\x1c", "\x1f", " ", "\u3000", "\n", "\U00010d40",
             "一", "件", "，", "-", "ǅ", "ß", "K", "\u212a", "ı", "İ"]
PIECES = [r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", r"\b", r"\B", r".", r"[\w-]", r"[^\s\d]", r"[a\D]",
          r"[^a\W]", r"a", r"(?i:k)", r"(?i:[a-z])", r"件", r"[一-龥]", r"^", r"$", r"\A", r"\Z", r"(?=\d)",
          r"(?<!\w)", r"(?<=\s)"]
QUANTIFIERS = ["", "", "*", "+", "?", "{1,2}", "*?", "+?"]


@st.composite
def odd_patterns(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        piece = draw(st.sampled_from(PIECES))
        q = "" if piece in ("^", "$", r"\A", r"\Z", r"\b", r"\B") or piece.startswith("(?<") or piece.startswith("(?=") \
            else draw(st.sampled_from(QUANTIFIERS))
        parts.append(f"(?:{piece}){q}" if q else piece)
    pattern = "".join(parts)
    if draw(st.booleans()):
        pattern = f"(?P<g>{pattern})|{draw(st.sampled_from(PIECES))}"
    return pattern


@settings(max_examples=400, deadline=None)
@given(pattern=odd_patterns(), text=st.text(st.sampled_from(ODD_CHARS), max_size=16))
def test_bounded_regex_matches_as_re_does(pattern: str, text: str) -> None:
    from auditor.engine.bounded_regex import compile_bounded

    expected = [(m.span(), m.groupdict()) for m in re.finditer(pattern, text)]
    assert [(m.span(), m.groupdict()) for m in compile_bounded(pattern).finditer(text)] == expected


@settings(max_examples=200, deadline=None)
@given(pattern=odd_patterns(), text=st.text(st.sampled_from(ODD_CHARS), max_size=16))
def test_finder_matches_as_re_does_on_odd_characters(pattern: str, text: str) -> None:
    assert _actual(pattern, None, text) == _expected(pattern, None, text)
