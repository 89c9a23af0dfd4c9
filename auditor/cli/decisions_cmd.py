"""`auditor decisions import`: reviewers' decisions read back from the workbook's 问题清单."""
from __future__ import annotations

import argparse
import sys

from .exits import EXIT_LEDGER, EXIT_OK, EXIT_USAGE


def _cmd_decisions_import(args: argparse.Namespace) -> int:
    """Check every filled row against the latest run; store them all in one transaction, or none."""
    from ..ledger import Ledger, LedgerError
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
    path = args.ledger or args.out / "ledger.sqlite"
    if not path.is_file():      # never create an empty ledger at a mistyped path
        print(f"账本 {path} 不存在，未导入任何处理意见；请用 --out 指定审核结果目录（其中有 ledger.sqlite），"
              "或用 --ledger 指定账本文件。", file=sys.stderr)
        return EXIT_USAGE
    try:
        ledger = Ledger(path)
    except LedgerError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_LEDGER
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
