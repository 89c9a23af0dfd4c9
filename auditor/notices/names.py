"""File names a notice folder can hold on Windows as well as here: Chinese, dated, and never one
Windows refuses or reads as a device (an agency name comes from a report found on the internet)."""
from __future__ import annotations

import re
import unicodedata

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_PART = 60           # characters of one part (an agency name): the date and year stay in view, and a
                        # whole name stays well under the 255 of a name and the 260 of a classic path


def safe_part(text: str) -> str:
    """One part of a name: forbidden and control characters become 「_」, runs of space fold to one,
    and leading/trailing dots and spaces go."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join("_" if _FORBIDDEN.match(ch) or unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    text = text[:MAX_PART].rstrip(" .")
    return text or "_"


def safe_name(parts: list[str], suffix: str, taken: set[str]) -> str:
    """`parts` joined by 「-」 + `suffix`, each part capped, not a reserved device name, and not in `taken`
    (compared case-insensitively, as Windows does); the name is added to `taken`."""
    stem = "-".join(safe_part(p) for p in parts)
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    name, n = stem + suffix, 2
    while name.lower() in taken:
        name = f"{stem}_{n}{suffix}"
        n += 1
    taken.add(name.lower())
    return name

