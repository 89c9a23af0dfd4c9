"""`auditor notices`: 整改通知 and 审核结果单 per agency, and the rectification items they open."""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
from pathlib import Path

from .common import LedgerRefused, open_results_ledger
from .exits import EXIT_LEDGER, EXIT_OK, EXIT_USAGE, EXIT_WRITE


def _cmd_notices(args: argparse.Namespace) -> int:
    from ..review.latest import ReviewError

    try:
        ledger = open_results_ledger(args, "未生成整改通知")
    except LedgerRefused as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    try:
        return _notices(args, ledger)
    except ReviewError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    finally:
        ledger.close()


def _notices(args: argparse.Namespace, ledger) -> int:
    from ..domain import today
    from ..followup.store import add_items, open_items, run_verdicts
    from ..notices.batch import FolderRefused, default_folder, write
    from ..notices.build import build
    from ..notices.render import NOTICE_TEMPLATE, TemplateProblem, check_template, read_template
    from ..notices.selection import select
    from ..review.latest import latest_run

    notice_date = args.date or today()
    lettered = _letterhead(args, notice_date)
    if lettered is None:
        return EXIT_USAGE
    head, calendar_warning = lettered
    latest = latest_run(args.out, ledger)
    try:
        template = read_template(args.template, NOTICE_TEMPLATE)
        check_template(*template, known=NOTICE_PLACEHOLDERS)
    except TemplateProblem as exc:
        print(exc.message + "；未生成任何通知。", file=sys.stderr)
        return EXIT_USAGE
    chosen = select(latest.findings, include_unreviewed=args.include_unreviewed, open_items=open_items(ledger),
                    agencies=args.agency, notice_date=notice_date)
    _tell_left_out(chosen)
    if calendar_warning and not chosen.notify.empty:      # only where a deadline is actually set
        print(calendar_warning, file=sys.stderr)
    target = args.to or default_folder(latest.folder, notice_date)
    try:
        batch, items = build(chosen.notify, latest.findings, run_verdicts(ledger, latest.run_id), head, template,
                             target, agencies=args.agency)
        _tell_unknown_agencies(args.agency, batch)
        if chosen.notify.empty:
            _tell_nothing_to_notify(latest.started, args.include_unreviewed, bool(batch.docs))
        if not batch.docs:
            print("最近一次审核中没有可出具审核结果单的报告，未写出任何文件。")
            return EXIT_OK
        outcome = []
        write(batch, target, before_move=lambda: outcome.append(add_items(
                  ledger, items, replace_day=None if args.agency else notice_date)),
              keep_others=bool(args.agency))
    except TemplateProblem as exc:
        print(exc.message + "；未生成任何通知。", file=sys.stderr)
        return EXIT_USAGE
    except FolderRefused as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"写入 {target} 失败：{exc.strerror or exc}；未生成任何通知，账本未改动。", file=sys.stderr)
        return EXIT_WRITE
    except sqlite3.Error as exc:
        print(f"账本 {ledger.path} 写入整改事项失败（{exc}）；未生成任何通知。", file=sys.stderr)
        return EXIT_LEDGER
    _summary(batch, items, head, target, args, outcome[0])
    return EXIT_OK


NOTICE_PLACEHOLDERS = {"主送单位", "年度", "问题数", "问题", "整改期限", "工作日数", "通知日期", "发文机关",
                       "联系人", "报告文件"}


def _letterhead(args: argparse.Namespace, notice_date: dt.date):
    """The batch's dates and signature, and the warning for working days counted without a year's
    holidays (or ""); None (after a Chinese usage error) for a deadline not after the date."""
    from ..domain import DEFAULT_RECTIFY_DAYS
    from ..notices.content import Letterhead, chinese_date
    from ..notices.workdays import add_working_days, uncovered_warning

    days, warning = None, ""
    if args.deadline is not None:
        deadline = args.deadline
    else:
        days = args.days or DEFAULT_RECTIFY_DAYS
        counted = add_working_days(notice_date, days)
        deadline = counted.date
        warning = uncovered_warning(counted.uncovered_years) or ""
    if deadline <= notice_date:
        print(f"auditor notices：用法错误：整改期限 {chinese_date(deadline)} 须在通知日期 "
              f"{chinese_date(notice_date)} 之后", file=sys.stderr)
        return None
    return Letterhead(notice_date, deadline, days, (args.issuer or "").strip() or None,
                      (args.contact or "").strip() or None), warning


