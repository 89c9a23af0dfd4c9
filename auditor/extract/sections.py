"""Find the six section headings and cut the report into preface and sections.

A heading is recognised by its title (the canonical number comes from the title, so renumbered or
mistyped numerals still map correctly), read the way a person reads it: spaces, line breaks and
runs inside it, full/half width, page furniture on its line (page numbers, running headers) and
numbering slips (（一）, 1., 第一部分, a missing numeral when the title stands alone on its line).

What is not taken as a heading is still remembered: the title written with a numeral, or standing
where a heading could stand, is evidence that the part exists although its start and end were not
recovered (`Layout.seen`), so a rule says 需人工核查 instead of "missing". A mention of the titles
inside a sentence (a preface listing the six parts) is neither a heading nor evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress, repeat

from .. import speed
from ..model import Block, TableBlock, TextBlock

_CJK = re.compile(r"[\u3400-\u9fff]")


def _spaced(pattern: str) -> str:
    r"""`pattern` with `\s*` after every CJK literal outside a character class: a title may be
    printed with spaces, line breaks or page furniture (masked to spaces) between its characters."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            out.append(ch)
            if ch == "]":
                in_class = False
                start = pattern.rfind("[", 0, i)
                negated = pattern[start + 1:start + 2] == "^"
                quantified = i + 1 < len(pattern) and pattern[i + 1] in "?*+{"
                if not negated and not quantified and _CJK.search(pattern[start:i]):
                    out.append(r"\s*")      # a class of CJK characters, as one character
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif _CJK.match(ch):
            quantified = i + 1 < len(pattern) and pattern[i + 1] in "?*+{"
            out.append(f"(?:{ch}\\s*)" if quantified else f"{ch}\\s*")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_TITLES = {
    1: r"(?:工作)?总体情况",
    2: r"主动公开政府信息(?:工作)?(?:的)?情况",
    3: r"收到和(?:处理|办理)政府信息公开申请(?:的)?情况",
    # 行政法复议 (a real typo), 行政复议和行政诉讼, 因…工作被申请行政复议和提起行政诉讼: a few
    # characters (never a numeral, so a glued numeral stays the heading's) before 复议, and up
    # to six, none a sentence end, between 复议 and 行政诉讼.
    4: r"(?:因)?(?:政府信息公开)?(?:(?![一二三四五六七八九十])[\u4e00-\u9fff]\s*){0,8}?复议"
       r"(?:[^。；\s]\s*){0,6}?行政诉讼(?:的)?情况",
    5: r"(?:政府信息公开工作)?存在的?(?:主要)?问题(?:及|和|与)(?:其)?(?:改进|整改)(?:情况|措施|方向)?",
    6: r"其[他它]需(?:要)?报告的?事项",
}
# After a numeral, a few words may come before the title (五、工作中存在的主要问题及改进情况,
# 一、2023年度工作总体情况); never a numeral, so that 一、二、 are not taken for words.
_PREFIX = r"(?P<pre>(?:(?![一二三四五六七八九十])[\u4e00-\u9fff0-9]\s*){1,6}?)?"
# Numerals: 一、 (a CJK numeral and a separator or a space; after a break, 一 alone), （一）, 1. / 1、, 第一部分.
_NUM_CJK = (r"[一二三四五六七八九十]{1,2}(?:\s*[、.．,，:：]|[ \t\u3000])\s*"
            r"|(?<![^\s。；;:：])[一二三四五六七八九十]{1,2}")   # after a break the separator may be missing
_NUM_OTHER = (r"[（(]\s*(?:[一二三四五六七八九十]{1,2}|[1-9])\s*[)）]\s*[、.．]?\s*"
              r"|(?<![\d.])[1-9]\s*[、.．]\s*(?!\d)"
              r"|第\s*[一二三四五六]\s*部\s*分\s*[、.．:：]?\s*")
# The lookahead names every character a match can start with (a numeral, or a title's first
# character): without it the optional numeral makes the regex try every position (13× slower).


# The characters a heading can start with: a numeral's, or (unnumbered) its title's first; title 4
# may start with one of up to eight words before 复议, limited to these.
_STARTS = "一二三四五六七八九十（(1-9第"
_TITLE_STARTS = {1: "总工", 2: "主", 3: "收", 4: "总工主收因政行存其", 5: "政存", 6: "其"}


