"""One home for the facts of the domain that several parts of the tool state.

Severity and verdict words, the finding columns and their headers (the findings contract), agency types and their words, the agency-name key, and publication
deadlines. Each is defined here once and imported everywhere, so the workbook, the findings, the
roster sheet and the command line can never give two answers to one question. Deadlines in particular
are not written here at all: they are the `deadline` parameters of the publication rules (rules/,
and any local pack that overrides them), read by `deadline_for` — the same values the rules apply.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .rules.model import Pack, Rule

# ---------------------------------------------------------------- severity, category, verdict

SEVERITIES = ("error", "warning", "info")
SEVERITY_WORDS = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
CATEGORY_WORDS = {"compliance": "合规问题", "extraction": "读取问题（需人工核查）"}

# ---------------------------------------------------------------- the finding contract

# Every line of findings.jsonl starts with {"schema": FINDING_SCHEMA, …}; auditor/schema/finding.v1.json
# describes such a line. The version changes (finding.v2, a new schema file) when a field is removed,
# renamed or changes its meaning or type; a new optional field is added to finding.v1.json in the same
# commit (tests/test_finding_contract.py fails until it is).
FINDING_SCHEMA_FIELD = "schema"
FINDING_SCHEMA = "finding.v1"
# The columns of every finding, in the order of findings.jsonl, findings.csv and the engine's frame.
FINDING_COLUMNS = ["file", "agency", "year", "rule_id", "rule_kind", "title", "severity", "category",
                   "location", "message", "basis", "values", "fingerprint"]
# Present when waivers were applied (auditor/waivers.py), decisions attached (auditor/decisions.py),
# versions superseded (auditor/engine/versions.py), or reports not provided this time (auditor/absent.py).
OPTIONAL_FINDING_COLUMNS = ["waived", "waiver", "decision", "dismissed", "superseded", "absent"]
# The Chinese header of each finding column wherever a person reads it (findings.csv, the workbook's
# 问题清单, 已取代版本 and 规则统计); waived and dismissed are flags, shown through 豁免 and 处理意见.
FINDING_HEADERS = {
    "file": "文件", "agency": "单位", "year": "年度", "rule_id": "规则编号", "rule_kind": "规则类型",
    "title": "规则名称", "severity": "严重程度", "category": "类别", "location": "位置", "message": "问题说明",
    "basis": "依据", "values": "数值", "fingerprint": "指纹", "waiver": "豁免", "decision": "处理意见",
    "superseded": "版本", "absent": "提供情况",
}

VERDICT_FAILED = "无法审核（需人工核查）"
VERDICT_ERROR = "不合格"
VERDICT_WARNING = "基本合格（有警告）"
VERDICT_OK = "合格"
VERDICT_PARTIAL_SUFFIX = "；部分内容未能读取"

# ---------------------------------------------------------------- across runs

# A report seen by an earlier run (same agency and year) of which this run has no version: it is
# listed with its last findings, which count in none of this run's totals, and its problems are
# never taken for solved (auditor/absent.py, auditor/changes.py, the roster's 覆盖情况).
ABSENT_WORD = "本次未提供"
ABSENT_PUBLISHED = "已发布（本次未提供）"
# The 变化 sheet's words (a finding against the previous run); 已被更正版取代 is
# auditor/engine/versions.py's SUPERSEDED_WORD.
CHANGE_NEW, CHANGE_STILL, CHANGE_RESOLVED = "新增", "仍存在", "已解决"
# A finding a reviewer marked 不予采纳 (`auditor decide … dismissed`): listed with its decision,
# counted nowhere, like a waived one.
DISMISSED_WORD = "不予采纳"

# ---------------------------------------------------------------- rectification (整改)

# A notified finding's item in the ledger (auditor/followup): its status words, as the 整改跟踪 sheet,
# `auditor history` and the notices show them. 待整改 until a new version of the agency's report,
# read completely, no longer has the finding (已整改); 逾期未整改 once the deadline has passed
# without that; 不予采纳 / 已豁免 when a reviewer dismisses the finding or a waiver covers it.
RECTIFY_OPEN = "待整改"
RECTIFY_DONE = "已整改"
RECTIFY_OVERDUE = "逾期未整改"
RECTIFY_DISMISSED = DISMISSED_WORD
RECTIFY_WAIVED = "已豁免"
RECTIFY_STATUSES = (RECTIFY_OPEN, RECTIFY_DONE, RECTIFY_OVERDUE, RECTIFY_DISMISSED, RECTIFY_WAIVED)
RECTIFY_STILL_OPEN = (RECTIFY_OPEN, RECTIFY_OVERDUE)      # items the next run re-checks
DEFAULT_RECTIFY_DAYS = 10         # working days, the usual 整改期限 of a notice (`auditor notices --days`)
DECISION_CONFIRMED_WORD = "确认属实"

TODAY_ENV = "AUDITOR_TODAY"       # YYYY-MM-DD: the date a run or a notice takes for today


def today() -> dt.date:
    """Today, or the date AUDITOR_TODAY names: deadlines, days left and 逾期 are judged against it,
    so that a backfill (or a test of a month three) can be run as of another day."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"环境变量 {TODAY_ENV}「{text}」不是日期，应写作 2026-12-31") from None
    return dt.date.today()


