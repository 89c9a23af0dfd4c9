"""findings.csv: every finding for people who filter in Excel/WPS.

UTF-8 with BOM because Excel/WPS otherwise guess GBK and garble Chinese; every text cell is
formula-escaped because the CSV is opened directly by a spreadsheet.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from .escape import escape_cell
from .tables import findings_frame


def write_csv(path: Path, findings: pd.DataFrame) -> None:
    """Write the Chinese-headed findings table (missing values as empty cells)."""
    frame = findings_frame(findings)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([escape_cell(h) for h in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            writer.writerow(["" if v is None else escape_cell(v) for v in row])
