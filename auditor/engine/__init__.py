"""Engine: run every applicable rule pack over a batch of extracted reports at once; its door,
`evaluate`, returns the findings. What they mean for each report (counts, 总览, waivers,
decisions) is judged outside it, in auditor/verdicts.py."""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..forking import can_fork, child_start, worker_pool
from ..model import Report
from ..rules.model import Pack, Rule
from ..speed import PARALLEL_TEXT_FROM, worth
from .batch import Batch, build_batch
from .gx_backend import EngineError, run_expectations
from .hits import Hit, not_evaluated
from .when import applicable
from .kinds import KINDS, SPECS
from .render import FINDING_COLUMNS, findings_frame, fingerprint, report_key
from .extraction_findings import extraction_hits


def evaluate(reports: list[Report], packs: list[Pack], gx_results: Path | None = None,
             agency_types: dict[str, str] | None = None, history: list[Report] | None = None,
             fresh: list[bool] | None = None, validator: Callable[..., dict[str, set[int]]] | None = None,
             ) -> pd.DataFrame:
    """Every rule of every applicable pack over the batch.

    `fresh` (one flag per report): per-report rules and reading problems only for the flagged
    reports, whose earlier findings are not in the ledger; cross-year rules for all of them, since
    they depend on other reports. One batch serves both. `validator`: where the GX validation runs
    (default `run_expectations` here; a large run passes its GX process's)."""
    batch = _build_batch(reports, agency_types, history)
    mask = pd.Series(fresh if fresh is not None else [True] * len(reports), dtype=bool)
    hits: list[Hit] = extraction_hits(batch, set(mask.index[mask]))
    rids_by_rule: dict[str, pd.Index] = {}
    by_kind: dict[str, list[Rule]] = {}
    for pack in packs:
        rids = batch.rids_for(pack.templates)
        only_fresh = rids[mask.reindex(rids, fill_value=False).to_numpy()]
        for rule in pack.rules:
            scope = rids if rule.kind == "cross_year" else only_fresh
            rids_by_rule[rule.key] = applicable(rule.when, batch, scope)
            by_kind.setdefault(rule.kind, []).append(rule)

    # Every kind is planned, then (once GX has validated all kinds' checks in one run) finished.
    # A kind whose rules may run alone is planned rule by rule (text kinds in workers for a large
    # batch); a kind whose rules share GX frames is planned as a whole.
    alone = [(kind, rule) for kind, rules in by_kind.items() if not KINDS[kind].together for rule in rules]
    text = [d for d in alone if d[0] in TEXT_KINDS]
    pending = None
    if text and worth(PARALLEL_TEXT_FROM, len(reports)) and (os.cpu_count() or 1) > 1:
        pending = _start_text_workers(text, batch, rids_by_rule)   # regexes on the other core(s)
        alone = [d for d in alone if d[0] not in TEXT_KINDS]
    for kind, rule in alone:
        hits.extend(direct_hits(kind, rule, batch, rids_by_rule[rule.key]))
    if pending is not None:
        hits.extend(_collect_text_workers(pending, text, batch, rids_by_rule))

    frames: dict[str, pd.DataFrame] = {}
    specs = []
    planned: dict[str, list[Rule]] = {}
    for kind, evaluator in KINDS.items():
        rules = by_kind.get(kind, [])
        if not rules or not evaluator.together:
            continue
        try:
            plan = evaluator.plan(rules, batch, rids_by_rule)
        except Exception as exc:  # noqa: BLE001 — these rules are not evaluated; the run goes on
            trace.exception("%s 类规则执行出错", kind)
            log.warning("规则 %s 执行出错，相关报告列入需人工核查（详情见日志）", "、".join(r.id for r in rules))
            hits.extend(h for rule in rules for h in _not_evaluated(rule, rids_by_rule[rule.key], exc))
            continue
        frames.update(plan.frames)
        specs.extend(plan.expectations)
        hits.extend(plan.hits)
        planned[kind] = rules
    failing = (validator or run_expectations)(frames, specs, gx_results) if specs else {}
    for kind, rules in planned.items():
        try:
            hits.extend(KINDS[kind].finish(rules, frames, failing))
        except Exception as exc:  # noqa: BLE001
            trace.exception("%s 类规则执行出错", kind)
            log.warning("规则 %s 执行出错，相关报告列入需人工核查（详情见日志）", "、".join(r.id for r in rules))
            hits.extend(h for rule in rules for h in _not_evaluated(rule, rids_by_rule[rule.key], exc))

    return findings_frame(hits, batch)


log = logging.getLogger("auditor")
trace = logging.getLogger("auditor.file")   # tracebacks: the log file only (auditor/cli.py), not the terminal
RETRY_CALLS = 64     # sub-batch calls spent finding the reports a failing rule fails on


