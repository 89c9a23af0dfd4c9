"""The run's part in the follow-up: before the workbook is written, every open item is judged
against what this run saw (status.next_status) and each report's verdict is taken from the 总览
logic; both are stored inside the run's one ledger transaction, so a failed run changes nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..absent import with_absent
from ..decisions import not_counted
from ..domain import RECTIFY_DONE, RECTIFY_OPEN, RECTIFY_OVERDUE, RECTIFY_STATUSES, RECTIFY_STILL_OPEN, agency_key
from ..engine import versions as ver
from ..ledger import Ledger
from ..outputs.tables import OVERVIEW_OPTIONAL, overview_frame
from ..verdicts import RunResult
from . import store
from .status import Change, OpenItem, Seen, next_status

SHEET_NAME = "整改跟踪"


@dataclass
class FollowUp:
    """What this run does to the items, and the verdicts it records."""
    items: pd.DataFrame                  # every item as it stands after this run (store.ITEM_COLUMNS)
    changes: list[tuple[int, Change]] = field(default_factory=list)     # (item id, its change)
    verdicts: pd.DataFrame | None = None
    at: str = ""                         # when the changes happened (store.now_text)


def follow_up(ledger: Ledger, result: RunResult, versions: pd.DataFrame, run: str, today: dt.date) -> FollowUp:
    """Judge every open item against this run's result and take each report's verdict."""
    items = store.all_items(ledger)
    at = store.now_text()
    changes = []
    if len(items):
        evidence = _Evidence(result, versions, run)
        for row in items[items["status"].isin(RECTIFY_STILL_OPEN)].itertuples():
            item = OpenItem(row.status, row.version_hash, dt.date.fromisoformat(row.deadline), row.note or "")
            change = next_status(item, evidence.of(row.fingerprint, agency_key(row.agency), int(row.year)), today)
            if change is not None:
                changes.append((int(row.id), change))
        items = _applied(items, changes, at)
    return FollowUp(items, changes, verdict_rows(result), at)


def unchanged(ledger: Ledger) -> FollowUp:
    """A run that stands on the last one: its items as they are (the input key holds them)."""
    return FollowUp(store.all_items(ledger))


class _Evidence:
    """This run's findings and current versions, indexed for the items' questions."""

    def __init__(self, result: RunResult, versions: pd.DataFrame, run: str) -> None:
        self.run = run
        frames = [f for f in (result.findings, result.absent_findings) if f is not None and len(f)]
        findings = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["fingerprint", "file", "category"])
        self.dismissed = _flagged(findings, "dismissed")
        self.waived = _flagged(findings, "waived")
        own = result.findings
        if len(own):
            standing = own[(own["category"] == "compliance") & ~not_counted(own)]
            self.standing = set(zip(standing["file"], standing["fingerprint"]))
        else:
            self.standing = set()
        self.current: dict[tuple[str, int], tuple[str, str, str]] = {}
        state = versions["state"] if len(versions) else pd.Series(dtype=object)
        for r in result.reports[["file", "agency", "year", "status"]].itertuples(index=False):
            key, year = agency_key(r.agency), _year(r.year)
            if key is None or year is None or state.get(r.file, ver.CURRENT) != ver.CURRENT:
                continue
            self.current[(key, year)] = (r.file, str(versions.at[r.file, "hash"]) if r.file in versions.index
                                         else "", str(r.status))

    def of(self, fingerprint: str, key: str | None, year: int) -> Seen:
        flags = {"dismissed": fingerprint in self.dismissed, "waived": fingerprint in self.waived}
        found = self.current.get((key or "", year))
        if found is None:
            return Seen(**flags)
        file, version, status = found
        return Seen(**flags, provided=True, version_hash=version, read_status=status,
                    standing=(file, fingerprint) in self.standing, file=Path(file).name, run=self.run)


def _flagged(findings: pd.DataFrame, column: str) -> set[str]:
    if column not in findings.columns or not len(findings):
        return set()
    flags = findings[column].where(findings[column].notna(), False).astype(bool)
    return set(findings.loc[flags, "fingerprint"])


def _year(value: object) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def _applied(items: pd.DataFrame, changes: list[tuple[int, Change]], at: str) -> pd.DataFrame:
    items = items.copy()
    position = {int(i): n for n, i in enumerate(items["id"])}
    for item_id, change in changes:
        n = position[item_id]
        items.iloc[n, items.columns.get_loc("status")] = change.status
        items.iloc[n, items.columns.get_loc("note")] = change.note
        items.iloc[n, items.columns.get_loc("changed_at")] = at
    return items


def verdict_rows(result: RunResult) -> pd.DataFrame:
    """Per report of the run (those not provided too, as 总览 lists them): the 总览 verdict and counts."""
    _, reports = with_absent(result.findings, result.reports, result.absent_findings, result.absent_reports)
    if not len(reports):
        return pd.DataFrame(columns=store.VERDICT_COLUMNS)
    overview = overview_frame(reports).drop_duplicates("文件").set_index("文件")
    raw = reports.drop_duplicates("file").set_index("file")
    files = list(raw.index)
    on_time = OVERVIEW_OPTIONAL["deadline_status"]
    return pd.DataFrame({
        "file": files, "agency": raw["agency"].tolist(), "agency_key": [agency_key(a) for a in raw["agency"]],
        "year": [_year(y) for y in raw["year"]], "status": raw["status"].tolist(),
        "verdict": overview.loc[files, "审核结论"].tolist(),
        "n_error": overview.loc[files, "错误"].tolist(), "n_warning": overview.loc[files, "警告"].tolist(),
        "n_info": overview.loc[files, "提示"].tolist(), "n_extraction": overview.loc[files, "读取问题"].tolist(),
        "published": raw["published"].tolist(),
        "deadline_status": overview.loc[files, on_time].tolist() if on_time in overview.columns else None,
    }, dtype=object)


def save(db: sqlite3.Connection, follow: FollowUp) -> None:
    """Store this run's changes and verdicts: called inside the run's transaction, after its row
    is in `runs` (the newest id there is this run's)."""
    store.ensure_tables(db)
    run_id = int(db.execute("SELECT MAX(id) FROM runs").fetchone()[0])
    for item_id, change in follow.changes:
        db.execute("UPDATE rectify_items SET status = ?, note = ?, changed_at = ? WHERE id = ?",
                   (change.status, change.note, follow.at, item_id))
        store.add_history(db, item_id, follow.at, change.status, change.note, run_id)
    if follow.verdicts is not None:
        store.record_verdicts(db, run_id, follow.verdicts)


def key_part(items: pd.DataFrame, today: dt.date) -> str:
    """What can change an item, for the run's input key: the items and their statuses, and which
    deadlines have passed as of today ("" without items, so a ledger without any keeps its key)."""
    if not len(items):
        return ""
    digest = hashlib.sha256()
    for row in items.sort_values("id").itertuples():
        passed = row.status in RECTIFY_STILL_OPEN and today > dt.date.fromisoformat(row.deadline)
        digest.update(repr((int(row.id), row.fingerprint, row.status, row.notice_date, row.deadline,
                            row.version_hash, passed)).encode())
    return "followup=" + digest.hexdigest()[:16]


def summary_line(follow: FollowUp) -> str | None:
    """One line for the terminal and the log when the ledger has items, e.g.
    整改跟踪：待整改 2，已整改 1，逾期未整改 0（本次变化 1 项，见工作簿「整改跟踪」表）。"""
    if not len(follow.items):
        return None
    counts = follow.items["status"].value_counts()
    main = (RECTIFY_OPEN, RECTIFY_DONE, RECTIFY_OVERDUE)
    parts = [f"{s} {int(counts.get(s, 0))}" for s in RECTIFY_STATUSES if s in main or counts.get(s, 0)]
    return f"{SHEET_NAME}：{'，'.join(parts)}（本次变化 {len(follow.changes)} 项，见工作簿「{SHEET_NAME}」表）。"
