"""`auditor history`: one agency's verdicts and rectification items, year by year."""
from __future__ import annotations

import argparse
import sys

from .exits import EXIT_USAGE


def _cmd_history(args: argparse.Namespace) -> int:
    print("此命令尚在开发中。", file=sys.stderr)       # placeholder until implemented
    return EXIT_USAGE