def direct_hits(kind: str, rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    """One rule over its reports, batch first (the fast path). A rule that raises (a defect, or a
    local rule meeting a report it did not foresee) is retried on halves of the batch, so the
    reports it works on keep their findings and each report it fails on gets a 需人工核查 finding
    instead of the whole run crashing. The retries are bounded: past RETRY_CALLS sub-batches the
    rest are reported as not evaluated."""
    try:
        return _alone(kind, rule, batch, rids)
    except Exception as exc:  # noqa: BLE001
        trace.exception("规则 %s 执行出错，改为分批重试", rule.id)
        log.warning("规则 %s 执行出错，出错的报告列入需人工核查（详情见日志）", rule.id)
        first = exc
    if len(rids) <= 1:
        return _not_evaluated(rule, rids, first)
    hits: list[Hit] = []
    budget = RETRY_CALLS
    stack = [rids[len(rids) // 2:], rids[: len(rids) // 2]]
    while stack:
        part = stack.pop()
        if not len(part):
            continue
        if budget <= 0:
            hits.extend(_not_evaluated(rule, part, first))
            continue
        budget -= 1
        try:
            hits.extend(_alone(kind, rule, batch, part))
        except Exception as exc:  # noqa: BLE001
            if len(part) == 1:
                hits.extend(_not_evaluated(rule, part, exc))
            else:
                stack.extend([part[len(part) // 2:], part[: len(part) // 2]])
    return hits


def _alone(kind: str, rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    """One rule of a kind whose rules may run alone, over some reports (it leaves nothing to GX)."""
    evaluator = KINDS[kind]
    plan = evaluator.plan([rule], batch, {rule.key: rids})
    return plan.hits + evaluator.finish([rule], plan.frames, {})


def _not_evaluated(rule: Rule, rids, exc: BaseException) -> list[Hit]:
    what = f"本工具执行该规则时出错（{type(exc).__name__}），未对本报告作出判定"
    return [not_evaluated(int(rid), rule, "整份报告", "engine-error", what) for rid in rids]


def _build_batch(reports: list[Report], agency_types: dict[str, str] | None,
                 history: list[Report] | None) -> Batch:
    """The batch, all reports at once. Should one report make that fail, each is tried alone: the
    one that fails is replaced by a bare record saying so (a 需人工核查 finding for it, no rule
    applied), an earlier year's report is left out, and the run goes on with the others."""
    try:
        return build_batch(reports, agency_types, history)
    except Exception:  # noqa: BLE001
        trace.exception("整批准备审核数据时出错，逐份重试")
        log.warning("准备审核数据时出错，出错的报告列入需人工核查（详情见日志）")

    def fails(report: Report) -> Exception | None:
        try:
            build_batch([report], agency_types)
        except Exception as exc:  # noqa: BLE001
            return exc
        return None

    kept = []
    for report in reports:
        exc = fails(report)
        kept.append(report if exc is None else Report(
            file=report.file, status="failed",
            problems=[f"准备审核数据时发生内部错误（{type(exc).__name__}），本报告未按任何规则审核"]))
    return build_batch(kept, agency_types, [r for r in history or [] if fails(r) is None])


# Kinds that are regular expressions or shingles over report text (declared in auditor/rules/kinds.py):
# CPU-bound Python, run in worker processes for large batches (the batch reaches them by fork, not
# by pickling; where fork is unavailable, pickled once per worker by its initializer).
TEXT_KINDS = {name for name, spec in SPECS.items() if spec.text_rank is not None}
_SHARED: dict = {}


def _text_chunk(items: list[tuple[str, Rule]]) -> list[Hit]:
    batch, rids_by_rule = _SHARED["batch"], _SHARED["rids"]
    out: list[Hit] = []
    for kind, rule in items:
        out.extend(direct_hits(kind, rule, batch, rids_by_rule[rule.key]))
    return out


def _start_text_workers(items: list[tuple[str, Rule]], batch: Batch, rids_by_rule: dict[str, pd.Index]):
    """One task per rule, the costliest kinds first, so that the workers (and the main process,
    busy with the table rules meanwhile) finish at about the same time."""
    _SHARED.update(batch=batch, rids=rids_by_rule)
    shipped = () if can_fork() else (batch, rids_by_rule)     # forked workers inherit _SHARED
    pool = worker_pool(min(os.cpu_count() or 1, len(items)), _text_worker_start, shipped)
    order = sorted(range(len(items)), key=lambda i: SPECS[items[i][0]].text_rank)
    futures = {i: pool.submit(_text_chunk, [items[i]]) for i in order}
    return pool, [futures[i] for i in range(len(items))]      # results in rule order


def _text_worker_start(parent: int, logs, batch: Batch | None = None,
                       rids_by_rule: dict[str, pd.Index] | None = None) -> None:
    child_start(parent, logs)
    if batch is not None:
        _SHARED.update(batch=batch, rids=rids_by_rule)


def _collect_text_workers(pending, items: list[tuple[str, Rule]], batch: Batch,
                          rids_by_rule: dict[str, pd.Index]) -> list[Hit]:
    """The workers' hits, in rule order. A rule whose worker failed or died (memory) is run here
    instead, so that the run goes on."""
    pool, futures = pending
    out: list[Hit] = []
    try:
        for (kind, rule), future in zip(items, futures):
            try:
                out.extend(future.result())
            except Exception:  # noqa: BLE001 — BrokenProcessPool, or a result that could not travel
                trace.exception("规则 %s 的工作进程出错，改在主进程执行", rule.id)
                out.extend(direct_hits(kind, rule, batch, rids_by_rule[rule.key]))
        return out
    finally:
        pool.shutdown()
        _SHARED.clear()


__all__ = ["evaluate", "EngineError", "FINDING_COLUMNS", "fingerprint", "report_key"]
