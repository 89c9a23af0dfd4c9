"""The main job: find report files, read what is new, audit, and write a run folder.

A run is incremental: a file whose content was already audited under the same rules and engine
is not read again (its extraction and findings come from the ledger). Outputs go to
runs/<time>.partial/, the run is recorded in the ledger in one transaction, and only then is the
folder renamed to runs/<time>/ and latest/ switched to it. A run killed at any point leaves the
previous outputs and the ledger as they were.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .engine import RunResult, evaluate, gx_process, summarize
from .engine import versions as ver
from .domain import SEVERITIES
from .ingest import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from .ingest.office_convert import SPREADSHEET, converter_mark
from .junk import is_junk_file, is_junk_folder
from .ledger import Ledger, content_hash
from .model import Report
from .outputs import PendingOutputs, start_data_csv, start_outputs
from .forking import can_fork
from .naming import file_name
from .absent import recorded_findings
from .changes import Present, change_sheet, compare_runs
from .decisions import not_counted
from .reading import PARALLEL_FROM, FileRow, read_reports
from .rules.model import Pack
from .waivers import Waiver

log = logging.getLogger("auditor")


@dataclass
class Collected:
    files: list[Path]
    skipped: list[tuple[str, str]]      # (file, Chinese reason)


@dataclass
class RunOutcome:
    result: RunResult
    folder: Path
    written: list[Path]
    audited: int = 0
    pending: PendingOutputs | None = None   # outputs still being completed (the workbook, by a child)
    reused: int = 0
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict[str, float] = field(default_factory=dict)
    unchanged: bool = False            # nothing new since the last run: its results stand
    counts: dict[str, int] = field(default_factory=dict)
    versions: pd.DataFrame | None = None     # per file: current, superseded or copy (engine/versions.py)
    superseded: pd.DataFrame | None = None   # findings of superseded versions (for the record only)
    first_run: bool = False            # the ledger had no run before: nothing to compare with
    failed_files: list[str] = field(default_factory=list)   # files that could not be read (or listed)


class Stopwatch:
    """Seconds spent per stage, for the log and the benchmark."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + now - self._last
        self._last = now


class InputError(Exception):
    """A given input path that is missing, empty of reports or cannot be read: the run is refused
    before anything is touched. Auditing it would record a month without its reports (every
    earlier finding 已解决, every agency 未发布) and make that the latest result."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


LISTED_AT_MOST = 5    # names quoted in a message; the rest are counted (「等 N 个」)


def names_text(names: list[str], most: int = LISTED_AT_MOST) -> str:
    """`a、b、c 等 N 个`: a few names and how many there are in all."""
    shown = "、".join(names[:most])
    return shown + (f" 等 {len(names)} 个" if len(names) > most else "")


def collect(paths: list[Path]) -> Collected:
    """Expand folders (recursively, in name order). Operating-system and office junk files
    (auditor/junk.py) are left out silently; other unsupported files are listed, not dropped, and
    so is every sub-folder that cannot be listed (its reports would otherwise silently count as
    未发布). Raises InputError, before anything is read or written, for a given path that does not
    exist, cannot be read or listed, or (a folder) holds no report file at all: an unmounted share,
    a typo or an empty inbox is never audited as a month without reports."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            problems.extend(_collect_folder(path, files, skipped))
        elif path.is_file():
            if is_junk_file(path.name):
                continue       # `auditor run inbox/*` expands Thumbs.db too
            try:
                with open(path, "rb"):
                    pass
            except OSError as exc:
                problems.append(f"无法读取文件 {file_name(path)}（{exc.strerror or exc}）")
                continue
            files.append(path)
        elif os.path.lexists(path) and not path.is_symlink():
            problems.append(f"{file_name(path)} 不是文件或文件夹")
        else:
            problems.append(f"找不到 {file_name(path)}（路径不存在，或所在的共享盘、移动硬盘未连接）")
    if not problems and not files:
        problems.append("给出的路径中没有报告文件")
    if problems:
        raise InputError(problems)
    seen: set[str] = set()
    unique = [p for p in files if not (file_name(p) in seen or seen.add(file_name(p)))]   # a file given twice
    return Collected(unique, skipped)


