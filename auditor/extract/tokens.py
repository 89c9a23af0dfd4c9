"""The token stream that table parsing reads: text lines and grid cells in reading order.

Flattened web text gives one token per line; a real table (HTML, DOCX, markdown) gives one token
per cell and a row-end marker, so blank cells are known to be blank rather than missing.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ..model import Block, TableBlock
from .numbers import is_value, parse_number

Kind = Literal["line", "cell", "row_end"]


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    kind: Kind


ROW_END = Token("", "row_end")


def tokens_from(pieces: list[str | Block]) -> list[Token]:
    out: list[Token] = []
    for piece in pieces:
        if isinstance(piece, TableBlock):
            _grid_tokens(piece, out)
        else:
            text = piece if isinstance(piece, str) else piece.text
            for line in text.splitlines():
                out.extend(_line_tokens(line))
    return out


def _grid_tokens(table: TableBlock, out: list[Token]) -> None:
    """One token per cell and a row-end marker per row (see `_row_tokens`)."""
    copied: dict[int, set[int]] = {}
    for r, c in table.copies:
        copied.setdefault(r, set()).add(c)
    for r, row in enumerate(table.rows):
        out.extend(_row_tokens(tuple(row), frozenset(copied.get(r, ()))))


@lru_cache(maxsize=1 << 14)
def _row_tokens(row: tuple[str, ...], copied: frozenset[int]) -> tuple[Token, ...]:
    """The tokens of one grid row; `copied` are the columns that repeat a merged cell.

    Rows such as '0 0 0 0 0 0 0' recur in every HTML report, so each is read once."""
    out: list[Token] = []
    previous = None
    for c, cell in enumerate(row):
        text = cell.strip()
        # A label repeated by rowspan/colspan expansion is one label, not two.
        if text and text == previous and not _numeric(text):
            continue
        # A value spanning several columns is one value.
        if c in copied and (not text or _numeric(text)):
            continue
        out.append(Token(text, "cell"))
        previous = text
    out.append(ROW_END)
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def _line_tokens(line: str) -> tuple[Token, ...]:
    """The tokens of one text line; the same lines (numbers, row labels) recur in every report."""
    return tuple(Token(part, "line") for part in split_line(line))


# A numbered label ('2.其他法律…'), digits that stop before such a label, a number, or text.
_PIECE = re.compile(r"\d\.(?=[\u4e00-\u9fff])[^\d\s]*|\d+?(?=\d\.[\u4e00-\u9fff])|\d+(?:\.\d+)?|[^\d\s]+")
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
        lead = _LEADING_DIGITS.match(piece)
        if lead and _PROSE.search(piece):
            # '210000021（二）部分公开（区分处理的，…）': the numbers of the row before, then a label.
            parts.extend([lead.group(1), piece[lead.end():]])
        elif _PROSE.search(piece) or not _DIGIT.search(piece):
            parts.append(piece)
        else:
            parts.extend(_PIECE.findall(unicodedata.normalize("NFKC", piece)) if _needs_split(piece) else [piece])
    return parts


def _needs_split(piece: str) -> bool:
    """Digits glued to text; a plain number or a date-like string stays as it is."""
    return not is_value(piece) and _HAN.search(piece) is not None


def _numeric(text: str) -> bool:
    return parse_number(text) is not None
