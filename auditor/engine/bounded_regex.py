"""Rule regexes with a bound on their running time, matching exactly as Python's re would.

Python's re cannot be stopped once a match attempt has started, and a rule regex such as
`(?:\\d|\\d\\d)+件` backtracks for hours on a 40-digit number. The third-party `regex` module takes
a `timeout`. But its meaning of \\w, \\b, \\s and \\d differs from re's on some characters (①, ²,
combining marks, the separators \\x1c-\\x1f, digits of newer Unicode versions). So each rule regex is
parsed by re's own parser and written out again for `regex`, with every shorthand class spelt out
as the characters re gives it (found by re itself over every character) and every character item
under IGNORECASE as the characters re's case folding accepts: the same matches, with a time bound
(tests/test_search.py compares them with re's).

The bound is per text: `within_bound()` starts a budget of `LIMIT` seconds for one search of one
text (all the match attempts it makes), and every attempt is passed the time that is left. A
search that runs out raises RegexTimeout, or, when the caller names the report the text belongs
to (`guarded`), is noted: the rule evaluation (`watching`, see engine/kinds/bounded.py) then
gives that report a 需人工核查 finding instead of the rule's result, and goes on with the others.
"""
from __future__ import annotations

import os
import re
import re._constants as _C
import re._parser as _P
import sys
import time
from array import array
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import regex as _regex


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        value = default
    return value if value > 0 else default


# seconds one rule regex may spend on one text (every match attempt of one search together), and
# more for a long text: a plain scan of a few MB takes a good fraction of a second on a busy machine
LIMIT = _seconds("AUDITOR_REGEX_SECONDS", 2.0)
PER_MILLION_CHARS = 1.0


class RegexTimeout(Exception):
    """A rule regex ran out of its time on one text."""


_deadline: float | None = None


def left() -> float:
    """Seconds left in the current budget (RegexTimeout when none is left)."""
    if _deadline is None:
        return LIMIT
    remaining = _deadline - time.monotonic()
    if remaining <= 0:
        raise RegexTimeout
    return remaining


T = TypeVar("T")


def within_bound(run: Callable[[], T], size: int = 0) -> T:
    """Run one search of one text (of `size` characters) within one budget (a search nested in
    another shares its budget). A timeout of the regex module becomes RegexTimeout."""
    global _deadline
    if _deadline is not None:
        return run()
    _deadline = time.monotonic() + LIMIT + size * PER_MILLION_CHARS / 1e6
    try:
        return run()
    except TimeoutError:
        raise RegexTimeout from None
    finally:
        _deadline = None


# reports (rids) a rule's regex ran out of time on, with the regex, while a rule is evaluated
_slow: dict[int, str] | None = None


def guarded(run: Callable[[], T], rid: int | None, pattern: str, default: T, size: int = 0) -> T:
    """`within_bound(run)`; when it runs out of time on the text of report `rid` while a rule is
    being evaluated (`watching`), the report is noted and `default` returned, so that the rule goes
    on with the other reports (the note replaces the rule's result for this one). Without a rid or
    outside a rule evaluation the RegexTimeout is raised."""
    try:
        return within_bound(run, size)
    except RegexTimeout:
        if rid is None or _slow is None:
            raise
        _slow.setdefault(int(rid), pattern)
        return default


def watching(evaluate: Callable[[], T]) -> tuple[T, dict[int, str]]:
    """Run one rule evaluation; also return the reports its regexes ran out of time on."""
    global _slow
    outer, _slow = _slow, {}
    try:
        result = evaluate()
        return result, _slow
    finally:
        _slow = outer


# ------------------------------------------------------------------ re's parse tree, written for regex

# IGNORECASE is not handed on: every character item under it is spelt out (_ignoring_case)
_FLAGS = ((re.MULTILINE, _regex.MULTILINE, "m"), (re.DOTALL, _regex.DOTALL, "s"), (re.ASCII, _regex.ASCII, "a"))


@lru_cache(maxsize=1)
def _every_character() -> str:
    """All code points in order (the surrogates, which no class holds, as one repeated)."""
    low = array("I", range(0xD800)).tobytes().decode("utf-32-le")
    high = array("I", range(0xE000, sys.maxunicode + 1)).tobytes().decode("utf-32-le")
    return low + "\ud800" * 0x800 + high