def _collect_folder(path: Path, files: list[Path], skipped: list[tuple[str, str]]) -> list[str]:
    """One given folder's files into `files` / `skipped`; what makes it unusable, as Chinese lines."""
    found: list[Path] = []
    top_error: list[OSError] = []
    locked: list[tuple[str, str]] = []     # sub-folders that cannot be listed

    def unlisted(err: OSError) -> None:
        where = Path(err.filename) if err.filename is not None else path
        if where == path:
            top_error.append(err)
            return
        locked.append((file_name(where), f"无法读取文件夹（{err.strerror or err}），其中的报告未审核"))
        log.warning("无法读取文件夹 %s：%s", file_name(where), err.strerror or err)

    for folder, dirs, names in os.walk(path, onerror=unlisted):
        dirs[:] = [d for d in dirs if not is_junk_folder(d)]
        found.extend(Path(folder) / name for name in names if not is_junk_file(name))
    if top_error:
        err = top_error[0]
        return [f"无法读取文件夹 {file_name(path)}（{err.strerror or err}）"]
    mine: list[Path] = []
    unsupported: list[Path] = []
    for p in sorted(found):
        if not p.is_file():
            continue
        (mine if p.suffix.lower() in SUPPORTED_SUFFIXES else unsupported).append(p)
    if not mine:
        kinds = "、".join(sorted(SUPPORTED_SUFFIXES - set(SPREADSHEET)))     # .et is only collected to be refused
        what = [f"无法读取其中的文件夹 {names_text([name for name, _ in locked])}"] if locked else []
        what += [f"只有不支持的文件：{names_text([p.name for p in unsupported])}"] if unsupported else []
        return [f"文件夹 {file_name(path)} 中没有可审核的报告文件（{'，'.join(what) or '是空的'}；"
                f"可审核的类型：{kinds}）"]
    files.extend(mine)
    skipped.extend(locked)
    skipped.extend((file_name(p), f"不支持的文件类型「{p.suffix or '无扩展名'}」") for p in unsupported)
    return []


GX_PROCESS_FROM = 1000  # from this many files to read, GX is loaded in its own process meanwhile


def engine_version() -> str:
    """The package version plus a hash of its code: any code change re-audits everything."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")) + sorted((root / "schema").glob("*.json")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def ruleset_hash(packs: list[Pack], engine: str, agency_types: dict[str, str] | None) -> str:
    digest = hashlib.sha256(engine.encode())
    for pack in sorted(packs, key=lambda p: p.id):
        digest.update(repr((pack.id, pack.templates)).encode())
        for rule in sorted(pack.rules, key=lambda r: r.id):
            digest.update(repr((rule.id, rule.severity, rule.kind, rule.params, rule.when, rule.message,
                                rule.basis, rule.title)).encode())
    digest.update(repr(sorted((agency_types or {}).items())).encode())
    return digest.hexdigest()[:16]


def _hash_files(files: list[Path]) -> tuple[dict[Path, str], list]:
    """Content hash per file, always from its bytes: size and mtime alone cannot tell an edit that
    kept both (a copy with preserved times, a same-second rewrite). Hashing is cheap next to
    reading; the files are read on a few threads (reads and sha256 both release the GIL)."""
    if len(files) >= PARALLEL_FROM:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, 2 * (os.cpu_count() or 1))) as pool:
            rows = list(pool.map(_hash_one, files, chunksize=32))
    else:
        rows = [_hash_one(path) for path in files]
    hashes = {path: row[3] for path, row in zip(files, rows)}
    return hashes, [row for row in rows if row[1] >= 0]


def _hash_one(path: Path) -> FileRow:
    """(name, size, mtime, hash) of one file; gone or not readable: "unreadable" (reading it then
    reports why; such a file is never taken from the ledger)."""
    try:
        st = path.stat()
        if st.st_size > MAX_FILE_BYTES:
            h = f"oversize-{st.st_size}-{st.st_mtime_ns}"   # refused by size later; never read whole
        else:
            h = content_hash(path.read_bytes())
    except OSError:
        return file_name(path), -1, -1, "unreadable"
    return file_name(path), st.st_size, st.st_mtime_ns, h


@dataclass
class _Inputs:
    """What a run found before auditing: files, their hashes, and which are cached."""
    collected: Collected
    hashes: dict[Path, str]
    file_rows: list
    cache: dict[str, tuple[Report, list[dict]]]
    fresh: list[Report]
    unreadable: list[tuple[str, str]]
    stored: dict[str, bytes] = field(default_factory=dict)
    validator: Callable[..., dict[str, set[int]]] | None = None   # the GX process's, in a large run

    @property
    def audited(self) -> int:
        return len(self.fresh) + len(self.unreadable)


@dataclass
class Roster:
    """The office's list of units that must publish, and the year whose coverage is reported."""
    frame: pd.DataFrame
    digest: str
    year: int | None = None