def _tell_left_out(chosen) -> None:
    """Findings selected but not notified now: under an open item already, or without an addressee."""
    if len(chosen.already_open):
        since = min(str(d) for d in chosen.already_open["notice_date"])
        print(f"有 {len(chosen.already_open)} 条问题已在 {since} 起发出的整改通知中尚未整改完毕（待整改或逾期未整改），"
              "本次不重复通知。")
    for file, group in chosen.unaddressed.groupby("file", sort=True):
        missing = "单位名称" if group["agency_key"].isna().all() else "报告年度"
        print(f"未能识别报告的{missing}，{len(group)} 条问题未生成整改通知（审核结果单以文件名命名），"
              f"请人工处理：{file}", file=sys.stderr)


def _tell_nothing_to_notify(started: str, include_unreviewed: bool, sheets: bool) -> None:
    what = "已确认属实或尚未处理的（错误、警告）" if include_unreviewed else "处理意见为「确认属实」的"
    rest = "；各报告的审核结果单照常写出" if sheets else ""
    print(f"最近一次审核（{started}）中没有需要发出整改通知的问题（{what}合规问题），未生成通知{rest}。")
    if not include_unreviewed:
        print("如需通知尚未处理的错误和警告，请加 --include-unreviewed；或先用 auditor decide / "
              "auditor decisions import 记录处理意见。")


def _tell_unknown_agencies(agencies: list[str], batch) -> None:
    """An --agency the run has no report of (its verdicts and findings: a 合格 report has no finding)."""
    from ..domain import agency_key

    known = {agency_key(doc.agency) for doc in batch.docs}
    for name in agencies:
        if agency_key(name) not in known:
            print(f"最近一次审核中没有单位「{name}」的报告（按单位名称比对），未为其生成通知和审核结果单。",
                  file=sys.stderr)


def _summary(batch, items, head, target: Path, args: argparse.Namespace, outcome) -> None:
    from ..notices.content import chinese_date

    new = [d for d in batch.notices if not d.notice.kept]
    line = f"已生成整改通知 {len(new)} 份、审核结果单 {len(batch.docs)} 份"
    if new:
        days = f"（{head.working_days} 个工作日）" if head.working_days else ""
        line += (f"，共通知问题 {len(items)} 条；通知日期 {chinese_date(head.notice_date)}，"
                 f"整改期限 {chinese_date(head.deadline)}{days}")
    print(line + "。")
    for doc in new:
        print(f"  {doc.agency}（{doc.year}年度）：问题 {doc.notice.count} 条 → {doc.notice.name}")
    for doc in batch.notices:
        if doc.notice.kept:
            print(f"  {doc.agency}（{doc.year}年度）：本次无需通知，当天已发出的 {doc.notice.name} 保留"
                  "（其整改事项仍在账本中）")
    print(f"目录：{target}（另有 通知清单.xlsx）")
    if items:
        print(f"已在账本中记录整改事项 {len(outcome.added)} 项（{_open_word()}），下次运行起跟踪整改情况。")
    else:
        print("本次未记录整改事项。")
    if outcome.replaced:
        print(f"当天先前生成的目录已被替换：其整改事项 {outcome.replaced} 项已撤销，以本次记录的为准。")
    missing = [name for name, given in (("--issuer 发文机关", args.issuer), ("--contact 联系人", args.contact))
               if not (given or "").strip()]
    if missing and new:
        print(f"提示：未给出 {' 和 '.join(missing)}，通知中留有「（请填写…）」，请补填后再印发。")
    elif not (args.issuer or "").strip():
        print("提示：未给出 --issuer 发文机关，审核结果单落款处留有「（请填写发文机关）」。")


def _open_word() -> str:
    from ..domain import RECTIFY_OPEN

    return RECTIFY_OPEN