@lru_cache(maxsize=None)
def _category(name: str, ascii_only: bool) -> str:
    """The characters of a shorthand class as re has them (found by re itself, over every
    character), written as class contents."""
    shorthand = {"DIGIT": r"\d+", "SPACE": r"\s+", "WORD": r"\w+"}[name]
    text = _every_character()[:0x80] if ascii_only else _every_character()
    found = re.finditer(shorthand, text, re.ASCII if ascii_only else 0)
    return "".join(_char(a) if b - a == 1 else f"{_char(a)}-{_char(b - 1)}" for a, b in (m.span() for m in found))


def _char(c: int) -> str:
    """One character for a pattern, in or outside a class: letters, digits and characters beyond
    Latin-1 as they are (the regex module parses them faster than escapes), others escaped."""
    ch = chr(c)
    if (ch.isascii() and ch.isalnum()) or (c >= 0x100 and not 0xD800 <= c < 0xE000):
        return ch
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


_CATEGORIES = {
    _C.CATEGORY_DIGIT: ("DIGIT", False), _C.CATEGORY_NOT_DIGIT: ("DIGIT", True),
    _C.CATEGORY_SPACE: ("SPACE", False), _C.CATEGORY_NOT_SPACE: ("SPACE", True),
    _C.CATEGORY_WORD: ("WORD", False), _C.CATEGORY_NOT_WORD: ("WORD", True),
}


def _class(items, flags: int) -> str:
    """A character class ([…], [^…]); negated shorthands inside one ([a\\D]) as alternatives."""
    ascii_only = bool(flags & re.ASCII)
    negate, parts, negated = False, [], []
    for op, av in items:
        if op is _C.NEGATE:
            negate = True
        elif op is _C.LITERAL:
            parts.append(_char(av))
        elif op is _C.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is _C.CATEGORY and av in _CATEGORIES:
            name, neg = _CATEGORIES[av]
            (negated if neg else parts).append(_category(name, ascii_only))
        else:
            raise re.error(f"unsupported class item {op}")
    if not negated:
        return f"[{'^' if negate else ''}{''.join(parts)}]"
    options = ([f"[{''.join(parts)}]"] if parts else []) + [f"[^{n}]" for n in negated]
    if not negate:
        return f"(?:{'|'.join(options)})"
    return "(?:" + "".join(f"(?!{o})" for o in options) + "(?s:.))"


def _boundary(flags: int, inside: bool) -> str:
    w = f"[{_category('WORD', bool(flags & re.ASCII))}]"
    if inside:          # \B; before Python 3.14 it never matches an empty text
        body = f"(?:(?<={w})(?={w})|(?<!{w})(?!{w}))"
        return f"(?!\\A\\Z){body}" if sys.version_info < (3, 14) else body
    return f"(?:(?<={w})(?!{w})|(?<!{w})(?={w}))"


_AT = {_C.AT_BEGINNING: "^", _C.AT_BEGINNING_STRING: r"\A", _C.AT_END: "$", _C.AT_END_STRING: r"\Z"}


def _write(items, flags: int, names: dict[int, str]) -> str:
    return "".join(_write_item(op, av, flags, names) for op, av in items)


@lru_cache(maxsize=1)
def _cased() -> tuple[frozenset[int], str]:
    """Every character case-insensitive matching can treat other than itself (it has another case,
    is another's case, or is one of re's extra equivalents such as ſ, K), and those as a class."""
    from re._casefix import _EXTRA_CASES

    chars: set[int] = set()
    for c in range(sys.maxunicode + 1):
        ch = chr(c)
        low, up = ch.lower(), ch.upper()
        if low != ch or up != ch:
            chars.add(c)
            chars.update(ord(x) for x in low + up)
    for c, extra in _EXTRA_CASES.items():
        chars.add(c)
        chars.update(extra)
    ordered = sorted(chars)
    return frozenset(ordered), _ranges(ordered)


def _ranges(chars: list[int]) -> str:
    out, i = [], 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and chars[j + 1] == chars[j] + 1:
            j += 1
        out.append(_char(chars[i]) if i == j else f"{_char(chars[i])}-{_char(chars[j])}")
        i = j + 1
    return "".join(out)


