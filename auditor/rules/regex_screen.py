"""The static screen of rule regexes: repeats that can split one stretch of text in many ways.

A repeated group whose every pass can be longer or shorter — `(?:\\d+[,，]?)+`, `(a+)+`, `(?:\\d+\\d)+`,
`(?:\\d|\\d\\d)+` — can cover a 40-digit number in about 2^40 ways, and a backtracking engine tries
them all before it gives up. The screen reads the regex with re's own parser and refuses a repeat
(unbounded, or more than a few passes) whose body holds

- a repeat of its own whose neighbours in the body can all match nothing, or only characters the
  inner repeat matches too (then the passes can trade characters), or
- alternatives of which one can match what another matches, or its beginning.

It is a screen, not a proof: what it misses is still stopped at run time (engine/bounded_regex.py).
"""
from __future__ import annotations

import re
import re._constants as _C
import re._parser as _P

_MANY = 4            # an outer repeat of more passes than this counts as many
# characters that stand for the classes when two character items are tested for an overlap
_PROBES = "0159aZz_ \t\n,，。；、:：（()）-—.一二件年申请收到%/\\"


def backtracking_risk(pattern: str) -> str | None:
    """A Chinese description of the construct that may backtrack without end, or None."""
    try:
        parsed = _P.parse(pattern)
    except (re.error, RecursionError):
        return None
    global _state
    _state = parsed.state
    try:
        return _walk(parsed.data, pattern)
    except RecursionError:
        return None
    finally:
        _state = _P.State()


_state = _P.State()     # the regex being screened: group widths, for back references


def _is_repeat(op) -> bool:
    return op in (_C.MAX_REPEAT, _C.MIN_REPEAT)


def _walk(items, pattern: str) -> str | None:
    for op, av in items:
        if _is_repeat(op):
            lo, hi, body = av
            many = hi is _C.MAXREPEAT or hi == _C.MAXREPEAT or hi > _MANY
            if many and (why := _ambiguous(list(body))):
                return why
        for child in _children(op, av):
            if (why := _walk(child, pattern)) is not None:
                return why
    return None


def _children(op, av) -> list:
    if op is _C.SUBPATTERN:
        return [av[3]]
    if op is _C.BRANCH:
        return list(av[1])
    if _is_repeat(op) or op is getattr(_C, "POSSESSIVE_REPEAT", None):
        return [av[2]]
    if op in (_C.ASSERT, _C.ASSERT_NOT):
        return [av[1]]
    if op is _C.ATOMIC_GROUP:
        return [av]
    if op is _C.GROUPREF_EXISTS:
        return [x for x in av[1:] if x is not None]
    return []


def _ambiguous(seq: list) -> str | None:
    """Why one pass of this repeat body can be cut in more than one way, or None."""
    for i, (op, av) in enumerate(seq):
        rest = seq[:i] + seq[i + 1:]
        varies, chars = _variable(op, av)
        if varies and all(_absorbed(item, chars) for item in rest):
            return "含嵌套重复（重复的组里又有可长可短的部分，如 (a+)+、(?:\\d+[,，]?)+、(?:\\d|\\d\\d)+），各遍可互相让出文字"
        if all(_width([item])[0] == 0 for item in rest):
            if op is _C.SUBPATTERN and (why := _ambiguous(list(av[3]))):
                return why
            if op is _C.BRANCH:
                if _overlapping(av[1]):
                    return "含嵌套重复的分支可互相替代（如 (?:\\d|\\d\\d)+），同一段文字有多种分法"
                for alt in av[1]:
                    if why := _ambiguous(list(alt)):
                        return why
    return None


def _variable(op, av) -> tuple[bool, frozenset[str] | None]:
    """Whether the item can match more or fewer characters (a repeat of a variable count, or
    alternatives of different lengths), and which characters it matches (as in _chars)."""
    if _is_repeat(op):
        lo, hi, body = av
        if (hi is _C.MAXREPEAT or hi == _C.MAXREPEAT or hi > lo) and _width(body)[0] > 0:
            return True, _chars(body)
    if op is _C.BRANCH:
        lo, hi = _width([(op, av)])
        if lo != hi:
            parts = [_chars([item]) for alt in av[1] for item in alt]
            if all(p is not None for p in parts):
                return True, frozenset().union(*parts)
            return True, None
    return False, None


def _width(items) -> tuple[int, int]:
    try:
        return _P.SubPattern(_state, list(items)).getwidth()
    except Exception:  # noqa: BLE001 — a screen: what it cannot measure counts as one character
        return (1, 1)


def _chars(items) -> frozenset[str] | None:
    """Which probe characters the items, read as one character each, can match; None when they
    are not one-character items (or a repeat or group of them)."""
    items = list(items)
    if len(items) != 1:
        return None
    op, av = items[0]
    if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
        rx = _compile_one([(op, av)])
        probes = set(_PROBES)
        if op is _C.LITERAL:
            probes.add(chr(av))
        elif op is _C.IN:
            probes |= {chr(v) for o, v in av if o is _C.LITERAL}
            probes |= {chr(v[0]) for o, v in av if o is _C.RANGE}
        return frozenset(c for c in probes if rx is not None and rx.fullmatch(c))
    if _is_repeat(op) or op is _C.SUBPATTERN:
        return _chars(av[2] if _is_repeat(op) else av[3])
    return None


def _compile_one(items):
    from re import _compiler    # noqa: PLC0415 — re's own compiler, for one character item

    try:
        return _compiler.compile(_P.SubPattern(_P.State(), items), 0)
    except Exception:  # noqa: BLE001 — a screen: an item it cannot read is not judged
        return None


def _absorbed(item, chars: frozenset[str] | None) -> bool:
    """The item can match nothing, or only characters of `chars` (so it can trade them with the
    repeat that matches those)."""
    if _width([item])[0] == 0:
        return True
    if chars is None:
        return False
    mine = _chars([item])
    return bool(mine and mine & chars)


def _overlapping(alternatives) -> bool:
    """Two alternatives that are runs of single characters, one of which can match the same
    characters as the other or as its beginning (\\d and \\d\\d)."""
    runs = [_run(list(a)) for a in alternatives]
    runs = [r for r in runs if r]
    for i, a in enumerate(runs):
        for b in runs[i + 1:]:
            short, long = (a, b) if len(a) <= len(b) else (b, a)
            if all(x & y for x, y in zip(short, long)):
                return True
    return False


def _run(items) -> list[frozenset[str]] | None:
    """The characters each position of a fixed run of single characters can take (groups read
    through, lookarounds left out: they only narrow), or None."""
    out: list[frozenset[str]] = []
    for op, av in items:
        if op in (_C.ASSERT, _C.ASSERT_NOT, _C.AT):
            continue
        if op is _C.SUBPATTERN:
            inner = _run(list(av[3]))
            if inner is None:
                return None
            out += inner
            continue
        if _is_repeat(op) and av[0] == av[1] and av[0] <= 8:
            one = _chars(av[2])
            if not one:
                return None
            out += [one] * av[0]
            continue
        one = _chars([(op, av)]) if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN) else None
        if not one:
            return None
        out.append(one)
    return out
