"""Office desktops (issue 13): the program runs where fork, SIGPIPE and symlinks do not exist.

Windows is simulated on Linux: child processes are forced to spawn (AUDITOR_START_METHOD, or no
fork offered at all), signal has no SIGPIPE/SIGKILL, os.symlink fails, sys.platform says win32.
A real batch (above the reading pool's threshold, made from the real reports) must give the very
findings the fork run gives."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from auditor import forking
from auditor import engine as engine_mod
from auditor import pipeline
from auditor.pipeline import reading
from auditor.cli.app import main
from auditor.engine import gx_process
from auditor.engine.gx_backend import ExpectationSpec, run_expectations

from . import hostile as H
from . import mutate as m
from .conftest import RULES, SAMPLES

BATCH = 70
assert BATCH >= reading.PARALLEL_FROM


def make_batch(inbox: Path, n: int = BATCH) -> Path:
    """n reports from the real ones: the three other real reports as they are, and the Zibo report
    under other agencies' names, every third with a broken table (so that there are findings)."""
    inbox.mkdir(parents=True)
    for src in sorted(SAMPLES.iterdir()):
        if src.name != H.SAMPLE.name:
            (inbox / src.name).write_bytes(src.read_bytes())
    base = H.sample_text()
    for i in range(n - len(list(inbox.iterdir()))):
        text = H.with_agency(base, f"淄博市公安局第{i + 1}分局")
        if i % 3 == 0:
            text = m.set_t4_cell(text, 4, "1")
        (inbox / f"zibo-{i:02d}.txt").write_text(text, encoding="utf-8")
    return inbox


