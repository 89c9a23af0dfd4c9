"""The next status of an open rectification item, from what one run saw: one pure function, so
every transition can be tested on its own and the run only gathers the evidence.

Say no more than we know: an item turns 已整改 only when a NEW version of the agency's report for
that year was read completely and no longer has the finding; an unchanged report, a report not
provided, or a new version we could not read completely leave the item open.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..domain import (RECTIFY_DISMISSED, RECTIFY_DONE, RECTIFY_OPEN, RECTIFY_OVERDUE, RECTIFY_STILL_OPEN,
                      RECTIFY_WAIVED)

NOTE_UNREAD = "新版本未能完整读取，需人工核查"
NOTE_LATE_FIX = "逾期后整改"


@dataclass(frozen=True)
class OpenItem:
    """An item as the ledger holds it (only 待整改 / 逾期未整改 ones are re-checked)."""
    status: str
    version_hash: str | None     # the report version the notice was about
    deadline: dt.date
    note: str = ""               # the note of its last change


@dataclass(frozen=True)
class Seen:
    """What this run says about the item's finding and its agency's report for that year."""
    dismissed: bool = False      # a valid 不予采纳 decision on the finding now
    waived: bool = False         # a waiver covers the finding in this run
    provided: bool = False       # the report (agency key + year) has a current version in this run
    version_hash: str | None = None
    read_status: str = ""        # complete / partial / failed, of that version
    standing: bool = False       # the fingerprint is among that version's standing compliance findings
    file: str = ""               # that version's file
    run: str = ""                # this run's folder name (its time), for the note


@dataclass(frozen=True)
class Change:
    status: str
    note: str


def next_status(item: OpenItem, seen: Seen, today: dt.date) -> Change | None:
    """The item's new status and note, or None when neither changes."""
    assert item.status in RECTIFY_STILL_OPEN, item.status
    late = today > item.deadline
    change = _judged(item, seen, late)
    if change.status == item.status and change.note == item.note:
        return None
    return change


def _judged(item: OpenItem, seen: Seen, late: bool) -> Change:
    if seen.dismissed:
        return Change(RECTIFY_DISMISSED, "处理意见为不予采纳")
    if seen.waived:
        return Change(RECTIFY_WAIVED, "豁免清单中的豁免适用于此问题")
    still = RECTIFY_OVERDUE if late else RECTIFY_OPEN
    overdue_note = f"整改期限 {item.deadline.isoformat()} 已过"
    if not seen.provided or item.version_hash is None or seen.version_hash == item.version_hash:
        # the report as notified, or none this time: nothing to judge a rectification by
        return Change(still, overdue_note if late and item.status != RECTIFY_OVERDUE else item.note)
    where = f"新版本 {seen.file}" + (f"（{seen.run} 运行）" if seen.run else "")
    if seen.read_status != "complete":
        return Change(still, f"{where}：{NOTE_UNREAD}")
    if seen.standing:
        return Change(still, f"{where}仍有此问题" + (f"，{overdue_note}" if late else ""))
    late_fix = late or item.status == RECTIFY_OVERDUE
    return Change(RECTIFY_DONE, f"{where}已无此问题" + (f"（{NOTE_LATE_FIX}）" if late_fix else ""))