def _heading_regex(numbers: tuple[int, ...]) -> re.Pattern[str]:
    """The heading regex with the titles of `numbers` only (in their order)."""
    starts = _STARTS + "".join(dict.fromkeys("".join(_TITLE_STARTS[n] for n in numbers)))
    return re.compile(f"(?=[{starts}])"
                      f"(?:(?:(?P<cjk>{_NUM_CJK})|(?P<other>{_NUM_OTHER})){_PREFIX})?(?:"
                      + "|".join(f"(?P<s{n}>{_spaced(_TITLES[n])})" for n in numbers) + ")")


_HEADING = _heading_regex(tuple(_TITLES))
# A character each title cannot be written without. Where a title's character is absent, its
# alternative can never match, and leaving it out of the regex gives the same matches, faster:
# title 4 may start with any of eight words before 复议, so it is tried at almost every position.
_TITLE_CHARS = {1: "总", 2: "主", 3: "收", 4: "复", 5: "问", 6: "需"}
_HEADING_OF: dict[tuple[int, ...], re.Pattern[str]] = {tuple(_TITLES): _HEADING}


def _heading_for(window: str) -> re.Pattern[str] | None:
    """`_HEADING` without the titles that cannot occur in `window` (None: no title can)."""
    numbers = tuple(compress(_TITLE_CHARS, map(window.__contains__, _TITLE_CHARS.values())))
    if not numbers:
        return None
    rx = _HEADING_OF.get(numbers)
    if rx is None:
        rx = _HEADING_OF[numbers] = _heading_regex(numbers)
    return rx
_SECTION_OF_GROUP = {f"s{n}": n for n in _TITLES}
# A core every title contains, rare in other text: the full regex runs only in windows around these
# (a title, its numeral and prefix start at most `_BEFORE` characters before its core).
_ANCHOR = re.compile("|".join(_spaced(p) for p in (r"总体情况", r"主动公开政府", r"收到和", r"诉讼(?:的)?情况",
                                                     r"问题[及和与]", r"报告的?事项")))
_BEFORE, _AFTER = 64, 120
_SENTENCE_END = re.compile(r"[。；]")
# A character after which a numbered heading may start: not a letter of a running sentence.
_BREAK_BEFORE = set("。；;:：!！?？）)”」』》】]") | set("0123456789")
# A line numbered 一、…六、 at a heading's place, and the words that tell each part's topic.
# (at the text's start or after a break; the test follows the numeral so the engine skips to numerals)
_LOOSE = re.compile(r"([一二三四五六])(?<![^\s。；;:：][一二三四五六])\s*[、.．]\s*([^\n。；;]{1,40})")
_LOOSE_PLAIN = re.compile(r"(?:(?<=[\s。；;:：])|^)([一二三四五六])\s*[、.．]\s*([^\n。；;]{1,40})")   # (AUDITOR_PLAIN)
_TOPIC = {1: re.compile(r"总体|概况|概述"), 2: re.compile(r"主动公开"), 3: re.compile(r"申请"),
          4: re.compile(r"复议|诉讼"), 5: re.compile(r"问题|不足|改进|整改"), 6: re.compile(r"其[他它]")}
_JOINED = re.compile(r"\s*(?:和|及|与|以及|、)\s*")
# What stands between two titles in a list of the parts: 、；， or 和 (a preface sentence), or dot
# leaders and a page number (a table of contents: 一、总体情况……1).
_LIST_GAP = re.compile(r"(?:[\s、；;，,和及以与]{0,4}|[\s.…·．⋯—-]*\d{0,3}\s*)$")

# Page furniture, masked to spaces before headings are searched (offsets stay the same).
# (each with the characters one of which the text must hold for it to be searched at all)
_FURNITURE = [
    ("页", re.compile(r"第\s*\d{1,3}\s*页(?:\s*[,，/、]?\s*共\s*\d{1,3}\s*页)?")),
    # (the "not after a non-space" test written after the first character, so that the regex
    # engine skips to the candidates' first character instead of trying every position)
    ("-—–－", re.compile(r"[-—–－](?<!\S[-—–－])\s?\d{1,3}\s?[-—–－](?!\S)")),
    ("/", re.compile(r"\d(?<!\S\d)\d{0,2}\s?/\s?\d{1,3}(?!\S)")),
]
# What follows the slash of a 「3/12」 page number: literal-first, so the engine skips from slash
# to slash; the full regex is tried only just before these (`_slash_marks`).
_SLASH_RIGHT = re.compile(r"/\s?\d{1,3}(?!\S)")
# The plain forms (the test first: slower, the same matches), searched in every text (AUDITOR_PLAIN).
_FURNITURE_PLAIN = [_FURNITURE[0][1], re.compile(r"(?<!\S)[-—–－]\s?\d{1,3}\s?[-—–－](?!\S)"),
                    re.compile(r"(?<!\S)\d{1,3}\s?/\s?\d{1,3}(?!\S)")]
