"""`auditor decisions import`: reviewers' decisions read back from the workbook's 问题清单."""
from __future__ import annotations

import argparse
import sys

from .common import LedgerRefused, open_results_ledger
from .exits import EXIT_OK, EXIT_USAGE


def _cmd_decisions_import(args: argparse.Namespace) -> int:
    """Check every filled row against the latest run; store them all in one transaction, or none."""
    from ..review.latest import ReviewError, latest_run
    from ..review.workbook_import import WorkbookError, check_path, plan_import, read_filled_rows

    who = args.by.strip()
    if not who:
        print("--by 处理人姓名不能为空，未导入任何处理意见。", file=sys.stderr)
        return EXIT_USAGE
    try:
        check_path(args.workbook)
    except WorkbookError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    try:
        ledger = open_results_ledger(args, "未导入任何处理意见")
    except LedgerRefused as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    try:
        latest = latest_run(args.out, ledger)
        plan = plan_import(read_filled_rows(args.workbook), latest.findings)
        if plan.errors:
            print(f"工作簿 {args.workbook} 中有 {len(plan.errors)} 处错误，未导入任何处理意见（账本未改动）：",
                  file=sys.stderr)
            for line in plan.errors:
                print(f"  {line}", file=sys.stderr)
            print("请改正后重新导入（行号为 Excel 中的行号）。", file=sys.stderr)
            return EXIT_USAGE
        ledger.decide_many(plan.record, who)
    except (ReviewError, WorkbookError) as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    finally:
        ledger.close()
    print(plan.summary())
    return EXIT_OK
