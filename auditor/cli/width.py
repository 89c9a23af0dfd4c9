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


# Chinese punctuation that must not begin a line (禁则): it hangs at the end of the previous one.
_NO_LINE_START = set("，。、；：？！）》」』】〕”’…—")
_TOKEN = re.compile(r"[!-~]+|\s+|.", re.S)    # a run of printable ASCII stays whole; else one character


def wrap(text: str, width: int) -> list[str]:
    """Greedy line wrap by display width: ASCII words are kept whole, CJK text breaks between any two
    characters except before closing punctuation. (textwrap counts characters, so a Chinese help
    text ends up twice as wide as the terminal.)"""
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKEN.findall(" ".join(text.split())):
        w = display_width(token)
        if token == " " and not line:
            continue
        if used + w > width and line.strip() and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
            if token == " ":
                continue
        line += token
        used += w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]
