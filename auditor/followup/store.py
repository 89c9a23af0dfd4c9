"""The follow-up tables in the ledger: rectification items (整改事项), their history, and the
per-report verdicts every run records.

The tables live in the ledger's own file and are written on its connection, inside the same
transactions the run uses, so a failed run changes nothing here either. They are created by this
module (CREATE TABLE IF NOT EXISTS) the first time the store is used and at every run: the ledger
itself knows nothing of them.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from ..domain import RECTIFY_OPEN, RECTIFY_STILL_OPEN, agency_key, today
from ..ledger import Ledger

_TABLES = (
    """CREATE TABLE IF NOT EXISTS rectify_items(
      id INTEGER PRIMARY KEY, agency TEXT, agency_key TEXT, year INTEGER, file TEXT, version_hash TEXT,
      fingerprint TEXT, rule_id TEXT, severity TEXT, location TEXT, message TEXT, basis TEXT,
      notice_date TEXT, deadline TEXT, notice_file TEXT, status TEXT, changed_at TEXT, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS rectify_items_fp ON rectify_items(fingerprint)",
    "CREATE INDEX IF NOT EXISTS rectify_items_agency ON rectify_items(agency_key, year)",
    """CREATE TABLE IF NOT EXISTS rectify_history(
      id INTEGER PRIMARY KEY, item_id INTEGER, at TEXT, status TEXT, note TEXT, run_id INTEGER)""",
    "CREATE INDEX IF NOT EXISTS rectify_history_item ON rectify_history(item_id)",
    """CREATE TABLE IF NOT EXISTS run_verdicts(
      run_id INTEGER, file TEXT, agency TEXT, agency_key TEXT, year INTEGER, status TEXT, verdict TEXT,
      n_error INTEGER, n_warning INTEGER, n_info INTEGER, n_extraction INTEGER, published TEXT,
      deadline_status TEXT)""",
    "CREATE INDEX IF NOT EXISTS run_verdicts_run ON run_verdicts(run_id)",
    "CREATE INDEX IF NOT EXISTS run_verdicts_agency ON run_verdicts(agency_key, year)",
)
ITEM_COLUMNS = ["id", "agency", "agency_key", "year", "file", "version_hash", "fingerprint", "rule_id", "severity",
                "location", "message", "basis", "notice_date", "deadline", "notice_file", "status", "changed_at",
                "note"]
VERDICT_COLUMNS = ["file", "agency", "agency_key", "year", "status", "verdict", "n_error", "n_warning", "n_info",
                   "n_extraction", "published", "deadline_status"]
NOTICE_NOTE = "发出整改通知"


@dataclass(frozen=True)
class NoticeItem:
    """One finding put in front of an agency by a notice (auditor/notices), as the item to follow."""
    agency: str
    year: int
    file: str
    fingerprint: str
    rule_id: str
    severity: str
    location: str
    message: str
    basis: str
    notice_date: dt.date
    deadline: dt.date
    notice_file: str


@dataclass
class AddOutcome:
    """What `add_items` did: items stored now (new, or replacing the same day's), and items not
    added because the finding is still open from an earlier notice (that item and its deadline stand)."""
    added: list[NoticeItem] = field(default_factory=list)
    kept: list[NoticeItem] = field(default_factory=list)
    replaced: int = 0            # items of the same notice date (a re-run of that day's notices) removed


def ensure_tables(db: sqlite3.Connection) -> None:
    """The follow-up tables, if the ledger does not have them yet. Plain statements, not a script:
    a script would commit a transaction the caller has open."""
    for statement in _TABLES:
        db.execute(statement)


def now_text() -> str:
    """When a change happens: today's date as the run takes it (AUDITOR_TODAY honoured, so a
    backfill's history reads as of its day) with the clock's time."""
    return f"{today().isoformat()}T{dt.datetime.now().strftime('%H:%M:%S')}"


def add_items(ledger: Ledger, items: list[NoticeItem], replace_day: dt.date | None = None) -> AddOutcome:
    """Store the items of a notice run in one transaction. Each agency-year's items of the same
    notice date are replaced (notices re-run that day give the same items, not twice as many); with
    `replace_day` (a notice run for every agency) all of that day's items are, so an agency no longer
    notified on a re-run keeps no item either. A finding still open from another notice date is kept
    as it is, not added again."""
    db = ledger.db
    outcome = AddOutcome()
    now = now_text()
    with db:
        ensure_tables(db)
        if replace_day is not None:
            for (key, year) in db.execute("SELECT DISTINCT agency_key, year FROM rectify_items WHERE notice_date = ?",
                                          (replace_day.isoformat(),)).fetchall():
                outcome.replaced += _drop_day(db, key, year, replace_day.isoformat())
        days = {(agency_key(i.agency), int(i.year), i.notice_date.isoformat()) for i in items}
        for key, year, day in sorted(days, key=str):
            outcome.replaced += _drop_day(db, key, year, day)
        for item in items:
            day = item.notice_date.isoformat()
            if _open_elsewhere(db, item.fingerprint, day):
                outcome.kept.append(item)
                continue
            cur = db.execute(
                "INSERT INTO rectify_items(agency, agency_key, year, file, version_hash, fingerprint, rule_id, "
                "severity, location, message, basis, notice_date, deadline, notice_file, status, changed_at, note) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (item.agency, agency_key(item.agency), int(item.year), item.file, version_of(db, item.file),
                 item.fingerprint, item.rule_id, item.severity, item.location, item.message, item.basis, day,
                 item.deadline.isoformat(), item.notice_file, RECTIFY_OPEN, now, NOTICE_NOTE))
            add_history(db, int(cur.lastrowid), now, RECTIFY_OPEN, f"{NOTICE_NOTE}（{item.notice_file}）", None)
            outcome.added.append(item)
    return outcome


