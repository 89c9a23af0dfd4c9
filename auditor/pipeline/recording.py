"""The record stage: the run, the report versions and their per-report findings, in one ledger
transaction, committed only once every output file is complete; and the counts the run summary
and the next run's no-change path read back."""
from __future__ import annotations

import pandas as pd

from ..absent import recorded_findings
from ..decisions import DECISION_DETAIL_COLUMNS, not_counted
from ..domain import SEVERITIES
from ..engine import versions as ver
from ..engine.extraction_findings import FAILED_RULE
from ..followup import store as followup_store
from ..naming import file_name
from ..verdicts import RunResult
from .auditing import Audited
from .context import RunContext
from .reading import Inputs


def record(ctx: RunContext, inputs: Inputs, audited: Audited, before_commit=None) -> dict[str, int]:
    """Fill the ledger with this run (`before_commit` runs last, inside the transaction: the
    outputs are completed there) and return its counts."""
    result, versions = audited.result, audited.batch.versions
    by_file = {file_name(p): h for p, h in inputs.hashes.items()}
    fresh = {r.file: r for r in inputs.fresh}
    everything = result.findings
    old = audited.superseded
    if old is not None and len(old):   # a superseded version's findings are cached as the engine made them
        old = old.assign(fingerprint=old["base_fingerprint"]).drop(columns=["base_fingerprint", "version"])
        everything = pd.concat([everything, old], ignore_index=True)
    per_report = everything[everything["file"].isin(list(fresh)) & (everything["rule_kind"] != "cross_year")]
    # Only per-report findings are cached: waiver and decision columns are re-applied every run.
    cacheable = per_report.drop(columns=[c for c in ("waived", "waiver", "decision", "dismissed",
                                                      *DECISION_DETAIL_COLUMNS) if c in per_report])
    # a byte-identical copy's findings were dropped (its original's stand for both): caching its
    # empty list would overwrite the original's under the shared hash
    copies = set(versions.index[versions["state"] == ver.COPY])
    grouped: dict[str, list[dict]] = {f: [] for f in fresh if f not in copies}
    for row in cacheable.to_dict("records"):      # one conversion, not one per report
        rows = grouped.get(row.pop("file"))
        if rows is not None:
            rows.append(row)
    audits = [(by_file[f], rows) for f, rows in grouped.items()]
    stored = [(by_file[r.file], r, inputs.stored.get(r.file)) for r in inputs.fresh]
    present = set(by_file.values())
    seen = [h for h in inputs.cache if h in present]      # cached versions: only last_seen changes
    counts = run_counts(result, len(inputs.collected.skipped), versions)
    ctx.ledger.record_run(started=ctx.started.isoformat(timespec="seconds"), engine=ctx.engine,
                          rules_hash=ctx.rules_hash, folder=ctx.folder.name, files=inputs.file_rows, versions=stored,
                          seen=seen, audits=audits,
                          findings=recorded_findings(result),     # with those of reports not provided (absent.py)
                          inputs=len(inputs.collected.files) + len(inputs.collected.skipped),
                          audited=inputs.audited, reused=len(inputs.collected.files) - inputs.audited, counts=counts,
                          input_key=ctx.key, before_commit=before_commit)
    return counts


def run_counts(result: RunResult, skipped: int, versions: pd.DataFrame | None) -> dict[str, int]:
    """The run's numbers as the ledger keeps them (runs.counts) and the summary prints them:
    `category/severity` of every finding, `open/<severity>` of the compliance findings that count
    (not waived, not dismissed), `manual`, and the reports by status and version state."""
    findings = result.findings
    counts = findings.groupby(["category", "severity"]).size() if len(findings) else {}
    summary = {f"{c}/{s}": int(n) for (c, s), n in dict(counts).items()}
    comp = findings[findings["category"] == "compliance"] if len(findings) else findings
    comp = comp[~not_counted(comp)]          # waived, or dismissed (不予采纳): counted nowhere
    summary["absent"] = 0 if result.absent_reports is None else len(result.absent_reports)
    status = result.reports["status"]
    summary.update({"reports": len(result.reports), "skipped": skipped, "failed": int((status == "failed").sum()),
                    "complete": int((status == "complete").sum()),
                    "partial": int((status == "partial").sum()),
                    **{f"open/{s}": int((comp["severity"] == s).sum()) for s in SEVERITIES},
                    "manual": int((findings["category"] == "extraction").sum()) if len(findings) else 0})
    if versions is not None:
        summary.update({"superseded": int((versions["state"] == ver.SUPERSEDED).sum()),
                        "copies": int((versions["state"] == ver.COPY).sum())})
    return summary


def record_unchanged(ctx: RunContext) -> None:
    """A run that found nothing new: the ledger notes it, pointing at the last run's results, and
    its verdicts are the last run's (its items cannot have changed: the input key holds them)."""
    followup_store.ensure_tables(ctx.ledger.db)
    ctx.ledger.record_unchanged(started=ctx.started.isoformat(timespec="seconds"), engine=ctx.engine,
                                rules_hash=ctx.rules_hash, previous=ctx.previous, files=ctx.file_rows,
                                inputs=len(ctx.collected.files) + len(ctx.collected.skipped),
                                before_commit=lambda run_id: followup_store.copy_verdicts(
                                    ctx.ledger.db, run_id, ctx.previous["id"]))


def failed_files(findings: pd.DataFrame) -> list[str]:
    """The files that could not be read (or folders listed), from a run's findings: each has one
    文件无法读取 finding, as its 总览 row has the status failed."""
    if not len(findings):
        return []
    return sorted(set(findings.loc[findings["rule_id"] == FAILED_RULE.id, "file"].astype(str)))
