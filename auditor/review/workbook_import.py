"""Reviewers' decisions read back from the workbook's 问题清单 (`auditor decisions import`).

Staff fill 处理意见 and 说明 in Excel or WPS, and may sort, filter, hide, move or add columns: the
sheet is found by its name and the columns by their headers. Every row is checked against the latest
run (auditor/review/latest.py) before anything is stored, and the rows are stored together or not at
all: a workbook with one wrong row imports nothing, and each error names its Excel row. A row that
says what the ledger already holds is not recorded again, so importing the same workbook twice (or a
workbook prefilled from the ledger) changes nothing.
"""
from __future__ import annotations

import json
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd

from ..decisions import decision_code
from ..domain import CATEGORY_WORDS, FINDING_HEADERS
from ..ledger import DECISION_WORDS, values_hash
from ..outputs.escape import needs_escape
from ..outputs.tables import COMMENT_HEADER, DECISION_HEADER, jsonable, text, values_object, values_text
from ..outputs.values_text import readable_values
from ..outputs.xlsx import ISSUES_SHEET, fit_cell

FINGERPRINT_HEADER = FINDING_HEADERS["fingerprint"]
VALUES_HEADER = FINDING_HEADERS["values"]
REQUIRED_HEADERS = (FINGERPRINT_HEADER, DECISION_HEADER, COMMENT_HEADER, VALUES_HEADER)
PLACE_HEADERS = (FINDING_HEADERS["agency"], FINDING_HEADERS["location"])     # only to name a row in errors
HEADER_SEARCH_ROWS = 20         # staff may put a title or notes above the header row
READABLE_SUFFIXES = (".xlsx", ".xlsm")
SAVE_AS_SUFFIXES = (".xls", ".et", ".ett", ".csv", ".xlt", ".ods", ".numbers")
SHOWN_CHARS = 120               # of a 数值 cell quoted in an error


class WorkbookError(Exception):
    """A workbook that cannot be imported at all (missing, not .xlsx, damaged, no 问题清单, no
    header); `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FilledRow:
    """One row of 问题清单 with a 处理意见 filled in, as the reviewer left it."""
    number: int              # the Excel row number
    fingerprint: str
    word: str
    comment: str
    values: str
    agency: str = ""
    location: str = ""


@dataclass
class ImportPlan:
    """What a workbook asks for: the decisions to record, the rows already in force, the errors."""
    record: list[tuple[str, str, str, str]] = field(default_factory=list)   # fingerprint, values_hash, code, comment
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, code: str) -> int:
        return sum(1 for _, _, c, _ in self.record if c == code)

    def summary(self) -> str:
        """One Chinese sentence for the reviewer."""
        if not self.record and not self.unchanged:
            return f"工作簿「{ISSUES_SHEET}」中没有填写处理意见的行，账本未改动。"
        if not self.record:
            return f"已导入 0 条；未变化 {self.unchanged} 条（与账本中现行的处理意见相同），账本未改动。"
        words = "、".join(f"{word} {self.count(code)} 条" for code, word in DECISION_WORDS.items())
        return (f"已导入 {len(self.record)} 条：{words}；未变化 {self.unchanged} 条；"
                "下次运行 auditor run 起计入。")


# ---------------------------------------------------------------- reading the workbook

def check_path(path: Path) -> None:
    """Refuse, before opening anything, a workbook that is missing or not an .xlsx file."""
    if not path.exists():
        raise WorkbookError(f"工作簿 {path} 不存在，未导入任何处理意见。")
    if not path.is_file():
        raise WorkbookError(f"{path} 不是文件，请给出填写了处理意见的工作簿（.xlsx）。")
    suffix = path.suffix.lower()
    if suffix in SAVE_AS_SUFFIXES:
        raise WorkbookError(f"{path} 是 {suffix} 文件，无法读取：请在 Excel 或 WPS 中「另存为」Excel 工作簿"
                            "（.xlsx）后再导入。")
    if suffix not in READABLE_SUFFIXES:
        raise WorkbookError(f"{path} 不是 Excel 工作簿（.xlsx）：请给出审核结果中的 summary.xlsx"
                            "（填写处理意见后保存的文件），其他类型的文件请先另存为 .xlsx。")


def read_filled_rows(path: Path) -> list[FilledRow]:
    """The rows of 问题清单 whose 处理意见 is filled in, wherever its columns are."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_path(path)
    damaged = (f"工作簿 {path} 无法读取（文件已损坏，或不是 Excel 工作簿；若正在 Excel/WPS 中打开，"
               "请先保存并关闭）")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise WorkbookError(f"{damaged}：{exc}") from None
    try:
        if ISSUES_SHEET not in book.sheetnames:
            raise WorkbookError(f"工作簿 {path} 中没有「{ISSUES_SHEET}」工作表（现有：{'、'.join(book.sheetnames)}）；"
                                f"请导入审核结果 summary.xlsx 填写后的文件，不要给「{ISSUES_SHEET}」改名。")
        sheet = book[ISSUES_SHEET]
        sheet.reset_dimensions()        # a sheet saved by another program may state a wrong size
        return list(_filled(sheet.iter_rows(values_only=True), path))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise WorkbookError(f"{damaged}：{exc}") from None
    finally:
        book.close()


