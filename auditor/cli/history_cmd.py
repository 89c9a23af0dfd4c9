"""`auditor history`: one agency's verdicts and rectification items, year by year."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .common import LedgerRefused, open_results_ledger
from .exits import EXIT_OK, EXIT_USAGE
from .width import pad, display_width

NOT_RECORDED = "（该次运行未记录结论）"
MOST_CANDIDATES = 20


def _cmd_history(args: argparse.Namespace) -> int:
    from ..followup.history import AgencyNotFound, agency_items, find_agency, verdict_runs

    try:
        ledger = open_results_ledger(args, "无从查看单位历史")
    except LedgerRefused as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    try:
        try:
            agency = find_agency(ledger, args.agency)
        except AgencyNotFound as exc:
            print(_not_found(exc), file=sys.stderr)
            return EXIT_USAGE
        runs = verdict_runs(ledger, agency.key)
        items, history = agency_items(ledger, agency.key)
    finally:
        ledger.close()
    print("\n".join(history_lines(agency.names, runs, items, history, ledger.path)))
    return EXIT_OK


def _not_found(exc) -> str:
    if not exc.candidates:
        return f"账本中没有名称含「{exc.typed}」的单位（请核对单位名称，或用 --out/--ledger 指定另一个账本）。"
    shown = exc.candidates[:MOST_CANDIDATES]
    more = f"\n  ……共 {len(exc.candidates)} 个" if len(exc.candidates) > MOST_CANDIDATES else ""
    return (f"「{exc.typed}」对应 {len(exc.candidates)} 个单位，请写出全称或能唯一确定的一部分：\n"
            + "\n".join(f"  {a.names[0]}" for a in shown) + more)


def history_lines(names: list[str], runs: pd.DataFrame, items: pd.DataFrame, history: pd.DataFrame,
                  ledger: Path) -> list[str]:
    """The printout: the agency, then each year (newest first) with its runs and its items."""
    lines = [f"单位：{names[0]}" + (f"（也写作：{'、'.join(names[1:])}）" if len(names) > 1 else ""),
             f"账本：{ledger}"]
    years = sorted({int(y) for y in [*runs["year"].dropna(), *items["year"].dropna()]}, reverse=True)
    if not years:
        lines.append("账本中没有该单位的审核结论或整改事项。")
    for year in years:
        lines += ["", f"{year} 年度"]
        lines += _run_lines(runs[runs["year"] == year])
        lines += _item_lines(items[items["year"] == year], history)
    return lines


def _run_lines(runs: pd.DataFrame) -> list[str]:
    if not len(runs):
        return ["  审核结论：账本中没有该年度报告的审核记录"]
    return ["  审核结论（最近的在前）："] + _table([("运行时间", "文件", "结论"), *_collapsed(runs)], "    ")


def _collapsed(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    """One row per stretch of consecutive runs with the same file and verdict (a month's reruns,
    the runs that found nothing new), newest first: the latest run's time, and how many runs since when."""
    stretches: list[list] = []
    for r in runs.sort_values(["run_id", "file"]).itertuples():
        verdict = r.verdict if isinstance(r.verdict, str) and r.verdict else NOT_RECORDED
        when = str(r.started).replace("T", " ")[:16]
        same = [s for s in stretches[-3:] if s[1] == r.file and s[2] == verdict and s[4] == r.run_id - 1]
        if same:
            same[0][0], same[0][3], same[0][4] = when, same[0][3] + 1, r.run_id
        else:
            stretches.append([when, r.file, verdict, 1, r.run_id, when])
    return [(when, Path(str(file)).name, verdict + (f"（{first} 起共 {n} 次运行）" if n > 1 else ""))
            for when, file, verdict, n, _, first in reversed(stretches)]


def _item_lines(items: pd.DataFrame, history: pd.DataFrame) -> list[str]:
    if not len(items):
        return ["  整改事项：无"]
    lines = [f"  整改事项（{len(items)} 项）："]
    for n, item in enumerate(items.itertuples(), start=1):
        lines.append(f"    {n}. 【{item.status}】{item.location}：{item.message}")
        lines.append(f"       规则 {item.rule_id}，通知日期 {item.notice_date}，整改期限 {item.deadline}，"
                     f"通知文件 {item.notice_file}，指纹 {item.fingerprint}")
        steps = history[history["item_id"] == item.id]
        lines += _table([(str(h.at)[:10], str(h.status), str(h.note or "")) for h in steps.itertuples()], "       ")
    return lines


def _table(rows: list[tuple[str, ...]], indent: str) -> list[str]:
    """Rows aligned by display width (a CJK character takes two columns); the last column unpadded."""
    if not rows:
        return []
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [indent + "  ".join([*(pad(cell, w) for cell, w in zip(row, widths)), row[-1]]).rstrip() for row in rows]