# ---------------------------------------------------------------- agency types

AGENCY_TYPES = {"government": "人民政府", "department": "政府部门", "township": "乡镇（街道）",
                "unknown": "未能判断"}
# Words an office may write for a type (roster 单位类型, --agency-types), compared after NFKC and
# without spaces, so full-width brackets fold to ASCII.
AGENCY_TYPE_INPUT = {
    "人民政府": "government", "政府": "government", "government": "government",
    "政府部门": "department", "部门": "department", "department": "department",
    "乡镇(街道)": "township", "乡镇": "township", "街道": "township", "乡镇街道": "township",
    "township": "township",
}

# ---------------------------------------------------------------- publication on time

ON_TIME = "按期"
LATE = "逾期"
DATE_UNKNOWN = "无法判断（发布日期不明）"
YEAR_UNKNOWN = "无法判断（报告年度不明）"
REPORT_UNREAD = "无法判断（报告未能读取）"
NO_DEADLINE = "无法判断（无适用的发布期限规则）"


def deadline_rules(rules: Iterable[Rule]) -> list[Rule]:
    """The rules that set a publication deadline (kind `publication`, check `deadline`)."""
    return [r for r in rules if r.kind == "publication" and r.params.get("check") == "deadline"]


def _applies(when: dict[str, Any], template: str | None, agency_type: str, year: int | None) -> bool:
    """A rule's `when` for a report of this template, type and year (cell conditions are not about
    deadlines and are taken as met)."""
    if "templates" in when and (template or "unknown") not in when["templates"]:
        return False
    if "agency_types" in when and agency_type not in when["agency_types"]:
        return False
    if "year_min" in when and (year is None or year < when["year_min"]):
        return False
    return not ("year_max" in when and (year is None or year > when["year_max"]))


def deadline_for(packs: Iterable[Pack], template: str | None, agency_type: str | None,
                 year: int | None) -> str | None:
    """The 'MM-DD' (of year+1) by which this report must be published: the earliest deadline among
    the rules the engine applies to it that count against an agency (error or warning) — a 提示-level
    deadline (e.g. the townships' local custom) is shown by its own finding, never as 逾期 — or, if
    only 提示-level rules apply, the earliest of those; None when no rule applies."""
    pack = next((p for p in packs if p.applies_to(template)), None)
    if pack is None:
        return None
    rules = [r for r in deadline_rules(pack.rules) if _applies(r.when, template, agency_type or "unknown", year)]
    binding = [r for r in rules if r.severity != "info"] or rules
    days = [str(r.params["deadline"]) for r in binding]
    return min(days) if days else None


def deadlines_by_type(packs: Iterable[Pack], template: str | None, year: int | None) -> dict[str, str]:
    """Type → 'MM-DD' for reports of one template and year (types no rule covers are left out)."""
    packs = list(packs)
    got = {t: deadline_for(packs, template, t, year) for t in AGENCY_TYPES}
    return {t: d for t, d in got.items() if d is not None}


