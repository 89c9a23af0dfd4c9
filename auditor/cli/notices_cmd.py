"""`auditor notices`: 整改通知 and 审核结果单 per agency, and the rectification items they open."""
from __future__ import annotations

import argparse
import sys

from .exits import EXIT_USAGE


def _cmd_notices(args: argparse.Namespace) -> int:
    print("此命令尚在开发中。", file=sys.stderr)       # placeholder until implemented
    return EXIT_USAGE
