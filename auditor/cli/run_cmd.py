"""`auditor run`: the month's audit, its summary on the terminal and in the log, and its exit code."""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from .common import _load_packs
from .exits import (EXIT_CLUSTER, EXIT_ENGINE, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_LEDGER, EXIT_LOCKED, EXIT_OK,
                    EXIT_UNREADABLE, EXIT_USAGE, EXIT_WRITE, exit_words)


def _waivers_path(args: argparse.Namespace) -> Path | None:
    return args.waivers or (Path("waivers.yaml") if Path("waivers.yaml").exists() else None)


def _side_files(args: argparse.Namespace):
    """Waivers (explicit, or ./waivers.yaml when present), agency-type overrides and the roster."""
    import hashlib

    from ..agency import load_overrides
    from ..roster import Roster, load_roster
    from ..waivers import load_waivers

    path = _waivers_path(args)
    waivers = load_waivers(path) if path else None
    types = load_overrides(args.agency_types) if args.agency_types else None
    roster = None
    if args.roster:
        frame = load_roster(args.roster)      # first: a missing or unreadable file is said in Chinese
        digest = hashlib.sha256(args.roster.read_bytes()).hexdigest()[:16]
        roster = Roster(frame, digest, args.year)
    return waivers, types, roster


def _cmd_run(args: argparse.Namespace) -> int:
    """The run, and on every way out of it (a crash included) one summary line in auditor.log."""
    record = RunLog(args)
    try:
        code = _run_and_report(args, record)
    except Exception:
        record.finish(EXIT_INTERNAL)     # the traceback follows, written by app.internal_error
        raise
    record.finish(code)
    return code


def _run_and_report(args: argparse.Namespace, record: RunLog) -> int:
    import sqlite3

    from filelock import FileLock, Timeout

    from ..cluster import ClusterError
    from ..engine import EngineError
    from ..ledger import LedgerError, corrupt_message, is_corruption
    from ..pipeline import InputError, RunContext, collect, run_audit
    from ..rules.loader import RuleError
    from ..waivers import unknown_rule_warnings

    packs = _load_packs(args.rules, args.local)
    if packs is None:
        return EXIT_USAGE
    reader = _reader(args)
    if reader is False:
        return EXIT_USAGE
    paths = args.paths or [Path("reports_in")]
    try:
        waivers, agency_types, roster = _side_files(args)
    except (RuleError, ValueError, OSError) as exc:
        for line in getattr(exc, "problems", [str(exc)]):
            print(line, file=sys.stderr)
        return EXIT_USAGE
    warnings = unknown_rule_warnings(waivers, {r.id for p in packs for r in p.rules}, _waivers_path(args)) \
        if waivers else []
    for line in warnings:
        print(line, file=sys.stderr)
    try:
        # before the results folder is even created: a typo or an unmounted share touches nothing
        collected = collect(paths)
    except InputError as exc:
        record.problems = exc.problems
        return _input_refused(exc.problems)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        record.attach()
        lock = FileLock(str(args.out / ".auditor.lock"), timeout=args.wait)
    except OSError as exc:
        print(f"无法写入结果目录 {args.out}（{exc.strerror or exc}），本次未运行；之前的结果和账本保持不变。",
              file=sys.stderr)
        return EXIT_WRITE
    for line in warnings:
        _log_file().warning(line)
    ledger_path = args.ledger or args.out / "ledger.sqlite"
    try:
        with lock:
            outcome = run_audit(RunContext(paths, packs, args.out, waivers=waivers, agency_types=agency_types,
                                           ledger_path=args.ledger, full=args.full, roster=roster,
                                           collected=collected, reader=reader))
    except Timeout:
        print(f"另一个审核任务正在使用 {args.out}，本次未运行（可用 --wait 秒数 等待）。", file=sys.stderr)
        _log_file().warning("结果目录被占用，本次未运行")
        return EXIT_LOCKED
    except InputError as exc:      # only when run_audit() collects again itself; kept for safety
        record.problems = exc.problems
        return _input_refused(exc.problems)
    except ClusterError as exc:
        print(str(exc), file=sys.stderr)
        _log_file().error("%s", exc)
        return EXIT_CLUSTER
    except EngineError as exc:
        print(f"引擎错误：{exc}", file=sys.stderr)
        _log_file().error("引擎错误：%s", exc)
        return EXIT_ENGINE
    except LedgerError as exc:
        return _ledger_refused(str(exc))
    except sqlite3.DatabaseError as exc:   # found damaged mid-run, or a ledger that cannot be written
        if is_corruption(exc):
            return _ledger_refused(corrupt_message(ledger_path, str(exc)), exc)
        print(f"写入账本 {ledger_path} 失败（{exc}：磁盘已满或没有写权限？），之前的结果和账本保持不变。",
              file=sys.stderr)
        _log_file().error("写入账本失败：%s", exc)
        return EXIT_WRITE
    except OSError as exc:
        print(f"写入结果失败：{exc.strerror or exc}（磁盘已满或没有写权限？）。之前的结果和账本保持不变。",
              file=sys.stderr)
        _log_file().error("写入结果失败：%s", exc)
        return EXIT_WRITE
    record.outcome = outcome
    try:
        _print_summary(args, outcome)
        sys.stdout.flush()
    except BrokenPipeError:     # `auditor run | head -1`: the run is recorded; only the reader stopped
        _drop_stdout()
    c = outcome.counts
    if c.get("failed", 0):
        return EXIT_UNREADABLE
    levels = {"error": ["error"], "warning": ["error", "warning"], "never": []}[args.fail_on]
    if any(c.get(f"open/{s}", 0) for s in levels):
        return EXIT_FINDINGS
    return EXIT_OK


