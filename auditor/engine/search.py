"""Searching rule regexes fast, with exactly the results of Python's re.

Python's re scans quickly only for a pattern that begins with one literal string. A pattern that
begins with an assertion, e.g. (?<![A-Za-z0-9]), is tried at every position of every text, and a
pattern that begins with a character class or with alternatives (收到|新收) is found by testing
every character of the text against a set, slow on Chinese text. So each regex is analysed once
(re's own parser) for

- the literal strings one of which every match must contain (or find right after it, in a
  lookahead): a text without any of them cannot match and is skipped (a pre-check);
- the strings one of which every match begins with: only where one of them begins is the regex
  tried; or else the regex without its leading assertions (`body`), which re scans fast;
- how far a match attempt can look ahead: when that reach is bounded, the regex is only tried in
  windows around the literals;
- for `contains` only: whether the regex matches just a finite set of strings (then it is enough
  to look for them), or consists of alternatives (any of them will do, each searched its own way).

Sets of strings are looked for through one rare character of each, by str.find (see _Literals).
All of this is exact: it skips only positions where a match is impossible, and the match found is
the one re finds. The rule regexes themselves run under a time bound (bounded_regex.py: the same
matches as re, through the regex module): a search of one text that runs out of time raises
RegexTimeout.

With AUDITOR_PLAIN set (speed.py) none of this is used: `finder` gives a `_PlainFinder`, the regex
searched over the whole text (bounded in time all the same), a `clause` spelt out as the regex it
stands for (`clause_regex`). The kept tests compare the two (tests/test_search.py).
"""
from __future__ import annotations

import os
import re
import re._constants as _C
import re._parser as _P
from bisect import bisect_left
from collections.abc import Iterator

from .. import speed
from .bounded_regex import RegexTimeout, compile_bounded, guarded, left

__all__ = ["RegexTimeout", "clause_regex", "finder", "learn"]

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


# ------------------------------------------------------------------ finding sets of literal strings
#
# re scans Chinese text for a set of possible first characters (a character class, or alternatives
# such as 收到|新收) at about 3 ns a character; str.find of one character is a memchr, ten times
# faster. So a set of strings is found through one rare character of each string ("pivot"). Which
# characters are rare is learnt from a sample of the texts (`learn`); it steers only the speed,
# never a result. Without a sample every character counts as rare.

_SAMPLE: list[str] = []
_SAMPLE_CHARS = 40_000       # enough to tell common characters from rare ones, cheap to count in
_FREQUENCY: dict[str, float] = {}
_PIVOT_LIMIT = 1 / 60        # pivot hits per character of text above which re's own scan is cheaper


def learn(texts) -> None:
    """Take a sample of the texts to be searched (the first ones, up to _SAMPLE_CHARS characters)."""
    size = sum(map(len, _SAMPLE))
    for text in texts:
        if size >= _SAMPLE_CHARS:
            break
        _SAMPLE.append(text)
        size += len(text)
        _FREQUENCY.clear()


def _frequency(s: str) -> float:
    """How often the string occurs per character of the sample (0 without a sample)."""
    f = _FREQUENCY.get(s)
    if f is None:
        size = sum(map(len, _SAMPLE))
        f = _FREQUENCY[s] = sum(t.count(s) for t in _SAMPLE) / size if size else 0.0
    return f


