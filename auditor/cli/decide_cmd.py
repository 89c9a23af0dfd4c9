"""`auditor decide`: a reviewer's decision on one finding, stored in the ledger."""
from __future__ import annotations

import argparse
import sys

from .exits import EXIT_LEDGER, EXIT_OK, EXIT_USAGE


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
    from ..ledger import DECISION_WORDS, DecisionError, Ledger, LedgerError

    path = args.ledger or args.out / "ledger.sqlite"
    if not path.is_file():      # never create an empty ledger at a mistyped path
        print(f"账本 {path} 不存在，未记录处理意见；请用 --out 指定审核结果目录（其中有 ledger.sqlite），"
              "或用 --ledger 指定账本文件。", file=sys.stderr)
        return EXIT_USAGE
    try:
        ledger = Ledger(path)
    except LedgerError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_LEDGER
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
