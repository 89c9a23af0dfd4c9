"""The 整改跟踪 sheet: every rectification item with its status, the days left or overdue as of
the run's day, and its latest change; overdue items first."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..domain import RECTIFY_OPEN, RECTIFY_OVERDUE, RECTIFY_STILL_OPEN

HEADERS = ["单位", "年度", "位置", "问题说明", "规则编号", "通知日期", "整改期限", "状态", "剩余天数", "最近变化",
           "通知文件", "指纹"]
_RANK = {RECTIFY_OVERDUE: 0, RECTIFY_OPEN: 1}       # then the closed ones


def days_left(status: str, deadline: dt.date, today: dt.date) -> str:
    """「剩余 N 天」/「今日到期」/「逾期 N 天」 in calendar days for an open item; blank once closed."""
    if status not in RECTIFY_STILL_OPEN:
        return ""
    days = (deadline - today).days
    if days > 0:
        return f"剩余 {days} 天"
    return "今日到期" if days == 0 else f"逾期 {-days} 天"


def tracking_sheet(items: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """The sheet's frame from the items as they stand after the run (store.ITEM_COLUMNS). Dates are
    date objects: the workbook writes them as it writes dates (ISO text where it has no date cells)."""
    rows = []
    for r in items.itertuples():
        deadline = dt.date.fromisoformat(r.deadline)
        changed = f"{str(r.changed_at or '')[:10]} {r.note or ''}".strip()
        rows.append(((_RANK.get(r.status, 2), deadline, str(r.agency), str(r.fingerprint)),
                     [r.agency, int(r.year), r.location, r.message, r.rule_id, dt.date.fromisoformat(r.notice_date),
                      deadline, r.status, days_left(r.status, deadline, today), changed, r.notice_file,
                      r.fingerprint]))
    rows.sort(key=lambda kv: kv[0])
    return pd.DataFrame([row for _, row in rows], columns=HEADERS, dtype=object)