def _reader(args: argparse.Namespace):
    """Where the files are read: None for this machine's cores; a DaskReader for a cluster (asked
    by --executor dask or --scheduler); False, said in Chinese, when the cluster has no address."""
    from ..cluster import DaskReader, scheduler_address

    if args.executor == "local" and args.scheduler:
        print("--scheduler 只用于 --executor dask（本机读取不需要调度器地址）。", file=sys.stderr)
        return False
    if args.executor != "dask" and not args.scheduler:
        if args.send_files:
            print("--send-files 只用于 Dask 集群（--executor dask）。", file=sys.stderr)
            return False
        return None
    address = scheduler_address(args.scheduler)
    if address is None:
        print("使用 --executor dask 时须给出调度器地址：--scheduler tcp://主机:8786，"
              "或设置环境变量 DASK_SCHEDULER_ADDRESS。", file=sys.stderr)
        return False
    return DaskReader(address, send_files=args.send_files)


def _drop_stdout() -> None:
    """Standard output to nowhere from now on: its reader has gone, and the run's exit code (not
    an internal error) must still reach the caller."""
    import os

    sys.stdout = open(os.devnull, "w", encoding="utf-8")


def _input_refused(problems: list[str]) -> int:
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{exit_words(EXIT_INPUT)}。请检查路径（共享盘是否已连接），或放入报告后再运行。", file=sys.stderr)
    return EXIT_INPUT


@dataclass
class Tally:
    """A run's files, counted twice: by where their result came from (read now, reused from the
    ledger, or not read: an unsupported type or a folder that cannot be listed) and by how they
    were read (complete, partial, failed). Each group adds up to `total`, the rows of 总览."""
    total: int
    read: int
    reused: int
    not_read: int
    complete: int
    partial: int
    failed: int

    def text(self) -> str:
        origin = f"本次读取 {self.read}，沿用上次结果 {self.reused}" \
            + (f"，未读取（类型不支持等）{self.not_read}" if self.not_read else "")
        return (f"审核报告 {self.total} 份（{origin}；读取完整 {self.complete}，部分读取 {self.partial}，"
                f"无法读取 {self.failed}）")


def tally(outcome) -> Tally:
    """The numbers of a finished run (or of the earlier run an unchanged one stands on)."""
    c = outcome.counts
    total = c.get("reports", 0)
    # the ledger of an older version has no "skipped": it is what is neither read nor reused
    not_read = c.get("skipped", total - outcome.audited - outcome.reused)
    return Tally(total, outcome.audited, outcome.reused, not_read, c.get("complete", 0), c.get("partial", 0),
                 c.get("failed", 0))