class _Literals:
    """Finds a set of strings in a text, each through a rare character of it (see above)."""

    def __init__(self, strings):
        self.strings = strings
        chosen = _pivots(sorted(strings))
        # per pivot character: (its offset k in the strings, their length n, the strings)
        self.pivots: dict[str, list[tuple[int, int, frozenset]]] = {}
        for ch, group in chosen.items():
            by_shape: dict[tuple[int, int], set[str]] = {}
            for s in group:
                by_shape.setdefault((s.index(ch), len(s)), set()).add(s)
            self.pivots[ch] = [(k, n, frozenset(g)) for (k, n), g in sorted(by_shape.items())]
        self.hits = sum(map(_frequency, self.pivots))   # expected pivot hits per character of text
        self.cheap = self.hits <= _PIVOT_LIMIT

    @property
    def occurrences(self) -> float:
        """Expected occurrences of the strings per character of text."""
        return sum(map(_frequency, self.strings))

    def _found(self, text: str) -> Iterator[int]:
        """Where the strings begin, found through their pivot characters (pivot by pivot)."""
        find = text.find
        for ch, groups in self.pivots.items():
            i = find(ch)
            while i >= 0:
                for k, n, group in groups:
                    if i >= k and text[i - k:i - k + n] in group:
                        yield i - k
                i = find(ch, i + 1)

    def present(self, text: str) -> bool:
        """Whether any of the strings occurs in the text."""
        return next(self._found(text), None) is not None

    def starts(self, text: str) -> list[int]:
        """Every position where one of the strings begins, in order."""
        out = list(self._found(text))
        return sorted(set(out)) if len(self.strings) > 1 else out


def _pivots(strings: list[str]) -> dict[str, list[str]]:
    """Characters, one in each string, expected to occur seldom in all: chosen greedily (fewest
    expected hits per string covered), then the ones not needed left out again (costliest first):
    费 alone serves 检索费, 复制费 and 邮寄费."""
    chosen: dict[str, list[str]] = {}
    left = strings
    while left:
        ch = min({c for s in left for c in s}, key=lambda c: (_frequency(c) / sum(c in s for s in left), c))
        chosen[ch] = [s for s in strings if ch in s]
        left = [s for s in left if ch not in s]
    for ch in sorted(chosen, key=lambda c: (-_frequency(c), c)):
        if len(chosen) > 1 and all(any(c != ch and c in s for c in chosen) for s in chosen[ch]):
            del chosen[ch]
    return {ch: [s for s in strings if ch in s and not any(c < ch and c in s for c in chosen)]
            for ch in sorted(chosen)}


def _strings(items) -> frozenset | None:
    """The finite set of strings a regex (part) matches when it consists of literals, small
    character classes, alternatives and short fixed repeats only (no assertions); else None."""
    out = frozenset([""])
    for op, av in items:
        if op is _C.LITERAL:
            s = frozenset([chr(av)])
        elif op is _C.IN:
            s = _charset(av)
        elif op is _C.BRANCH:
            alts = [_strings(a) for a in av[1]]
            s = None if None in alts else frozenset().union(*alts)
        elif op is _C.SUBPATTERN and not av[1] and not av[2]:
            s = _strings(av[3])
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT) and av[1] is not _C.MAXREPEAT and av[1] <= 4:
            body, s = _strings(av[2]), frozenset()
            power = frozenset([""])
            for k in range(av[1] + 1):
                if body is None or power is None:
                    s = None
                    break
                if k >= av[0]:
                    s |= power
                power = _product(power, body) if k < av[1] else power
        else:
            return None
        out = _product(out, s) if s is not None else None
        if out is None:
            return None
    return out


def _minimal(strings: frozenset, prefix: bool = False) -> frozenset:
    """The strings whose presence (or, with prefix, whose start at a position) already follows
    from none of the others: 政协提案 is found wherever 提案 is."""
    def implied(s, t):
        return s.startswith(t) if prefix else t in s
    return frozenset(s for s in strings if not any(t != s and implied(s, t) for t in strings))


def _start_strings(parsed) -> frozenset | None:
    """Strings one of which every match begins with, after leading zero-width assertions: the
    longest leading run of items that match a finite set of strings."""
    data = list(parsed.data)
    while data and data[0][0] in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
        data.pop(0)
    run = frozenset([""])
    for item in data:
        s = _strings([item])
        nxt = _product(run, s) if s is not None else None
        if nxt is None:
            break
        run = nxt
    return _minimal(run, prefix=True) if run and "" not in run else None


