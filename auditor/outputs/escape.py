"""Neutralise spreadsheet formula injection.

Report texts (agency names, quoted sentences, file names) come from the internet. A cell that
starts with = + - @ (or a tab/CR) is treated as a formula by Excel/WPS when a CSV is opened or a
cell is edited, so every text cell we write for spreadsheets gets a leading quote instead.
"""
from __future__ import annotations

from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@")
_CONTROL_STARTS = ("\t", "\r")


def needs_escape(text: str) -> bool:
    """True if `text` could be interpreted as a formula (leading whitespace is ignored by Excel)."""
    if not text:
        return False
    if text.startswith(_CONTROL_STARTS):
        return True
    return text.lstrip().startswith(_FORMULA_STARTS)


def escape_cell(value: Any) -> Any:
    """Prefix a single quote to strings that could run as a formula; leave other values alone."""
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value