def _findings_text(c: dict) -> str:
    from ..domain import SEVERITIES, SEVERITY_WORDS

    return (f"合规问题 {sum(c.get(f'open/{s}', 0) for s in SEVERITIES)} 条（"
            + "，".join(f"{SEVERITY_WORDS[s]} {c.get(f'open/{s}', 0)}" for s in SEVERITIES)
            + f"）；需人工核查 {c.get('manual', 0)} 条")


def _print_summary(args: argparse.Namespace, outcome) -> None:
    c = outcome.counts
    if outcome.unchanged:
        print(f"没有新增或改动的报告，规则、豁免和处理意见也未变：结果与上次相同（共 {c.get('reports', 0)} 份）。")
    print(f"{tally(outcome).text()}；{_findings_text(c)}。")
    if c.get("superseded", 0) or c.get("copies", 0):   # versions that count nowhere (engine/versions.py)
        print(f"其中已被更正版取代 {c.get('superseded', 0)} 份、重复副本 {c.get('copies', 0)} 份，不计入问题数和覆盖情况"
              "（见工作簿「总览」的「版本」列）。")
    from ..domain import ABSENT_WORD, DISMISSED_WORD

    if c.get("absent", 0):    # reports an earlier run audited that this run was not given (auditor/absent.py)
        print(f"另有{ABSENT_WORD}的报告 {c['absent']} 份（以前审核过，这次没有提供）：按上次结果列在工作簿中，"
              "不计入本次问题数和结论。")
    ch = outcome.changes
    from ..engine.versions import SUPERSEDED_WORD

    if outcome.first_run:
        print("首次运行：没有上次结果可供比较。")
    elif len(ch):
        print(f"与上次相比：新增 {int((ch['status'] == '新增').sum())}，已解决 {int((ch['status'] == '已解决').sum())}，"
              f"仍存在 {int((ch['status'] == '仍存在').sum())}"
              + "".join(f"，{w} {n}" for w in (SUPERSEDED_WORD, ABSENT_WORD, DISMISSED_WORD)
                        if (n := int((ch['status'] == w).sum()))) + "。")
    result = outcome.result
    if result is not None and "deadline_status" in result.reports and len(result.reports):
        # the same words as the 总览 column 按期发布 (auditor/domain.py); never 按期 without a date
        on_time = result.reports["deadline_status"].value_counts(sort=False)
        print("按期发布：" + "，".join(f"{word} {int(n)} 份" for word, n in on_time.items()) + "。")
    if args.roster:
        _print_coverage(args, outcome)
    if result is not None and result.waivers is not None and len(result.waivers):
        w = result.waivers
        print(f"豁免 {len(w)} 条：有效 {int((w['status'] == '有效').sum())}，已过期 {int((w['status'] == '已过期').sum())}，"
              f"未使用 {int((w['status'] == '未使用').sum())}（见工作簿「豁免」表）。")
    if getattr(outcome, "followup_line", None):
        print(outcome.followup_line)
    print(f"结果：{outcome.folder}（最新结果始终在 {args.out / 'latest'}）")


def _print_coverage(args: argparse.Namespace, outcome) -> None:
    """名册 N 家：已发布 a，未发布 b，逾期 c — counted from the 覆盖情况 sheet as written (so the numbers
    are the sheet's, an unchanged run's included), on the terminal and in the log."""
    import zipfile

    from ..roster import coverage_line, load_roster

    try:
        sheet = _coverage_sheet(outcome.folder / "summary.xlsx")
        units = len(load_roster(args.roster))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return          # the workbook is the record; the line is only a convenience
    line = coverage_line(sheet, units)
    print(line + "。")
    _log_file().info(line)


def _coverage_sheet(path: Path):
    import openpyxl
    import pandas as pd

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book["覆盖情况"].iter_rows(values_only=True))
    finally:
        book.close()
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