def _refers_back(regex: str) -> bool:
    """Whether the regex may refer to a group (\\1, (?P=name), (?(1)…)): then its alternatives
    cannot be compiled apart. Errs on the safe side."""
    return re.search(r"\\[1-9]|\(\?P=|\(\?\(", regex) is not None


def _strip_assertions(regex: str) -> str | None:
    """The regex without its leading lookbehinds/lookaheads ((?<!…), (?<=…), (?!…), (?=…)), or
    None when it does not begin with one."""
    i, n = 0, len(regex)
    while regex.startswith(("(?<!", "(?<=", "(?!", "(?="), i):
        depth, j, in_class = 0, i, False
        while j < n:
            ch = regex[j]
            if ch == "\\":
                j += 2
                continue
            if in_class:
                in_class = ch != "]"
            elif ch == "[":
                in_class = True
                if regex[j + 1:j + 2] == "^":
                    j += 1
                if regex[j + 1:j + 2] == "]":
                    j += 1
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= n:
            return None
        i = j + 1
    return regex[i:] if i else None


class _Finder:
    """One regex; `contains`, `first` and `finditer` give exactly what re.search/finditer give
    (the shortcuts: see the module docstring). The literal searches are set up on first use, when
    the character frequencies are known (`learn`)."""

    def __init__(self, regex: str):
        self.pattern = regex
        self.names = tuple(re.compile(regex).groupindex)
        self.rx = compile_bounded(regex)
        self.literals: re.Pattern | None = None
        self.reach: int | None = None
        self.branches: list[_Finder] = []
        self.alternatives: list[_Finder] = []
        self.body = None
        self._candidates: list[frozenset] = []
        self._exact_strings = self._start = None
        self.required = self.exact = self.start = None
        self._tuned = False
        try:
            parsed = _P.parse(regex)
            if parsed.state.flags & re.IGNORECASE:
                raise _NoLiterals
            ex, cands, _width, reach = _seq(parsed.data)
        except (_NoLiterals, re.error, RecursionError):
            return
        plain = not (parsed.state.flags & ~re.UNICODE)
        self._candidates = ([ex] if ex and "" not in ex else []) + [c for c in cands if c and "" not in c]
        if plain:
            strings = _strings(parsed.data)
            self._exact_strings = _minimal(strings) if strings and "" not in strings else None
        parts = _split_branches(regex)
        if plain and 1 < len(parts) and not _refers_back(regex):
            try:
                self.alternatives = sorted((_Finder(p) for p in parts), key=lambda f: f._exact_strings is None)
            except re.error:
                self.alternatives = []
        nonempty = parsed.getwidth()[0] > 0
        if nonempty:
            self._start = _start_strings(parsed)
            body = _strip_assertions(regex)
            if body is not None:
                try:
                    self.body = compile_bounded(body, parsed.state.flags & ~re.UNICODE)
                except re.error:
                    self.body = None
        best = _best(self._candidates)
        if best:
            lits = sorted(best, key=lambda s: (-len(s), s))
            self.literals = re.compile("|".join(map(re.escape, lits)))
            self.longest = len(lits[0])
        if _scans_fast(parsed) or self.body is not None:
            return
        if best and reach <= _MAX_REACH and nonempty:
            self.reach = int(reach)
            return
        if 1 < len(parts) <= _MAX_SPLIT and plain:
            # a few alternatives searched one by one, each with its own literals (`first`/`contains`)
            self.branches = [_Finder(p) for p in parts]

    def _tune(self) -> None:
        """Choose the literal searches from the character frequencies (on first use: after `learn`)."""
        self._tuned = True
        # the pre-check: the cheapest of the rarest requirements; none when re's own scan for a
        # leading literal finds about as little
        options = [o for o in map(_Literals, self._candidates) if o.cheap]
        if options:
            required = min(options, key=lambda o: (o.occurrences, o.hits))
            lead = next(iter(self._start)) if self._start and len(self._start) == 1 else None
            if lead is None or required.occurrences * 4 < _frequency(lead):
                self.required = required
        if self._exact_strings:
            self.exact = _Literals(self._exact_strings)
        if self._start and len(self._start) > 1:       # one string: re's own prefix scan is fast
            start = _Literals(self._start)
            self.start = start if start.cheap else None

    def _excluded(self, text: str) -> bool:
        """No match is possible: none of the strings every match contains occurs."""
        if not self._tuned:
            self._tune()
        return self.required is not None and not self.required.present(text)

    def _starts(self, text: str) -> list[int] | None:
        """The possible match starts when they are found through literals, else None."""
        return self.start.starts(text) if self.start is not None else None

    def _next(self, text: str, pos: int = 0, starts: list[int] | None = None):
        """The leftmost match starting at or after `pos` (re's search from pos); `starts` as from
        _starts(text)."""
        rx = self.rx
        if starts is not None:
            for s in starts[bisect_left(starts, pos):]:
                m = rx.match(text, s, timeout=left())
                if m is not None:
                    return m
            return None
        if self.body is not None:
            b = self.body.search(text, pos, timeout=left())
            while b is not None:
                m = rx.match(text, b.start(), timeout=left())
                if m is not None:
                    return m
                b = self.body.search(text, b.start() + 1, timeout=left())
            return None
        return rx.search(text, pos, timeout=left())

    def _anchored(self, text: str, starts: list[int] | None) -> Iterator:
        pos = 0
        while (m := self._next(text, pos, starts)) is not None:
            yield m
            pos = max(m.end(), m.start() + 1)

    def _search(self, text: str):
        if self._excluded(text):
            return None
        if self.start is not None or self.body is not None:
            return self._next(text, 0, self._starts(text))
        if self.reach is not None and self._few(text):
            return next(self._windowed(text), None)
        if self.branches:
            best = None
            for b in self.branches:         # leftmost match; at the same position the earlier one
                m = b._search(text)
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
            return best
        return self.rx.search(text, timeout=left())

    def _matches(self, text: str) -> Iterator:
        if self._excluded(text):
            return iter(())
        if self.start is not None or self.body is not None:
            return self._anchored(text, self._starts(text))
        if self.reach is None or not self._few(text):
            return self._all(text)
        return self._windowed(text)

    def _all(self, text: str) -> Iterator:
        """re's finditer, with the time left checked between matches too."""
        for m in self.rx.finditer(text, timeout=left()):
            left()
            yield m

    def _few(self, text: str) -> bool:
        """Whether windows around the literals are cheaper than re's scan of the whole text."""
        return len(self.literals.findall(text)) * (40 + 2 * self.reach) < len(text)

    def _windowed(self, text: str) -> Iterator:
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
                m = rx.search(text, a, end, timeout=left()) if end < n else rx.search(text, a, timeout=left())
                if m is None or m.start() > last:
                    break
                yield m
                pos = max(m.end(), m.start() + 1)

    # contains/first/finditer: past the time bound, RegexTimeout; or, given the report `rid` the
    # text belongs to, during a rule evaluation: the report is noted and nothing is found (see
    # bounded_regex.guarded)

    def contains(self, text: str, rid: int | None = None) -> bool:
        """Whether the regex matches somewhere (re.search)."""
        if not self._tuned:
            self._tune()
        if self.exact is not None:
            return self.exact.present(text)
        if self.alternatives:
            return guarded(lambda: any(a.contains(text) for a in self.alternatives),
                           rid, self.pattern, False, len(text))
        return guarded(lambda: self._search(text) is not None, rid, self.pattern, False, len(text))

    def first(self, text: str, rid: int | None = None) -> str | None:
        """The first match (re.search), or None."""
        m = guarded(lambda: self._search(text), rid, self.pattern, None, len(text))
        return None if m is None else m.group(0)

    def finditer(self, text: str, rid: int | None = None) -> Iterator[tuple[str, dict]]:
        """Every match (re.finditer) as (text, named groups), all found before the first is
        returned (so that the time bound covers them all)."""
        return iter(guarded(lambda: [(m.group(0), m.groupdict()) for m in self._matches(text)],
                            rid, self.pattern, [], len(text)))

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

    def _matches(self, text: str) -> Iterator[tuple[int, object]]:
        core = self.core
        if core._excluded(text):
            return
        starts = core._starts(text)
        pos = q = 0
        while True:
            m = core._next(text, q, starts)
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

    def contains(self, text: str, rid: int | None = None) -> bool:
        return guarded(lambda: next(self._matches(text), None) is not None, rid, self.core.pattern, False, len(text))

    def first(self, text: str, rid: int | None = None) -> str | None:
        found = guarded(lambda: next(self._matches(text), None), rid, self.core.pattern, None, len(text))
        return None if found is None else text[found[0]:found[1].end()]

    def finditer(self, text: str, rid: int | None = None) -> Iterator[tuple[str, dict]]:
        return iter(guarded(lambda: [(text[start:m.end()], m.groupdict()) for start, m in self._matches(text)],
                            rid, self.core.pattern, [], len(text)))


