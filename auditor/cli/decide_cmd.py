"""`auditor decide`: a reviewer's decision on one finding, stored in the ledger."""
from __future__ import annotations

import argparse
import sys

from .exits import EXIT_LEDGER, EXIT_OK, EXIT_USAGE


def _cmd_decide(args: argparse.Namespace) -> int:
    from ..ledger import Ledger, LedgerError

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
