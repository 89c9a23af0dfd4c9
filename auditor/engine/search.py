"""Searching rule regexes fast, with exactly the results of Python's re.

Python's re scans quickly only for a pattern that begins with a literal; a pattern that begins
with an assertion, e.g. (?<![A-Za-z0-9]), is tried at every position of every text. So each
regex is analysed once (re's own parser): the literal strings one of which every match must
contain (or find right after it, in a lookahead) and how far a match attempt can look ahead.
A text without any of those literals cannot match and is skipped; in a text with them, when the
reach is bounded, the regex is only tried in windows around the literals. Both are exact: they
skip only positions where a match is impossible, and the match found is the one re finds.
"""
from __future__ import annotations

import os
import re
import re._constants as _C
import re._parser as _P
from collections.abc import Iterator

_CAP = 64             # largest set of alternative literal strings tracked
_INF = float("inf")
_MAX_REACH = 400      # longer reach: plain search (windows would not save anything)
_MAX_SPLIT = 4        # more alternatives: one scan of the whole regex is cheaper than one each


class _NoLiterals(Exception):
    """The regex's literals cannot be used (case-insensitive matching)."""


def _charset(items) -> frozenset | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _C.LITERAL:
            chars.add(chr(av))
        elif op is _C.RANGE and av[1] - av[0] < 16:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:                                  # NEGATE, CATEGORY, wide ranges
            return None
    return frozenset(chars) if len(chars) <= 16 else None


def _product(a, b) -> frozenset | None:
    return frozenset(x + y for x in a for y in b) if len(a) * len(b) <= _CAP else None


def _affixes(cands: list[frozenset]) -> list[frozenset]:
    """A set of strings that all share a prefix or suffix also requires that prefix or suffix."""
    out = []
    for c in cands:
        if len(c) > 1:
            common = os.path.commonprefix(list(c))
            rev = os.path.commonprefix([s[::-1] for s in c])[::-1]
            out += [frozenset([x]) for x in (common, rev) if x]
    return out


def _seq(items) -> tuple[frozenset | None, list[frozenset], float, float]:
    """(exact set of strings the sequence matches, or None; candidate literal requirements;
    maximum width; reach = how many characters from the start a match attempt may examine)."""
    run = frozenset([""])
    cands: list[frozenset] = []
    exact, width, reach = True, 0, 0
    for op, av in items:
        ex, req, w, r = _item(op, av)
        reach = max(reach, width + r)
        width += w
        cands += req
        prod = _product(run, ex) if ex is not None else None
        if prod is not None:
            run = prod
        else:
            exact = False
            cands.append(run)
            run = ex if ex is not None else frozenset([""])
    cands.append(run)
    cands = [c for c in cands if c and "" not in c]
    return (run if exact else None), cands + _affixes(cands), width, reach


def _item(op, av):
    C = _C
    if op is C.LITERAL:
        return frozenset([chr(av)]), [], 1, 1
    if op in (C.NOT_LITERAL, C.ANY):
        return None, [], 1, 1
    if op is C.IN:
        return _charset(av), [], 1, 1
    if op is C.AT:
        return frozenset([""]), [], 0, 1
    if op in (C.ASSERT, C.ASSERT_NOT):
        direction, body = av
        ex, cands, w, r = _seq(body)
        if direction < 0:                      # lookbehind: looks only at what precedes
            return frozenset([""]), [], 0, max(r - w, 0)
        req = [ex] if ex and "" not in ex else cands
        return frozenset([""]), (req if op is C.ASSERT else []), 0, r
    if op is C.SUBPATTERN:
        _, add_flags, _, body = av
        if add_flags & re.IGNORECASE:
            raise _NoLiterals
        return _seq(body)
    if op is C.ATOMIC_GROUP:
        return _seq(av)
    if op is C.BRANCH:
        alts = [_seq(a) for a in av[1]]
        width, reach = max(a[2] for a in alts), max(a[3] for a in alts)
        exact = None
        if all(a[0] is not None for a in alts) and sum(len(a[0]) for a in alts) <= _CAP:
            exact = frozenset().union(*(a[0] for a in alts))
        # a literal that every alternative requires on its own (e.g. 创新 in a|b|c) is preferred;
        # otherwise one of each alternative's literals
        singles = [{s for c in ([a[0]] if a[0] else []) + a[1] if len(c) == 1 for s in c} for a in alts]
        common = set.intersection(*singles) - {""} if singles else set()
        if common:
            return exact, [frozenset([max(common, key=lambda s: (len(s), s))])], width, reach
        bests = [_best(([a[0]] if a[0] and "" not in a[0] else []) + a[1]) for a in alts]
        return exact, ([frozenset().union(*bests)] if all(bests) else []), width, reach
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, hi, body = av
        ex, cands, w, r = _seq(body)
        if hi is C.MAXREPEAT or hi == C.MAXREPEAT:
            width = reach = _INF
        else:
            width, reach = hi * w, ((hi - 1) * w + r if hi else 0)
        exact = None
        if lo == hi and ex is not None and len(ex) ** lo <= _CAP:
            exact = frozenset([""])
            for _ in range(lo):
                exact = _product(exact, ex)
        req: list[frozenset] = []
        if lo >= 1:
            if ex and "" not in ex:
                rep = ex
                for _ in range(lo - 1):
                    rep = _product(rep, ex) or rep
                req = [rep, ex] if rep != ex else [ex]
            else:
                req = cands
        return exact, req, width, reach
    return None, [], _INF, _INF              # group references and anything unusual


