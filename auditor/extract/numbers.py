"""Read one cell's text as a number, a deliberate blank, or something else."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

BLANK_MARKS = {"", "-", "--", "—", "——", "/", "\\", "无", "空", "−"}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)(?:件|个|条|宗|次|项|元|万元)?$")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")


_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1 << 16)
def clean(raw: str) -> str:
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", raw))
    text = re.sub(r"\s+", "", text)
    return _THOUSANDS.sub("", text)


@lru_cache(maxsize=1 << 16)
def parse_number(raw: str) -> int | float | None:
    """Return the number written in the cell, or None when it is not a plain number."""
    m = _NUMBER.match(clean(raw))
    if not m:
        return None
    text = m.group(1)
    return float(text) if "." in text else int(text)


@lru_cache(maxsize=1 << 16)
def is_blank_mark(raw: str) -> bool:
    return clean(raw) in BLANK_MARKS


@lru_cache(maxsize=1 << 16)
def is_value(raw: str) -> bool:
    """A token that fills a table cell: a number or a blank mark such as '-' or '/'."""
    return parse_number(raw) is not None or is_blank_mark(raw)
