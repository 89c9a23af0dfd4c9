"""The token stream that table parsing reads: text lines and grid cells in reading order.

Flattened web text gives one token per line; a real table (HTML, DOCX, markdown) gives one token
per cell and a row-end marker, so blank cells are known to be blank rather than missing.
"""
from __future__ import annotations

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
            for row in piece.rows:
                previous = None
                for cell in row:
                    text = cell.strip()
                    # A label repeated by rowspan/colspan expansion is one label, not two.
                    if text and text == previous and not _numeric(text):
                        continue
                    out.append(Token(text, "cell"))
                    previous = text
                out.append(ROW_END)
        else:
            text = piece if isinstance(piece, str) else piece.text
            out.extend(Token(line.strip(), "line") for line in text.splitlines() if line.strip())
    return out


def _numeric(text: str) -> bool:
    from .numbers import parse_number

    return parse_number(text) is not None