def _cost(c: frozenset) -> float:
    """Rough cost of a requirement: how often its strings occur (short ones are common)."""
    return sum({1: 100, 2: 4, 3: 0.5}.get(len(s), 0.1) for s in c)


def _best(cands: list[frozenset]) -> frozenset | None:
    cands = [c for c in cands if c and "" not in c]
    return min(cands, key=lambda c: (_cost(c), sorted(c))) if cands else None


def _scans_fast(parsed) -> bool:
    """Whether re finds the possible match starts by itself: the pattern begins with a literal, a
    character class or alternatives that each begin with a literal (what re's compiler turns into
    a prefix or charset scan)."""
    data = parsed.data
    while data and data[0][0] is _C.SUBPATTERN and not data[0][1][1]:
        data = data[0][1][3].data
    if not data:
        return False
    op, av = data[0]
    if op in (_C.LITERAL, _C.IN):
        return True
    return op is _C.BRANCH and all(alt.data and alt.data[0][0] is _C.LITERAL for alt in av[1])


def _lead_length(parsed) -> int:
    """Length of the literal text re's own scan looks for (the shortest, for alternatives)."""
    data = parsed.data
    while data and data[0][0] is _C.SUBPATTERN and not data[0][1][1]:
        data = data[0][1][3].data
    if data and data[0][0] is _C.BRANCH:
        return min(_lead_length(alt) for alt in data[0][1][1])
    n = 0
    while n < len(data) and data[n][0] is _C.LITERAL:
        n += 1
    return n


def _anchor(parsed) -> str:
    """The literal a pattern starts with after leading assertions, e.g. 行政诉讼 in
    (?<!复议、)行政诉讼…: a match can only start where that literal stands."""
    data, i = parsed.data, 0
    while i < len(data) and data[i][0] in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
        i += 1
    lit = ""
    while i < len(data) and data[i][0] is _C.LITERAL:
        lit += chr(data[i][1])
        i += 1
    return lit