def _ignoring_case(op, av, flags: int) -> str:
    """One character item under IGNORECASE, as re matches it: for the characters that have other
    cases, the ones re's own compiled item accepts; for all others, the item as it stands."""
    from re import _compiler

    state = _P.State()
    state.flags = flags
    rx = _compiler.compile(_P.SubPattern(state, [(op, av)]), flags)
    cased, cased_class = _cased()
    matched = [c for c in sorted(cased) if rx.fullmatch(chr(c))]
    plain = _write_item(op, av, flags & ~re.IGNORECASE, {})
    rest = f"(?![{cased_class}]){plain}"
    return f"(?:[{_ranges(matched)}]|{rest})" if matched else rest


def _write_item(op, av, flags: int, names: dict[int, str]) -> str:
    C = _C
    if flags & re.IGNORECASE and op in (C.LITERAL, C.NOT_LITERAL, C.IN):
        return _ignoring_case(op, av, flags)
    if op is C.LITERAL:
        return _char(av)
    if op is C.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is C.ANY:
        return "."
    if op is C.IN:
        return _class(av, flags)
    if op is C.AT:
        if av in _AT:
            return _AT[av]
        if av in (C.AT_BOUNDARY, C.AT_NON_BOUNDARY):
            return _boundary(flags, av is C.AT_NON_BOUNDARY)
        raise re.error(f"unsupported position {av}")
    if op is C.BRANCH:
        return "(?:" + "|".join(_write(a, flags, names) for a in av[1]) + ")"
    if op is C.SUBPATTERN:
        group, add, remove, body = av
        inner = _write(body, (flags | add) & ~remove, names)
        if group is not None:
            return f"(?P<{names[group]}>{inner})" if group in names else f"({inner})"
        on = "".join(letter for bit, _, letter in _FLAGS if add & bit)
        off = "".join(letter for bit, _, letter in _FLAGS if remove & bit)
        return f"(?{on}{'-' + off if off else ''}:{inner})" if on or off else f"(?:{inner})"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, body = av
        count = f"{{{lo},}}" if hi is C.MAXREPEAT or hi == C.MAXREPEAT else f"{{{lo},{hi}}}"
        lazy = "?" if op is C.MIN_REPEAT else "+" if op is C.POSSESSIVE_REPEAT else ""
        return f"(?:{_write(body, flags, names)}){count}{lazy}"
    if op is C.ATOMIC_GROUP:
        return f"(?>{_write(av, flags, names)})"
    if op in (C.ASSERT, C.ASSERT_NOT):
        direction, body = av
        kind = ("=" if op is C.ASSERT else "!") if direction > 0 else ("<=" if op is C.ASSERT else "<!")
        return f"(?{kind}{_write(body, flags, names)})"
    if op is C.GROUPREF:
        return f"(?i:\\g<{av}>)" if flags & re.IGNORECASE else f"\\g<{av}>"
    if op is C.GROUPREF_EXISTS:
        group, yes, no = av
        other = f"|{_write(no, flags, names)}" if no is not None else ""
        return f"(?({group}){_write(yes, flags, names)}{other})"
    if op is C.CATEGORY and av in _CATEGORIES:
        return _class([(op, av)], flags)
    raise re.error(f"unsupported regex element {op}")


@lru_cache(maxsize=4096)
def compile_bounded(pattern: str, flags: int = 0) -> _regex.Pattern:
    """`pattern` (Python re syntax, re flags) compiled for the regex module so that it matches
    exactly as re.compile(pattern, flags) does. Raises re.error for what re rejects, or what
    cannot be written for regex (nothing that re accepts, so far)."""
    parsed = _P.parse(pattern, flags)
    all_flags = parsed.state.flags
    names = {gid: name for name, gid in parsed.state.groupdict.items()}
    text = _write(parsed.data, all_flags, names)
    rx_flags = _regex.VERSION0
    for bit, rbit, _ in _FLAGS:
        if all_flags & bit:
            rx_flags |= rbit
    try:
        return _regex.compile(text, rx_flags)
    except _regex.error as exc:
        raise re.error(f"cannot bound this regex: {exc}") from None
