"""The write stage: the run's files (findings.jsonl, findings.csv, summary.xlsx, data.csv) into the
partial run folder, started here and completed by the record stage (auditor/outputs)."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from ..absent import coverage_input, with_absent
from ..agency import resolve_types
from ..datasheet import data_frame, sheet_or_note
from ..domain import deadlines_by_type, template_for_year, today
from ..engine import versions as ver
from ..followup.follow import SHEET_NAME as TRACKING_SHEET
from ..followup.sheet import tracking_sheet
from ..forking import can_fork
from ..model import Report
from ..outputs import PendingOutputs, start_data_csv, start_outputs
from ..outputs.charts import FIRST_SHEETS
from ..outputs.rollup import last_year_verdicts, rollup_frame
from ..outputs.sheets import change_sheet, waiver_sheet
from ..evidence.names import page_path
from ..outputs.tables import EVIDENCE_COLUMN, overview_frame, superseded_frame
from ..roster import coverage, coverage_year, roster_details, with_roster_columns
from .. import speed
from ..speed import SHEET_MAX_REPORTS
from .auditing import Audited
from .context import RunContext

log = logging.getLogger("auditor")


@contextmanager
def early_data_csv(ctx: RunContext, counted: list[Report]) -> Iterator[PendingOutputs | None]:
    """A large batch's data.csv (not in the workbook), written by a child from now on, while the
    rules run; discarded if the run fails before the outputs take it over (`start_writing`)."""
    early = start_data_csv(ctx.partial, lambda: data_frame(counted)) \
        if len(counted) > SHEET_MAX_REPORTS and can_fork() else None
    try:
        yield early
    except BaseException:
        if early is not None:
            early.abort()
        raise


def start_writing(ctx: RunContext, audited: Audited, early: PendingOutputs | None) -> PendingOutputs:
    """Start every output file (the workbook by a child in a large run); `early` joins them."""
    result, counted = audited.result, audited.batch.counted
    sheets = workbook_sheets(ctx, audited)
    data = sheet_or_note(counted, data_frame)    # a large batch's: a note (data.csv started early)
    sheets["数据"] = data
    findings, reports = with_absent(ver.with_superseded(result.findings, audited.superseded), result.reports,
                                    result.absent_findings, result.absent_reports)
    reports = with_evidence(reports, audited.batch.reports, findings)
    pages = dict(zip(reports["file"], reports[EVIDENCE_COLUMN]))
    findings = findings.assign(**{EVIDENCE_COLUMN: [pages.get(f) for f in findings["file"]]})
    if ctx.roster is not None:        # 地区, 上级单位, 单位类型 beside 单位 in 总览, 问题清单, 需人工核查
        findings, reports = with_roster(findings, ctx.roster.frame), with_roster(reports, ctx.roster.frame)
    sheets = {**rollup_sheet(ctx, audited, reports), **sheets}
    pending = start_outputs(ctx.partial, findings, reports, sheets,
                            None if early is not None else data if "说明" not in data else lambda: data_frame(counted))
    if early is not None:
        pending.join(early)
    ctx.watch.lap("输出")
    return pending


def with_evidence(reports: pd.DataFrame, batch: list[Report], findings: pd.DataFrame) -> pd.DataFrame:
    """Reports with the path of their evidence page where the run writes one (auditor/evidence/run.py:
    every report of this run's batch; in a large run only those a reviewer must check), none for a
    report not provided this time."""
    from ..evidence.pages import paged_files       # the pages' own rule: a link never points at nothing

    paged = paged_files(batch, findings, len(batch) > speed.PAGES_ALL_UP_TO)
    return reports.assign(**{EVIDENCE_COLUMN: [page_path(f) if f in paged else None for f in reports["file"]]})


def with_roster(frame: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Reports or findings with the roster's region, parent and roster_type of their agency."""
    details = roster_details(frame["agency"], roster)
    return frame.assign(**{c: details[c].to_numpy(dtype=object) for c in details.columns})


def rollup_sheet(ctx: RunContext, audited: Audited, reports: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """汇总, from the 总览 rows of the coverage year (with a roster: last year's from the ledger)."""
    overview = overview_frame(reports)
    roster = ctx.roster.frame if ctx.roster is not None else None
    year = audited.coverage_year or coverage_year(list(overview["年度"]), today())
    last = last_year_verdicts(ctx.ledger, year - 1) if roster is not None else None
    return {FIRST_SHEETS[0]: rollup_frame(overview, year, roster, last)}


def workbook_sheets(ctx: RunContext, audited: Audited) -> dict[str, pd.DataFrame]:
    """The sheets after 问题 and 总览, in their order: 变化, 整改跟踪 (when the ledger has
    rectification items), 覆盖情况 (with a roster), 已取代版本 (when a version was superseded),
    豁免 (with waivers)."""
    versions, result = audited.batch.versions, audited.result
    roster = ctx.roster.frame if ctx.roster is not None else None
    sheets = {"变化": _with_roster(change_sheet(audited.changes), roster)}
    if len(audited.followup.items):
        sheets[TRACKING_SHEET] = _with_roster(tracking_sheet(audited.followup.items, today()), roster)
    if ctx.roster is not None:
        year = audited.coverage_year
        log.info("覆盖情况统计年度：%d%s", year, "（--year 指定）" if ctx.roster.year else "（按所审报告推定）")
        frame = ver.coverage_frame(_report_frame(audited.batch.reports, ctx.agency_types), versions)
        absent = audited.absent
        sheets["覆盖情况"] = coverage(coverage_input(frame, _report_frame(absent.reports, ctx.agency_types), absent),
                                  ctx.roster.frame, year, deadlines_by_type(ctx.packs, template_for_year(year), year))
    if (versions["state"] == ver.SUPERSEDED).any():
        superseded = audited.superseded if roster is None else with_roster(audited.superseded, roster)
        sheets["已取代版本"] = superseded_frame(superseded)
    if result.waivers is not None:
        sheets["豁免"] = _with_roster(waiver_sheet(result.waivers), roster)
    return sheets


def _with_roster(frame: pd.DataFrame, roster: pd.DataFrame | None) -> pd.DataFrame:
    return frame if roster is None else with_roster_columns(frame, roster)


def _report_frame(reports: list[Report], agency_types: dict[str, str] | None) -> pd.DataFrame:
    """file, agency, year, published and agency_type per report: the roster's coverage input."""
    frame = pd.DataFrame({"file": [r.file for r in reports], "agency": [r.meta.get("agency") for r in reports],
                          "year": [r.meta.get("year") for r in reports],
                          "published": [r.meta.get("published") for r in reports]})
    frame["agency_type"] = resolve_types(frame["agency"], agency_types)
    return frame
