"""Sheets that draw on themselves after their rows are written (a native Excel chart, a print
layout of their own): sheet name → painter(workbook, worksheet, frame). summary.xlsx calls the
painter of each sheet it writes (auditor/outputs/xlsx.py)."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

Painter = Callable[[Workbook, Worksheet, pd.DataFrame], None]

SHEET_PAINTERS: dict[str, Painter] = {}
# Sheets placed before the standard ones (总览, 问题清单, ...), in this order, when a run has them.
FIRST_SHEETS: tuple[str, ...] = ()
