"""`auditor run` in this process (auditor.cli.main), on copies of the real reports in reports_in/,
with what a test needs to say that a run touched nothing: the state of the results folder."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.cli import main

from .conftest import RULES, SAMPLES

REAL = sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))


@dataclass
class Done:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the real CLI in-process; the engine version is pinned, so that another edit of the code
    while the tests run does not make a rerun re-audit everything."""
    import auditor.pipeline as pipeline

    monkeypatch.setattr(pipeline, "engine_version", lambda: "pinned-for-tests")

    def run(*args: str | Path) -> Done:
        capsys.readouterr()
        code = main(["run", "--rules", str(RULES), *map(str, args)])
        got = capsys.readouterr()
        return Done(code, got.out, got.err)
    return run


def inbox(folder: Path, names: list[str] | None = None) -> Path:
    """A fresh inbox with copies of the real reports (all, or those named)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in REAL:
        if names is None or path.name in names:
            shutil.copy2(path, folder / path.name)
    return folder


def state(out: Path) -> dict:
    """Everything a refused run must leave as it was: the run folders, where latest points, the
    ledger's bytes and the latest results' bytes."""
    runs = sorted(p.name for p in (out / "runs").iterdir()) if (out / "runs").is_dir() else []
    latest = out / "latest"
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(latest.iterdir())} if latest.is_dir() else {}
    ledger = out / "ledger.sqlite"
    return {"runs": runs, "latest": os.readlink(latest) if latest.is_symlink() else None, "files": files,
            "ledger": hashlib.sha256(ledger.read_bytes()).hexdigest() if ledger.exists() else None}


def findings(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]


def summary_lines(out: Path) -> list[str]:
    return [line for line in (out / "auditor.log").read_text("utf-8").splitlines() if "运行摘要：" in line]


TALLY = re.compile(r"审核报告 (\d+) 份（本次读取 (\d+)，沿用上次结果 (\d+)(?:，未读取（类型不支持等）(\d+))?；"
                   r"读取完整 (\d+)，部分读取 (\d+)，无法读取 (\d+)）")


def tally(text: str) -> dict[str, int]:
    """The numbers of the summary's 审核报告 clause; both groups checked to add up to the total."""
    found = TALLY.findall(text)
    assert len(found) == 1, text
    total, read, reused, not_read, complete, partial, failed = (int(x or 0) for x in found[0])
    assert read + reused + not_read == total, text
    assert complete + partial + failed == total, text
    return {"total": total, "read": read, "reused": reused, "not_read": not_read, "complete": complete,
            "partial": partial, "failed": failed}
