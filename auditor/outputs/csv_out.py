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


def write_data_csv(path: Path, data: pd.DataFrame) -> None:
    """data.csv: the 数据 table (one row per report, one column per table cell), same escaping."""
    frame = data.copy(deep=False)
    for col in frame.columns:   # only text columns need escaping; the 200-odd number columns don't
        if pd.api.types.infer_dtype(frame[col], skipna=True) not in ("integer", "floating", "mixed-integer-float",
                                                                     "empty", "decimal"):
            frame[col] = frame[col].map(escape_cell)
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n",
                 header=[escape_cell(h) for h in data.columns])
