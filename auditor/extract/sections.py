"""Find the six section headings and cut the report into preface and sections.

A heading is recognised by its numeral followed by a known title, anywhere a heading can start
(line start, or after whitespace/sentence end when a page was flattened onto one line). The
canonical number comes from the title, so renumbered or mistyped numerals still map correctly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import repeat

from ..model import Block, TableBlock, TextBlock

# The numeral (one or two) and its separator. A heading starts at its numeral, at the start of the
# text or after whitespace or a sentence end: the lookbehind, placed after the first numeral so
# that the regex engine can skip from numeral to numeral, looks at the character before it.
_NUM = r"[一二三四五六七八九十](?<![^\s。；;:：].)[一二三四五六七八九十]?\s*[、.．,，]\s*"
_TITLES = {
    1: r"(?:工作)?总体情况",
    2: r"主动公开政府信息(?:的)?情况",
    3: r"收到和处理政府信息公开申请(?:的)?情况",
    4: r"(?:政府信息公开)?[^。\n]{0,6}?复议[^。\n]{0,6}?行政诉讼(?:的)?情况",
    5: r"(?:政府信息公开工作)?存在的?(?:主要)?问题(?:及|和|与)(?:其)?(?:改进|整改)(?:情况|措施|方向)?",
    6: r"其他需(?:要)?报告的?事项",
}
# The title groups s1…s6 hold no groups of their own, so the one that matched is `lastgroup`.
_HEADING = re.compile(_NUM + "(?:" + "|".join(f"(?P<s{n}>{p})" for n, p in _TITLES.items()) + ")")
_SENTENCE_END = re.compile(r"[。；]")
_SECTION_OF_GROUP = {f"s{n}": n for n in _TITLES}


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
    try:
        parts = [block.text for block in blocks]     # type: ignore[union-attr]
        table_at: list[int] = []
    except AttributeError:                           # a table block: it has rows, not text
        table_at = _table_indices(blocks)
        parts = _block_texts(blocks, table_at)
    flat = "\n".join(parts)
    tables = _table_spans(blocks, parts, table_at)
    return Layout(flat, tables, _choose_headings(flat, tables))


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


def _choose_headings(flat: str, tables: list[Span]) -> list[Heading]:
    table_ranges = [(s.start, s.end) for s in tables]
    first: dict[int, Heading] = {}
    for m in _HEADING.finditer(flat):
        if table_ranges and any(lo <= m.start() < hi for lo, hi in table_ranges):
            continue  # a table cell such as 四、结转下年度继续办理 is not a heading
        number = _SECTION_OF_GROUP[m.lastgroup]  # type: ignore[index]
        if number in first:
            continue
        title = _written_title(flat, m)
        first[number] = Heading(number, title, m.start(), max(m.end(), m.start() + len(title)))
    return sorted(first.values(), key=lambda h: h.start)


def _written_title(flat: str, m: re.Match[str]) -> str:
    """The heading as printed: the whole line when the heading stands on a line of its own."""
    line_end = flat.find("\n", m.start())
    line_end = len(flat) if line_end < 0 else line_end
    line = flat[m.start():line_end].strip()
    if len(line) <= 40 and not _SENTENCE_END.search(line):
        return line
    return flat[m.start():m.end()].strip()
