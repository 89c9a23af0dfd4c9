"""Find the six section headings and cut the report into preface and sections.

A heading is recognised by its numeral followed by a known title, anywhere a heading can start
(line start, or after whitespace/sentence end when a page was flattened onto one line). The
canonical number comes from the title, so renumbered or mistyped numerals still map correctly.
"""
from __future__ import annotations

import re
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
    spans: list[Span]
    headings: list[Heading]          # chosen headings, in document order

    def region(self, number: int) -> tuple[int, int] | None:
        for i, h in enumerate(self.headings):
            if h.number == number:
                end = self.headings[i + 1].start if i + 1 < len(self.headings) else len(self.flat)
                return h.end, end
        return None

    def pieces(self, start: int, end: int) -> list[str | Block]:
        """Blocks inside [start, end): text clipped to the range, tables whole."""
        out: list[str | Block] = []
        for span in self.spans:
            if span.end <= start or span.start >= end:
                continue
            if isinstance(span.block, TableBlock):
                out.append(span.block)
            else:
                lo, hi = max(start, span.start), min(end, span.end)
                out.append(self.flat[lo:hi])
        return out

    def text(self, start: int, end: int) -> str:
        return self.flat[start:end].strip()


def layout(blocks: list[Block]) -> Layout:
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for block in blocks:
        if isinstance(block, TextBlock):
            text = block.text
        else:
            text = "\n".join(" ".join(c for c in row if c) for row in block.rows)
        spans.append(Span(offset, offset + len(text), block))
        parts.append(text)
        offset += len(text) + 1
    flat = "\n".join(parts)
    return Layout(flat, spans, _choose_headings(flat, spans))


def _choose_headings(flat: str, spans: list[Span]) -> list[Heading]:
    table_ranges = [(s.start, s.end) for s in spans if isinstance(s.block, TableBlock)]
    first: dict[int, Heading] = {}
    for m in _HEADING.finditer(flat):
        if any(lo <= m.start() < hi for lo, hi in table_ranges):
            continue  # a table cell such as 四、结转下年度继续办理 is not a heading
        number = next(n for n in _TITLES if m.group(f"s{n}"))
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
    if len(line) <= 40 and not re.search(r"[。；]", line):
        return line
    return flat[m.start():m.end()].strip()
