"""A cell that opens a file beside the workbook (an evidence page, a notice): its text is shown, and
clicking it opens `target`, a path relative to the workbook's folder, so the link keeps working when
the whole run folder is copied or zipped to another computer."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Link:
    """`text` shown in the cell, `target` a relative path such as 「核查页/某报告-1a2b3c4d.html」."""

    text: str
    target: str

    def __post_init__(self) -> None:
        target = self.target.replace("\\", "/")
        if not target or PurePosixPath(target).is_absolute() or ":" in target:
            raise ValueError(f"a link's target must be a relative file path: {self.target!r}")

    def __str__(self) -> str:
        """Where a link cannot be a link (CSV, terminal, widths), it is its text."""
        return self.text
