"""Output writers: findings.jsonl (data), findings.csv and summary.xlsx (for Excel/WPS users).

All three files are written to temporary names first and only swapped in after all three were
written, so a failed run leaves the previous set untouched instead of a mixed or half-written one.
"""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from .atomic import atomic_path
from .csv_out import write_csv
from .jsonl import write_jsonl
from .tables import FINDING_COLUMNS, REPORT_COLUMNS, require_columns
from .xlsx import write_xlsx

__all__ = ["write_outputs"]

JSONL_NAME = "findings.jsonl"
CSV_NAME = "findings.csv"
XLSX_NAME = "summary.xlsx"


def write_outputs(out_dir: Path, findings: pd.DataFrame, reports: pd.DataFrame,
                  extra_sheets: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write findings.jsonl, findings.csv and summary.xlsx into out_dir (created if missing); return the paths written."""
    require_columns(findings, FINDING_COLUMNS, "findings")
    require_columns(reports, REPORT_COLUMNS, "reports")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / JSONL_NAME, out_dir / CSV_NAME, out_dir / XLSX_NAME]
    with ExitStack() as stack:
        jsonl_tmp, csv_tmp, xlsx_tmp = (stack.enter_context(atomic_path(p)) for p in targets)
        write_jsonl(jsonl_tmp, findings)
        write_csv(csv_tmp, findings)
        write_xlsx(xlsx_tmp, findings, reports, extra_sheets)
    return targets
