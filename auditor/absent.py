"""Reports not provided this time: seen by an earlier run, absent from this one.

Why: an office moves a handled report out of the inbox (to an archive folder), or a share is not
mounted for one folder. The report has not been corrected and the agency has not stopped
publishing: this run simply did not see it. Its problems must not read 已解决 and its agency must not
read 未发布. So a report of an agency and year that an earlier run audited, of which this run has no
version at all, is listed as 本次未提供 with the findings its last audit recorded (the ledger's),
and those count in none of this run's totals, verdict counts or exit code. Only a new version of
that agency's report for that year, audited now, can resolve its findings.

Which reports are listed: those of the years this run audits (the years of its reports, and the
roster's coverage year), so that an office that has moved on to next year's reports is not shown
every earlier year again. Reports without a known agency or year cannot be told apart from
another report and are not listed (their findings still read 本次未提供 in 变化, by file name).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .domain import ABSENT_WORD, agency_key, agency_keys
from .engine.render import FINDING_COLUMNS
from .ledger import Ledger
from .model import Report
from .rules.model import Pack
from .verdicts import Judging, RunResult, summarize

log = logging.getLogger("auditor")

from .outputs.tables import ABSENT_STATE  # noqa: E402,F401  (总览 version_state of these rows)


@dataclass
class Absent:
    """The reports not provided this time, as their last audit left them."""
    reports: list[Report] = field(default_factory=list)
    findings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FINDING_COLUMNS))
    notes: dict[str, str] = field(default_factory=dict)     # file → 本次未提供（最近一次…）


def present_keys(reports: Iterable[Report]) -> set[tuple[str, int]]:
    """(agency key, year) of every report of this run, whatever its version state."""
    out = set()
    for r in reports:
        key, year = agency_key(r.meta.get("agency")), _year(r.meta.get("year"))
        if key and year is not None:
            out.add((key, year))
    return out


def run_years(reports: Iterable[Report], coverage_year: int | None = None) -> set[int]:
    """The years this run audits: its reports' years, and the roster's coverage year if any."""
    years = {y for y in (_year(r.meta.get("year")) for r in reports) if y is not None}
    return years | ({int(coverage_year)} if coverage_year is not None else set())


def find_absent(ledger: Ledger, reports: list[Report], years: set[int], packs: list[Pack] | None = None,
                rules_hash: str | None = None) -> Absent:
    """The latest stored version of each agency-year of `years` that has no version in `reports`,
    with the findings recorded by the last run that saw it."""
    seen = ledger.versions_of_years(years)
    if seen.empty:
        return Absent()
    seen = seen[seen["agency_key"].notna() & (seen["agency_key"] != "") & seen["run_id"].notna()].copy()
    seen["year"] = pd.to_numeric(seen["year"], errors="coerce")
    seen = seen[seen["year"].notna()]
    here = present_keys(reports)
    # a file given this time is not 本次未提供, whatever it now says: its content was replaced (or
    # its agency is read otherwise now), and its earlier report is that file's earlier version
    files = {r.file for r in reports}
    seen = seen[~seen["file"].isin(files)]
    # the key is recomputed from the name (a ledger keyed under older rules is re-keyed on open)
    seen["key"] = agency_keys(seen["agency"]).to_numpy()
    gone = seen[[(k, int(y)) not in here for k, y in zip(seen["key"], seen["year"])]]
    if gone.empty:
        return Absent()
    # of versions seen last together (an original and its 更正版), the later published one
    latest = gone.sort_values(["last_seen", "published"], ascending=False, na_position="last", kind="stable") \
        .drop_duplicates(["key", "year"])
    stored = ledger.stored_reports(latest["hash"])
    out = Absent()
    frames = []
    audits = ledger.stored_audits(latest["hash"], rules_hash)
    rules = {r.id: r for p in packs or [] for r in p.rules}
    for row in latest.itertuples():
        report = stored.get(row.hash)
        if report is None:
            continue
        report.file = row.file
        out.reports.append(report)
        out.notes[row.file] = f"{ABSENT_WORD}（最近一次审核见于 {str(row.last_seen)[:10]}，按当时的结果列出）"
        found = ledger.findings_of_files(int(row.run_id), [row.file])
        found = found[pd.to_numeric(found["year"], errors="coerce") == row.year]
        if len(found):
            frames.append(_enrich(found, audits.get(row.hash, []), rules))
    if frames:
        out.findings = pd.concat(frames, ignore_index=True)
    return out


def _enrich(found: pd.DataFrame, cached: list[dict], rules: dict) -> pd.DataFrame:
    """Ledger finding rows → full finding rows: values, title, basis and rule kind from the version's
    cached audit (by fingerprint), else title, basis and kind from the rule (values unknown: {})."""
    by_fp = {f.get("fingerprint"): f for f in cached}
    rows = []
    for f in found.to_dict("records"):
        hit = by_fp.get(f["fingerprint"], {})
        rule = rules.get(f["rule_id"])
        rows.append({
            **{c: f.get(c) for c in ("file", "agency", "year", "rule_id", "severity", "category", "location",
                                      "message", "fingerprint")},
            "rule_kind": hit.get("rule_kind", getattr(rule, "kind", "")),
            "title": hit.get("title", getattr(rule, "title", "")),
            "basis": hit.get("basis", getattr(rule, "basis", "")),
            "values": hit.get("values", {}),
            "values_hash": f.get("values_hash"),
        })
    return pd.DataFrame(rows, columns=[*FINDING_COLUMNS, "values_hash"])


def mark(reports: pd.DataFrame, findings: pd.DataFrame, absent: Absent) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The absent reports' 总览 rows and findings, marked: `version` says 本次未提供 and since when,
    `version_state` is ABSENT_STATE (the verdict is then called the last one), and each finding
    carries the same note in `absent`."""
    reports = reports.copy()
    reports["version"] = reports["file"].map(absent.notes).astype(object)
    reports["version_state"] = ABSENT_STATE
    findings = findings.copy()
    findings["absent"] = findings["file"].map(absent.notes).astype(object)
    return reports, findings


