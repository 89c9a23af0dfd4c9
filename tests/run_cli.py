"""`auditor …` in this process (auditor.cli.main), on copies of the real reports in reports_in/,
with what a test needs to say that a run touched nothing: the state of the results folder.

A test about what a command does runs it here (`cli`, `in_process`): Great Expectations and the rest
are imported once per session, not once per command (about 4 s each). A test about the process
itself — signals, a killed or crashing process, spawn, cron's environment, packaging, what a fresh
interpreter prints — starts `auditor` as a process instead (tests/hostile.py `cli_with`).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from .conftest import SAMPLES

REAL = sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))


def in_process(*args: str | Path, cwd: Path | None = None, pin: bool = True) -> subprocess.CompletedProcess:
    """`auditor *args` through auditor.cli.main in this process, returned as
    `subprocess.run([...], capture_output=True, cwd=cwd)` returns it (stdout and stderr as UTF-8 bytes,
    written through strict UTF-8 streams as a process's pipes are). With `pin`, the engine version is
    pinned, so that an edit of the code while the tests run does not make a rerun re-audit everything."""
    from auditor.cli import main

    out, err = _stream(), _stream()
    with _process_state(cwd, pin), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(["auditor", *map(str, args)], code, _bytes(out), _bytes(err))


def _stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="\n")


def _bytes(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    return stream.buffer.getvalue()


@contextlib.contextmanager
def _process_state(cwd: Path | None, pin: bool) -> Iterator[None]:
    """What main() would find in a fresh process, and what it changes, put back afterwards: the working
    folder, SIGPIPE, the root logger (emptied, so that main's basicConfig writes warnings to the
    redirected stderr, as a process writes them to its own), the warning filters (a fresh process
    ignores a library's DeprecationWarning; pytest shows them, and the first import of a library
    inside a command would print one as the command's own warning), and the engine version."""
    import warnings

    import auditor.pipeline as pipeline

    folder = Path.cwd()
    pipe = signal.getsignal(signal.SIGPIPE) if hasattr(signal, "SIGPIPE") else None
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    version = pipeline.engine_version
    for handler in handlers:
        root.removeHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(?!auditor)")   # ours still show
            if cwd is not None:
                os.chdir(cwd)
            if pin:
                pipeline.engine_version = lambda: "pinned-for-tests"
            yield
    finally:
        pipeline.engine_version = version
        os.chdir(folder)
        if pipe is not None:
            signal.signal(signal.SIGPIPE, pipe)
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def inbox(folder: Path, names: list[str] | None = None) -> Path:
    """A fresh inbox with copies of the real reports (all, or those named)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in REAL:
        if names is None or path.name in names:
            shutil.copy2(path, folder / path.name)
    return folder


def state(out: Path) -> dict:
    """Everything a refused run must leave as it was: the run folders, where latest points, the
    ledger's bytes and the latest results' bytes (those in its subfolders too, such as 技术文件/)."""
    runs = sorted(p.name for p in (out / "runs").iterdir()) if (out / "runs").is_dir() else []
    latest = out / "latest"
    files = {p.relative_to(latest).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(latest.rglob("*")) if p.is_file()} if latest.is_dir() else {}
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


def sheet(out: Path, name: str) -> list[dict]:
    """The rows of one sheet of the latest workbook, as dicts by header; [] where the run wrote no such sheet."""
    import openpyxl

    book = openpyxl.load_workbook(out / "latest" / "summary.xlsx")
    if name not in book.sheetnames:
        return []
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]
