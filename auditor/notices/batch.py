"""A day's notices as one folder: every document built in memory first, written to a temporary folder
beside the target and moved into place whole, so a failure leaves nothing half-written and a re-run
of the same day replaces that day's folder."""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..outputs.escape import escape_cell
from .content import UNKNOWN_AGENCY as NAMELESS

LIST_FILE = "通知清单.xlsx"
LIST_HEADERS = ["单位", "年度", "审核结论", "问题数", "整改期限", "整改通知", "审核结果单"]
OUR_SUFFIXES = (".docx",)


class FolderRefused(Exception):
    """A --to folder holding files that are not ours: never replaced. `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Notice:
    """One 整改通知: the findings it puts before the agency, and its 整改期限."""
    count: int
    deadline: dt.date | None
    name: str
    data: bytes
    kept: bool = False          # the day's notice already in the folder, kept by a batch for some agencies


@dataclass
class SheetDoc:
    """One 审核结果单 (per agency and report year; per file when the report's agency or year is not
    known: then `agency` is None), with the agency-year's 整改通知 when it gets one."""
    agency: str | None
    year: int | None
    verdict: str
    name: str
    data: bytes
    notice: Notice | None = None


@dataclass
class Batch:
    docs: list[SheetDoc] = field(default_factory=list)

    @property
    def notices(self) -> list[SheetDoc]:
        return [d for d in self.docs if d.notice is not None]


def default_folder(run_folder: Path, notice_date: dt.date) -> Path:
    return run_folder / f"整改通知-{notice_date:%Y%m%d}"


def check_target(target: Path) -> None:
    """A target that exists may be replaced only when it is a notice folder (empty, or our files)."""
    if not target.exists():
        return
    if not target.is_dir():
        raise FolderRefused(f"{target} 已存在且不是目录，未写出通知；请用 --to 指定其他目录")
    strangers = [p.name for p in target.iterdir() if not (p.name == LIST_FILE or p.suffix.lower() in OUR_SUFFIXES)]
    if strangers:
        raise FolderRefused(f"目录 {target} 已存在且含有其他文件（如 {strangers[0]}），为免覆盖未写出通知；"
                            "请用 --to 指定一个新目录或通知目录")


def write(batch: Batch, target: Path, before_move: Callable[[], object], keep_others: bool = False) -> Path:
    """Write the batch to `target` whole (replacing an earlier folder of ours). `before_move` runs
    once every file is written and before the folder moves into place (the ledger records the
    items there): if it or any write fails, the exception propagates and nothing is left behind.
    With `keep_others` (a batch for some agencies only, --agency), the notices of other agencies
    already in the folder stay, as their items stay in the ledger."""
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".整改通知-", dir=target.parent))
    old = None
    try:
        for doc in batch.docs:
            (temp / doc.name).write_bytes(doc.data)
            if doc.notice is not None:
                (temp / doc.notice.name).write_bytes(doc.notice.data)
        others = _carry_over(batch, target, temp) if keep_others else []
        _write_list(batch, others, temp / LIST_FILE)
        before_move()
        if target.exists():
            old = target.with_name(temp.name + ".old")
            target.rename(old)
        temp.rename(target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        if old is not None and not target.exists():
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _carry_over(batch: Batch, target: Path, temp: Path) -> list[list[object]]:
    """The rows (and files) of the earlier folder's agency-years this batch does not cover. An
    agency-year this batch covers without a notice keeps the notice the folder already has for it
    (its items stay in the ledger: a batch for some agencies replaces only the items it gives)."""
    if not (target / LIST_FILE).is_file():
        return []
    from openpyxl import load_workbook

    rows = list(load_workbook(target / LIST_FILE, read_only=True).active.iter_rows(values_only=True))
    if not rows:
        return []
    at = {str(h): i for i, h in enumerate(rows[0]) if h}
    notice_at, sheet_at = at.get("整改通知", at.get("文件")), at.get("审核结果单")      # 文件: a folder of before
    if notice_at is None or sheet_at is None:
        return []
    covered = {(_name_key(d.agency), d.year): d for d in batch.docs if d.agency and d.year is not None}
    new = {n.lower() for d in batch.docs for n in (d.name, d.notice.name if d.notice else None) if n}
    kept = []
    for row in rows[1:]:
        cells = [row[i] if i < len(row) else None for i in range(len(rows[0]))]
        get = {h: cells[i] for h, i in at.items()}
        notice, sheet = (str(v) if v else None for v in (cells[notice_at], cells[sheet_at]))
        mine = covered.get((_name_key(get.get("单位")), _int(get.get("年度"))))
        if mine is not None:
            if mine.notice is None and notice and (target / notice).is_file() and notice.lower() not in new:
                shutil.copy2(target / notice, temp / notice)
                mine.notice = Notice(_int(get.get("问题数")) or 0, _date(get.get("整改期限")), notice, b"",
                                     kept=True)
            continue
        names = [n for n in (notice, sheet) if n]
        if not names or any(n.lower() in new for n in names) or not all((target / n).is_file() for n in names):
            continue
        for name in names:
            shutil.copy2(target / name, temp / name)
        kept.append([get.get(h) for h in LIST_HEADERS[:5]] + [notice, sheet])
    return kept


def _name_key(agency: object) -> object:
    from ..domain import agency_key

    return agency_key(agency) if agency and agency != NAMELESS else None


def _int(value: object) -> int | None:
    try:
        return int(value)           # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _write_list(batch: Batch, others: list[list[object]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "通知清单"
    sheet.append(LIST_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for doc in batch.docs:
        notice = doc.notice
        sheet.append([escape_cell(v) for v in (
            doc.agency or NAMELESS, doc.year, doc.verdict, notice.count if notice else None,
            notice.deadline.isoformat() if notice and notice.deadline else None,
            notice.name if notice else None, doc.name)])
    for row in others:
        sheet.append(row)                # read back as written (already escaped)
    for column, width in zip("ABCDEFG", (36, 8, 30, 8, 12, 60, 60)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    book.save(path)