_HEADER_LINE = re.compile(r"(?m)^[ \t\u3000]*(\S[^\n]{4,58}?年度报告[^\n]{0,10}?)[ \t\u3000]*$")
_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                        "\u200b": " ", "\u200c": " ", "\u200d": " ", "\ufeff": " ", "\u00ad": " "})
_ODD = [chr(c) for c in _WIDTH]    # (a character test each is faster than a regex class here)


@dataclass
class Span:
    start: int
    end: int
    block: Block


@dataclass
class Heading:
    number: int
    title: str
    start: int      # offset of the heading in the flat text
    end: int        # offset just after the heading text


@dataclass
class Layout:
    flat: str
    tables: list[Span]               # the table blocks; everything else in `flat` is text
    headings: list[Heading]          # chosen headings, in document order (one per number)
    # number → heading words, for parts whose place is unsure: seen but not placed, or placed on a
    # line numbered as the part that carries no known title (五、工作中存在的不足及改进措施)
    seen: dict[int, str] = field(default_factory=dict)
    clean: str = ""                  # `flat` with page furniture blanked (same offsets): what tables read
    regions: dict[int, tuple[int, int]] = field(init=False)   # number → its text, after the heading

    def __post_init__(self) -> None:
        ends = [h.start for h in self.headings[1:]] + [len(self.flat)]
        self.regions = {h.number: (h.end, end) for h, end in zip(self.headings, ends)}

    def region(self, number: int) -> tuple[int, int] | None:
        return self.regions.get(number)

    def pieces(self, start: int, end: int) -> list[str | Block]:
        """Blocks inside [start, end): tables whole, the text between them clipped to the range.

        Consecutive text blocks come as one string (joined by the newlines of `flat`): they are
        read line by line, so this gives the same lines as one piece per block, more cheaply.
        """
        text = self.clean or self.flat
        out: list[str | Block] = []
        pos = start
        for span in self.tables:
            if span.end <= start or span.start >= end:
                continue
            if span.start > pos:
                out.append(text[pos:span.start])
            out.append(span.block)
            pos = max(pos, span.end)
        if pos < end:
            out.append(text[pos:end])
        return out

    def text(self, start: int, end: int) -> str:
        return self.flat[start:end].strip()


def layout(blocks: list[Block]) -> Layout:
    try:
        parts = [block.text for block in blocks]     # type: ignore[union-attr]
        table_at: list[int] = []
    except AttributeError:                           # a table block: it has rows, not text
        table_at = _table_indices(blocks)
        parts = _block_texts(blocks, table_at)
    flat = "\n".join(parts)
    tables = _table_spans(blocks, parts, table_at)
    text, furniture = _furniture(flat)
    headings, seen = _choose_headings(text, tables)
    return Layout(flat, tables, headings, seen, _without_furniture(flat, furniture, headings))


def _table_indices(blocks: list[Block]) -> list[int]:
    """Positions of the table blocks, found by `list.index` rather than a Python loop per block."""
    is_text = list(map(isinstance, blocks, repeat(TextBlock)))
    found: list[int] = []
    try:
        while True:
            found.append(is_text.index(False, found[-1] + 1 if found else 0))
    except ValueError:
        return found


def _block_texts(blocks: list[Block], table_at: list[int]) -> list[str]:
    """Each block's text; a table's is its grid, a line per row."""
    parts: list[str] = []
    done = 0
    for i in table_at:
        parts += [block.text for block in blocks[done:i]]   # type: ignore[union-attr]
        parts.append(_grid_text(blocks[i]))  # type: ignore[arg-type]
        done = i + 1
    parts += [block.text for block in blocks[done:]]       # type: ignore[union-attr]
    return parts


def _grid_text(table: TableBlock) -> str:
    return "\n".join(map(" ".join, map(filter, repeat(None), table.rows)))


def _table_spans(blocks: list[Block], parts: list[str], table_at: list[int]) -> list[Span]:
    """Where each table stands in the flat text (blocks are joined by one newline).

    Most reports have no table blocks at all, so only the tables are visited."""
    spans: list[Span] = []
    offset = done = 0           # offset of block `done` in the flat text
    for i in table_at:
        offset += sum(map(len, parts[done:i])) + (i - done)
        spans.append(Span(offset, offset + len(parts[i]), blocks[i]))
        offset += len(parts[i]) + 1
        done = i + 1
    return spans