def _drop_day(db: sqlite3.Connection, key: str | None, year: int, day: str) -> int:
    ids = [r[0] for r in db.execute("SELECT id FROM rectify_items WHERE agency_key IS ? AND year = ? "
                                    "AND notice_date = ?", (key, year, day))]
    for item_id in ids:
        db.execute("DELETE FROM rectify_history WHERE item_id = ?", (item_id,))
        db.execute("DELETE FROM rectify_items WHERE id = ?", (item_id,))
    return len(ids)


def _open_elsewhere(db: sqlite3.Connection, fingerprint: str, day: str) -> bool:
    marks = ",".join("?" * len(RECTIFY_STILL_OPEN))
    return db.execute(f"SELECT 1 FROM rectify_items WHERE fingerprint = ? AND notice_date != ? "
                      f"AND status IN ({marks}) LIMIT 1", (fingerprint, day, *RECTIFY_STILL_OPEN)).fetchone() is not None


def version_of(db: sqlite3.Connection, file: str) -> str | None:
    """The content hash of the version of `file` the ledger saw last: what "unchanged" is judged by."""
    row = db.execute("SELECT hash FROM versions WHERE file = ? ORDER BY last_seen DESC LIMIT 1", (file,)).fetchone()
    return None if row is None else row[0]


def add_history(db: sqlite3.Connection, item_id: int, at: str, status: str, note: str, run_id: int | None) -> None:
    db.execute("INSERT INTO rectify_history(item_id, at, status, note, run_id) VALUES(?,?,?,?,?)",
               (item_id, at, status, note, run_id))


def all_items(ledger: Ledger) -> pd.DataFrame:
    """Every item, whatever its status (empty frame with the columns when there are none)."""
    ensure_tables(ledger.db)
    return pd.read_sql_query(f"SELECT {', '.join(ITEM_COLUMNS)} FROM rectify_items ORDER BY id", ledger.db)


def open_items(ledger: Ledger) -> pd.DataFrame:
    """The items still to be re-checked: 待整改 or 逾期未整改."""
    items = all_items(ledger)
    return items[items["status"].isin(RECTIFY_STILL_OPEN)].reset_index(drop=True)


def has_items(ledger: Ledger) -> bool:
    ensure_tables(ledger.db)
    return ledger.db.execute("SELECT 1 FROM rectify_items LIMIT 1").fetchone() is not None


def history(ledger: Ledger, item_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Status changes (item_id, at, status, note, run_id), oldest first."""
    ensure_tables(ledger.db)
    frame = pd.read_sql_query("SELECT item_id, at, status, note, run_id FROM rectify_history ORDER BY id", ledger.db)
    if item_ids is not None:
        frame = frame[frame["item_id"].isin(list(item_ids))].reset_index(drop=True)
    return frame


def record_verdicts(db: sqlite3.Connection, run_id: int, verdicts: pd.DataFrame) -> None:
    """One run's per-report verdicts (VERDICT_COLUMNS), inside the caller's transaction."""
    rows = [(run_id, *(_plain(v) for v in row)) for row in verdicts[VERDICT_COLUMNS].itertuples(index=False)]
    db.executemany(f"INSERT INTO run_verdicts VALUES({','.join('?' * (len(VERDICT_COLUMNS) + 1))})", rows)


def copy_verdicts(db: sqlite3.Connection, run_id: int, from_run: int) -> None:
    """An unchanged run's verdicts are its predecessor's."""
    db.execute(f"INSERT INTO run_verdicts SELECT ?, {', '.join(VERDICT_COLUMNS)} FROM run_verdicts WHERE run_id = ?",
               (run_id, from_run))


def run_verdicts(ledger: Ledger, run_id: int) -> pd.DataFrame:
    """Per report of that run: file, agency, year, status, verdict, the counts, published and 按期发布
    (empty for runs before this was recorded)."""
    ensure_tables(ledger.db)
    return pd.read_sql_query(f"SELECT {', '.join(VERDICT_COLUMNS)} FROM run_verdicts WHERE run_id = ? ORDER BY file",
                             ledger.db, params=(run_id,))


def _plain(value: object) -> object:
    """A value sqlite3 can store: NaN/NA as NULL, numpy numbers as Python ones."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
