"""The token stream that table parsing reads: text lines and grid cells in reading order.

Flattened web text gives one token per line; a real table (HTML, DOCX, markdown) gives one token
per cell and a row-end marker, so blank cells are known to be blank rather than missing.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from ..model import Block, TableBlock

Kind = Literal["line", "cell", "row_end"]


@dataclass(frozen=True)
class Token:
    text: str
    kind: Kind


ROW_END = Token("", "row_end")


def tokens_from(pieces: list[str | Block]) -> list[Token]:
    out: list[Token] = []
    for piece in pieces:
        if isinstance(piece, TableBlock):
            for r, row in enumerate(piece.rows):
                previous = None
                for c, cell in enumerate(row):
                    text = cell.strip()
                    # A label repeated by rowspan/colspan expansion is one label, not two.
                    if text and text == previous and not _numeric(text):
                        continue
                    # A value spanning several columns is one value.
                    if (r, c) in piece.copies and (not text or _numeric(text)):
                        continue
                    out.append(Token(text, "cell"))
                    previous = text
                out.append(ROW_END)
        else:
            text = piece if isinstance(piece, str) else piece.text
            for line in text.splitlines():
                out.extend(Token(part, "line") for part in split_line(line))
    return out


# A numbered label ('2.其他法律…'), digits that stop before such a label, a number, or text.
_PIECE = re.compile(r"\d\.(?=[\u4e00-\u9fff])[^\d\s]*|\d+?(?=\d\.[\u4e00-\u9fff])|\d+(?:\.\d+)?|[^\d\s]+")
_LEADING_DIGITS = re.compile(r"^(\d+)(?=[\u4e00-\u9fff（(])")
_PROSE = re.compile(r"[，。；,;！？]")


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
        elif _PROSE.search(piece) or not re.search(r"\d", piece):
            parts.append(piece)
        else:
            parts.extend(_PIECE.findall(unicodedata.normalize("NFKC", piece)) if _needs_split(piece) else [piece])
    return parts


def _needs_split(piece: str) -> bool:
    """Digits glued to text; a plain number or a date-like string stays as it is."""
    from .numbers import is_value

    return not is_value(piece) and bool(re.search(r"[\u4e00-\u9fff]", piece))


def _numeric(text: str) -> bool:
    from .numbers import parse_number

    return parse_number(text) is not None
