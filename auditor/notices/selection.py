"""Which findings go into a notice: the one place that decides what is put in front of an agency.

Only a standing compliance finding (auditor/review/latest.standing) of the latest run, confirmed by a
reviewer (确认属实, a decision still valid for the finding's values); with `include_unreviewed` also
one nobody has decided on yet, if it is an error or a warning — a 提示 rests on wording no national
text fixes, so it is notified only when a person has confirmed it. A finding already under an open
rectification item (待整改 / 逾期未整改) of an earlier notice is not notified again, and a finding
whose report has no agency name or year cannot be addressed: both are handed back to be told."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..domain import DECISION_CONFIRMED_WORD, agency_key
from ..review.latest import standing

UNREVIEWED_SEVERITIES = ("error", "warning")


@dataclass
class Selection:
    notify: pd.DataFrame            # findings to notify, with `agency_key`
    already_open: pd.DataFrame      # selected, but under an open item of an earlier notice (+ notice_date)
    unaddressed: pd.DataFrame       # selected, but their report has no agency name or no year


def confirmed(findings: pd.DataFrame) -> pd.Series:
    """A valid 确认属实: auditor/decisions.py writes 「确认属实（who，date）…」; a decision voided by
    changed values reads 「数值已变化，原处理意见（确认属实）失效…」 and counts as none."""
    return findings["decision"].map(lambda d: isinstance(d, str) and d.startswith(DECISION_CONFIRMED_WORD + "（"))


def undecided(findings: pd.DataFrame) -> pd.Series:
    """No decision, or one voided because the values behind the finding changed."""
    return findings["decision"].map(lambda d: not isinstance(d, str) or d == "" or d.startswith("数值已变化"))


def select(findings: pd.DataFrame, *, include_unreviewed: bool, open_items: pd.DataFrame,
           agencies: list[str], notice_date: dt.date) -> Selection:
    """The findings to notify out of the latest run's `findings` (auditor/review/latest.LatestRun).
    Open items of `notice_date` itself are this batch's own: a re-run of the day replaces them."""
    chosen = standing(findings) & ~findings["dismissed"] & confirmed(findings)
    if include_unreviewed:
        chosen |= standing(findings) & undecided(findings) & findings["severity"].isin(UNREVIEWED_SEVERITIES)
    picked = findings[chosen].copy()
    picked["agency_key"] = picked["agency"].map(agency_key)
    if agencies:
        wanted = {agency_key(a) for a in agencies} - {None}
        picked = picked[picked["agency_key"].isin(wanted)]
    nameless = picked["agency_key"].isna() | picked["year"].map(lambda y: _year(y) is None)
    unaddressed, picked = picked[nameless], picked[~nameless].copy()
    picked["year"] = picked["year"].map(_year)
    if open_items is not None and len(open_items):
        open_items = open_items[open_items["notice_date"].astype(str) != notice_date.isoformat()]
    since = _open_since(open_items)
    under_open = picked["fingerprint"].isin(since.index)
    already = picked[under_open].copy()
    already["notice_date"] = already["fingerprint"].map(since)
    return Selection(picked[~under_open], already, unaddressed)


def _open_since(open_items: pd.DataFrame) -> pd.Series:
    """fingerprint → the earliest notice date of its open item(s)."""
    if open_items is None or open_items.empty:
        return pd.Series(dtype=object)
    return open_items.groupby("fingerprint")["notice_date"].min()


def _year(value: object) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)      # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
