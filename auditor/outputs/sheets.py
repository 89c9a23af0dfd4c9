"""The workbook's sheets about the run rather than the reports: 变化 (each compliance finding
against the last run) and 豁免 (every waiver with its status, so expired and unused ones are seen).
Built here from the run's frames; summary.xlsx writes them as given (auditor/outputs/xlsx.py)."""
from __future__ import annotations

import pandas as pd


def change_sheet(changes: pd.DataFrame) -> pd.DataFrame:
    """The 变化 sheet: new, resolved, still open, superseded, not provided or dismissed (auditor/changes.py)."""
    return pd.DataFrame({
        "变化": changes["status"], "单位": changes["agency"], "年度": changes["year"], "文件": changes["file"],
        "规则编号": changes["rule_id"], "位置": changes["location"], "问题说明": changes["message"],
        "指纹": changes["fingerprint"]}, dtype=object)


def waiver_sheet(report: pd.DataFrame) -> pd.DataFrame:
    """The 豁免 sheet: every waiver with its status, so expired and unused ones are seen."""
    return pd.DataFrame({
        "规则编号": report["rule"], "单位": report["agency"], "年度": report["year"], "位置": report["location"],
        "指纹": report["fingerprint"], "理由": report["reason"], "批准人": report["approved_by"],
        "有效期至": report["expires"], "状态": report["status"], "匹配问题数": report["matched"],
    }, dtype=object)
