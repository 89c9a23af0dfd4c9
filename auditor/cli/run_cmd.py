"""`auditor run`: the month's audit, its summary on the terminal and in the log, and its exit code."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .common import _load_packs
from .exits import EXIT_FINDINGS, EXIT_LEDGER, EXIT_LOCKED, EXIT_OK, EXIT_ENGINE, EXIT_UNREADABLE, EXIT_USAGE, EXIT_WRITE


def _waivers_path(args: argparse.Namespace) -> Path | None:
    return args.waivers or (Path("waivers.yaml") if Path("waivers.yaml").exists() else None)


def _side_files(args: argparse.Namespace):
    """Waivers (explicit, or ./waivers.yaml when present), agency-type overrides and the roster."""
    import hashlib

    from ..agency import load_overrides
    from ..pipeline import Roster
    from ..roster import load_roster
    from ..waivers import load_waivers

    path = _waivers_path(args)
    waivers = load_waivers(path) if path else None
    types = load_overrides(args.agency_types) if args.agency_types else None
    roster = None
    if args.roster:
        digest = hashlib.sha256(args.roster.read_bytes()).hexdigest()[:16]
        roster = Roster(load_roster(args.roster), digest, args.year)
    return waivers, types, roster


def _cmd_run(args: argparse.Namespace) -> int:
    import sqlite3

    from filelock import FileLock, Timeout

    from ..engine import EngineError
    from ..ledger import LedgerError, corrupt_message, is_corruption
    from ..pipeline import run
    from ..rules.loader import RuleError
    from ..waivers import unknown_rule_warnings

    packs = _load_packs(args.rules, args.local)
    if packs is None:
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
        args.out.mkdir(parents=True, exist_ok=True)
        _log_to(args.out / "auditor.log")
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
            outcome = run(paths, packs, args.out, waivers=waivers, agency_types=agency_types,
                          ledger_path=args.ledger, full=args.full, roster=roster)
    except Timeout:
        print(f"另一个审核任务正在使用 {args.out}，本次未运行（可用 --wait 秒数 等待）。", file=sys.stderr)
        _log_file().warning("结果目录被占用，本次未运行")
        return EXIT_LOCKED
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
    from ..domain import SEVERITIES, SEVERITY_WORDS

    c = outcome.counts
    if outcome.unchanged:
        print(f"没有新增或改动的报告，规则、豁免和处理意见也未变：结果与上次相同（共 {c.get('reports', 0)} 份）。")
    print(f"审核报告 {c.get('reports', 0)} 份（本次读取 {outcome.audited}，沿用上次结果 {outcome.reused}；读取完整 "
          f"{c.get('complete', 0)}，部分读取 {c.get('partial', 0)}，无法读取 {c.get('failed', 0)}）；合规问题 "
          f"{sum(c.get(f'open/{s}', 0) for s in SEVERITIES)} 条（"
          + "，".join(f"{SEVERITY_WORDS[s]} {c.get(f'open/{s}', 0)}" for s in SEVERITIES)
          + f"）；需人工核查 {c.get('manual', 0)} 条。")
    if c.get("superseded", 0) or c.get("copies", 0):   # versions that count nowhere (engine/versions.py)
        print(f"其中已被更正版取代 {c.get('superseded', 0)} 份、重复副本 {c.get('copies', 0)} 份，不计入问题数和覆盖情况"
              "（见工作簿「总览」的「版本」列）。")
    ch = outcome.changes
    from ..engine.versions import SUPERSEDED_WORD

    if len(ch):
        print(f"与上次相比：新增 {int((ch['status'] == '新增').sum())}，已解决 {int((ch['status'] == '已解决').sum())}，"
              f"仍存在 {int((ch['status'] == '仍存在').sum())}"
              + (f"，{SUPERSEDED_WORD} {n}" if (n := int((ch['status'] == SUPERSEDED_WORD).sum())) else "") + "。")
    result = outcome.result
    if result is not None and "deadline_status" in result.reports and len(result.reports):
        # the same words as the 总览 column 按期发布 (auditor/domain.py); never 按期 without a date
        on_time = result.reports["deadline_status"].value_counts(sort=False)
        print("按期发布：" + "，".join(f"{word} {int(n)} 份" for word, n in on_time.items()) + "。")
    if result is not None and result.waivers is not None and len(result.waivers):
        w = result.waivers
        print(f"豁免 {len(w)} 条：有效 {int((w['status'] == '有效').sum())}，已过期 {int((w['status'] == '已过期').sum())}，"
              f"未使用 {int((w['status'] == '未使用').sum())}（见工作簿「豁免」表）。")
    print(f"结果：{outcome.folder}（最新结果始终在 {args.out / 'latest'}）")
    logging.getLogger("auditor").info("审核 %d 份，结果 %s", c.get("reports", 0), outcome.folder)
    if c.get("failed", 0):
        return EXIT_UNREADABLE
    levels = {"error": ["error"], "warning": ["error", "warning"], "never": []}[args.fail_on]
    if any(c.get(f"open/{s}", 0) for s in levels):
        return EXIT_FINDINGS
    return EXIT_OK


def _ledger_refused(message: str, exc: BaseException | None = None) -> int:
    print(message, file=sys.stderr)
    _log_file().error(message, exc_info=exc)
    return EXIT_LEDGER


def _log_to(path: Path) -> None:
    """Append this run's messages to the log file beside the results."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("auditor")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    quiet = _log_file()
    quiet.propagate = False      # what was already said on the terminal (or a traceback) goes to the file only
    quiet.addHandler(handler)


def _log_file() -> logging.Logger:
    return logging.getLogger("auditor.file")