def run(paths: list[Path], packs: list[Pack], out_dir: Path, waivers: list[Waiver] | None = None,
        agency_types: dict[str, str] | None = None, ledger_path: Path | None = None,
        full: bool = False, roster: Roster | None = None, collected: Collected | None = None) -> RunOutcome:
    """Audit `paths` (or what was already `collected` from them) into a new run folder. Raises
    InputError, with nothing created or changed, for a missing, unreadable or empty input path."""
    # A run builds millions of small objects that live until it ends: the cyclic garbage collector
    # would rescan them again and again (quadratic in the batch size) for nothing to free.
    gc.disable()
    try:
        return _run(paths, packs, out_dir, waivers, agency_types, ledger_path, full, roster, collected)
    finally:
        gc.enable()


def _run(paths: list[Path], packs: list[Pack], out_dir: Path, waivers: list[Waiver] | None,
         agency_types: dict[str, str] | None, ledger_path: Path | None, full: bool,
         roster: Roster | None, collected: Collected | None = None) -> RunOutcome:
    started = dt.datetime.now()
    watch = Stopwatch()
    collected = collected or collect(paths)     # refused (InputError) before anything is created
    options = output_options(roster)
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(ledger_path or out_dir / "ledger.sqlite")
    try:
        _recover(out_dir, ledger)
        engine = engine_version()
        rules_hash = ruleset_hash(packs, engine + (roster.digest if roster else ""), agency_types)
        previous = ledger.last_run()
        hashes = file_rows = key = None    # nothing can be reused: the reading processes hash the files
        if not full and ledger.has_audits(rules_hash):
            hashes, file_rows = _hash_files(collected.files)
            watch.lap("查找与哈希")
            key = input_key(rules_hash, hashes, collected.skipped, waivers, ledger.decisions_mark(), options)
            if previous and previous["input_key"] == key and (out_dir / "runs" / previous["folder"]).is_dir():
                # Same files, rules, waivers and decisions as last time: its results stand as they are.
                ledger.record_unchanged(started=started.isoformat(timespec="seconds"), engine=engine,
                                        rules_hash=rules_hash, previous=previous, files=file_rows,
                                        inputs=len(collected.files) + len(collected.skipped))
                _point_latest(out_dir, out_dir / "runs" / previous["folder"])
                watch.lap("账本")
                log.info("无新增或改动：沿用 %s", previous["folder"])
                log.info("各阶段耗时（秒）：%s", "，".join(f"{k} {v:.2f}" for k, v in watch.times.items()))
                return RunOutcome(None, out_dir / "runs" / previous["folder"], [], reused=len(collected.files),
                                  timings=watch.times, unchanged=True, counts=previous["counts"],
                                  failed_files=_failed_files(ledger.run_findings(previous["id"])))
        with ExitStack() as helpers:      # the GX process of a large run ends with the run, however it ends
            inputs = _gather(collected, hashes, file_rows, ledger, rules_hash, full, watch, helpers)
            # from the hashes of the bytes actually read (a file may have changed since it was hashed)
            key = input_key(rules_hash, inputs.hashes, collected.skipped, waivers, ledger.decisions_mark(), options)
            outcome = _audit_and_record(inputs, packs, waivers, roster, agency_types, ledger, out_dir, started,
                                        engine, rules_hash, key, watch)
            outcome.first_run = previous is None
            outcome.failed_files = _failed_files(outcome.result.findings)
            return outcome
    finally:
        ledger.close()


