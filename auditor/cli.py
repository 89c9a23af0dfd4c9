"""Command line: `auditor run`, `auditor extract`, `auditor rules check|list|explain`."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_ENGINE = 4
EXIT_LOCKED = 5
EXIT_WRITE = 6
EXIT_INTERNAL = 7      # a defect of ours, never 1: cron must not read a crash as "findings"
EXIT_LEDGER = 8

EPILOG = """退出码：
  0  运行完成
  1  运行完成，且存在 --fail-on 指定级别及以上的合规问题
  2  用法错误或规则文件无效（未运行审核）
  3  运行完成，但有文件无法读取（见 需人工核查）
  4  引擎错误（校验执行出错），本次未写出结果
  5  另一个审核任务正在运行（结果目录被锁定），本次未运行
  6  写入结果失败（如磁盘已满、没有写权限）；之前的结果和账本保持不变
  7  内部错误（程序缺陷），本次未写出结果；之前的结果和账本保持不变，详情见日志 auditor.log
  8  账本已损坏，本次未运行；损坏的文件保持原样，按提示改名后再运行即全部重新审核"""


def default_rules_dir() -> Path:
    local = Path("rules")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parent.parent / "rules"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if hasattr(signal, "SIGPIPE") and getattr(args, "func", None) not in (_cmd_run, _cmd_decide):
        # `auditor rules list | head` ends quietly. Never for a run: it writes to pipes of its child
        # processes, and one that died would kill the run silently (exit -13) instead of being reported
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    for handler in logging.root.handlers:
        handler.setLevel(logging.WARNING)   # the log file gets INFO; the terminal only problems
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except Exception as exc:   # noqa: BLE001 — any defect: one sentence, the traceback in the log
        return internal_error(exc, _crash_log(args))


def _crash_log(args: argparse.Namespace) -> Path:
    """Where a crash's traceback goes: the run's log beside its results, else a file in the temp folder."""
    out = getattr(args, "out", None)
    if isinstance(out, Path) and out.is_dir():
        return out / "auditor.log"
    import tempfile

    return Path(tempfile.gettempdir()) / f"auditor-error-{os.getpid()}.log"


def internal_error(exc: BaseException, log_path: Path) -> int:
    """An unexpected error: its own exit code (never 1, which means findings), one Chinese
    sentence on the terminal and the traceback in the log. The run's own cleanup has already
    removed its partial folder and rolled the ledger back, so `latest` and the ledger stand."""
    import datetime as dt
    import traceback

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        with open(log_path, "a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S,000} CRITICAL 内部错误，运行中止\n{text}")
        where = f"详细信息已写入 {log_path}，请把该文件发给维护人员"
    except OSError:
        sys.stderr.write(text)
        where = "日志无法写入，详细信息见上"
    print(f"内部错误（{type(exc).__name__}），本次运行未完成，之前的结果和账本保持不变；{where}。", file=sys.stderr)
    return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="auditor", description="政府信息公开工作年度报告合规审核工具",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(title="子命令", metavar="命令")

    run = sub.add_parser("run", help="审核报告并写出结果", epilog=EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("paths", nargs="*", type=Path, help="报告文件或目录（默认 reports_in/）")
    run.add_argument("--out", type=Path, default=Path("audit_out"), help="结果目录（默认 audit_out/）")
    run.add_argument("--rules", type=Path, default=None, help="规则目录（默认 rules/）")
    run.add_argument("--local", type=Path, action="append", default=[], metavar="目录",
                     help="本地规则包目录（可多次给出），继承并覆盖全国规则包")
    run.add_argument("--waivers", type=Path, default=None, metavar="文件",
                     help="豁免清单 YAML（默认使用当前目录下的 waivers.yaml，如存在）")
    run.add_argument("--agency-types", type=Path, default=None, metavar="文件",
                     help="单位类型覆盖 YAML（单位名称: government/department/township）")
    run.add_argument("--roster", type=Path, default=None, metavar="文件",
                     help="应发布单位名册（CSV 或 XLSX：单位名称、别名、地区、单位类型、上级单位）")
    run.add_argument("--year", type=int, default=None, metavar="年度",
                     help="覆盖情况统计的报告年度（默认为所审报告中有相当数量报告的最新年度，"
                          "不计尚未结束的年度和个别报告的年度）")
    run.add_argument("--ledger", type=Path, default=None, metavar="文件",
                     help="账本（SQLite）路径（默认 结果目录/ledger.sqlite）")
    run.add_argument("--full", action="store_true", help="不沿用上次结果，全部重新读取和审核")
    run.add_argument("--wait", type=float, default=0, metavar="秒",
                     help="结果目录被另一任务占用时最多等待的秒数（默认不等待，退出码 5）")
    run.add_argument("--fail-on", choices=["error", "warning", "never"], default="never",
                     help="存在该级别及以上的合规问题时以退出码 1 结束（默认 never）")
    run.set_defaults(func=_cmd_run)

    dec = sub.add_parser("decide", help="记录对某条问题的处理意见（确认属实 / 不予采纳）")
    dec.add_argument("fingerprint", help="问题指纹（问题清单的「指纹」列）")
    dec.add_argument("decision", choices=["confirmed", "dismissed"], help="confirmed 确认属实，dismissed 不予采纳")
    dec.add_argument("--by", required=True, metavar="姓名", help="处理人")
    dec.add_argument("--comment", default="", metavar="说明", help="说明")
    dec.add_argument("--out", type=Path, default=Path("audit_out"), help="结果目录（默认 audit_out/）")
    dec.add_argument("--ledger", type=Path, default=None, metavar="文件", help="账本路径")
    dec.set_defaults(func=_cmd_decide)

    ext = sub.add_parser("extract", help="读取报告并输出标准结构（JSON）")
    ext.add_argument("files", nargs="+", type=Path, help="报告文件")
    ext.add_argument("--json", action="store_true", help="输出 JSON（多个文件时每行一个 JSON 对象）")
    ext.set_defaults(func=_cmd_extract)

    rules = sub.add_parser("rules", help="规则管理：check 校验、test 用例、list 列出、explain 说明")
    rules.add_argument("--rules", type=Path, default=None, help="规则目录（默认 rules/）")
    rules.add_argument("--local", type=Path, action="append", default=[], metavar="目录", help="本地规则包目录")
    rsub = rules.add_subparsers(title="规则子命令", metavar="子命令")
    rsub.add_parser("check", help="按 JSON Schema 校验全部规则文件").set_defaults(func=_cmd_rules_check)
    rsub.add_parser("list", help="列出全部规则").set_defaults(func=_cmd_rules_list)
    rsub.add_parser("test", help="运行全部规则用例（每条规则须有通过和不通过的用例）").set_defaults(func=_cmd_rules_test)
    exp = rsub.add_parser("explain", help="说明一条规则")
    exp.add_argument("rule_id", help="规则编号，例如 T3-A1")
    exp.set_defaults(func=_cmd_rules_explain)
    return p


def _load_packs(rules_dir: Path | None, local: list[Path] | None = None):
    from .rules.loader import RuleError, load_packs

    try:
        return load_packs(rules_dir or default_rules_dir(), local)
    except RuleError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        print(f"规则文件有 {len(exc.problems)} 处错误，未运行。", file=sys.stderr)
        return None


def _waivers_path(args: argparse.Namespace) -> Path | None:
    return args.waivers or (Path("waivers.yaml") if Path("waivers.yaml").exists() else None)


def _side_files(args: argparse.Namespace):
    """Waivers (explicit, or ./waivers.yaml when present), agency-type overrides and the roster."""
    import hashlib

    from .agency import load_overrides
    from .pipeline import Roster
    from .roster import load_roster
    from .waivers import load_waivers

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

    from .engine import EngineError
    from .ledger import LedgerError, corrupt_message, is_corruption
    from .pipeline import run
    from .rules.loader import RuleError
    from .waivers import unknown_rule_warnings

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
    from .domain import SEVERITIES, SEVERITY_WORDS

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
    from .engine.versions import SUPERSEDED_WORD

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


def _cmd_decide(args: argparse.Namespace) -> int:
    from .ledger import Ledger, LedgerError

    try:
        ledger = Ledger(args.ledger or args.out / "ledger.sqlite")
    except LedgerError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_LEDGER
    try:
        got = ledger.decide(args.fingerprint, args.decision, args.comment or "", args.by)
    except KeyError as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return EXIT_USAGE
    finally:
        ledger.close()
    word = {"confirmed": "确认属实", "dismissed": "不予采纳"}[args.decision]
    print(f"已记录：{got['message']} → {word}（{args.by}）。下次运行起在「问题清单」的「处理意见」列显示。")
    return EXIT_OK


def _cmd_extract(args: argparse.Namespace) -> int:
    from .extract import extract
    from .ingest import ReadError, read_document
    from .pipeline import file_name

    status = EXIT_OK
    for path in args.files:
        try:
            report = extract(read_document(path))
            report.file = file_name(path)      # a GBK file name prints decoded, never as surrogates
            obj = report.as_json()
        except (ReadError, OSError) as exc:
            obj = {"file": file_name(path), "template": None,
                   "meta": {"title": None, "agency": None, "year": None, "published": None},
                   "sections": [], "tables": {"t2": {}, "t3": {}, "t4": {}}, "cells": [],
                   "extraction": {"status": "failed", "problems": [str(exc)]}}
            status = EXIT_UNREADABLE
        if args.json or len(args.files) > 1:
            indent = None if len(args.files) > 1 else 2
            sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")
        else:
            _print_extraction(obj)
    return status


def _print_extraction(obj: dict) -> None:
    m = obj["meta"]
    print(f"文件：{obj['file']}\n标题：{m['title']}\n单位：{m['agency']}\n年度：{m['year']}\n发布日期：{m['published']}")
    print(f"格式：{obj['template'] or '未识别'}\n读取状态：{obj['extraction']['status']}")
    for s in obj["sections"]:
        print(f"  第{s['number']}部分：{s['title']}（{len(s['text'])} 字）")
    print(f"表格单元格：{len(obj['cells'])} 个")
    for p in obj["extraction"]["problems"]:
        print(f"  问题：{p}")


def _cmd_rules_check(args: argparse.Namespace) -> int:
    packs = _load_packs(args.rules, args.local)
    if packs is None:
        return EXIT_USAGE
    n = sum(len(p.rules) for p in packs)
    print(f"规则文件校验通过：{len(packs)} 个规则包，{n} 条规则。")
    return EXIT_OK


def _load_all(args: argparse.Namespace):
    from .rules.loader import RuleError, load_all_packs

    try:
        return load_all_packs(args.rules or default_rules_dir(), args.local)
    except RuleError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return None


def _cmd_rules_test(args: argparse.Namespace) -> int:
    from .rules.cases import counts, run_all

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    summaries = run_all(packs, (args.rules or default_rules_dir()) / "fixtures")
    for s in summaries:
        mark = "通过" if s.passed else "未通过"
        print(f"{mark}  {s.rule_id:<26}{len(s.results)} 个用例")
        if s.required and not s.has_ok:
            print("      缺少通过的用例（expect: []）")
        if s.required and not s.has_fail:
            print("      缺少不通过的用例（expect 中至少一条合规问题）")
        for r in s.results:
            if r.passed:
                continue
            print(f"      用例「{r.name}」：" + (r.error or ""))
            if not r.error:
                print(f"        期望：{r.expected}")
                print(f"        实际：{r.actual}")
    c = counts(summaries)
    ok = c["failed_cases"] == 0 and c["incomplete_rules"] == 0
    print(f"共 {c['rules']} 条规则、{c['cases']} 个用例；未通过用例 {c['failed_cases']} 个，缺少用例的规则 "
          f"{c['incomplete_rules']} 条。{'全部通过。' if ok else ''}")
    return EXIT_OK if ok else EXIT_FINDINGS


def _cmd_rules_list(args: argparse.Namespace) -> int:
    from .rules.model import KIND_ZH, SEVERITY_ZH

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    for pack in packs:
        print(f"# {pack.title}（{pack.id}{'，继承 ' + pack.extends if pack.extends else ''}；"
              f"适用格式：{'、'.join(pack.templates)}）")
        for r in sorted(pack.rules, key=lambda r: r.id):
            print(f"{r.id:<26}{SEVERITY_ZH[r.severity]}  {KIND_ZH[r.kind]:<6}{r.title}")
    return EXIT_OK


def _cmd_rules_explain(args: argparse.Namespace) -> int:
    from .rules.cases import case_files
    from .rules.model import KIND_ZH, SEVERITY_ZH
    from .rules.strict_yaml import compose, construct

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    found = False
    for pack in packs:
        rule = next((r for r in pack.rules if r.id == args.rule_id), None)
        if rule is None:
            continue
        found = True
        print(f"{rule.id}：{rule.title}\n规则包：{pack.title}（{pack.id}）\n严重程度：{SEVERITY_ZH[rule.severity]}\n"
              f"类型：{KIND_ZH[rule.kind]}（{rule.kind}）\n依据：{rule.basis}\n说明：{rule.description}\n"
              f"问题说明模板：{rule.message}")
        if rule.when:
            print("适用范围：" + json.dumps(rule.when, ensure_ascii=False))
        print("参数：\n" + json.dumps(rule.params, ensure_ascii=False, indent=2))
        print(f"规则文件：{rule.source}")
        for path in case_files(pack, rule):
            data = construct(compose(path.read_text(encoding="utf-8")))
            print(f"示例（{path.name}）：")
            for case in data.get("cases", []):
                if not case.get("expect"):
                    print(f"  ✓ {case['name']}：不报告问题")
                for e in case.get("expect", []):
                    where = f"{e['location']}：" if e.get("location") else ""
                    tag = "（无法核对）" if e.get("category") == "extraction" else ""
                    print(f"  ✗ {case['name']}：{where}{e['message']}{tag}")
        print()
    if not found:
        print(f"未找到规则「{args.rule_id}」", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def entry() -> None:
    """The console script: `main`, then a quick exit. Everything is written, committed and closed by
    then; freeing a province's worth of report objects one by one at interpreter shutdown (and the
    final garbage collection over them) would add about a second to every large run for nothing."""
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more to say there
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()
