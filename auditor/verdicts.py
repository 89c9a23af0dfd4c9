"""Each report's verdict: the findings the engine returned, with the files not read, reviewers'
decisions and waivers applied, put in order, and one 总览 row per report (counts by severity,
publication deadline, 按期发布).

Why outside the engine: the engine evaluates rules and returns findings; what counts, what a
report's totals are and how the overview reads them is judgement on those findings, shared by the
audit stage (auditor/pipeline/auditing.py), the reports not provided this time (auditor/absent.py)
and `audit`, the one-call form that the rule-case runner and the tests use.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .agency import TYPES, resolve_types
from .decisions import apply_decisions, not_counted
from .domain import SEVERITIES, SEVERITY_ORDER, national_packs
from .engine import evaluate
from .engine.extraction_findings import unreadable_findings
from .engine.kinds.publication import overview_deadlines
from .model import Report
from .rules.model import Pack
from .waivers import Waiver, apply_waivers


@dataclass
class RunResult:
    findings: pd.DataFrame
    reports: pd.DataFrame
    waivers: pd.DataFrame | None = None
    # Reports seen by earlier runs of which this run has no version (auditor/absent.py): their
    # 总览 rows and last findings, listed as 本次未提供 and counted in none of this run's totals.
    absent_reports: pd.DataFrame | None = None
    absent_findings: pd.DataFrame | None = None


@dataclass(frozen=True)
class Judging:
    """What a verdict depends on besides the findings, the same for every report of a run (and for
    the reports it lists as not provided). `packs`: the rules the findings came from, whose
    publication deadlines the overview shows and whose ids the waivers are checked against (None:
    the national packs, and no check). `decisions` (the ledger's, latest per fingerprint): a finding
    marked 不予采纳 counts in no total and no verdict (auditor/decisions.py)."""
    packs: list[Pack] | None = None
    waivers: list[Waiver] | None = None
    agency_types: dict[str, str] | None = None
    decisions: pd.DataFrame | None = None
    today: dt.date | None = None


def audit(reports: list[Report], packs: list[Pack], gx_results: Path | None = None,
          history: list[Report] | None = None, **judging: Any) -> RunResult:
    """The rules over the reports, then their verdicts, in one call. `judging`: `unreadable` (file,
    Chinese reason) for files not read at all, and Judging's fields by name; `history` holds earlier
    years' reports for the cross-year rules."""
    unreadable = judging.pop("unreadable", None)
    how = Judging(packs=packs, **judging)
    findings = evaluate(reports, packs, gx_results, how.agency_types, history)
    return summarize(reports, findings, how, unreadable)


def summarize(reports: list[Report], findings: pd.DataFrame, judging: Judging | None = None,
              unreadable: list[tuple[str, str]] | None = None) -> RunResult:
    """Add unreadable files, reviewers' decisions and waivers, sort, and count per report.
    Decisions are applied before counting, so that a dismissed finding counts nowhere."""
    judging = judging or Judging()
    extra = unreadable_findings(unreadable or [])
    if not extra.empty:
        findings = pd.concat([findings, extra], ignore_index=True) if not findings.empty else extra
    if judging.decisions is not None:
        findings = apply_decisions(findings, judging.decisions)
    waiver_report = None
    if judging.waivers is not None:
        known = None if judging.packs is None else {r.id for p in judging.packs for r in p.rules}
        findings, waiver_report = apply_waivers(findings, judging.waivers, judging.today, known)
    over = _overview(reports, findings, unreadable or [], judging.agency_types or {}, judging.packs)
    return RunResult(findings=_sorted(findings), reports=over, waivers=waiver_report)


def _sorted(findings: pd.DataFrame) -> pd.DataFrame:
    if findings.empty:
        return findings
    order = findings.assign(_cat=findings["category"].ne("compliance"),
                            _sev=findings["severity"].map(SEVERITY_ORDER))
    return order.sort_values(["file", "_cat", "_sev", "rule_id", "location"], kind="stable") \
        .drop(columns=["_cat", "_sev"]).reset_index(drop=True)


def _overview(reports: list[Report], findings: pd.DataFrame, unreadable: list[tuple[str, str]],
              agency_types: dict[str, str], packs: list[Pack] | None = None) -> pd.DataFrame:
    """One row per file with counts by severity, computed with one groupby over all findings."""
    over = pd.DataFrame({
        "file": [r.file for r in reports], "agency": [r.meta.get("agency") for r in reports],
        "year": [r.meta.get("year") for r in reports], "template": [r.template for r in reports],
        "published": [r.meta.get("published") for r in reports], "status": [r.status for r in reports],
        "problems": [list(r.problems) for r in reports],
    }, columns=["file", "agency", "year", "template", "published", "status", "problems"])
    if unreadable:
        over = pd.concat([over, pd.DataFrame({
            "file": [f for f, _ in unreadable], "agency": None, "year": None, "template": None,
            "published": None, "status": "failed", "problems": [[reason] for _, reason in unreadable]})],
            ignore_index=True)
    counts = pd.DataFrame(0, index=over["file"].unique(), columns=["n_error", "n_warning", "n_info", "n_extraction"])
    if not findings.empty:
        comp = findings[findings["category"] == "compliance"]
        comp = comp[~not_counted(comp)]   # a waived or dismissed (不予采纳) finding no longer counts
        by_sev = comp.groupby(["file", "severity"]).size().unstack(fill_value=0)
        for sev in SEVERITIES:
            if sev in by_sev:
                counts.loc[by_sev.index, f"n_{sev}"] = by_sev[sev]
        ext = findings[findings["category"] == "extraction"].groupby("file").size()
        counts.loc[ext.index, "n_extraction"] = ext
    over = over.join(counts, on="file").astype({c: int for c in counts.columns})
    return _deadlines(over, agency_types, packs)


def _deadlines(over: pd.DataFrame, agency_types: dict[str, str], packs: list[Pack] | None) -> pd.DataFrame:
    """Publication deadline and 按期发布 per report, from the publication rules the findings came
    from (auditor/engine/kinds/publication.py), with the agency type the rules used."""
    types = resolve_types(over["agency"], agency_types)
    over["agency_type"] = types
    over["deadline"], over["deadline_status"] = overview_deadlines(over, packs if packs is not None else national_packs())
    over["agency_type"] = types.map(TYPES)
    return over


__all__ = ["audit", "summarize", "Judging", "RunResult"]