def _audit_and_record(inputs: _Inputs, packs: list[Pack], waivers: list[Waiver] | None, roster: Roster | None,
                      agency_types: dict[str, str] | None, ledger: Ledger, out_dir: Path, started: dt.datetime,
                      engine: str, rules_hash: str, key: str, watch: Stopwatch) -> RunOutcome:
    """Audit into runs/<time>.partial/, record the run, then make it the latest."""
    agency_types = _with_roster_types(inputs, roster, agency_types)
    folder = _new_folder(out_dir, started)
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True)
    try:
        outcome = _audit_and_write(inputs, packs, waivers, agency_types, ledger, partial, roster, watch)
        try:
            # the ledger is filled while the workbook is being written, and committed only
            # once every output file is complete
            _record(ledger, inputs, outcome.result, started, engine, rules_hash, folder, outcome, key,
                    before_commit=outcome.pending.finish)
        except BaseException:
            outcome.pending.abort()
            raise
        os.replace(partial, folder)
        watch.lap("账本与工作簿")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)   # an aborted run leaves nothing behind
        raise
    _point_latest(out_dir, folder)
    outcome.folder = folder
    outcome.written = [folder / p.name for p in outcome.written]
    outcome.timings = watch.times
    log.info("各阶段耗时（秒）：%s", "，".join(f"{k} {v:.2f}" for k, v in watch.times.items()))
    log.info("运行完成：%s，读取 %d 份，沿用 %d 份", folder.name, outcome.audited, outcome.reused)
    return outcome


def _failed_files(findings: pd.DataFrame) -> list[str]:
    """The files that could not be read (or folders listed), from a run's findings: each has one
    文件无法读取 finding, as its 总览 row has the status failed."""
    from .engine.extraction_findings import FAILED_RULE

    if not len(findings):
        return []
    return sorted(set(findings.loc[findings["rule_id"] == FAILED_RULE.id, "file"].astype(str)))


def output_options(roster: Roster | None) -> str:
    """The options that change a run's outputs but not its audits (those are in the rules hash):
    the coverage year, given (--year) or, without it, inferred with today's year as the limit."""
    if roster is None:
        return ""
    return f"year={roster.year}" if roster.year else f"year=auto<{dt.date.today().year}"


def input_key(rules_hash: str, hashes: dict[Path, str], skipped: list[tuple[str, str]],
              waivers: list[Waiver] | None, decisions: int, options: str = "") -> str:
    """Everything a run's results depend on; equal keys mean equal results (waivers by expiry
    today). The rules hash holds the rules, local packs, agency-type overrides and the roster;
    `options` the rest (output_options)."""
    today = dt.date.today().isoformat()
    digest = hashlib.sha256(rules_hash.encode())
    for path, h in sorted((file_name(p), h) for p, h in hashes.items()):
        digest.update(f"{path}\x1f{h}\n".encode())
    digest.update(repr(sorted(skipped)).encode())
    digest.update(repr([(w, w.expires < today) for w in (waivers or [])]).encode())
    digest.update(str(decisions).encode())
    digest.update(options.encode())
    digest.update(converter_mark().encode())   # LibreOffice installed since: refused .doc files are read
    return digest.hexdigest()[:32]