def _filled(rows: Iterable[tuple], path: Path) -> Iterator[FilledRow]:
    rows = iter(rows)
    header_row, columns = _header(rows, path)
    for number, row in enumerate(rows, start=header_row + 1):
        get = _getter(row, columns)
        word = unicodedata.normalize("NFKC", get(DECISION_HEADER))
        if not word:
            continue        # not reviewed: nothing to import (a blank never withdraws a decision)
        yield FilledRow(number=number, fingerprint=unicodedata.normalize("NFKC", get(FINGERPRINT_HEADER)).lower(),
                        word=word, comment=get(COMMENT_HEADER), values=get(VALUES_HEADER),
                        agency=get(PLACE_HEADERS[0]), location=get(PLACE_HEADERS[1]))


def _header(rows: Iterator[tuple], path: Path) -> tuple[int, dict[str, int]]:
    """The Excel row number of the header row and the column of each header that matters."""
    best: tuple[int, set[str]] = (0, set())
    for number, row in enumerate(rows, start=1):
        names = [cell_text(v) for v in row]
        found = {h for h in REQUIRED_HEADERS if h in names}
        if found == set(REQUIRED_HEADERS):
            twice = [h for h in (*REQUIRED_HEADERS, *PLACE_HEADERS) if names.count(h) > 1]
            if twice:
                raise WorkbookError(f"工作簿 {path}「{ISSUES_SHEET}」第 {number} 行的表头中"
                                    f"{'、'.join(f'「{h}」' for h in twice)}出现了不止一次，无法确定读哪一列；"
                                    "请删去或改名多出的列。")
            return number, {h: names.index(h) for h in (*REQUIRED_HEADERS, *PLACE_HEADERS) if h in names}
        if len(found) > len(best[1]):
            best = (number, found)
        if number >= HEADER_SEARCH_ROWS:
            break
    missing = "、".join(f"「{h}」" for h in REQUIRED_HEADERS if h not in best[1])
    raise WorkbookError(f"工作簿 {path} 的「{ISSUES_SHEET}」中没有找到表头列 {missing}（前 {HEADER_SEARCH_ROWS} 行内）；"
                        "导入需要「指纹」「处理意见」「说明」「数值」四列：可以移动、隐藏列，但不要删除或改名。")


def _getter(row: tuple, columns: dict[str, int]):
    def get(header: str) -> str:
        col = columns.get(header)
        return cell_text(row[col]) if col is not None and col < len(row) else ""
    return get