def masked(flat: str) -> str:
    """`flat` as headings are searched in (see `_furniture`)."""
    return _furniture(flat)[0]


def _furniture(flat: str) -> tuple[str, list[tuple[int, int, bool]]]:
    """`flat` as headings are searched in — the same length and offsets, full-width digits and
    zero-width characters folded, page furniture (page numbers, a running header repeated on every
    page) replaced by spaces, so that a heading on a furniture line or broken by one reads whole —
    and the furniture's spans, each marked sure (第3页, a line of its own, the running header) or
    not (「- 3 -」 within a line could be a blank mark, a number and a blank mark of a table)."""
    text = flat.translate(_WIDTH) if any(map(flat.__contains__, _ODD)) else flat
    spans: list[tuple[int, int, bool]] = []
    if speed.plain():
        matches = [m for rx in _FURNITURE_PLAIN for m in rx.finditer(text)]
    else:
        matches = [m for marks, rx in _FURNITURE[:2] if any(c in text for c in marks) for m in rx.finditer(text)]
        matches += _slash_marks(text)
    for m in sorted(matches, key=lambda m: m.start()):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        alone = not text[line_start:m.start()].strip() and not text[m.end():line_end].strip()
        spans.append((m.start(), m.end(), alone or m.group().lstrip().startswith("第")))
    repeated: set[str] = set()
    if text.count("年度报告") >= 2:       # a running header repeats the report's title
        for found in (_header_lines(text), _header_words(text)):
            repeated |= {line for line in set(found) if found.count(line) >= 2 and not _HEADING.search(line)}
    for line in sorted(repeated, key=len, reverse=True):
        at = text.find(line)
        while at >= 0:
            spans.append((at, at + len(line), True))
            at = text.find(line, at + len(line))
    return _blank(text, spans), spans


def _blank(text: str, spans: list[tuple[int, int, bool]]) -> str:
    """`text` with the spans replaced by as many spaces (overlapping spans allowed)."""
    if not spans:
        return text
    out, pos = [], 0
    for start, end, _ in sorted(spans):
        start = max(start, pos)
        if end <= start:
            continue
        out += [text[pos:start], " " * (end - start)]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _slash_marks(text: str) -> list[re.Match[str]]:
    """`_FURNITURE[2][1].finditer(text)` (「3/12」), tried only at the one to four positions before
    each slash that a page number can follow: the regex alone starts at every digit of the text."""
    rx = _FURNITURE[2][1]
    out: list[re.Match[str]] = []
    pos = 0        # positions before this were tried, or lie inside a match
    for slash in _SLASH_RIGHT.finditer(text):
        for start in range(max(pos, slash.start() - 4), slash.start()):
            m = rx.match(text, start)
            if m:
                out.append(m)
                pos = m.end()
                break
        else:
            pos = max(pos, slash.start())
    return out


def _header_lines(text: str) -> list[str]:
    """`_HEADER_LINE`'s lines of `text` (a match is one whole line), read only in the lines that
    hold 年度报告 (the regex alone tries every line; the plain path, AUDITOR_PLAIN, does)."""
    if speed.plain():
        return [m.group(1) for m in _HEADER_LINE.finditer(text)]
    lines: list[str] = []
    at = text.find("年度报告")
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        m = _HEADER_LINE.match(text, start, end)
        if m:
            lines.append(m.group(1))
        at = text.find("年度报告", end)
    return lines


def _header_words(text: str) -> list[str]:
    """The whitespace-delimited words ending in 年度报告 (found from each 年度报告, not by trying
    every position of the text)."""
    words = []
    at = text.find("年度报告")
    while at >= 0:
        end = at + 4
        if end == len(text) or text[end].isspace():
            word = text[max(0, end - 62):end].rsplit(None, 1)[-1]   # (up to 62 characters)
            if len(word) >= 8:
                words.append(word)
        at = text.find("年度报告", end)
    return words


def _without_furniture(flat: str, spans: list[tuple[int, int, bool]], headings: list[Heading]) -> str:
    """`flat` for reading tables: the sure furniture, and any right before or after a heading (the
    page break a heading stands at), replaced by spaces; offsets unchanged."""
    edges = {h.start for h in headings} | {h.end for h in headings}
    blank = [(start, end, sure) for start, end, sure in spans
             if sure or any(flat[min(x, e):max(x, e)].isspace() or x == e for e in edges for x in (start, end))]
    return _blank(flat, blank)


