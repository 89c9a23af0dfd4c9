"""What several commands share: where the rule packs are, and loading them with errors printed."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def default_rules_dir() -> Path:
    """The national packs installed with the program, whatever the working directory: the package
    auditor_packs (rules/ of the repository in an editable install, site-packages in a wheel). A
    folder named rules/ in the working directory is not used: an office's own folder must never
    replace the national packs unseen (`--rules` chooses another folder, `--local` adds a local pack).
    Run from a source tree that was never installed, the repository's rules/."""
    from ..packaged import national_rules_dir

    return national_rules_dir()


def _load_packs(rules_dir: Path | None, local: list[Path] | None = None):
    from ..rules.loader import RuleError, load_packs

    try:
        return load_packs(rules_dir or default_rules_dir(), local)
    except RuleError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        print(f"规则文件有 {len(exc.problems)} 处错误，未运行。", file=sys.stderr)
        return None


def _load_all(args: argparse.Namespace):
    from ..rules.loader import RuleError, load_all_packs

    try:
        return load_all_packs(args.rules or default_rules_dir(), args.local)
    except RuleError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return None


class LedgerRefused(Exception):
    """The results' ledger cannot be opened: `message` (Chinese) and the exit `code` to end with."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def open_results_ledger(args: argparse.Namespace, nothing_done: str):
    """The ledger of the results a command works on (--ledger, else --out/ledger.sqlite), never
    created at a mistyped path; `nothing_done` says what the refusal left undone (未记录处理意见)."""
    from ..ledger import Ledger, LedgerError
    from .exits import EXIT_LEDGER, EXIT_USAGE

    path = args.ledger or args.out / "ledger.sqlite"
    if not path.is_file():
        raise LedgerRefused(f"账本 {path} 不存在，{nothing_done}；请用 --out 指定审核结果目录（其中有 ledger.sqlite），"
                            "或用 --ledger 指定账本文件。", EXIT_USAGE)
    try:
        return Ledger(path)
    except LedgerError as exc:
        raise LedgerRefused(str(exc), EXIT_LEDGER) from exc