def _split_branches(regex: str) -> list[str]:
    """The top-level alternatives of a regex (split at | outside groups and classes)."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if regex[i + 1:i + 2] == "^":
                i += 1
            if regex[i + 1:i + 2] == "]":      # a ] right after [ or [^ is a literal
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(regex[start:i])
            start = i + 1
        i += 1
    parts.append(regex[start:])
    return parts


class _Finder:
    """One regex; `contains`, `first` and `finditer` give exactly what re.search/finditer give."""

    def __init__(self, regex: str):
        self.rx = re.compile(regex)
        self.names = tuple(self.rx.groupindex)
        self.literals: re.Pattern | None = None
        self.reach: int | None = None
        self.branches: list[_Finder] = []
        self.anchor = ""
        try:
            parsed = _P.parse(regex)
            if parsed.state.flags & re.IGNORECASE:
                raise _NoLiterals
            ex, cands, _width, reach = _seq(parsed.data)
        except (_NoLiterals, re.error, RecursionError):
            return
        best = _best(([ex] if ex else []) + cands)
        if best:
            lits = sorted(best, key=lambda s: (-len(s), s))
            self.literals = re.compile("|".join(map(re.escape, lits)))
            self.longest = len(lits[0])
        if _scans_fast(parsed):
            # re itself skips ahead to the possible starts; a pre-check pays only for longer literals
            if best and min(map(len, best)) <= _lead_length(parsed):
                self.literals = None
            return
        self.anchor = _anchor(parsed)
        if self.anchor:
            return
        if best and reach <= _MAX_REACH and parsed.getwidth()[0] > 0:
            self.reach = int(reach)
            return
        parts = _split_branches(regex)
        if 1 < len(parts) <= _MAX_SPLIT and not (parsed.state.flags & ~re.UNICODE):
            # a few alternatives searched one by one, each with its own literals (`first`/`contains`)
            self.branches = [_Finder(p) for p in parts]

    def _next(self, text: str, pos: int = 0) -> re.Match | None:
        """The leftmost match starting at or after `pos` (re's search from pos)."""
        if not self.anchor:
            return self.rx.search(text, pos)
        i = text.find(self.anchor, pos)
        while i >= 0:
            m = self.rx.match(text, i)
            if m is not None:
                return m
            i = text.find(self.anchor, i + 1)
        return None

    def _anchored(self, text: str) -> Iterator[re.Match]:
        pos = 0
        while (m := self._next(text, pos)) is not None:
            yield m
            pos = max(m.end(), m.start() + 1)

    def _search(self, text: str) -> re.Match | None:
        if self.literals is not None and self.literals.search(text) is None:
            return None
        if self.anchor:
            return self._next(text)
        if self.reach is not None and self._few(text):
            return next(self._windowed(text), None)
        if self.branches:
            best = None
            for b in self.branches:         # leftmost match; at the same position the earlier one
                m = b._search(text)
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
            return best
        return self.rx.search(text)

    def _matches(self, text: str) -> Iterator[re.Match]:
        if self.literals is not None and self.literals.search(text) is None:
            return iter(())
        if self.anchor:
            return self._anchored(text)
        if self.reach is None or not self._few(text):
            return self.rx.finditer(text)
        return self._windowed(text)

    def _few(self, text: str) -> bool:
        """Whether windows around the literals are cheaper than re's scan of the whole text."""
        return len(self.literals.findall(text)) * (40 + 2 * self.reach) < len(text)

    def _windowed(self, text: str) -> Iterator[re.Match]:
        """finditer, trying the regex only near the literals. A match attempt at position s looks at
        text[s:s+reach] only, and a match needs a literal there: so a match starts at most `reach`
        before a literal, and searching text[:p+reach+2] from there finds exactly what the whole
        text would give for any match starting by p (the literals found by finditer do not
        overlap; one hidden by an overlapping one starts within `longest` after it)."""
        rx, reach, n = self.rx, self.reach, len(text)
        pos = 0
        for lit in self.literals.finditer(text):
            last = lit.start() + self.longest - 1          # latest start position this window covers
            while True:
                a = max(pos, lit.start() - reach)
                if a > last:
                    break
                end = last + reach + 2
                m = rx.search(text, a, end) if end < n else rx.search(text, a)
                if m is None or m.start() > last:
                    break
                yield m
                pos = max(m.end(), m.start() + 1)

    def contains(self, text: str) -> bool:
        return self._search(text) is not None

    def first(self, text: str) -> str | None:
        m = self._search(text)
        return None if m is None else m.group(0)

    def finditer(self, text: str) -> Iterator[tuple[str, dict]]:
        for m in self._matches(text):
            yield m.group(0), m.groupdict()

_SEPARATORS = "。；;，,\n"


class _ClauseFinder:
    """A regex anchored at the start of its clause (see the module docstring), searched from the
    regex's own matches: for each, the clause start is the last separator before it."""

    def __init__(self, regex: str, max_chars: int, exclude: list[str]):
        self.core = _Finder(regex)
        self.names = self.core.names
        self.max_chars = max_chars
        words = sorted(set(exclude), key=lambda w: (-len(w), w))
        self.exclude = re.compile("|".join(map(re.escape, words))) if words else None
        self.longest = len(words[0]) if words else 0

    def _matches(self, text: str) -> Iterator[tuple[int, re.Match]]:
        core = self.core
        if core.literals is not None and core.literals.search(text) is None:
            return
        pos = q = 0
        while True:
            m = core._next(text, q)
            if m is None:
                return
            q = m.start()
            lo = max(q - self.max_chars - 1, 0)
            window = text[lo:q]
            sep = max(window.rfind(c) for c in _SEPARATORS)
            start = lo + sep + 1 if sep >= 0 else (0 if lo == 0 else -1)
            ok = pos <= start and q - start <= self.max_chars
            if ok and self.exclude is not None:
                hit = self.exclude.search(text, start, q - 1 + self.longest)
                ok = hit is None or hit.start() >= q
            if ok:
                yield start, m
                pos = m.end()
                q = max(pos, q + 1)
            else:
                q += 1

    def contains(self, text: str) -> bool:
        return next(self._matches(text), None) is not None

    def first(self, text: str) -> str | None:
        for start, m in self._matches(text):
            return text[start:m.end()]
        return None

    def finditer(self, text: str) -> Iterator[tuple[str, dict]]:
        for start, m in self._matches(text):
            yield text[start:m.end()], m.groupdict()


_FINDERS: dict[tuple, _Finder | _ClauseFinder] = {}


def finder(regex: str, clause: dict | None = None) -> _Finder | _ClauseFinder:
    """The (cached) searcher for a rule regex, optionally anchored at its clause start."""
    key = (regex, None) if not clause else (regex, clause["max_chars"], tuple(clause.get("exclude", [])))
    if key not in _FINDERS:
        _FINDERS[key] = _Finder(regex) if not clause else \
            _ClauseFinder(regex, clause["max_chars"], list(clause.get("exclude", [])))
    return _FINDERS[key]