def _gather(collected: Collected, hashes: dict[Path, str] | None, file_rows: list | None, ledger: Ledger,
            rules_hash: str, full: bool, watch: Stopwatch, helpers: ExitStack) -> _Inputs:
    """Reports from the ledger where it has them, the rest read. `hashes` None: nothing is cached;
    the files are hashed as they are read."""
    cache = {} if full or hashes is None else ledger.cached(set(hashes.values()), rules_hash)
    watch.lap("载入上次结果")
    to_read = [p for p in collected.files if hashes is None or hashes[p] not in cache]
    gx = None
    if len(to_read) >= GX_PROCESS_FROM and can_fork():
        gx = helpers.enter_context(closing(gx_process.GXProcess()))   # loads GX while the files are read
    read = read_reports(to_read)
    # A file read now is known by the bytes that were read, never by what its path held when it was
    # hashed above: one replaced meanwhile must not store its extraction under the other's hash.
    hashes = dict(hashes or {})
    hashes.update((path, row[3]) for path, row in zip(to_read, read.rows))
    rows = {row[0]: row for row in file_rows or []}
    rows.update((row[0], row) for row in read.rows)
    file_rows = [row for row in rows.values() if row[1] >= 0]
    watch.lap("读取与提取")
    if read.cpu["读取"] + read.cpu["提取"] > 0:
        log.info("读取与提取（各进程合计）：%s", "，".join(f"{k} {v:.2f} 秒" for k, v in read.cpu.items()))
    return _Inputs(collected, hashes, file_rows, cache, read.reports, read.unreadable, read.stored,
                   gx.run_expectations if gx else None)


def _with_roster_types(inputs: _Inputs, roster: Roster | None,
                       explicit: dict[str, str] | None) -> dict[str, str] | None:
    """Agency types from the roster where it gives them; an explicit override file wins."""
    if roster is None:
        return explicit
    from .roster import roster_types

    reports = inputs.fresh + [r for r, _ in inputs.cache.values()]
    frame = pd.DataFrame({"agency": [r.meta.get("agency") for r in reports]})
    types = roster_types(frame, roster.frame)
    merged = {str(a).replace(" ", ""): t for a, t in zip(frame["agency"], types) if a and t}
    return {**merged, **(explicit or {})}


def _report_frame(reports: list[Report], agency_types: dict[str, str] | None) -> pd.DataFrame:
    from .agency import resolve_types

    frame = pd.DataFrame({"file": [r.file for r in reports], "agency": [r.meta.get("agency") for r in reports],
                          "year": [r.meta.get("year") for r in reports],
                          "published": [r.meta.get("published") for r in reports]})
    frame["agency_type"] = resolve_types(frame["agency"], agency_types)
    return frame


def _audit_and_write(inputs: _Inputs, packs: list[Pack], waivers: list[Waiver] | None,
                     agency_types: dict[str, str] | None, ledger: Ledger, partial: Path,
                     roster: Roster | None = None, watch: Stopwatch | None = None) -> RunOutcome:
    """Audit the fresh reports, join the cached ones, and write the outputs into `partial`."""
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
    fresh_flags = [r.file in fresh_by_file for r in reports]
    counted = ver.current_reports(reports, versions)   # one per agency-year and content: data, coverage
    # Cross-year rules need last year's reports that are no longer in the inbox: from the ledger.
    history = ledger.reports_of(_missing_previous(reports)) if _has_cross_year(packs) else []
    from .datasheet import SHEET_MAX_REPORTS, data_frame

    # a large batch's data.csv (not in the workbook) is written by a child from now on
    early = start_data_csv(partial, lambda: data_frame(counted)) \
        if len(counted) > SHEET_MAX_REPORTS and can_fork() else None
    try:
        return _rules_and_outputs(inputs, reports, cached_rows, fresh_flags, history, packs, waivers,
                                  agency_types, ledger, partial, roster, watch, early, versions)
    except BaseException:
        if early is not None:
            early.abort()
        raise


