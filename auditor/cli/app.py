"""The program: parse, dispatch, and turn any unexpected error into exit 7 with the traceback logged."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from ..domain import today
from .exits import EXIT_INTERNAL, EXIT_USAGE
from .decide_cmd import _cmd_decide
from .parser import build_parser
from .run_cmd import _cmd_run


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(signal, "SIGPIPE") and getattr(args, "func", None) not in (_cmd_run, _cmd_decide):
        # `auditor rules list | head` ends quietly. Never for a run: it writes to pipes of its child
        # processes, and one that died would kill the run silently (exit -13) instead of being reported
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    for handler in logging.root.handlers:
        handler.setLevel(logging.WARNING)   # the log file gets INFO; the terminal only problems
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    if not getattr(args, "func", None):     # `auditor` or `auditor rules` alone: that command's help
        (getattr(args, "help_parser", None) or parser).print_help()
        return EXIT_USAGE
    try:
        today()           # a mistyped AUDITOR_TODAY: one sentence and exit 2 before anything runs
    except ValueError as exc:
        print(f"{exc}。", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except Exception as exc:   # noqa: BLE001 — any defect: one sentence, the traceback in the log
        return internal_error(exc, _crash_log(args))


def _crash_log(args: argparse.Namespace) -> Path:
    """Where a crash's traceback goes: the run's log beside its results, else a file in the temp folder."""
    out = getattr(args, "out", None)
    if isinstance(out, Path) and out.is_dir():
        return out / "auditor.log"
    import tempfile

    return Path(tempfile.gettempdir()) / f"auditor-error-{os.getpid()}.log"


def internal_error(exc: BaseException, log_path: Path) -> int:
    """An unexpected error: its own exit code (never 1, which means findings), one Chinese
    sentence on the terminal and the traceback in the log. The run's own cleanup has already
    removed its partial folder and rolled the ledger back, so `latest` and the ledger stand."""
    import datetime as dt
    import traceback

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        with open(log_path, "a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S,000} CRITICAL 内部错误，运行中止\n{text}")
        where = f"详细信息已写入 {log_path}，请把该文件发给维护人员"
    except OSError:
        sys.stderr.write(text)
        where = "日志无法写入，详细信息见上"
    print(f"内部错误（{type(exc).__name__}），本次运行未完成，之前的结果和账本保持不变；{where}。", file=sys.stderr)
    return EXIT_INTERNAL


def entry() -> None:
    """The console script: `main`, then a quick exit. Everything is written, committed and closed by
    then; freeing a province's worth of report objects one by one at interpreter shutdown (and the
    final garbage collection over them) would add about a second to every large run for nothing."""
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more to say there
            pass
    os._exit(code)
