"""Find the six section headings and cut the report into preface and sections.

A heading is recognised by its numeral followed by a known title, anywhere a heading can start
(line start, or after whitespace/sentence end when a page was flattened onto one line). The
canonical number comes from the title, so renumbered or mistyped numerals still map correctly.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Block, TableBlock, TextBlock

_NUM = r"(?P<num>[一二三四五六七八九十]{1,2})\s*[、.．,，]\s*"
_TITLES = {
    1: r"(?:工作)?总体情况",
    2: r"主动公开政府信息(?:的)?情况",
    3: r"收到和处理政府信息公开申请(?:的)?情况",
    4: r"(?:政府信息公开)?[^。\n]{0,6}?复议[^。\n]{0,6}?行政诉讼(?:的)?情况",
    5: r"(?:政府信息公开工作)?存在的?(?:主要)?问题(?:及|和|与)(?:其)?(?:改进|整改)(?:情况|措施|方向)?",
    6: r"其他需(?:要)?报告的?事项",
}
_HEADING = re.compile(
    r"(?:^|(?<=[\s。；;:：]))" + _NUM + "(?P<title>" + "|".join(f"(?P<s{n}>{p})" for n, p in _TITLES.items()) + ")",
    re.MULTILINE,
)
_SENTENCE_END = re.compile(r"[。；]")
_SECTION_GROUPS = [(n, f"s{n}") for n in _TITLES]


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
    headings: list[Heading]          # chosen headings, in document order

    def region(self, number: int) -> tuple[int, int] | None:
        for i, h in enumerate(self.headings):
            if h.number == number:
                end = self.headings[i + 1].start if i + 1 < len(self.headings) else len(self.flat)
                return h.end, end
        return None

    def pieces(self, start: int, end: int) -> list[str | Block]:
        """Blocks inside [start, end): tables whole, the text between them clipped to the range.

        Consecutive text blocks come as one string (joined by the newlines of `flat`): they are
        read line by line, so this gives the same lines as one piece per block, more cheaply.
        """
        out: list[str | Block] = []
        pos = start
        for span in self.tables:
            if span.end <= start or span.start >= end:
                continue
            if span.start > pos:
                out.append(self.flat[pos:span.start])
            out.append(span.block)
            pos = max(pos, span.end)
        if pos < end:
            out.append(self.flat[pos:end])
        return out

    def text(self, start: int, end: int) -> str:
        return self.flat[start:end].strip()


def layout(blocks: list[Block]) -> Layout:
    parts = [block.text if isinstance(block, TextBlock) else _grid_text(block) for block in blocks]
    flat = "\n".join(parts)
    tables = _table_spans(blocks, parts)
    return Layout(flat, tables, _choose_headings(flat, tables))


def _grid_text(table: TableBlock) -> str:
    return "\n".join([" ".join(filter(None, row)) for row in table.rows])


def _table_spans(blocks: list[Block], parts: list[str]) -> list[Span]:
    """Where each table stands in the flat text (blocks are joined by one newline).

    Most reports have no table blocks at all, so only the tables are visited."""
    spans: list[Span] = []
    offset = done = 0           # offset of block `done` in the flat text
    for i in [i for i, block in enumerate(blocks) if not isinstance(block, TextBlock)]:
        offset += sum(map(len, parts[done:i])) + (i - done)
        spans.append(Span(offset, offset + len(parts[i]), blocks[i]))
        offset += len(parts[i]) + 1
        done = i + 1
    return spans


def _choose_headings(flat: str, tables: list[Span]) -> list[Heading]:
    table_ranges = [(s.start, s.end) for s in tables]
    first: dict[int, Heading] = {}
    for m in _find_headings(flat):
        if any(lo <= m.start() < hi for lo, hi in table_ranges):
            continue  # a table cell such as 四、结转下年度继续办理 is not a heading
        number = next(n for n, group in _SECTION_GROUPS if m.group(group))
        if number in first:
            continue
        title = _written_title(flat, m)
        first[number] = Heading(number, title, m.start(), max(m.end(), m.start() + len(title)))
    return sorted(first.values(), key=lambda h: h.start)


# Where a heading can start: a numeral followed by (a second numeral and) its separator. This
# consumes one character only, so every numeral is visited.
_NUMERAL = re.compile(r"[一二三四五六七八九十](?=[一二三四五六七八九十]?\s*[、.．,，])")


def _find_headings(flat: str) -> Iterator[re.Match[str]]:
    """Same matches as `_HEADING.finditer(flat)`, but only tried where `_NUMERAL` fits.

    A heading match starts at its numeral; scanning for numerals first is much cheaper than
    letting the heading pattern try every position of the text."""
    after_last = 0
    for numeral in _NUMERAL.finditer(flat):
        if numeral.start() < after_last:
            continue
        m = _HEADING.match(flat, numeral.start())   # '^' and the lookbehind see the real text
        if m is not None:
            after_last = m.end()
            yield m


def _written_title(flat: str, m: re.Match[str]) -> str:
    """The heading as printed: the whole line when the heading stands on a line of its own."""
    line_end = flat.find("\n", m.start())
    line_end = len(flat) if line_end < 0 else line_end
    line = flat[m.start():line_end].strip()
    if len(line) <= 40 and not _SENTENCE_END.search(line):
        return line
    return flat[m.start():m.end()].strip()
