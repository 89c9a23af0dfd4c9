"""How a file's path is shown in outputs, the log and the ledger, and a list of names in a message."""
from __future__ import annotations

import os
from pathlib import Path


def file_name(path: Path) -> str:
    """The path as outputs, the log and the ledger show it: itself, unless the file system holds a
    name that is not UTF-8 (a GBK name from a Windows download). Such a part is shown decoded as
    GB18030 if it is that, else with its odd bytes escaped; the file itself is still read by its
    real path. Never an exception: one odd name must not stop every run."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    parts = []
    for part in path.parts:
        try:
            part.encode("utf-8")
            parts.append(part)
            continue
        except UnicodeEncodeError:
            raw = os.fsencode(part)
        try:
            parts.append(raw.decode("gb18030"))
        except UnicodeDecodeError:
            parts.append(raw.decode("utf-8", "backslashreplace"))
    shown = str(Path(*parts))
    if os.path.lexists(shown):   # another file really has that name: the escaped form cannot clash
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
    return shown


LISTED_AT_MOST = 5    # names quoted in a message; the rest are counted (「等 N 个」)


def names_text(names: list[str], most: int = LISTED_AT_MOST) -> str:
    """`a、b、c 等 N 个`: a few names and how many there are in all."""
    shown = "、".join(names[:most])
    return shown + (f" 等 {len(names)} 个" if len(names) > most else "")
