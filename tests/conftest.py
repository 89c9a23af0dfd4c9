"""Shared fixtures: the sample report, its answer key, and the national rule packs."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "reports_in"
RULES = ROOT / "rules"
ZIBO = SAMPLES / "zibo-gaoxin-police-2022.txt"


def _keys_path() -> Path:
    """Answer keys: the shared copy when present, else the copy shipped in tests/data."""
    shared = ROOT.parent / "shared" / "reports" / "keys.yaml"
    return shared if shared.exists() else ROOT / "tests" / "data" / "keys.yaml"


@pytest.fixture(scope="session")
def keys() -> dict:
    data = yaml.safe_load(_keys_path().read_text(encoding="utf-8"))
    return {r["file"]: r for r in data["reports"]}


@pytest.fixture(scope="session")
def packs():
    from auditor.rules.loader import load_packs

    return load_packs(RULES)


@pytest.fixture(scope="session")
def zibo_text() -> str:
    return ZIBO.read_text(encoding="utf-8")


class Done(NamedTuple):
    """What a command run in this process gave: its exit code and what it printed."""
    code: int
    out: str
    err: str


@pytest.fixture
def auditor_main():
    """`auditor …` in this process (tests/run_cli.py `in_process`), for tests of what a command does
    rather than of the process itself: (exit code, stdout, stderr) as text."""
    from .run_cli import in_process

    def run(*args: str | Path, cwd: Path | None = None) -> Done:
        done = in_process(*args, cwd=cwd)
        return Done(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
    return run


@pytest.fixture
def cli(auditor_main):
    """`auditor run --rules rules/ …` in this process, the engine version pinned."""
    def run(*args: str | Path) -> Done:
        return auditor_main("run", "--rules", RULES, *args)
    return run