@dataclass
class _Candidate:
    number: int
    rank: int          # 0: 一、 or 第一部分; 1: （二） or 2. for part 2; 2: no numeral, title alone on its
    start: int         # line; 3: （一） or 1. for part 2 (a sub-heading of 一: （一）主动公开政府信息情况)
    end: int
    mismatch: bool = False   # the numeral is not the part's number (renumbered, mistyped or a sub-heading)
    prefixed: bool = False   # words between the numeral and the title


def _choose_headings(text: str, tables: list[Span]) -> tuple[list[Heading], dict[int, str]]:
    """One heading per part (`text`: the masked flat text): the first of its best-numbered
    candidates, skipping a numbered title that only lists the parts (another title follows it at
    once) when the part has a later one."""
    table_ranges = [(s.start, s.end) for s in tables]
    candidates: list[_Candidate] = []
    evidence: dict[int, str] = {}
    mentions: list[tuple[int, int, int]] = []      # titles within a sentence: (number, start, end)
    for m in _heading_matches(text):
        number = _SECTION_OF_GROUP[m.lastgroup]  # type: ignore[index]
        end = m.start() + len(m.group().rstrip())      # the `\s*` after the title's last character
        numbered = m.group("cjk") is not None or m.group("other") is not None
        in_table = bool(table_ranges) and any(lo <= m.start() < hi for lo, hi in table_ranges)
        rank = _heading_rank(text, m, end, numbered)
        mismatch = numbered and _numeral_value(m.group("cjk") or m.group("other")) != number
        if rank == 1 and mismatch:
            rank = 3
        if rank is None or in_table:
            # a table cell or a title glued to a running sentence: the part is there, its place unsure
            if (numbered or in_table or _at_break(text, m.start())) and number not in evidence:
                evidence[number] = _squeeze(m.group())
            else:
                mentions.append((number, m.start(), end))
            continue
        candidates.append(_Candidate(number, rank, m.start(), end, mismatch, m.group("pre") is not None))
    chosen: dict[int, _Candidate] = {}
    for number in sorted({c.number for c in candidates}):
        mine = [c for c in candidates if c.number == number]
        best = min((c.rank, c.mismatch, c.prefixed) for c in mine)
        mine = [c for c in mine if (c.rank, c.mismatch, c.prefixed) == best]
        pick = next((c for c in mine[:-1] if not _lists_parts(text, c, candidates)), mine[-1]) \
            if len(mine) > 1 else mine[0]
        chosen[number] = pick
    loose: set[int] = set()
    if len(chosen) < len(_TITLES):
        _loose_headings(text, chosen, evidence, table_ranges, loose)
        _merged_titles(text, chosen, evidence, mentions)
    headings = []
    for c in sorted(chosen.values(), key=lambda c: c.start):
        title, end = _written_title(text, c.start, c.end)
        headings.append(Heading(c.number, title, c.start, end))
    seen = {n: words for n, words in evidence.items() if n not in chosen or n in loose}
    return headings, seen


def _merged_titles(text: str, chosen: dict[int, _Candidate], evidence: dict[int, str],
                   mentions: list[tuple[int, int, int]]) -> None:
    """A missing part's title joined to a placed heading (五、存在的主要问题及改进情况和其他需要报告的事项):
    the two parts were merged under one heading; the second is there, its bounds unsure."""
    for number, start, end in mentions:
        if number in chosen or number in evidence:
            continue
        for c in chosen.values():
            if c.end <= start and _JOINED.fullmatch(text[c.end:start]):
                evidence[number] = _squeeze(text[c.start:end])
                break


def _loose_headings(text: str, chosen: dict[int, _Candidate], evidence: dict[int, str],
                    table_ranges: list[tuple[int, int]], loose: set[int]) -> None:
    """A part not found under a known title, but a line numbered as that part speaks of its topic
    (五、工作中存在的不足及改进措施, 六、其他事项): placed as its heading when it stands alone on its
    line between the parts found before and after it; else remembered as evidence. A title variant
    never found its way into `_TITLES` is no reason to call a part missing."""
    taken = [(c.start, c.end) for c in chosen.values()]
    for m in (_LOOSE_PLAIN if speed.plain() else _LOOSE).finditer(text):
        number = _numeral_value(m.group(1))
        if number not in _TOPIC or number in chosen or not _TOPIC[number].search(m.group(2)):
            continue
        if any(lo <= m.start() < hi for lo, hi in taken):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        alone = not text[line_start:m.start()].strip() and not _SENTENCE_END.search(m.group(2)) \
            and len(m.group(2).strip()) <= 30
        before = [c.start for n, c in chosen.items() if n < number]
        after = [c.start for n, c in chosen.items() if n > number]
        in_order = all(b < m.start() for b in before) and all(a > m.start() for a in after)
        in_table = any(lo <= m.start() < hi for lo, hi in table_ranges)
        if alone and in_order and not in_table:
            chosen[number] = _Candidate(number, 4, m.start(), m.end(), False, True)
            # placed on a guess: its words stay in the evidence, so the parts' bounds count as unsure
            evidence[number] = _squeeze(m.group())[:40]
            loose.add(number)
        else:
            evidence.setdefault(number, _squeeze(m.group())[:40])