def clause_regex(regex: str, clause: dict) -> str:
    """The plain regex a `clause` parameter stands for (as documented in the rule schema): the regex,
    preceded by at most max_chars characters of its clause (no separator, none of the excluded
    words), the clause beginning at the text's start or after a separator."""
    words = "|".join(re.escape(w) for w in clause.get("exclude", []))
    token = f"(?:(?!{words})[^{_SEPARATORS}])" if words else f"[^{_SEPARATORS}]"
    return f"(?:^|(?<=[{_SEPARATORS}])){token}{{0,{clause['max_chars']}}}?(?:{regex})"


class _PlainFinder:
    """The plain path (speed.plain): the regex searched over the whole text, as re would."""

    def __init__(self, regex: str, clause: dict | None = None):
        self.pattern = regex
        self.names = tuple(re.compile(regex).groupindex)
        self.rx = compile_bounded(clause_regex(regex, clause) if clause else regex)

    def contains(self, text: str, rid: int | None = None) -> bool:
        return guarded(lambda: self.rx.search(text, timeout=left()) is not None,
                       rid, self.pattern, False, len(text))

    def first(self, text: str, rid: int | None = None) -> str | None:
        m = guarded(lambda: self.rx.search(text, timeout=left()), rid, self.pattern, None, len(text))
        return None if m is None else m.group(0)

    def finditer(self, text: str, rid: int | None = None) -> Iterator[tuple[str, dict]]:
        names = self.names

        def every() -> list[tuple[str, dict]]:
            out = []
            for m in self.rx.finditer(text, timeout=left()):
                left()
                out.append((m.group(0), {n: m.group(n) for n in names}))
            return out
        return iter(guarded(every, rid, self.pattern, [], len(text)))


_FINDERS: dict[tuple, _Finder | _ClauseFinder | _PlainFinder] = {}
_MAX_FINDERS = 4096     # distinct rule regexes of a run are a few hundred; a bound all the same


def finder(regex: str, clause: dict | None = None) -> _Finder | _ClauseFinder | _PlainFinder:
    """The (cached) searcher for a rule regex, optionally anchored at its clause start; the plain
    one with AUDITOR_PLAIN set."""
    slow = speed.plain()
    key = (slow, regex, None) if not clause else \
        (slow, regex, clause["max_chars"], tuple(clause.get("exclude", [])))
    found = _FINDERS.get(key)
    if found is None:
        if len(_FINDERS) >= _MAX_FINDERS:
            _FINDERS.clear()
        if slow:
            found = _PlainFinder(regex, clause)
        else:
            found = _Finder(regex) if not clause else \
                _ClauseFinder(regex, clause["max_chars"], list(clause.get("exclude", [])))
        _FINDERS[key] = found
    return found