def options_text(args: argparse.Namespace) -> str:
    """The run's inputs (a few, and how many when there are more: a shell pattern gives hundreds)
    and every option given (defaults left out), as they would be typed."""
    from ..cluster.dask_reader import SCHEDULER_ENV, scheduler_address
    from ..naming import LISTED_AT_MOST

    paths = [str(p) for p in (args.paths or [Path("reports_in")])]
    more = f" 等 {len(paths)} 个" if len(paths) > LISTED_AT_MOST else ""
    parts = ["输入 " + " ".join(paths[:LISTED_AT_MOST]) + more]
    given = [("--out", args.out, Path("audit_out")), ("--rules", args.rules, None),
             ("--waivers", args.waivers, None), ("--agency-types", args.agency_types, None),
             ("--roster", args.roster, None), ("--year", args.year, None), ("--ledger", args.ledger, None),
             ("--wait", args.wait, 0), ("--fail-on", args.fail_on, "never")]
    parts += [f"{name} {value}" for name, value, default in given if value != default]
    parts += [f"--local {p}" for p in args.local]
    if args.full:
        parts.append("--full")
    parts += [f"{name} {value}" for name, value in (("--executor", args.executor), ("--scheduler", args.scheduler))
              if value]
    if args.send_files:
        parts.append("--send-files")
    if args.executor == "dask" and not args.scheduler and (address := scheduler_address(None)):
        parts.append(f"调度器 {address}（环境变量 {SCHEDULER_ENV}）")
    if not args.waivers and (implicit := _waivers_path(args)):
        parts.append(f"豁免清单 {implicit}（当前目录）")
    return "，".join(parts)


def summary_line(args: argparse.Namespace, code: int, outcome=None, problems: list[str] | None = None) -> str:
    """The one line auditor.log gets for every run, whatever its outcome: the options given, the
    counts (each group adding up to the total), the files that could not be read, the exit code.
    A run that wrote no results: why (the exit code's words, and the refused paths)."""
    from ..naming import names_text

    head = f"运行摘要：选项 {options_text(args)}"
    if outcome is None:
        why = f"：{names_text(problems)}" if problems else ""
        return f"{head}；未运行或未完成（{exit_words(code)}）{why}；退出码 {code}"
    failed = outcome.failed_files
    return (f"{head}；{'结果与上次相同；' if outcome.unchanged else ''}{tally(outcome).text()}；"
            f"{_findings_text(outcome.counts)}；无法读取：{names_text(failed) if failed else '无'}；"
            f"结果 {outcome.folder.name}；退出码 {code}")


class RunLog:
    """This run's log file (auditor.log beside the results) and its closing summary line."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.handler: logging.Handler | None = None
        self.outcome = None
        self.problems: list[str] = []       # why the inputs were refused

    def attach(self) -> None:
        """Append this run's messages to the log file beside the results (which must exist)."""
        handler = logging.FileHandler(self.args.out / "auditor.log", encoding="utf-8", errors="backslashreplace")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger = logging.getLogger("auditor")
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        quiet = _log_file()
        quiet.propagate = False      # what was already said on the terminal (or a traceback) goes to the file only
        quiet.addHandler(handler)
        self.handler = handler

    def finish(self, code: int) -> None:
        """Write the summary line and close the file. A run refused before its results folder was
        created (a missing inbox, a usage error) writes it only if that folder already exists: a
        refused run creates nothing."""
        try:
            if self.handler is None:
                if not isinstance(self.args.out, Path) or not self.args.out.is_dir():
                    return
                self.attach()
            _log_file().info(summary_line(self.args, code, self.outcome, self.problems))
        except OSError:
            pass                     # the log cannot be written: the terminal has said it all
        finally:
            self._detach()

    def _detach(self) -> None:
        if self.handler is None:
            return
        for name in ("auditor", "auditor.file"):
            logging.getLogger(name).removeHandler(self.handler)
        _log_file().propagate = True     # as before the run (a later run in this process attaches anew)
        self.handler.close()
        self.handler = None


def _ledger_refused(message: str, exc: BaseException | None = None) -> int:
    print(message, file=sys.stderr)
    _log_file().error(message, exc_info=exc)
    return EXIT_LEDGER


def _log_file() -> logging.Logger:
    return logging.getLogger("auditor.file")
