"""The main job, one door: `run_audit(context)` finds the report files, reads what is new, audits,
writes a run folder and records the run, each stage in a module of its own:

  collecting  the files (refused before anything is touched when an input is missing or empty)
  reading     the reports the ledger has under these rules, the rest read on every core
  auditing    the rules over one batch, versions, reports not provided, the comparison with last run
  writing     the output files into the partial run folder (auditor/outputs)
  recording   the run into the ledger, committed once every output file is complete
  run_folder  the crash-safe folder protocol (runs/<time>.partial → runs/<time>, latest/)

A run is incremental: a file whose content was already audited under the same rules and engine is
not read again (its extraction and findings come from the ledger), and a run whose every input is
as last time (keys.input_key) only points at the last run's results. A run killed at any point
leaves the previous outputs and the ledger as they were. The stages share one RunContext.
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ..domain import today
from ..evidence.run import start_pages
from ..followup import follow as followup
from ..followup import store as followup_store
from ..ledger import Ledger
from ..rules.model import Pack
from .auditing import audit, join_reports, with_roster_types
from .collecting import Collected, InputError, collect, hash_files
from .context import RunContext, RunOutcome
from .keys import engine_version, input_key, output_options, ruleset_hash
from .reading import Inputs, read_inputs
from .recording import failed_files, record, record_unchanged
from .run_folder import new_folder, partial_of, point_latest, recover
from .writing import early_data_csv, start_writing

__all__ = ["run_audit", "run", "RunContext", "RunOutcome", "Collected", "InputError", "collect", "engine_version"]

log = logging.getLogger("auditor")


def run(paths: list[Path], packs: list[Pack], out_dir: Path, **options: Any) -> RunOutcome:
    """`run_audit` of a context made of these and `options` (RunContext's other fields by name)."""
    return run_audit(RunContext(paths, packs, out_dir, **options))


def run_audit(ctx: RunContext) -> RunOutcome:
    """Audit `ctx.paths` (or what was already `ctx.collected` from them) into a new run folder.
    Raises InputError, with nothing created or changed, for a missing, unreadable or empty input path."""
    # A run builds millions of small objects that live until it ends: the cyclic garbage collector
    # would rescan them again and again (quadratic in the batch size) for nothing to free.
    gc.disable()
    try:
        return _run(ctx)
    finally:
        gc.enable()


def _run(ctx: RunContext) -> RunOutcome:
    ctx.start()
    ctx.collected = ctx.collected or collect(ctx.paths)     # refused (InputError) before anything is created
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    ctx.ledger = Ledger(ctx.ledger_file)
    try:
        recover(ctx.out_dir, ctx.ledger)
        followup_store.ensure_tables(ctx.ledger.db)
        ctx.engine = engine_version()
        ctx.rules_hash = ruleset_hash(ctx.packs, ctx.engine + (ctx.roster.digest if ctx.roster else ""),
                                      ctx.agency_types)
        ctx.previous = ctx.ledger.last_run()
        if not ctx.full and ctx.ledger.has_audits(ctx.rules_hash):
            ctx.hashes, ctx.file_rows = hash_files(ctx.collected.files)
            ctx.watch.lap("查找与哈希")
            ctx.key = _input_key(ctx, ctx.hashes, followup_store.all_items(ctx.ledger))
            if _as_last_time(ctx):
                return _stand_on_last_run(ctx)
        with ExitStack() as helpers:      # the GX process of a large run ends with the run, however it ends
            inputs = read_inputs(ctx, helpers)
            # from the hashes of the bytes actually read (a file may have changed since it was hashed)
            ctx.key = _input_key(ctx, inputs.hashes, followup_store.all_items(ctx.ledger))
            outcome = _audit_write_record(ctx, inputs)
            outcome.first_run = ctx.previous is None
            outcome.failed_files = failed_files(outcome.result.findings)
            return outcome
    finally:
        ctx.ledger.close()


def _input_key(ctx: RunContext, hashes: dict[Path, str], items) -> str:
    """The run's input key, the rectification items as `items` has them (keys.input_key)."""
    return input_key(ctx.rules_hash, hashes, ctx.collected.skipped, ctx.waivers, ctx.ledger.decisions_mark(),
                     output_options(ctx.roster) + followup.key_part(items, today()))


def _as_last_time(ctx: RunContext) -> bool:
    """Same files, rules, waivers and decisions as last time, and its folder still there."""
    previous = ctx.previous
    return bool(previous and previous["input_key"] == ctx.key
                and (ctx.out_dir / "runs" / previous["folder"]).is_dir())


def _stand_on_last_run(ctx: RunContext) -> RunOutcome:
    """Nothing new: the last run's results stand as they are; latest/ points at them."""
    folder = ctx.out_dir / "runs" / ctx.previous["folder"]
    record_unchanged(ctx)
    line = followup.summary_line(followup.unchanged(ctx.ledger))
    if line:
        log.info(line)
    point_latest(ctx.out_dir, folder)
    ctx.watch.lap("账本")
    log.info("无新增或改动：沿用 %s", ctx.previous["folder"])
    log.info("各阶段耗时（秒）：%s", ctx.watch.text())
    return RunOutcome(None, folder, [], reused=len(ctx.collected.files), timings=ctx.watch.times, unchanged=True,
                      counts=ctx.previous["counts"],
                      failed_files=failed_files(ctx.ledger.run_findings(ctx.previous["id"])), followup_line=line)


def _audit_write_record(ctx: RunContext, inputs: Inputs) -> RunOutcome:
    """Audit and write into runs/<time>.partial/, record the run, then make it the latest."""
    ctx.agency_types = with_roster_types(ctx, inputs)
    ctx.folder = new_folder(ctx.out_dir, ctx.started)
    ctx.partial = partial_of(ctx.folder)
    ctx.partial.mkdir(parents=True)
    try:
        batch = join_reports(ctx, inputs)
        with early_data_csv(ctx, batch.counted) as early:
            audited = audit(ctx, inputs, batch)
            # the key of the items as this run leaves them: the next run over the same inputs is
            # as this one only if nothing changes the items in between
            ctx.key = _input_key(ctx, inputs.hashes, audited.followup.items)
            pending = start_writing(ctx, audited, early)
            try:
                pending.join(start_pages(ctx.partial, audited, ctx.packs))     # 核查页/, with the other outputs
            except BaseException:
                pending.abort()
                raise

        def before_commit() -> None:
            followup.save(ctx.ledger.db, audited.followup)
            pending.finish()

        try:
            # the ledger is filled while the workbook is being written, and committed only
            # once every output file is complete
            counts = record(ctx, inputs, audited, before_commit=before_commit)
        except BaseException:
            pending.abort()
            raise
        os.replace(ctx.partial, ctx.folder)
        ctx.watch.lap("账本与工作簿")
    except BaseException:
        shutil.rmtree(ctx.partial, ignore_errors=True)   # an aborted run leaves nothing behind
        raise
    point_latest(ctx.out_dir, ctx.folder)
    log.info("各阶段耗时（秒）：%s", ctx.watch.text())
    log.info("运行完成：%s，读取 %d 份，沿用 %d 份", ctx.folder.name, inputs.audited,
             len(inputs.collected.files) - inputs.audited)
    line = followup.summary_line(audited.followup)
    if line:
        log.info(line)
    return RunOutcome(audited.result, ctx.folder, [ctx.folder / p.name for p in pending.targets],
                      audited=inputs.audited, reused=len(inputs.collected.files) - inputs.audited,
                      changes=audited.changes, pending=pending, timings=ctx.watch.times, counts=counts,
                      versions=audited.batch.versions, superseded=audited.superseded, followup_line=line)