def _rules_and_outputs(inputs: _Inputs, reports: list[Report], cached_rows: list[dict], fresh_flags: list[bool],
                       history: list[Report], packs: list[Pack], waivers: list[Waiver] | None,
                       agency_types: dict[str, str] | None, ledger: Ledger, partial: Path, roster: Roster | None,
                       watch: Stopwatch | None, early: PendingOutputs | None,
                       versions: pd.DataFrame | None = None) -> RunOutcome:
    from .datasheet import data_frame, sheet_or_note

    if versions is None:
        versions = ver.resolve(reports, {file_name(p): h for p, h in inputs.hashes.items()})
    counted = ver.current_reports(reports, versions)

    new_findings = evaluate(reports, packs, partial / "gx_validation.json", agency_types, history, fresh_flags,
                            validator=inputs.validator)
    parts = [new_findings, pd.DataFrame(cached_rows, columns=new_findings.columns)]
    present = [p for p in parts if len(p)]
    findings = pd.concat(present, ignore_index=True) if present else new_findings
    # superseded versions' findings leave every count and open-problem list (kept for the record)
    findings, superseded = ver.split_findings(findings, versions)
    decisions = ledger.decisions()     # before counting: 不予采纳 counts nowhere (auditor/decisions.py)
    result = summarize(reports, findings, inputs.collected.skipped + inputs.unreadable, waivers,
                       agency_types=agency_types, packs=packs, decisions=decisions)
    result.reports = ver.overview_columns(result.reports, versions)
    from .absent import add_absent, coverage_input, run_years, with_absent

    absent = add_absent(result, ledger, reports, run_years(counted, None if roster is None else (
        roster.year or coverage_year([r.meta.get("year") for r in counted]))), waivers, agency_types, packs, decisions)
    if watch:
        watch.lap("规则")
    previous = ledger.last_run()
    changes = compare_runs(ledger.run_findings(previous["id"]) if previous else None, result.findings,
                           superseded, ver.not_current(versions),
                           Present.of(reports, [f for f, _ in inputs.collected.skipped + inputs.unreadable]))
    extra = {"变化": change_sheet(changes)}
    if roster is not None:
        from .domain import deadlines_by_type, template_for_year
        from .roster import coverage

        year = roster.year or coverage_year([r.meta.get("year") for r in counted])
        log.info("覆盖情况统计年度：%d%s", year, "（--year 指定）" if roster.year else "（按所审报告推定）")
        extra["覆盖情况"] = coverage(coverage_input(ver.coverage_frame(_report_frame(reports, agency_types), versions),
                                                _report_frame(absent.reports, agency_types), absent),
                                 roster.frame, year,
                                 deadlines_by_type(packs, template_for_year(year), year))
    if (versions["state"] == ver.SUPERSEDED).any():
        from .outputs.tables import superseded_frame

        extra["已取代版本"] = superseded_frame(superseded)
    if result.waivers is not None:
        extra["豁免"] = waiver_sheet(result.waivers)
    data = sheet_or_note(counted, data_frame)    # a large batch's: a note (data.csv started early)
    extra["数据"] = data
    pending = start_outputs(partial, *with_absent(ver.with_superseded(result.findings, superseded), result.reports,
                                                  result.absent_findings, result.absent_reports), extra,
                            None if early is not None else data if "说明" not in data else lambda: data_frame(counted))
    if early is not None:
        pending.join(early)
    if watch:
        watch.lap("输出")
    total = len(inputs.collected.files)
    return RunOutcome(result, partial, pending.targets, audited=inputs.audited, reused=total - inputs.audited,
                      changes=changes, pending=pending, versions=versions, superseded=superseded)


FIRST_REPORT_YEAR = 2008    # the first year the regulations (2007) required an annual report for
YEAR_SHARE = 0.1           # a year is the default only if at least this share of reports has it


