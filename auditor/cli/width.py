"""Display width on a terminal: CJK characters take two columns, so `str.ljust` misaligns them."""
from __future__ import annotations

import re
import unicodedata


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal (East Asian wide and full-width characters count two,
    combining marks none; ambiguous ones one, as most terminals show them)."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` display columns (never cut)."""
    return text + " " * max(width - display_width(text), 0)


# Chinese punctuation that must not begin a line (禁则): it takes the character before it along.
_NO_LINE_START = set("，。、；：？！）》」』】〕”’…—")
_TOKEN = re.compile(r"[!-~]+|\s+|.", re.S)    # a run of printable ASCII stays whole; else one character


def wrap(text: str, width: int) -> list[str]:
    """Greedy line wrap by display width: ASCII words are kept whole, CJK text breaks between any two
    characters except before closing punctuation. (textwrap counts characters, so a Chinese help
    text ends up twice as wide as the terminal.)"""
    lines: list[list[str]] = []
    line: list[str] = []
    for token in _TOKEN.findall(" ".join(text.split())):
        if token == " " and not line:
            continue
        if line and display_width("".join(line) + token) > width:
            carry: list[str] = []
            if token in _NO_LINE_START:       # 「…位」「），」 move down together
                k = len(line) - 1
                while k > 0 and line[k] in _NO_LINE_START:
                    k -= 1
                if k > 0 and line[k] != " ":
                    carry, line = line[k:], line[:k]
            lines.append(line)
            line = carry
            if token == " ":
                continue
        line.append(token)
    if line:
        lines.append(line)
    out = ["".join(tokens).rstrip() for tokens in lines]
    return [line for line in out if line] or [""]