def national_packs() -> list[Pack]:
    """The shipped national rule packs, for callers that were given none (tests, the API)."""
    return list(_national_packs())


@lru_cache(maxsize=1)
def _national_packs() -> tuple[Pack, ...]:
    from .packaged import national_rules_dir
    from .rules.loader import load_packs

    return tuple(load_packs(national_rules_dir()))


def template_for_year(year: int | None) -> str:
    """The format a report of this year should use (for roster units without a report)."""
    return "2019" if year is not None and year <= 2020 else "2021"


# ---------------------------------------------------------------- agency-name key

AGENCY_KEY_VERSION = "2"      # bump when the rules of `agency_keys` change: the ledger re-keys its rows
_TRAILING_BRACKETS = r"^(.+?)(?:[(\[【〔][^()\[\]【】〔〕]*[)\]】〕])+$"
_LEVEL_GOVERNMENT = r"^(.+[省市县区旗州盟乡镇])政府$"


def agency_keys(names: pd.Series) -> pd.Series:
    """The key that says two names are one agency, for a whole column ('' for no name).

    Used wherever agencies are compared: roster matching, type overrides, an agency's reports of
    other years, two versions of one report. Rules, in order (all deterministic; none guesses):
    1. NFKC: full-width letters, digits, brackets and spaces become their ordinary forms.
    2. A trailing bracketed note is dropped — '发展和改革局（粮食局）', '…（本级）' name the same unit.
    3. Whitespace and all punctuation/symbols are removed ('·', '-', quotes, the remaining brackets).
    4. Fixed synonyms: 人民政府 → 政府, 管理委员会 → 管委会, a trailing 街道办事处/街道办 → 街道.
    5. '<place>政府' → '<place>' when the place ends in 省市县区旗州盟乡镇: '沭城镇人民政府' is '沭城镇'.
    Deliberately NOT removed: a trailing 办公室 (县人民政府办公室 is not 县人民政府), 中共/党委 prefixes, or
    region names. Traditional characters are not converted.
    """
    codes, uniques = pd.factorize(names.astype(object).where(names.notna(), ""))
    keys = np.array([_key_of(u if isinstance(u, str) else str(u)) for u in uniques], dtype=object)
    return pd.Series(keys[codes] if len(names) else [], index=names.index, dtype=object)


@lru_cache(maxsize=1 << 16)
def _key_of(name: str) -> str:
    """`agency_keys` of one name (the rules are listed there). One implementation for the column and
    the single name: called once per distinct name, so a batch's agencies cost one pass each."""
    s = unicodedata.normalize("NFKC", name)
    s = _TRAILING_BRACKETS_RE.sub(r"\1", s)
    s = _NOT_WORD_RE.sub("", s)
    s = s.replace("人民政府", "政府").replace("管理委员会", "管委会")
    s = _STREET_OFFICE_RE.sub("", s)
    return _LEVEL_GOVERNMENT_RE.sub(r"\1", s)


_TRAILING_BRACKETS_RE = re.compile(_TRAILING_BRACKETS)
_NOT_WORD_RE = re.compile(r"[\W_]+")
_STREET_OFFICE_RE = re.compile(r"(?<=街道)办(?:事处)?$")
_LEVEL_GOVERNMENT_RE = re.compile(_LEVEL_GOVERNMENT)


def agency_key(name: Any) -> str | None:
    """`agency_keys` for one name; None when there is no name (so it never matches another)."""
    if name is None or not isinstance(name, str):
        return None
    return _key_of(name) or None


def fingerprint_agency(name: str) -> str:
    """The agency part of a finding's fingerprint (auditor/engine/render.py): deliberately frozen
    (width and spaces folded only), so fingerprints — and the waivers and decisions that cite them —
    survive any change to `agency_keys`."""
    from .catalog import normalize_label

    return normalize_label(name)


def agency_type_word(text: Any) -> str | None:
    """An office's word for a type ('政府部门', 'department', '乡镇（街道）') → type key, or None."""
    import unicodedata

    if not isinstance(text, str):
        return None
    return AGENCY_TYPE_INPUT.get(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower())
