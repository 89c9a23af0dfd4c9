"""Chinese-labelled frames shared by the CSV and XLSX writers.

All wording a civil servant sees (headers, status words) lives here so CSV and XLSX can never
disagree; the finding columns and their headers, severity, category and verdict words come from
auditor/domain.py, their one home. Frames hold plain Python values (object dtype)
so ints stay ints and missing values stay None; escaping is the writers' job.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

# Severity, category and verdict words, and the finding columns with their headers, have one home
# (auditor/domain.py), shared with the engine, findings.jsonl, the rule listing and the command line.
from ..domain import (ABSENT_WORD, CATEGORY_WORDS, FINDING_COLUMNS, FINDING_HEADERS,  # noqa: F401
                      OPTIONAL_FINDING_COLUMNS, SEVERITY_ORDER, SEVERITY_WORDS, VERDICT_ERROR, VERDICT_FAILED,
                      VERDICT_OK, VERDICT_PARTIAL_SUFFIX, VERDICT_WARNING)
from ..decisions import DECISION_DETAIL_COLUMNS
from .values_text import readable_values        # 数值 in the workbook: 「键：值；…」, not JSON

REPORT_COLUMNS = ["file", "agency", "year", "template", "published", "status", "problems",
                  "n_error", "n_warning", "n_info", "n_extraction"]

STATUS_WORDS = {"complete": "完整", "partial": "部分读取", "failed": "读取失败"}
TEMPLATE_WORDS = {"2021": "2021版", "2019": "2019版"}


SEVERITY_HEADER = FINDING_HEADERS["severity"]
# 格式: the report format (2021版 or 2019版), the README's word for it. 单位 comes first, 文件 last.
FORMAT_HEADER = "格式"
OVERVIEW_HEADERS = ["单位", "年度", FORMAT_HEADER, "发布日期", "读取状态", *SEVERITY_WORDS.values(),
                    "读取问题", "审核结论"]
FILE_HEADER = "文件"
# Present when the verdicts computed them (see auditor/verdicts.py `_overview`; `version` from engine/versions.py).
OVERVIEW_OPTIONAL = {"agency_type": "单位类型", "deadline": "发布期限", "deadline_status": "按期发布",
                     "version": "版本"}
# The roster's columns (auditor/roster.roster_details), present on reports and findings when a roster
# was given: shown right after 单位 in every sheet that names an agency. `roster_type` is the roster
# unit's 单位类型 for the finding sheets (总览 has its own, the roster's or inferred).
ROSTER_WORDS = {"region": "地区", "parent": "上级单位", "roster_type": "单位类型"}
# The report's evidence page (auditor/evidence/names.page_path, relative to the workbook), when the
# run wrote one: the 核查页 column of 总览 and 问题清单, a link 「查看」.
EVIDENCE_COLUMN, EVIDENCE_HEADER, EVIDENCE_TEXT = "evidence_page", "核查页", "查看"
# A version that does not count (auditor/engine/versions.py): no counts, no verdict of its own.
VERDICT_NOT_COUNTED = {"superseded": "不作结论（已被更正版取代）", "copy": "不重复计（重复副本）"}
# A report not provided this time (auditor/absent.py): its last counts and verdict, called so.
ABSENT_STATE = "absent"
VERDICT_ABSENT_SUFFIX = f"（上次结论，{ABSENT_WORD}）"
# The workbook's finding sheets: their finding columns, headed as in findings.csv.
SUPERSEDED_HEADERS = [*(FINDING_HEADERS[c] for c in ("file", "agency", "year", "superseded", "category")),
                      "原" + SEVERITY_HEADER,        # the severity it had: a superseded version counts nowhere
                      *(FINDING_HEADERS[c] for c in ("rule_id", "title", "location", "message", "values",
                                                    "fingerprint"))]
ISSUE_COLUMNS = ["agency", "year", "file", "severity", "rule_id", "title", "location", "message", "basis", "values"]
ISSUE_HEADERS = [FINDING_HEADERS[c] for c in ISSUE_COLUMNS]
# 问题清单 is also the review form: a reviewer picks 处理意见 (the decision's word) and writes 说明;
# 处理记录 (who and when, or that the decision is void) is for reading. `auditor decisions import`
# finds these columns, 指纹 and 数值 by these headers (auditor/review/workbook_import.py).
DECISION_HEADER = FINDING_HEADERS["decision"]
COMMENT_HEADER = "说明"
RECORD_HEADER = "处理记录"
REVIEW_FORM_HEADERS = [DECISION_HEADER, COMMENT_HEADER, RECORD_HEADER]
REVIEW_HEADERS = [*(FINDING_HEADERS[c] for c in ("file", "agency", "year")), "读取状态", FINDING_HEADERS["rule_id"],
                  "原因"]
RULE_HEADERS = [*(FINDING_HEADERS[c] for c in ("rule_id", "title", "severity", "category")), "发现数", "涉及报告数"]


# ---------------------------------------------------------------- value normalisation

def clean(value: Any) -> Any:
    """Turn NaN/NA/NaT into None and numpy scalars into Python ones; containers pass through."""
    if value is None or isinstance(value, (str, bytes, dict, list, tuple, set)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # array-likes: not a scalar missing value
        return value
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def as_int(value: Any) -> int | None:
    """Year/count as int, or None when missing or not a whole number."""
    value = clean(value)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def text(value: Any) -> str:
    """Display text; missing becomes the empty string."""
    value = clean(value)
    return "" if value is None else str(value)


def jsonable(value: Any) -> Any:
    """Recursively convert to JSON-safe Python (NaN/inf → None, keys → str) so output is strict JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    value = clean(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def values_object(value: Any) -> Any:
    """The `values` field as a JSON object ({} when missing)."""
    value = jsonable(value)
    return {} if value is None else value


def values_text(value: Any) -> str:
    """The `values` field as compact JSON text for a spreadsheet cell."""
    return json.dumps(values_object(value), ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def problem_list(value: Any) -> list[str]:
    """`problems` as a list of strings whatever container (or missing marker) it arrives in."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, set)):
        return [text(p) for p in value if text(p)]
    return [] if clean(value) is None else [text(value)]


def word(mapping: dict[str, str], value: Any) -> str:
    """Chinese word for a code; unknown codes are shown as-is rather than hidden."""
    key = text(value)
    return mapping.get(key, key)


def template_word(value: Any) -> str:
    key = text(value)
    return TEMPLATE_WORDS.get(key, f"{key}版" if key else "未识别")


def verdict(status: Any, n_error: Any, n_warning: Any) -> str:
    """Audit conclusion; an unreadable report is never called 合格."""
    status = text(status)
    if status == "failed":
        result = VERDICT_FAILED
    elif (as_int(n_error) or 0) > 0:
        result = VERDICT_ERROR
    elif (as_int(n_warning) or 0) > 0:
        result = VERDICT_WARNING
    else:
        result = VERDICT_OK
    return result + VERDICT_PARTIAL_SUFFIX if status == "partial" else result


# ---------------------------------------------------------------- frames

def require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Fail early with a clear message instead of a KeyError deep in a writer."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing columns: {', '.join(missing)}")


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dicts of cleaned scalars (containers such as `values`/`problems` kept intact).
    Column by column: a province's overview has ten thousand rows, read by several sheets."""
    cleaned = [[_clean_fast(v) for v in frame[c].tolist()] for c in columns]
    return [dict(zip(columns, row)) for row in zip(*cleaned)]


_UNCHANGED = (str, int, bool, dict, list, tuple, type(None))


def _clean_fast(value: Any) -> Any:
    """`clean`, without its general checks for the types it returns unchanged."""
    kind = type(value)
    if kind in _UNCHANGED:
        return value
    if kind is float:
        return None if value != value else value
    return clean(value)


def _frame(rows: list[list[Any]], headers: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers, dtype=object)


def _severity_rank(value: Any) -> int:
    return SEVERITY_ORDER.get(text(value), len(SEVERITY_ORDER))


def findings_frame(findings: pd.DataFrame) -> pd.DataFrame:
    """All findings, input order, every column with Chinese headers (the CSV)."""
    require_columns(findings, FINDING_COLUMNS, "findings")
    extra = [c for c in ("waiver", "decision", "superseded", "absent") if c in findings.columns]
    columns = FINDING_COLUMNS + extra
    rows = []
    for f in records(findings, columns + _detail_columns(findings)):
        rows.append([
            text(f["file"]), text(f["agency"]), as_int(f["year"]), text(f["rule_id"]),
            text(f["rule_kind"]), text(f["title"]), word(SEVERITY_WORDS, f["severity"]),
            word(CATEGORY_WORDS, f["category"]), text(f["location"]), text(f["message"]),
            text(f["basis"]), values_text(f["values"]), text(f["fingerprint"]),
        ] + [cell for c in extra for cell in (_decision_cells(f) if c == "decision" else [text(f[c])])])
    headers = [h for c in columns for h in (REVIEW_FORM_HEADERS if c == "decision" else [FINDING_HEADERS[c]])]
    return _frame(rows, headers)


def _detail_columns(findings: pd.DataFrame) -> list[str]:
    """The decision's word, comment and record (auditor/decisions.py), where they were attached."""
    return [c for c in DECISION_DETAIL_COLUMNS if c in findings.columns]


def _decision_cells(f: dict[str, Any]) -> list[str]:
    """处理意见, 说明, 处理记录 of one finding: the decision in force, blank where there is none."""
    return [text(f.get(c)) for c in DECISION_DETAIL_COLUMNS]


def overview_frame(reports: pd.DataFrame) -> pd.DataFrame:
    """总览: one row per report with counts and the verdict, sorted by file; 单位 first (then the
    roster's 地区, 上级单位 and the 单位类型 where known), 文件 last."""
    require_columns(reports, REPORT_COLUMNS, "reports")
    optional = [c for c in OVERVIEW_OPTIONAL if c in reports.columns and c != "agency_type"]
    front = [c for c in ("region", "parent") if c in reports.columns] \
        + (["agency_type"] if "agency_type" in reports.columns else [])
    state = ["version_state"] if "version_state" in reports.columns else []
    rows = []
    for r in sorted(records(reports, REPORT_COLUMNS + front + optional + state), key=lambda r: text(r["file"])):
        head = [text(r["agency"])] + [text(r[c]) for c in front]
        off = VERDICT_NOT_COUNTED.get(text(r.get("version_state")))
        if off:       # its findings count nowhere: blank counts rather than zeros that read as 合格
            rows.append(head + [as_int(r["year"]), template_word(r["template"]), text(r["published"]),
                                word(STATUS_WORDS, r["status"]), None, None, None, None, off]
                        + [text(r[c]) for c in optional] + [text(r["file"])])
            continue
        conclusion = verdict(r["status"], r["n_error"], r["n_warning"])
        if text(r.get("version_state")) == ABSENT_STATE:      # not audited now: its last verdict
            conclusion += VERDICT_ABSENT_SUFFIX
        rows.append(head + [
            as_int(r["year"]), template_word(r["template"]), text(r["published"]), word(STATUS_WORDS, r["status"]),
            as_int(r["n_error"]) or 0, as_int(r["n_warning"]) or 0, as_int(r["n_info"]) or 0,
            as_int(r["n_extraction"]) or 0, conclusion,
        ] + [text(r[c]) for c in optional] + [text(r["file"])])
    headers = OVERVIEW_HEADERS[:1] + [ROSTER_WORDS.get(c) or OVERVIEW_OPTIONAL[c] for c in front] \
        + OVERVIEW_HEADERS[1:] + [OVERVIEW_OPTIONAL[c] for c in optional] + [FILE_HEADER]
    if EVIDENCE_COLUMN in reports.columns:      # 核查页, last but one: each report's evidence page
        pages = dict(zip(reports["file"].map(text), reports[EVIDENCE_COLUMN]))
        rows = [row[:-1] + [_evidence_link(pages.get(row[-1]))] + row[-1:] for row in rows]
        headers = headers[:-1] + [EVIDENCE_HEADER] + headers[-1:]
    return _frame(rows, headers)


def _evidence_link(page: Any) -> Any:
    from .links import Link

    page = text(page)
    return Link(text=EVIDENCE_TEXT, target=page) if page else None


def _roster_columns(frame: pd.DataFrame) -> list[str]:
    """The roster's columns a findings or reports frame carries (see ROSTER_WORDS)."""
    return [c for c in ROSTER_WORDS if c in frame.columns]


def _after_agency(headers: list[str], rows: list[list[Any]], extra: list[str],
                  values: list[list[Any]]) -> tuple[list[list[Any]], list[str]]:
    """Rows and headers (`_frame`'s arguments) with the roster's cells inserted right after 单位."""
    if not extra:
        return rows, headers
    at = headers.index(FINDING_HEADERS["agency"]) + 1
    words = [ROSTER_WORDS[c] for c in extra]
    return ([row[:at] + cells + row[at:] for row, cells in zip(rows, values)],
            headers[:at] + words + headers[at:])


def issues_frame(findings: pd.DataFrame) -> pd.DataFrame:
    """问题清单: compliance findings only, by file, severity, rule; those of a report not provided
    this time are listed too, their 提供情况 saying so. Always with the review form's columns
    (处理意见, 说明, 处理记录), blank where no decision is in force, for a reviewer to fill in."""
    require_columns(findings, FINDING_COLUMNS, "findings")
    before = [c for c in ("waiver",) if c in findings.columns]
    after = [c for c in ("absent",) if c in findings.columns]
    roster = _roster_columns(findings)
    columns = FINDING_COLUMNS + before + after + _detail_columns(findings) + roster
    chosen = [f for f in records(findings, columns + _version_column(findings))
              if text(f["category"]) == "compliance" and not text(f.get("superseded"))]
    chosen.sort(key=lambda f: (text(f["file"]), _severity_rank(f["severity"]), text(f["rule_id"])))
    linked = EVIDENCE_COLUMN in findings.columns      # 核查页 before 指纹: the finding's cells on its report's page
    pages = dict(zip(findings["file"].map(text), findings[EVIDENCE_COLUMN])) if linked else {}
    rows = [[text(f["agency"]), as_int(f["year"]), text(f["file"]),
             word(SEVERITY_WORDS, f["severity"]), text(f["rule_id"]), text(f["title"]),
             text(f["location"]), text(f["message"]), text(f["basis"]), readable_values(f["values"])]
            + [text(f[c]) for c in before] + _decision_cells(f) + [text(f[c]) for c in after]
            + ([_evidence_link(pages.get(text(f["file"])))] if linked else []) + [text(f["fingerprint"])]
            for f in chosen]
    headers = ISSUE_HEADERS + [FINDING_HEADERS[c] for c in before] + REVIEW_FORM_HEADERS \
        + [FINDING_HEADERS[c] for c in after] + ([EVIDENCE_HEADER] if linked else []) + [FINDING_HEADERS["fingerprint"]]
    return _frame(*_after_agency(headers, rows, roster, [[text(f[c]) for c in roster] for f in chosen]))


def _version_column(findings: pd.DataFrame) -> list[str]:
    """["superseded"] when the frame carries superseded versions' findings (see superseded_frame)."""
    return ["superseded"] if "superseded" in findings.columns else []


def _absent_column(findings: pd.DataFrame) -> list[str]:
    """["absent"] when the frame carries the findings of reports not provided this time."""
    return ["absent"] if "absent" in findings.columns else []


def _state_column(reports: pd.DataFrame) -> list[str]:
    return ["version_state"] if "version_state" in reports.columns else []


def superseded_frame(findings: pd.DataFrame) -> pd.DataFrame:
    """已取代版本: findings of versions replaced by a corrected one, for the record only (they are
    not open problems and count nowhere); `version` says which file replaced them."""
    columns = ["file", "agency", "year", "version", "category", "severity", "rule_id", "title", "location",
               "message", "values", "fingerprint"]
    require_columns(findings, columns, "superseded findings")
    roster = _roster_columns(findings)
    chosen = sorted(records(findings, columns + roster), key=lambda f: (
        text(f["file"]), text(f["category"]) != "compliance", _severity_rank(f["severity"]), text(f["rule_id"])))
    rows = [[text(f["file"]), text(f["agency"]), as_int(f["year"]), text(f["version"]),
             word(CATEGORY_WORDS, f["category"]), word(SEVERITY_WORDS, f["severity"]), text(f["rule_id"]),
             text(f["title"]), text(f["location"]), text(f["message"]), readable_values(f["values"]),
             text(f["fingerprint"])] for f in chosen]
    return _frame(*_after_agency(SUPERSEDED_HEADERS, rows, roster, [[text(f[c]) for c in roster] for f in chosen]))


def review_frame(reports: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """需人工核查: unreadable parts of reports plus extraction findings, grouped by file."""
    require_columns(reports, REPORT_COLUMNS, "reports")
    require_columns(findings, FINDING_COLUMNS, "findings")
    roster = [c for c in _roster_columns(findings) if c in reports.columns]
    report_rows = [r for r in records(reports, REPORT_COLUMNS + _state_column(reports) + roster)
                   if text(r.get("version_state")) != ABSENT_STATE]     # not read this time
    status_of = {text(r["file"]): word(STATUS_WORDS, r["status"]) for r in report_rows}
    keyed: list[tuple[tuple[str, int, str], list[Any], list[Any]]] = []
    # The engine already turns each reading problem into an EXT-* finding: list those once.
    explained = {text(f["file"]) for f in records(findings, FINDING_COLUMNS)
                 if text(f["rule_id"]).startswith("EXT-")}
    for r in report_rows:
        if text(r["status"]) == "complete" or text(r["file"]) in explained:
            continue
        status = word(STATUS_WORDS, r["status"])
        reasons = problem_list(r["problems"]) or [f"读取状态为「{status}」，未记录具体原因"]
        for reason in reasons:
            keyed.append(((text(r["file"]), 0, ""),
                          [text(r["file"]), text(r["agency"]), as_int(r["year"]), status, "",
                           reason], [text(r[c]) for c in roster]))
    for f in records(findings, FINDING_COLUMNS + _absent_column(findings) + roster):
        if text(f["category"]) != "extraction" or text(f.get("absent")):
            continue
        keyed.append(((text(f["file"]), 1, text(f["rule_id"])),
                      [text(f["file"]), text(f["agency"]), as_int(f["year"]),
                       status_of.get(text(f["file"]), ""), text(f["rule_id"]),
                       text(f["message"])], [text(f[c]) for c in roster]))
    keyed.sort(key=lambda kv: kv[0])
    return _frame(*_after_agency(REVIEW_HEADERS, [row for _, row, _ in keyed], roster,
                                 [cells for _, _, cells in keyed]))


def rule_stats_frame(findings: pd.DataFrame) -> pd.DataFrame:
    """规则统计: how often each rule fired and in how many reports, by rule_id."""
    require_columns(findings, FINDING_COLUMNS, "findings")
    stats: dict[str, dict[str, Any]] = {}
    for f in records(findings, FINDING_COLUMNS + _version_column(findings) + _absent_column(findings)):
        if text(f.get("superseded")) or text(f.get("absent")):
            continue        # a superseded version's finding, or one not audited now, counts nowhere
        entry = stats.setdefault(text(f["rule_id"]), {
            "title": text(f["title"]), "severity": f["severity"], "category": f["category"],
            "count": 0, "files": set()})
        if _severity_rank(f["severity"]) < _severity_rank(entry["severity"]):
            entry["severity"] = f["severity"]  # a rule with mixed severities shows its worst
        entry["count"] += 1
        entry["files"].add(text(f["file"]))
    rows = [[rule_id, e["title"], word(SEVERITY_WORDS, e["severity"]),
             word(CATEGORY_WORDS, e["category"]), e["count"], len(e["files"])]
            for rule_id, e in sorted(stats.items())]
    return _frame(rows, RULE_HEADERS)