def _heading_matches(text: str) -> list[re.Match[str]]:
    """`_HEADING.finditer(text)`, tried only at the positions a title can start from: up to
    `_BEFORE` characters before each title's core (the regex alone would try every numeral and
    every character that can start a title, ten times slower on a report)."""
    if speed.plain():
        return list(_HEADING.finditer(text))
    found: dict[int, re.Match[str]] = {}
    for a in _ANCHOR.finditer(text):
        core = a.start()
        pos, hi = max(0, core - _BEFORE), min(len(text), a.end() + _AFTER)
        heading = _heading_for(text[pos:hi])
        while heading is not None and pos <= core:   # (a match from past the core's start is not taken)
            m = heading.search(text, pos, hi)
            if m is None:
                break
            start = m.start()
            if start > core:
                break
            found.setdefault(start, m)
            pos = m.end()
    out: list[re.Match[str]] = []
    for start in sorted(found):
        if not out or start >= out[-1].end():
            out.append(found[start])
    return out


def _heading_rank(text: str, m: re.Match[str], end: int, numbered: bool) -> int | None:
    """How sure the match is a heading, or None if it is not one where it stands."""
    if m.group("cjk") is not None or (m.group("other") or "").lstrip().startswith("第"):
        rank = 0
    elif numbered:
        rank = 1
    else:
        rank = 2
    if rank == 2:
        # no numeral: only the title alone on its line
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if text[line_start:m.start()].strip() or text[end:line_end].strip(" \t\u3000:：。"):
            return None
        return rank
    if m.start() == 0 or text[m.start() - 1].isspace():
        return rank
    prev = text[m.start() - 1]
    if prev in _BREAK_BEFORE or prev.isascii() or text.endswith("年度报告", 0, m.start()):
        return rank      # (the report's title glued to 一、总体情况 when a page's blocks were run together)
    return None


def _numeral_value(numeral: str) -> int | None:
    """The number a heading's numeral says (一 → 1, （三） → 3, 4. → 4, 十 → 10), None if unclear."""
    digits = re.sub(r"[^一二三四五六七八九十0-9]", "", numeral)
    if digits.isdigit():
        return int(digits)
    values = ["一二三四五六七八九".find(c) + 1 for c in digits]
    if len(digits) == 1:
        return 10 if digits == "十" else values[0]
    return None


def _at_break(text: str, start: int) -> bool:
    """At a line start, after a space or a sentence end: where a heading could stand."""
    return start == 0 or text[start - 1].isspace() or text[start - 1] in "。；;:：!！?？"


def _lists_parts(text: str, c: _Candidate, candidates: list[_Candidate]) -> bool:
    """Another part's title follows or precedes the candidate at once: a list of the parts, not a heading."""
    nxt = next((o for o in candidates if o.start >= c.end), None)
    if nxt is not None and nxt.number != c.number and _LIST_GAP.match(text[c.end:nxt.start]):
        return True
    prev = next((o for o in reversed(candidates) if o.end <= c.start), None)
    return prev is not None and prev.number != c.number and bool(_LIST_GAP.match(text[prev.end:c.start]))


def _squeeze(words: str) -> str:
    return re.sub(r"\s+", "", words)[:40]


def _written_title(text: str, start: int, end: int) -> tuple[str, int]:
    """The heading as printed, and where its text ends: the whole line when the heading stands on
    a line of its own (line breaks inside the heading removed, page furniture left out)."""
    head = re.sub(r"\s*\n\s*", "", text[start:end]).strip()
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[end:line_end].rstrip()
    line = re.sub(r"[ \t\u3000]{2,}", " ", (head + rest).strip())
    if len(line) <= 40 and not _SENTENCE_END.search(rest):
        return line, end + len(rest)
    return head, end
