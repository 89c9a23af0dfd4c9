"""Reader for text saved from web pages (.txt) and converted documents (.md).

One line of the file becomes one block; markdown pipe tables become table blocks. A crawler
header (标题: …, 发布日期: …) at the top is kept as document metadata.
"""
from __future__ import annotations

import re

from ..model import Block, Document, TableBlock, TextBlock

_META_LINE = re.compile(r"^\s*(标题|索引号|文号|发文日期|发布日期|发布时间|公开日期|成文日期|发布机构|栏目|原文链接)\s*[:：]\s*(.*)$")
# Where a second header starts on the same line (before its key, after whitespace).
_META_SPLIT = re.compile(r"\s+(?=(?:标题|索引号|文号|发文日期|发布日期|发布时间|公开日期|成文日期|发布机构|栏目|原文链接)\s*[:：])")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_text(path: str, text: str, encoding: str | None) -> Document:
    # zero-width spaces, soft hyphens and control characters are invisible in a browser: drop them
    text = _INVISIBLE.sub("", text)
    meta: dict[str, str] = {}
    blocks: list[Block] = []
    pending_table: list[list[str]] = []
    for line in text.splitlines():
        # (the `in` tests skip a regex, or a call, for the many lines that cannot match)
        if "|" in line and _PIPE_ROW.match(line):
            if not _PIPE_RULE.match(line):
                pending_table.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        if pending_table:
            blocks.append(TableBlock(pending_table))
            pending_table = []
        if ":" in line or "：" in line:
            for key, value in _meta_pairs(line):
                meta.setdefault(key, value)
        line = line.rstrip()
        if line:
            blocks.append(TextBlock(line))
    if pending_table:
        blocks.append(TableBlock(pending_table))
    return Document(path=path, blocks=blocks, encoding=encoding, meta=meta)


def _meta_pairs(line: str) -> list[tuple[str, str]]:
    """`发文日期: 2023-01-19 发布机构: 高新区公安分局` holds two pairs on one line."""
    if ":" not in line and "：" not in line:
        return []  # no key can match without a colon; most lines have none, skip the regex
    m = _META_LINE.match(line)
    if not m:
        return []
    parts = _META_SPLIT.split(line.strip())
    pairs = []
    for part in parts:
        pm = _META_LINE.match(part)
        if pm:
            pairs.append((pm.group(1), pm.group(2).strip()))
    return pairs


HEADER_BLOCKS = 40


def header_meta(blocks: list[Block]) -> dict[str, str]:
    """Crawler/page header lines (「标题：…」「发布日期：…」) among the first blocks of a DOCX or PDF.

    Documents converted from saved web pages keep these lines; recorded here, as for text and
    HTML, so that extraction reads 「标题：XX局…」 as a title, not as a heading with a label."""
    meta: dict[str, str] = {}
    for block in blocks[:HEADER_BLOCKS]:
        if isinstance(block, TextBlock) and (":" in block.text or "：" in block.text):
            for line in block.text.split("\n"):
                for key, value in _meta_pairs(line):
                    meta.setdefault(key, value)
    return meta