def cell_text(value: Any) -> str:
    """A cell as the text the reviewer sees, stripped, with the workbook's formula escaping
    (auditor/outputs/escape.py: a leading ' before = + - @) undone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value)
    if out.startswith("'") and needs_escape(out[1:]):
        out = out[1:]
    return out.strip()


# ---------------------------------------------------------------- checking against the latest run

def plan_import(rows: list[FilledRow], findings: pd.DataFrame) -> ImportPlan:
    """Check every row against the latest run's findings (latest.py: values_hash and the decision
    in force attached) and say what to record; any error means nothing is recorded."""
    plan = ImportPlan()
    by_fp = _by_fingerprint(findings)
    first: dict[str, tuple[int, str | None, str]] = {}
    for row in rows:
        finding = by_fp.get(row.fingerprint)
        code = decision_code(row.word)
        problems, unchanged = _problems(row, code, finding)
        if row.fingerprint in first and row.fingerprint:
            number, code_before, comment_before = first[row.fingerprint]
            if (code_before, comment_before) == (code, row.comment):
                continue                # the same decision twice: once is enough
            problems.append(f"指纹 {row.fingerprint} 在第 {number} 行也出现，处理意见或说明与该行不同；"
                            "同一问题只能有一个处理意见")
        first.setdefault(row.fingerprint, (row.number, code, row.comment))
        if problems:
            place = _place(row, finding)
            plan.errors += [f"第 {row.number} 行{place}：{p}" for p in problems]
        elif unchanged:
            plan.unchanged += 1
        else:
            plan.record.append((row.fingerprint, _recorded_hash(finding), code, row.comment))
    return plan


def _problems(row: FilledRow, code: str | None, finding: dict | None) -> tuple[list[str], bool]:
    """What is wrong with one row, and whether it only repeats the decision in force (a row
    prefilled from the ledger is that, even a 不予采纳 recorded by `auditor decide` without a reason)."""
    problems = []
    if code is None:
        problems.append(f"处理意见「{row.word}」无法识别，请从下拉列表中选择 确认属实 或 不予采纳（或留空）")
    if not row.fingerprint:
        problems.append("「指纹」为空，无法确定是哪一条问题")
    elif finding is None:
        problems.append(f"指纹 {row.fingerprint} 不在最近一次审核的结果中（工作簿可能来自更早的运行，"
                        "或指纹被改动）；请在最新的 summary.xlsx 中填写")
    else:
        problems += [p for p in [_values_problem(row.values, finding)] if p]
    if not problems and _in_force(finding) == (code, row.comment):
        return [], True
    if code == "dismissed" and not row.comment:
        problems.append("不予采纳须在「说明」中写明理由")
    if finding is not None and not problems:
        problems += [p for p in [_not_decidable(finding)] if p]
    return problems, False


def _values_problem(cell: str, finding: dict) -> str | None:
    """Why the row's 数值 are not the latest run's values of its finding, or None. The cell is the
    readable text workbooks show now (outputs/values_text.py), or the JSON of older workbooks."""
    written = _json_object(cell)
    if written is None:
        latest = fit_cell(readable_values(finding["values"]))
        if _same_text(cell, latest):
            return None
        return (f"数值与最近一次审核不一致：工作簿中为「{_short(cell)}」，最近一次审核为「{_short(latest)}」"
                "（工作簿可能来自更早的运行，报告已改动；或单元格被改动）；请在最新的 summary.xlsx 中重新核查后填写")
    latest = values_text(finding["values"])
    if written != values_object(finding["values"]):
        return (f"数值与最近一次审核不一致：工作簿中为「{_short(cell)}」，最近一次审核为「{_short(latest)}」"
                "（工作簿可能来自更早的运行，报告已改动；或单元格被改动）；请在最新的 summary.xlsx 中重新核查后填写")
    return None


def _json_object(cell: str) -> dict | None:
    """The values an older workbook wrote as JSON (an object), or None for any other text."""
    if not cell.startswith("{"):
        return None
    try:
        written = jsonable(json.loads(cell))
    except ValueError:
        return None
    return written if isinstance(written, dict) else None


def _same_text(cell: str, latest: str) -> bool:
    """The cell says what the latest run says (Excel or WPS may have changed line ends or spaces
    at the ends, which `cell_text` strips)."""
    def norm(value: str) -> str:
        return unicodedata.normalize("NFKC", value.replace("\r\n", "\n")).strip()
    return norm(cell) == norm(latest)


def _not_decidable(finding: dict) -> str | None:
    """Why a finding of the latest run is not one a reviewer may decide on now, or None."""
    if finding["category"] != "compliance":
        return f"这是{CATEGORY_WORDS.get(finding['category'], finding['category'])}，不是合规问题，不能填写处理意见"
    if finding["superseded"]:
        return "这条问题属于已被更正版取代的报告版本，不再成立，不能填写处理意见"
    if finding["absent"]:
        return "该报告本次未提供，这条是以前审核的结果，本次不能处理；报告重新提供并审核后再填写"
    if finding["waived"]:
        return f"该问题已豁免（{finding['waiver'] or '见豁免清单'}），不计入任何统计，无需处理意见"
    return None


def _in_force(finding: dict) -> tuple[str | None, str] | None:
    """(code, comment) of the decision in force on a finding, None when there is none."""
    word = text(finding.get("decision_word"))
    return (decision_code(word), text(finding.get("decision_comment")).strip()) if word else None


def _by_fingerprint(findings: pd.DataFrame) -> dict[str, dict]:
    """Each fingerprint's finding; where one appears twice, the one a reviewer can decide on first."""
    out: dict[str, dict] = {}
    for finding in findings.to_dict("records"):
        fp = text(finding["fingerprint"]).lower()
        if fp not in out or (_not_decidable(out[fp]) and not _not_decidable(finding)):
            out[fp] = finding
    return out


def _recorded_hash(finding: dict) -> str:
    """The values hash the ledger recorded for the finding in the latest run (what a decision binds to)."""
    stored = finding.get("values_hash")
    return stored if isinstance(stored, str) and stored else values_hash(finding["values"])


def _place(row: FilledRow, finding: dict | None) -> str:
    agency = text(finding["agency"]) if finding else row.agency
    location = text(finding["location"]) if finding else row.location
    parts = [p for p in (agency, location) if p]
    return f"（{'，'.join(parts)}）" if parts else ""


def _short(value: str) -> str:
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"
