"""Write the evidence pages of a run: one static page per report read (current and superseded
versions) and an index, into 核查页/ of the run folder (names.py)."""
from __future__ import annotations

import base64
import html
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from typing import Any

import pandas as pd
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..catalog import SECTION_TITLES, TABLE_SHORT
from ..domain import SEVERITY_WORDS
from ..model import Report
from ..rules.model import Pack, Rule
from ..outputs.tables import STATUS_WORDS, template_word, verdict
from ..outputs.values_text import readable_values
from . import templates
from .grid import NONE, STATE_WORDS, grids
from .locate import Mark, locate
from .names import FOLDER, INDEX, page_path
from .quotes import quotes

_ENV = SandboxedEnvironment(autoescape=True, trim_blocks=False)
_PAGE = _ENV.from_string(templates.PAGE)
_INDEX = _ENV.from_string(templates.INDEX)
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(templates.FILTER_SCRIPT.encode()).digest()).decode()
_esc = html.escape
NOT_COUNTED = {"superseded": "不作结论（已被更正版取代）", "copy": "不重复计（重复副本）"}


@dataclass
class ReportRow:
    """What the index and a page's head say of one report."""
    file: str
    agency: str
    year: str
    verdict: str
    count: int
    href: str = ""


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flag(f: dict[str, Any]) -> str:
    if _text(f.get("superseded")):
        return f"已被取代的版本：{_text(f.get('superseded'))}"
    if f.get("waived") is True:
        return "已豁免"
    if f.get("dismissed") is True:
        return "不予采纳"
    return ""


def _source_href(file: str) -> str:
    try:
        return Path(file).resolve().as_uri()
    except ValueError:
        return file


def _finding_view(i: int, f: dict[str, Any], gs, rules: list[Rule], report: Report) -> tuple[dict, list[Mark]]:
    compliance = _text(f.get("category")) != "extraction"
    marks = [m for g in gs if compliance for m in [locate(f, g, rules)] if m is not None]
    notes = [m.note for m in marks if m.note]
    found = quotes(report, f) if compliance else []
    return {"anchor": f"f{i}", "css": _text(f.get("severity")) if compliance else "extraction",
            "severity": SEVERITY_WORDS.get(_text(f.get("severity")), "") if compliance else "读取问题（需人工核查）",
            "rule_id": _text(f.get("rule_id")), "title": _text(f.get("title")), "flag": _flag(f),
            "location": _text(f.get("location")), "message": _text(f.get("message")),
            "numbers": readable_values(f.get("values")), "notes": notes, "quotes": found,
            "tables": [m.table for m in marks]}, marks


def _parts(report: Report) -> list[dict[str, Any]]:
    out = []
    for n, rule_title in SECTION_TITLES.items():
        s = report.section(n)
        seen = report.heading_seen.get(n) or (s.title if s else "未找到")
        out.append({"number": "一二三四五六"[n - 1], "rule": rule_title, "seen": seen})
    return out


def render_page(report: Report, row: ReportRow, findings: list[dict[str, Any]], rules: list[Rule]) -> str:
    """One report's evidence page (HTML text)."""
    gs = grids(report)
    views, hits = [], {}
    for i, f in enumerate(findings, 1):
        view, marks = _finding_view(i, f, gs, rules, report)
        views.append(view)
        for m in marks:
            hits.setdefault(m.table, []).append((view["anchor"], view["title"], m))
    grid_views = []
    for g in gs:
        rows = []
        for key, label in g.rows:
            tds, lit = [], False
            for col, _ in g.cols:
                s = g.slots[key, col]
                by = [(a, t) for a, t, m in hits.get(g.table, []) if s.state != NONE and m.covers(key, col)]
                lit = lit or bool(by)
                # every text escaped by html.escape (quotes too), as the template's autoescape would
                cell = f"{g.table}|{key}|{col}"
                if by:
                    tds.append(f'<td class="{s.state} hit" data-cell="{_esc(cell)}" data-findings="'
                               f'{" ".join(a for a, _ in by)}" title="{_esc("；".join(t for _, t in by))}">'
                               f'{_esc(s.text)}</td>')
                else:
                    tds.append(f'<td class="{s.state}" data-cell="{_esc(cell)}" title="{STATE_WORDS.get(s.state, "")}">'
                               f'{_esc(s.text)}</td>')
            rows.append({"label": label, "cells": Markup("".join(tds)), "hit": lit})
        grid_views.append({"table": g.table, "name": g.name, "read": g.read, "rows": rows,
                           "cols": [{"label": label} for _, label in g.cols]})
    m = report.meta
    title = f"{row.agency or '（未读出单位）'} {row.year}年度".strip()
    meta = [("单位", _text(m.get("agency")) or "未读出"), ("年度", _text(m.get("year")) or "未读出"),
            ("标题", _text(m.get("title")) or "未读出"), ("发布日期", _text(m.get("published")) or "未读出"),
            ("格式", template_word(report.template)), ("读取状态", STATUS_WORDS.get(report.status, report.status)),
            ("审核结论", row.verdict)]
    return _PAGE.render(title=title, style=templates.STYLE, meta=meta, file=report.file,
                        source_href=_source_href(report.file), problems=list(report.problems),
                        parts=_parts(report), findings=[v for v in views if v["css"] != "extraction"],
                        manual=[v for v in views if v["css"] == "extraction"], grids=grid_views, t_short=TABLE_SHORT)


