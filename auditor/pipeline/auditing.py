"""The audit stage: this run's reports (read now or taken from the ledger) in one batch, their
versions resolved, the rules run over the fresh ones, the reports not provided this time added,
every compliance finding compared with the last run, and the open rectification items judged."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from ..absent import Absent, add_absent, run_years
from ..changes import Present, compare_runs
from ..domain import agency_key, today
from ..followup.follow import FollowUp, follow_up
from ..engine import evaluate
from ..engine import versions as ver
from ..model import Report
from ..naming import file_name
from ..roster import coverage_year, roster_types
from ..rules.model import Pack
from ..verdicts import Judging, RunResult, summarize
from .context import RunContext
from .reading import Inputs

# Files for the technically minded, kept out of the way of the workbook's readers: <run folder>/技术文件/
TECH_FOLDER = "技术文件"
GX_RESULTS = "gx_validation.json"      # Great Expectations' own validation results


@dataclass
class Batch:
    """This run's reports in audit order (an agency's current version first), with their versions."""
    reports: list[Report]
    cached_rows: list[dict]          # the findings the ledger keeps for the reports taken from it
    fresh: list[bool]                # per report: read now (else taken from the ledger)
    versions: pd.DataFrame           # per file: current, superseded or copy (engine/versions.py)
    counted: list[Report]            # one per agency-year and content: the data and the coverage
    history: list[Report]            # last year's reports no longer in the inbox (cross-year rules)


@dataclass
class Audited:
    """What the audit found: the engine's result (waivers, decisions and absent reports applied),
    the superseded versions' findings, and the comparison with the last run."""
    batch: Batch
    result: RunResult
    superseded: pd.DataFrame
    absent: Absent
    changes: pd.DataFrame
    coverage_year: int | None        # with a roster: the year whose coverage is reported
    followup: FollowUp               # the rectification items judged by this run, the verdicts it records


def join_reports(ctx: RunContext, inputs: Inputs) -> Batch:
    """The fresh reports and the cached ones, in input order, then each agency's current version
    first. Cross-year rules get last year's reports that are no longer in the inbox from the ledger."""
    fresh_by_file = {r.file: r for r in inputs.fresh}
    reports: list[Report] = []
    cached_rows: list[dict] = []
    for path in inputs.collected.files:
        h = inputs.hashes[path]
        name = file_name(path)
        if name in fresh_by_file:
            reports.append(fresh_by_file[name])
        elif h in inputs.cache:
            report, stored = inputs.cache[h]
            # a copy per file: byte-identical files share one cached version (issue 12: one object
            # renamed twice lost the first file)
            report = dataclasses.replace(report, file=name)
            cached_rows.extend({**f, "file": name} for f in stored)
            reports.append(report)
    versions = ver.resolve(reports, {file_name(p): h for p, h in inputs.hashes.items()})
    reports = ver.current_first(reports, versions)     # an agency's last year: its current version
    history = ctx.ledger.reports_of(_missing_previous(reports)) if _has_cross_year(ctx.packs) else []
    return Batch(reports, cached_rows, [r.file in fresh_by_file for r in reports], versions,
                 ver.current_reports(reports, versions), history)


def audit(ctx: RunContext, inputs: Inputs, batch: Batch) -> Audited:
    """Run the rules over the batch (the GX results into the partial run folder) and summarize."""
    reports, versions = batch.reports, batch.versions
    technical = ctx.partial / TECH_FOLDER
    technical.mkdir(exist_ok=True)
    new_findings = evaluate(reports, ctx.packs, technical / GX_RESULTS, ctx.agency_types,
                            batch.history, batch.fresh, validator=inputs.validator)
    parts = [new_findings, pd.DataFrame(batch.cached_rows, columns=new_findings.columns)]
    present = [p for p in parts if len(p)]
    findings = pd.concat(present, ignore_index=True) if present else new_findings
    # superseded versions' findings leave every count and open-problem list (kept for the record)
    findings, superseded = ver.split_findings(findings, versions)
    ctx.decisions = ctx.ledger.decisions()     # before counting: 不予采纳 counts nowhere (auditor/decisions.py)
    judging = Judging(packs=ctx.packs, waivers=ctx.waivers, agency_types=ctx.agency_types, decisions=ctx.decisions)
    result = summarize(reports, findings, judging, inputs.not_read)
    result.reports = ver.overview_columns(result.reports, versions)
    year = None if ctx.roster is None else \
        (ctx.roster.year or coverage_year([r.meta.get("year") for r in batch.counted]))
    absent = add_absent(result, ctx.ledger, reports, run_years(batch.counted, year), judging)
    ctx.watch.lap("规则")
    previous = ctx.ledger.run_findings(ctx.previous["id"]) if ctx.previous else None
    changes = compare_runs(previous, result.findings, superseded, ver.not_current(versions),
                           Present.of(reports, [f for f, _ in inputs.not_read]))
    # before the workbook: its 整改跟踪 sheet shows the items as this run leaves them
    followup = follow_up(ctx.ledger, result, versions, ctx.folder.name, today())
    return Audited(batch, result, superseded, absent, changes, year, followup)


def with_roster_types(ctx: RunContext, inputs: Inputs) -> dict[str, str] | None:
    """Agency types from the roster where it gives them; an explicit override file wins."""
    if ctx.roster is None:
        return ctx.agency_types
    reports = inputs.fresh + [r for r, _ in inputs.cache.values()]
    frame = pd.DataFrame({"agency": [r.meta.get("agency") for r in reports]})
    types = roster_types(frame, ctx.roster.frame)
    merged = {str(a).replace(" ", ""): t for a, t in zip(frame["agency"], types) if a and t}
    return {**merged, **(ctx.agency_types or {})}


def _has_cross_year(packs: list[Pack]) -> bool:
    return any(r.kind == "cross_year" for p in packs for r in p.rules)


def _missing_previous(reports: list[Report]) -> list[tuple[str, int]]:
    """(agency key, year − 1) of every report whose previous year is not in this run."""
    present = {(agency_key(r.meta["agency"]), r.meta["year"]) for r in reports
               if r.meta.get("agency") and r.meta.get("year")}
    wanted = {(key, year - 1) for key, year in present if key}
    return sorted(wanted - present)