def coverage_year(years: list, today: dt.date | None = None) -> int:
    """The year whose coverage is reported when --year is not given: the newest plausible year
    that a fair share of the reports have, never one outlier. A year not yet over (or later: a
    mistyped 2031) cannot have a report yet; one report of a newer year among a hundred of the
    last (a typo, or one early bird) does not move it either. Nothing plausible: last year."""
    import math
    from collections import Counter

    today = today or dt.date.today()
    known = pd.to_numeric(pd.Series(list(years), dtype=object), errors="coerce").dropna()
    plausible = Counter(int(y) for y in known if FIRST_REPORT_YEAR <= y <= today.year - 1)
    if not plausible:
        return today.year - 1
    need = min(max(plausible.values()), max(2, math.ceil(sum(plausible.values()) * YEAR_SHARE)))
    return max(y for y, n in plausible.items() if n >= need)


def _has_cross_year(packs: list[Pack]) -> bool:
    return any(r.kind == "cross_year" for p in packs for r in p.rules)


def _missing_previous(reports: list[Report]) -> list[tuple[str, int]]:
    """(agency key, year − 1) of every report whose previous year is not in this run."""
    from .domain import agency_key

    present = {(agency_key(r.meta["agency"]), r.meta["year"]) for r in reports
               if r.meta.get("agency") and r.meta.get("year")}
    wanted = {(key, year - 1) for key, year in present if key}
    return sorted(wanted - present)


def _record(ledger: Ledger, inputs: _Inputs, result: RunResult, started: dt.datetime, engine: str,
            rules_hash: str, folder: Path, outcome: RunOutcome, key: str | None = None,
            before_commit=None) -> None:
    """The run, the report versions and their per-report findings, in one ledger transaction."""
    by_file = {file_name(p): h for p, h in inputs.hashes.items()}
    fresh = {r.file: r for r in inputs.fresh}
    everything = result.findings
    old = outcome.superseded
    if old is not None and len(old):   # a superseded version's findings are cached as the engine made them
        old = old.assign(fingerprint=old["base_fingerprint"]).drop(columns=["base_fingerprint", "version"])
        everything = pd.concat([everything, old], ignore_index=True)
    per_report = everything[everything["file"].isin(list(fresh)) & (everything["rule_kind"] != "cross_year")]
    # Only per-report findings are cached: waiver and decision columns are re-applied every run.
    cacheable = per_report.drop(columns=[c for c in ("waived", "waiver", "decision", "dismissed") if c in per_report])
    # a byte-identical copy's findings were dropped (its original's stand for both): caching its
    # empty list would overwrite the original's under the shared hash
    copies = set() if outcome.versions is None else \
        set(outcome.versions.index[outcome.versions["state"] == ver.COPY])
    grouped: dict[str, list[dict]] = {f: [] for f in fresh if f not in copies}
    for row in cacheable.to_dict("records"):      # one conversion, not one per report
        rows = grouped.get(row.pop("file"))
        if rows is not None:
            rows.append(row)
    audits = [(by_file[f], rows) for f, rows in grouped.items()]
    versions = [(by_file[r.file], r, inputs.stored.get(r.file)) for r in inputs.fresh]
    present = set(by_file.values())
    seen = [h for h in inputs.cache if h in present]      # cached versions: only last_seen changes
    counts = result.findings.groupby(["category", "severity"]).size() if len(result.findings) else {}
    summary = {f"{c}/{s}": int(n) for (c, s), n in dict(counts).items()}
    comp = result.findings[result.findings["category"] == "compliance"] if len(result.findings) else result.findings
    comp = comp[~not_counted(comp)]          # waived, or dismissed (不予采纳): counted nowhere
    summary["absent"] = 0 if result.absent_reports is None else len(result.absent_reports)
    summary.update({"reports": len(result.reports), "skipped": len(inputs.collected.skipped), "failed": int((result.reports["status"] == "failed").sum()),
                    "complete": int((result.reports["status"] == "complete").sum()),
                    "partial": int((result.reports["status"] == "partial").sum()),
                    **{f"open/{s}": int((comp["severity"] == s).sum()) for s in SEVERITIES},
                    "manual": int((result.findings["category"] == "extraction").sum()) if len(result.findings) else 0})
    if outcome.versions is not None:
        summary.update({"superseded": int((outcome.versions["state"] == ver.SUPERSEDED).sum()),
                        "copies": int((outcome.versions["state"] == ver.COPY).sum())})
    outcome.counts = summary
    ledger.record_run(started=started.isoformat(timespec="seconds"), engine=engine, rules_hash=rules_hash,
                      folder=folder.name, files=inputs.file_rows, versions=versions, seen=seen, audits=audits,
                      findings=recorded_findings(result),     # with those of reports not provided (absent.py)
                      inputs=len(inputs.collected.files) + len(inputs.collected.skipped),
                      audited=outcome.audited, reused=outcome.reused, counts=summary, input_key=key,
                      before_commit=before_commit)