def render_index(rows: list[ReportRow], only_to_check: bool = False) -> str:
    # a verdict and its 「；部分内容未能读取」 form are one choice: the filter matches the beginning
    verdicts = sorted({r.verdict.split("；")[0] for r in rows if r.verdict})
    return _INDEX.render(style=templates.STYLE, rows=rows, verdicts=verdicts, script=templates.FILTER_SCRIPT,
                         script_hash=SCRIPT_HASH, only_to_check=only_to_check)


def report_rows(reports: pd.DataFrame, states: dict[str, str]) -> dict[str, ReportRow]:
    """File → its index row, from the run's 总览 rows (`states`: file → superseded/copy)."""
    out = {}
    for r in reports.to_dict("records"):
        file = _text(r.get("file"))
        word = NOT_COUNTED.get(states.get(file, ""), "") or verdict(r.get("status"), r.get("n_error"),
                                                                       r.get("n_warning"))
        count = sum(int(_text(r.get(k)) or 0) for k in ("n_error", "n_warning", "n_info"))
        out[file] = ReportRow(file, _text(r.get("agency")), _text(r.get("year")), word, count)
    return out


def to_check(finding: dict[str, Any]) -> bool:
    """An error or warning, or a reading problem (a 提示 alone does not call for a check)."""
    return _text(finding.get("category")) == "extraction" or _text(finding.get("severity")) in ("error", "warning")


def paged_files(reports: Iterable[Report], findings: pd.DataFrame, only_to_check: bool) -> set[str]:
    """The files whose report gets a page: all, or with `only_to_check` (a large run) those with an
    error, a warning or a reading problem, or not read completely. The workbook links by this rule."""
    reports = list(reports)
    if not only_to_check:
        return {r.file for r in reports}
    flagged = {_text(f["file"]) for f in findings[["file", "category", "severity"]].to_dict("records")
               if to_check(f)} if len(findings) else set()
    return {r.file for r in reports if r.status != "complete" or r.file in flagged}


def write_pages(folder: Path, reports: Iterable[Report], rows: dict[str, ReportRow], findings: pd.DataFrame,
                packs: list[Pack], only_to_check: bool = False) -> int:
    """The reports' pages and the index into `folder`/核查页 (`paged_files` says which reports get a
    page); returns the number of pages. The index lists every report and says why one has none."""
    (folder / FOLDER).mkdir(parents=True, exist_ok=True)
    reports = list(reports)
    rules = [r for p in packs for r in p.rules]
    by_file: dict[str, list[dict[str, Any]]] = {}
    for f in findings.to_dict("records"):
        by_file.setdefault(_text(f.get("file")), []).append(f)
    paged = paged_files(reports, findings, only_to_check)
    listed, written = [], 0
    for report in reports:
        row = rows.get(report.file) or ReportRow(report.file, _text(report.meta.get("agency")),
                                                 _text(report.meta.get("year")), "", 0)
        listed.append(row)
        if report.file not in paged:
            continue
        rel = page_path(report.file)
        row.href = quote(rel.split("/", 1)[1])
        (folder / rel).write_text(render_page(report, row, by_file.get(report.file, []), rules), encoding="utf-8")
        written += 1
    (folder / INDEX).write_text(render_index(listed, only_to_check), encoding="utf-8")
    return written
