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

LIST_FILE = "通知清单.xlsx"
LIST_HEADERS = ["单位", "年度", "问题数", "整改期限", "文件", "审核结果单"]
OUR_SUFFIXES = (".docx",)


class FolderRefused(Exception):
    """A --to folder holding files that are not ours: never replaced. `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class NoticeDoc:
    agency: str
    year: int
    count: int
    deadline: dt.date
    notice_name: str
    notice: bytes
    result_name: str
    result: bytes


@dataclass
class Batch:
    docs: list[NoticeDoc] = field(default_factory=list)


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
            (temp / doc.notice_name).write_bytes(doc.notice)
            (temp / doc.result_name).write_bytes(doc.result)
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
    """The rows (and files) of the earlier folder's notices this batch does not replace."""
    if not (target / LIST_FILE).is_file():
        return []
    from openpyxl import load_workbook

    new = {doc.notice_name.lower() for doc in batch.docs}
    rows = list(load_workbook(target / LIST_FILE, read_only=True).active.iter_rows(min_row=2, values_only=True))
    kept = []
    for row in rows:
        names = [str(v) for v in row[4:6] if v]
        if not names or names[0].lower() in new or not all((target / n).is_file() for n in names):
            continue
        for name in names:
            shutil.copy2(target / name, temp / name)
        kept.append(list(row))
    return kept


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
        sheet.append([escape_cell(v) for v in (doc.agency, doc.year, doc.count, doc.deadline.isoformat(),
                                               doc.notice_name, doc.result_name)])
    for row in others:
        sheet.append(row)                # read back as written (already escaped)
    for column, width in zip("ABCDEF", (36, 8, 8, 12, 60, 60)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    book.save(path)