def findings(out: Path) -> list[dict]:
    rows = [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def run(inbox: Path, out: Path) -> int:
    return main(["run", str(inbox), "--out", str(out), "--rules", str(RULES)])


@pytest.fixture
def methods(monkeypatch) -> list[str]:
    """The start method of every pool and child the run starts (spied on the contexts handed out)."""
    seen: list[str] = []

    def spy():
        ctx = forking.mp.get_context(forking.start_method())
        seen.append(ctx.get_start_method())
        return ctx

    monkeypatch.setattr(forking, "context", spy)      # every pool and child asks forking for its context
    return seen


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    return make_batch(tmp_path_factory.mktemp("batch") / "in")


@pytest.fixture(scope="module")
def fork_findings(batch, tmp_path_factory) -> list[dict]:
    if "fork" not in forking.mp.get_all_start_methods():
        pytest.skip("本机没有 fork，无从比较")
    out = tmp_path_factory.mktemp("fork") / "out"
    mp = pytest.MonkeyPatch()
    try:
        mp.delenv(forking.START_METHOD_ENV, raising=False)
        mp.setattr(engine_mod, "PARALLEL_TEXT_FROM", 2)      # the text-rule workers too
        assert run(batch, out) in (0, 1)
    finally:
        mp.undo()
    return findings(out)


# ----------------------------------------------------------------------------- start method

def test_start_method_follows_the_switch_and_the_platform(monkeypatch):
    monkeypatch.setenv(forking.START_METHOD_ENV, "spawn")
    assert forking.start_method() == "spawn" and not forking.can_fork()
    assert forking.context().get_start_method() == "spawn"
    monkeypatch.setenv(forking.START_METHOD_ENV, "no-such-method")
    monkeypatch.setattr(forking.mp, "get_all_start_methods", lambda: ["spawn"])      # Windows offers only spawn
    assert forking.start_method() == "spawn" and not forking.can_fork()
    monkeypatch.delenv(forking.START_METHOD_ENV)
    assert forking.start_method() == "spawn"


def test_spawned_batch_gives_the_fork_runs_findings(batch, fork_findings, tmp_path, monkeypatch, methods):
    monkeypatch.setenv(forking.START_METHOD_ENV, "spawn")
    monkeypatch.setattr(engine_mod, "PARALLEL_TEXT_FROM", 2)
    out = tmp_path / "out"
    assert run(batch, out) in (0, 1)
    assert methods and set(methods) == {"spawn"}        # the reading pool and the text-rule workers
    spawned = findings(out)
    assert spawned == fork_findings
    log = (out / "auditor.log").read_text("utf-8")
    assert "改在主进程执行" not in log and "意外退出" not in log     # no worker failed over to the main process
    # the batch was really audited: the broken tables were found, once per broken file
    broken = {r["file"] for r in spawned if r["rule_id"] != "EXT-READ" and Path(r["file"]).name.startswith("zibo-")}
    assert len(broken) >= (BATCH - 3) // 3
    assert len({r["file"] for r in spawned}) >= len(broken)


def test_spawned_cli_process_gives_the_fork_runs_findings(batch, fork_findings, tmp_path):
    """`python -m auditor.cli run` with spawned readers: each child re-imports the main module,
    which must not start the program again."""
    out = tmp_path / "out"
    env = {**os.environ, forking.START_METHOD_ENV: "spawn"}
    done = subprocess.run([sys.executable, "-m", "auditor.cli", "run", str(batch), "--out", str(out),
                           "--rules", str(RULES)], capture_output=True, env=env, timeout=900)
    assert done.returncode in (0, 1), done.stderr.decode()
    assert done.stdout.decode().count("审核报告") == 1          # the program ran once, not once per child
    assert findings(out) == fork_findings


def test_spawned_workers_log_to_the_runs_log_file(batch, tmp_path, monkeypatch):
    """A spawned child starts without the run's logging: the reading workers get the log file."""
    monkeypatch.setenv(forking.START_METHOD_ENV, "spawn")
    out = tmp_path / "out"
    assert run(batch, out) in (0, 1)
    log = (out / "auditor.log").read_text("utf-8")
    assert "运行完成" in log


def test_gx_process_validates_the_same_when_spawned(monkeypatch):
    """The GX helper process, started by spawn: the frames and expectations travel pickled."""
    frame = pd.DataFrame({"_rid": [0, 1, 2, 3], "value": [1.0, -2.0, 5.0, 3.0]})
    specs = [ExpectationSpec(key="k", frame="t", column="value", kind="between", min_value=0, max_value=4)]
    local = run_expectations({"t": frame}, specs, None)
    assert local == {"k": {1, 2}}
    monkeypatch.setenv(forking.START_METHOD_ENV, "spawn")
    gx = gx_process.GXProcess()
    try:
        assert gx._proc._popen.method == "spawn"      # noqa: SLF001 — really a started process
        assert gx.run_expectations({"t": frame, "unused": frame}, specs, None) == local
    finally:
        gx.close()


# ----------------------------------------------------------------------------- simulated Windows

@pytest.fixture
def windows(monkeypatch):
    """This process as far as the program can tell Windows from Linux."""
    monkeypatch.delattr(signal, "SIGPIPE")
    monkeypatch.delattr(signal, "SIGKILL")
    monkeypatch.setattr(forking.mp, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.delenv(forking.START_METHOD_ENV, raising=False)

    def no_symlink(*args, **kwargs):
        raise OSError(1314, "客户端没有所需的特权。")     # ERROR_PRIVILEGE_NOT_HELD

    monkeypatch.setattr(os, "symlink", no_symlink)
    # where the program branches on the platform (multiprocessing's own POSIX spawn, which runs
    # the children here, must keep seeing Linux)
    for module in PLATFORM_BRANCHES:
        monkeypatch.setattr(module, "sys", types.SimpleNamespace(**{**vars(sys), "platform": "win32"}))
    monkeypatch.setattr(reading, "PARALLEL_FROM", 2)      # the reading pool even for a few files


PLATFORM_BRANCHES = [forking]      # every module of the program that reads sys.platform


def test_platform_branches_are_all_simulated():
    import auditor

    root = Path(auditor.__file__).parent
    branching = {p.relative_to(root).as_posix() for p in root.rglob("*.py") if "sys.platform" in p.read_text("utf-8")}
    assert branching == {Path(mod.__file__).relative_to(root).as_posix() for mod in PLATFORM_BRANCHES}


WINDOWS_ILLEGAL = re.compile(r'[<>:"|?*\x00-\x1f]|[. ]$')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def _assert_windows_names(root: Path) -> None:
    for path in root.rglob("*"):
        name = path.name
        assert not WINDOWS_ILLEGAL.search(name), name
        assert name.split(".")[0].upper() not in RESERVED, name


def test_run_on_simulated_windows(windows, tmp_path, methods):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for src in sorted(SAMPLES.iterdir()):
        (inbox / src.name).write_bytes(src.read_bytes())
    (inbox / "broken.txt").write_text(m.set_t4_cell(H.with_agency(H.sample_text(), "淄博市公安局张店分局"), 4, "1"),
                                      encoding="utf-8")
    out = tmp_path / "out"
    assert run(inbox, out) in (0, 1)                  # no crash (exit 1 only with --fail-on)
    assert methods and set(methods) == {"spawn"}
    latest = out / "latest"
    assert latest.is_dir() and not latest.is_symlink()           # a copy where links cannot be made
    first = findings(out)
    clean = _rules_of(first, H.SAMPLE.name)
    assert _rules_of(first, "broken.txt") > clean           # the broken table was found
    assert (latest / "summary.xlsx").is_file()
    _assert_windows_names(out)

    # the month goes on: a second run with a new report replaces the copied latest/ whole
    (inbox / "broken.txt").write_text(H.with_agency(H.sample_text(), "淄博市公安局张店分局"), encoding="utf-8")
    assert run(inbox, out) in (0, 1)
    second = findings(out)
    assert _rules_of(second, "broken.txt") == clean
    assert len(list((out / "runs").iterdir())) == 2
    assert not [p for p in out.iterdir() if p.name.startswith(".latest")]      # no staging left over
    _assert_windows_names(out)


def _rules_of(rows: list[dict], name: str) -> set[tuple[str, str]]:
    return {(r["rule_id"], r["location"]) for r in rows if Path(r["file"]).name == name and r["category"] == "compliance"}


def test_pools_stay_within_the_windows_limit(windows):
    assert forking.pool_size(128) == forking.WINDOWS_MAX_WORKERS and forking.pool_size(2) == 2


def test_other_commands_on_simulated_windows(windows, capsys):
    assert main(["rules", "--rules", str(RULES), "list"]) == 0
    assert "T3" in capsys.readouterr().out


def test_latest_copy_kept_whole_when_a_file_in_it_is_open(tmp_path, monkeypatch, caplog):
    """Windows refuses to move a folder holding a file open in Excel: latest/ stays as it was (the
    run is in runs/), never half deleted."""
    out = tmp_path / "out"
    (out / "runs" / "old").mkdir(parents=True)
    (out / "runs" / "old" / "summary.xlsx").write_text("old", encoding="utf-8")
    (out / "runs" / "new").mkdir()
    (out / "runs" / "new" / "summary.xlsx").write_text("new", encoding="utf-8")

    def no_symlink(*args, **kwargs):
        raise OSError(1314, "no privilege")

    monkeypatch.setattr(os, "symlink", no_symlink)
    pipeline.run_folder.point_latest(out, out / "runs" / "old")
    assert (out / "latest" / "summary.xlsx").read_text("utf-8") == "old"
    real_replace = os.replace

    def locked(src, dst, *args, **kwargs):
        if Path(src) == out / "latest":
            raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(pipeline.run_folder.os, "replace", locked)
    pipeline.run_folder.point_latest(out, out / "runs" / "new")
    assert (out / "latest" / "summary.xlsx").read_text("utf-8") == "old"
    assert "latest 未能更新" in caplog.text and "runs/new" in caplog.text
    assert sorted(p.name for p in out.iterdir()) == ["latest", "runs"]
    monkeypatch.setattr(pipeline.run_folder.os, "replace", real_replace)
    pipeline.run_folder.point_latest(out, out / "runs" / "new")
    assert (out / "latest" / "summary.xlsx").read_text("utf-8") == "new"
    assert sorted(p.name for p in out.iterdir()) == ["latest", "runs"]


def test_no_glibc_only_strftime_flags():
    """`%-m` (no padding) is a glibc extension: a ValueError on Windows."""
    import auditor

    for path in Path(auditor.__file__).parent.rglob("*.py"):
        assert not re.search(r"strftime\([^)]*%[-#]", path.read_text("utf-8")), path


def test_reading_alone_in_a_spawned_process(monkeypatch):
    """The fallback after a reading process died: one file per process, also where fork is unavailable."""
    monkeypatch.setenv(forking.START_METHOD_ENV, "spawn")
    alone = reading.read_alone(H.SAMPLE)
    here = reading.read_and_pack(H.SAMPLE)
    assert alone[0] == here[0] and alone[1] == here[1] and alone[3] == here[3]
