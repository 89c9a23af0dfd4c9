"""`auditor decisions import`: reviewers' decisions read back from the workbook's 问题清单."""
from __future__ import annotations

import argparse
import sys

from .exits import EXIT_USAGE


def _cmd_decisions_import(args: argparse.Namespace) -> int:
    print("此命令尚在开发中。", file=sys.stderr)       # placeholder until implemented
    return EXIT_USAGE