def with_absent(findings: pd.DataFrame, reports: pd.DataFrame, absent_findings: pd.DataFrame | None,
                absent_reports: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """This run's findings and 总览 rows for the output files, followed by the absent reports'."""
    if absent_reports is None or absent_reports.empty:
        return findings, reports
    reports = pd.concat([reports, absent_reports], ignore_index=True)
    if absent_findings is not None and len(absent_findings):
        extra = absent_findings.drop(columns=["values_hash"], errors="ignore")
        findings = pd.concat([findings.assign(absent=None), extra], ignore_index=True) if len(findings) else extra
    return findings, reports


def add_absent(result: RunResult, ledger: Ledger, reports: list[Report], years: set[int],
               judging: Judging) -> Absent:
    """Find the reports of `years` not provided this time and put their 总览 rows and last findings
    in `result.absent_reports` / `result.absent_findings`: counted and judged as this run counts
    (`judging`: the run's rules, waivers, agency types and decisions of today), apart from this
    run's own."""
    absent = find_absent(ledger, reports, years, judging.packs)
    if not absent.reports:
        return absent
    done = summarize(absent.reports, absent.findings, judging)
    result.absent_reports, result.absent_findings = mark(done.reports, done.findings, absent)
    log.info("%s的报告 %d 份：%s", ABSENT_WORD, len(absent.reports), "、".join(r.file for r in absent.reports[:5]))
    return absent


def recorded_findings(result: RunResult) -> pd.DataFrame:
    """The findings a run records in the ledger: its own, then those of the reports it lists as not
    provided, so that the next run compares with them (本次未提供 again, or 已解决/仍存在 once a new
    version comes)."""
    if result.absent_findings is None or result.absent_findings.empty:
        return result.findings
    if result.findings.empty:
        return result.absent_findings
    return pd.concat([result.findings, result.absent_findings], ignore_index=True)


def coverage_input(frame: pd.DataFrame, absent_frame: pd.DataFrame, absent: Absent) -> pd.DataFrame:
    """The roster's input (auditor/roster.py `coverage`) with the reports not provided this time,
    whose `absent` column carries their note: their agency has published (it is not 未发布)."""
    if absent_frame.empty:
        return frame
    extra = absent_frame.assign(absent=absent_frame["file"].map(absent.notes))
    return pd.concat([frame.assign(absent=None), extra], ignore_index=True)


def _year(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if not pd.isna(value) else None
