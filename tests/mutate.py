"""Mutations of the one-cell-per-line sample report, for tests that must produce exact findings."""
from __future__ import annotations

import re


def _lines(text: str) -> list[str]:
    return text.split("\n")


def set_t3_cell(text: str, row_label: str, col: int, new: str) -> str:
    """Replace the value in column `col` (0 = 自然人 … 6 = 总计) of the row printed as `row_label`."""
    lines = _lines(text)
    start = next(i for i, line in enumerate(lines) if line.strip() == row_label)
    values = [i for i in range(start + 1, len(lines)) if lines[i].strip()][:7]
    lines[values[col]] = new
    return "\n".join(lines)


def set_t4_cell(text: str, index: int, new: str) -> str:
    """Replace the index-th of the 15 table-4 numbers (0–4 行政复议, 5–9 直接起诉, 10–14 复议后起诉)."""
    lines = _lines(text)
    head = next(i for i, line in enumerate(lines) if line.startswith("四、政府信息公开行政复议"))
    numbers = [i for i in range(head, len(lines)) if re.fullmatch(r"\s*\d+\s*", lines[i])][:15]
    lines[numbers[index]] = new
    return "\n".join(lines)


def drop_section(text: str, heading: str, next_heading: str) -> str:
    start = text.index(heading)
    end = text.index(next_heading)
    return text[:start] + text[end:]


def remove(text: str, fragment: str) -> str:
    assert fragment in text, fragment
    return text.replace(fragment, "")
