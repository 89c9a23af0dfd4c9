"""The token stream that table parsing reads: text lines and grid cells in reading order.

Flattened web text gives one token per line; a real table (HTML, DOCX, markdown) gives one token
per cell and a row-end marker, so blank cells are known to be blank rather than missing.

The stream is two parallel sequences, `texts` and a one-letter `codes` string (see `Stream`):
the parsers test token kinds on the string, so a run of values is found and taken in one step.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

from ..model import Block, TableBlock
from .numbers import is_value, parse_number

# One letter per token: a text line that is a value / any other line; a grid cell that is a value
# (a blank cell is one: a blank mark) / any other cell; the end of a grid row (its text is "").
LINE_VALUE, LINE, CELL_VALUE, CELL, ROW_END = "v", "l", "w", "c", "r"
VALUES = LINE_VALUE + CELL_VALUE
TEXTS = LINE + CELL


@dataclass(slots=True)
class Stream:
    """Tokens in reading order: `texts[i]` is token i's text, `codes[i]` its kind (letters above)."""

    texts: list[str]
    codes: str

    def __len__(self) -> int:
        return len(self.texts)


def tokens_from(pieces: list[str | Block]) -> Stream:
    texts: list[str] = []
    codes: list[str] = []
    for piece in pieces:
        if isinstance(piece, TableBlock):
            _grid_tokens(piece, texts, codes)
        else:
            text = piece if isinstance(piece, str) else piece.text
            for line_texts, line_codes in map(_line_tokens, text.splitlines()):
                texts += line_texts
                codes.append(line_codes)
    return Stream(texts, "".join(codes))


def _grid_tokens(table: TableBlock, texts: list[str], codes: list[str]) -> None:
    """One token per cell and a row-end marker per row (see `_row_tokens`)."""
    for row_texts, row_codes in map(_row_tokens, map(tuple, table.rows), _copied_by_row(table)):
        texts += row_texts
        codes.append(row_codes)


_NONE: frozenset[int] = frozenset()


def _copied_by_row(table: TableBlock) -> Iterable[frozenset[int]]:
    """For each row, the columns that repeat a merged cell (half the tables have no merges)."""
    if not table.copies:
        return repeat(_NONE)
    copied: dict[int, set[int]] = {}
    for r, c in table.copies:
        copied.setdefault(r, set()).add(c)
    return [frozenset(copied[r]) if r in copied else _NONE for r in range(len(table.rows))]


@lru_cache(maxsize=1 << 14)
def _row_tokens(row: tuple[str, ...], copied: frozenset[int]) -> tuple[tuple[str, ...], str]:
    """The tokens of one grid row; `copied` are the columns that repeat a merged cell.

    Rows such as '0 0 0 0 0 0 0' recur in every HTML report, so each is read once."""
    out: list[str] = []
    previous = None
    for c, cell in enumerate(row):
        text = cell.strip()
        # A label repeated by rowspan/colspan expansion is one label, not two.
        if text and text == previous and not _numeric(text):
            continue
        # A value spanning several columns is one value.
        if c in copied and (not text or _numeric(text)):
            continue
        out.append(text)
        previous = text
    codes = "".join(CELL_VALUE if is_value(text) else CELL for text in out) + ROW_END
    return (*out, ""), codes


@lru_cache(maxsize=1 << 16)
def _line_tokens(line: str) -> tuple[tuple[str, ...], str]:
    """The tokens of one text line; the same lines (numbers, row labels) recur in every report."""
    parts = tuple(split_line(line))      # never empty strings
    return parts, "".join(LINE_VALUE if is_value(part) else LINE for part in parts)


# A numbered label ('(1)属于国家秘密', '2.其他法律…', '2、重复申请'), digits that stop before such a label, a number (a '-' before
# digits is its sign: '12-212258' is 12 and -212258, never 12, a blank mark '-' and 212258), or text.
_PIECE = re.compile(r"\(\d{1,2}\)(?=[\u4e00-\u9fff])[^\d\s-]*|\d[.、](?=[\u4e00-\u9fff])[^\d\s]*|\d+?(?=\d[.、][\u4e00-\u9fff])|-?\d+(?:\.\d+)?|(?:(?!\(\d{1,2}\)[\u4e00-\u9fff])[^\d\s-])+|-")
# A parenthesised remark with sentence punctuation inside a label ('（区分处理的，只计这一情形，…）',
# '（本列数据的勾稽关系为：…）'): not prose of its own, and never cut.
_REMARK = re.compile(r"[(（][^()（）]*[，。；,;][^()（）]*[)）]")
# Signed digit runs with no text ('2648-18538'); a date ('2022-12-31') is not one.
# A thousands separator inside a number ('12,258', '1，234'): three digits follow, then no digit.
_GROUPED = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_SIGNED_RUN = re.compile(r"\d+(?:-\d+)+")
_DATE = re.compile(r"\d{4}-\d{1,2}(?:-\d{1,2})?")
_LEADING_DIGITS = re.compile(r"^(\d+)(?=[\u4e00-\u9fff（(])")
_PROSE = re.compile(r"[，。；,;！？]")
_DIGIT = re.compile(r"\d")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def split_line(line: str) -> list[str]:
    """Split a line where a page was flattened without separators ('规章000行政规范性文件…').

    Only pieces without sentence punctuation are split, so prose such as '2022年,分局…' stays whole.
    """
    parts: list[str] = []
    for piece in line.split():
        if _GROUPED.search(piece) and _HAN.search(piece):
            piece = _GROUPED.sub("", piece)     # '行政许可12,258': a thousands separator, not prose
        lead = _LEADING_DIGITS.match(piece)
        outside = _REMARK.sub("", piece)
        if outside != piece and not _PROSE.search(outside) and _DIGIT.search(outside):
            parts.extend(_split_around_remarks(piece))
        elif _SIGNED_RUN.fullmatch(piece) and not _DATE.fullmatch(piece):
            parts.extend(_PIECE.findall(piece))
        elif lead and _PROSE.search(piece):
            # '210000021（二）部分公开（区分处理的，…）': the numbers of the row before, then a label.
            parts.extend([lead.group(1), piece[lead.end():]])
        elif _PROSE.search(piece) or not _DIGIT.search(piece):
            parts.append(piece)
        else:
            parts.extend(_PIECE.findall(unicodedata.normalize("NFKC", piece)) if _needs_split(piece) else [piece])
    return parts


def _split_around_remarks(piece: str) -> list[str]:
    """Split a piece whose only sentence punctuation is inside remarks: each remark stays with
    the text before it ('（二）部分公开（区分处理的，…）'), the rest is split as usual."""
    out: list[str] = []
    at = 0
    for m in _REMARK.finditer(piece):
        before = _PIECE.findall(unicodedata.normalize("NFKC", piece[at:m.start()]))
        if before and not is_value(before[-1]):
            before[-1] += m.group()
        else:
            before.append(m.group())
        out += before
        at = m.end()
    out += _PIECE.findall(unicodedata.normalize("NFKC", piece[at:]))
    return out


def _needs_split(piece: str) -> bool:
    """Digits glued to text; a plain number or a date-like string stays as it is."""
    return not is_value(piece) and _HAN.search(piece) is not None


def _numeric(text: str) -> bool:
    return parse_number(text) is not None