def _new_folder(out_dir: Path, started: dt.datetime) -> Path:
    runs = out_dir / "runs"
    runs.mkdir(exist_ok=True)
    base = started.strftime("%Y-%m-%dT%H%M%S")
    folder, n = runs / base, 1
    while folder.exists() or folder.with_name(folder.name + ".partial").exists():
        n += 1
        folder = runs / f"{base}-{n}"
    return folder


def _recover(out_dir: Path, ledger: Ledger) -> None:
    """Finish or discard the folder of a run that was killed after or before its ledger commit."""
    runs = out_dir / "runs"
    if not runs.is_dir():
        return
    recorded = {row[0] for row in ledger.db.execute("SELECT folder FROM runs")}
    for partial in runs.glob("*.partial"):
        final = partial.with_name(partial.name[: -len(".partial")])
        if final.name in recorded and not final.exists():
            os.replace(partial, final)
            _point_latest(out_dir, final)
        else:
            shutil.rmtree(partial, ignore_errors=True)


def _point_latest(out_dir: Path, folder: Path) -> None:
    """latest/ → the newest complete run, switched atomically (symlink), or copied if links fail."""
    latest = out_dir / "latest"
    tmp = out_dir / f".latest-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(Path("runs") / folder.name, target_is_directory=True)
        if latest.exists() and not latest.is_symlink():
            shutil.rmtree(latest)
        os.replace(tmp, latest)
    except OSError:     # no symlinks (Windows without developer mode): latest/ is a copy
        staging = out_dir / f".latest-copy-{os.getpid()}"
        old = out_dir / f".latest-old-{os.getpid()}"
        shutil.copytree(folder, staging)
        try:
            if latest.is_symlink():
                latest.unlink()
            elif latest.exists():
                os.replace(latest, old)      # whole or not at all: never a half-deleted latest/
            os.replace(staging, latest)
        except OSError as exc:   # a file in latest/ is open (Excel on Windows): the run stands in runs/
            shutil.rmtree(staging, ignore_errors=True)
            if old.exists() and not latest.exists():
                os.replace(old, latest)
            log.warning("latest 未能更新（%s，其中的文件可能正被打开）；本次结果见 runs/%s",
                        exc.strerror or exc, folder.name)
        shutil.rmtree(old, ignore_errors=True)


def waiver_sheet(report: pd.DataFrame) -> pd.DataFrame:
    """The 豁免 sheet: every waiver with its status, so expired and unused ones are seen."""
    return pd.DataFrame({
        "规则编号": report["rule"], "单位": report["agency"], "年度": report["year"], "位置": report["location"],
        "指纹": report["fingerprint"], "理由": report["reason"], "批准人": report["approved_by"],
        "有效期至": report["expires"], "状态": report["status"], "匹配问题数": report["matched"],
    }, dtype=object)
