"""`auditor decide`: a reviewer's decision on one finding, stored in the ledger."""
from __future__ import annotations

import argparse
import sys

from .common import LedgerRefused, open_results_ledger
from .exits import EXIT_OK, EXIT_USAGE


def decision_code(text: str) -> str:
    """The stored code (confirmed/dismissed) of a decision typed in Chinese or English (argparse
    type); the words accepted are auditor/decisions.py's, as the workbook import accepts them."""
    from ..decisions import decision_code as stored_code     # pandas only when a decision is given

    code = stored_code(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"「{text}」不是可用的处理意见，请写 确认属实 或 不予采纳"
                                         "（也可写 confirmed、dismissed）")
    return code


def _cmd_decide(args: argparse.Namespace) -> int:
    from ..ledger import DECISION_WORDS, DecisionError

    try:
        ledger = open_results_ledger(args, "未记录处理意见")
    except LedgerRefused as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    try:
        got = ledger.decide(args.fingerprint, args.decision, args.comment or "", args.by)
    except DecisionError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    finally:
        ledger.close()
    word = DECISION_WORDS[args.decision]
    print(f"已记录：指纹 {got['fingerprint']} 的问题（{got['message'].rstrip('。')}）→ {word}（{args.by}）。"
          "下次运行起在「问题清单」的「处理意见」列显示。")
    return EXIT_OK
