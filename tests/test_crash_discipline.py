"""Crash discipline (issue 12): an unexpected error exits with its own code (never 1, which means
findings), says one Chinese sentence, leaves its traceback in the log and `latest` and the ledger
as they were; an error on one report (its reader, or a rule meeting it) becomes a 需人工核查 finding
for that report and the run goes on; the run's child processes die with it, even after kill -9.

Faults are planted through `hostile.cli_with`: the real CLI runs after a few lines that make a
reader, a rule or an output step raise."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from auditor import cli as C
from auditor.engine import RETRY_CALLS, direct_hits
from auditor.engine.batch import build_batch
from auditor.model import Report
from auditor.rules.model import Rule

from . import hostile as H
from . import mutate as m
from .conftest import RULES

CLEAN = (C.EXIT_OK, C.EXIT_FINDINGS)
PIN_ENGINE = "import auditor.pipeline as _p\n_p.engine_version = lambda: 'pinned-for-tests'\n"


def run(cwd: Path, patch: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(H.cli_with(PIN_ENGINE + patch, "run", "--rules", str(RULES), *args), capture_output=True,
                          cwd=cwd, timeout=600)


def findings(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]


def office(tmp_path: Path) -> tuple[Path, Path]:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "clean.txt").write_text(H.with_agency(H.sample_text(), "淄博市公安局张店分局"), encoding="utf-8")
    # with a table error, so that rules of other kinds have something to find in it
    (inbox / "poison.txt").write_text(m.set_t4_cell(H.sample_text(), 4, "1"), encoding="utf-8")
    return inbox, tmp_path / "out"


def state(out: Path) -> tuple:
    """What a failed run must leave as it was: the latest link, the run folders, the ledger's runs."""
    with sqlite3.connect(out / "ledger.sqlite") as db:
        runs = db.execute("SELECT id, folder, counts FROM runs ORDER BY id").fetchall()
    db.close()
    return os.readlink(out / "latest"), sorted(p.name for p in (out / "runs").iterdir()), runs


# ------------------------------------------------------------------------------- exit codes

def test_exit_codes_are_distinct_and_documented():
    codes = {name: getattr(C, name) for name in dir(C) if name.startswith("EXIT_")}
    assert len(set(codes.values())) == len(codes)
    assert C.EXIT_INTERNAL not in (C.EXIT_OK, C.EXIT_FINDINGS) and C.EXIT_LEDGER != C.EXIT_FINDINGS
    for code in codes.values():
        assert f"\n  {code}  " in "\n" + C.EPILOG, code


CRASH_AT_OUTPUT = """
import auditor.pipeline as p
import auditor.pipeline.reading as rd
def _broken(*args, **kwargs):
    raise RuntimeError("planted defect")
p.auditing.compare_runs = _broken
"""


def test_an_unexpected_error_exits_7_with_one_sentence_and_keeps_latest_and_ledger(tmp_path):
    """Before: a traceback on the terminal and exit 1, the code cron reads as "findings"."""
    inbox, out = office(tmp_path)
    assert run(tmp_path, "", str(inbox), "--out", str(out)).returncode in CLEAN
    before = state(out)
    (inbox / "new.txt").write_text(H.with_agency(H.sample_text(), "淄博市公安局临淄分局"), encoding="utf-8")
    done = run(tmp_path, CRASH_AT_OUTPUT, str(inbox), "--out", str(out))
    assert done.returncode == C.EXIT_INTERNAL
    lines = done.stderr.decode("utf-8").strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("内部错误（RuntimeError）"), lines
    assert "Traceback" not in done.stderr.decode("utf-8") and done.stdout == b""
    log = (out / "auditor.log").read_text("utf-8")
    assert "Traceback" in log and "planted defect" in log
    assert state(out) == before
    again = run(tmp_path, "", str(inbox), "--out", str(out))          # the next run is not hindered
    assert again.returncode in CLEAN and "审核报告 3 份" in again.stdout.decode("utf-8")


def test_outside_a_run_an_internal_error_also_exits_7(tmp_path):
    patch = "import auditor.cli.parser as c\nc._cmd_rules_list = lambda args: 1 / 0\n"
    done = subprocess.run(H.cli_with(patch, "rules", "list"), capture_output=True, cwd=tmp_path, timeout=120)
    assert done.returncode == C.EXIT_INTERNAL
    assert "ZeroDivisionError" in done.stderr.decode("utf-8") and "Traceback" not in done.stderr.decode("utf-8")


def test_an_output_folder_that_cannot_be_made_exits_6(tmp_path):
    """Before: a traceback (the folder is created before any error handling)."""
    inbox, _ = office(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    done = run(tmp_path, "", str(inbox), "--out", str(blocker / "out"))
    assert done.returncode == C.EXIT_WRITE
    assert "无法写入结果目录" in done.stderr.decode("utf-8") and "Traceback" not in done.stderr.decode("utf-8")


def test_a_ledger_that_cannot_be_written_exits_6(tmp_path):
    inbox, out = office(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    done = run(tmp_path, "", str(inbox), "--out", str(out), "--ledger", str(blocker / "ledger.sqlite"))
    assert done.returncode == C.EXIT_WRITE, done.stderr.decode()
    assert "Traceback" not in done.stderr.decode("utf-8")
    assert not (out / "latest").exists()


# ------------------------------------------------------------------------------- one report's errors

READER_RAISES = """
import auditor.pipeline as p
import auditor.pipeline.reading as rd
_extract = rd.extract
def _extract_or_fail(document):
    if "poison" in document.path:
        raise KeyError("planted reader defect")
    return _extract(document)
rd.extract = _extract_or_fail
"""


def test_a_reader_error_on_one_file_is_its_finding_and_the_run_goes_on(tmp_path):
    inbox, out = office(tmp_path)
    done = run(tmp_path, READER_RAISES, str(inbox), "--out", str(out))
    assert done.returncode == C.EXIT_UNREADABLE, done.stderr.decode()
    rows = findings(out)
    poison = [f for f in rows if f["file"].endswith("poison.txt")]
    assert [f["rule_id"] for f in poison] == ["EXT-FAILED"] and "内部错误" in poison[0]["message"]
    assert not [f for f in rows if f["file"].endswith("clean.txt") and f["rule_id"].startswith("EXT-")]
    assert any(f["file"].endswith("clean.txt") and f["category"] == "compliance" for f in rows)
    assert "读取完整 1" in done.stdout.decode("utf-8") and "无法读取 1" in done.stdout.decode("utf-8")
    assert "planted reader defect" in (out / "auditor.log").read_text("utf-8")
    assert "Traceback" not in done.stderr.decode("utf-8")      # one line on the terminal, the rest logged


RULE_RAISES = """
import auditor.engine.kinds as K
def _poisoned(kind):
    real = K.KINDS[kind].evaluate
    def evaluate(rule, batch, rids):
        if any("poison" in batch.info.at[r, "file"] for r in rids):
            raise ValueError("planted rule defect")
        return real(rule, batch, rids)
    return evaluate
for _kind in ("text_pattern", "sections", "publication"):
    K.KINDS[_kind].evaluate = _poisoned(_kind)
"""


def test_a_rule_that_raises_on_one_report_is_a_manual_check_for_it_alone(tmp_path):
    inbox, out = office(tmp_path)
    plain_out = tmp_path / "plain"
    plain = run(tmp_path, "", str(inbox), "--out", str(plain_out))
    assert plain.returncode in CLEAN
    done = run(tmp_path, RULE_RAISES, str(inbox), "--out", str(out))
    assert done.returncode in CLEAN, done.stderr.decode()
    rows = findings(out)

    def of(rows, name):
        return {(f["rule_id"], f["location"], f["message"]) for f in rows if f["file"].endswith(name)}

    assert of(rows, "clean.txt") == of(findings(plain_out), "clean.txt")    # the other report: untouched
    poison = [f for f in rows if f["file"].endswith("poison.txt")]
    broken = [f for f in poison if "本工具执行该规则时出错（ValueError）" in f["message"]]
    assert broken and all(f["category"] == "extraction" and f["location"] == "整份报告" for f in broken)
    assert {f["rule_kind"] for f in broken} <= {"text_pattern", "sections", "publication"}
    # the poisoned report's other rules still ran, with the findings they give without the fault
    poisoned = {"text_pattern", "sections", "publication"}
    before = {(f["rule_id"], f["location"]) for f in findings(plain_out)
              if f["file"].endswith("poison.txt") and f["rule_kind"] not in poisoned}
    assert before and before == {(f["rule_id"], f["location"]) for f in poison
                                 if f["rule_kind"] not in poisoned and f not in broken}
    assert "planted rule defect" in (out / "auditor.log").read_text("utf-8")
    assert "Traceback" not in done.stderr.decode("utf-8")      # one line on the terminal, the rest logged


GX_PLAN_RAISES = """
import auditor.engine.kinds as K
def _plan(rules, batch, rids_by_rule):
    raise ValueError("planted plan defect")
K.KINDS["cell_domain"].plan = _plan
"""


def test_a_table_rule_kind_that_raises_is_not_evaluated_and_the_run_goes_on(tmp_path):
    inbox, out = office(tmp_path)
    done = run(tmp_path, GX_PLAN_RAISES, str(inbox), "--out", str(out))
    assert done.returncode in CLEAN, done.stderr.decode()
    rows = findings(out)
    broken = [f for f in rows if f["rule_kind"] == "cell_domain"]
    assert broken and all(f["category"] == "extraction" for f in broken)
    assert {Path(f["file"]).name for f in broken} == {"clean.txt", "poison.txt"}


def _rule() -> Rule:
    return Rule(id="TST-X", title="测试规则", severity="warning", kind="text_pattern", basis="测试依据",
                message="测试", params={})


def _batch(n: int):
    return build_batch([Report(file=f"r{i}.txt", meta={"title": None, "agency": f"某局{i}", "year": 2023,
                                                          "published": None}) for i in range(n)])


def test_direct_hits_bisects_to_the_failing_reports(monkeypatch):
    from auditor.engine import kinds

    calls = []

    def evaluate(rule, batch, rids):
        calls.append(len(rids))
        if 3 in set(rids) or 7 in set(rids):
            raise ValueError("x")
        return [kinds_hit(rule, int(r)) for r in rids]

    def kinds_hit(rule, rid):
        from auditor.engine.hits import Hit

        return Hit(rid, rule, "全文", "k")

    monkeypatch.setattr(kinds.KINDS["text_pattern"], "evaluate", evaluate)
    batch = _batch(10)
    hits = direct_hits("text_pattern", _rule(), batch, batch.info.index)
    ok = sorted(h.rid for h in hits if h.category == "compliance")
    bad = sorted(h.rid for h in hits if h.category == "extraction")
    assert ok == [0, 1, 2, 4, 5, 6, 8, 9] and bad == [3, 7]
    assert calls[0] == 10 and len(calls) <= 1 + 2 * 2 * 4


def test_direct_hits_retries_are_bounded_when_a_rule_fails_everywhere(monkeypatch):
    from auditor.engine import kinds

    calls = []

    def evaluate(rule, batch, rids):
        calls.append(len(rids))
        raise ValueError("x")

    monkeypatch.setattr(kinds.KINDS["text_pattern"], "evaluate", evaluate)
    batch = _batch(500)
    hits = direct_hits("text_pattern", _rule(), batch, batch.info.index)
    assert sorted(h.rid for h in hits) == list(range(500))
    assert all(h.category == "extraction" and "需人工核查" in h.message for h in hits)
    assert len(calls) <= 1 + RETRY_CALLS


# ------------------------------------------------------------------------------- child processes

def _children(pid: int) -> set[int]:
    """Every live descendant of `pid` (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pids: set[int]) -> set[int]:
    live = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            live.add(pid)
    return live


SLOW_READS_WITH_HELPERS = """
import time
import auditor.pipeline as p
import auditor.pipeline.reading as rd
rd.PARALLEL_FROM = 2          # the reading pool even for a handful of files
rd.GX_PROCESS_FROM = 1       # and the Great Expectations helper process
_read = rd._read_timed
def _slow(path, data=None, shown=None):
    time.sleep(30)
    return _read(path, data, shown)
rd._read_timed = _slow
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_reading_workers_and_the_gx_process_die_with_a_killed_run(tmp_path):
    """Before: after kill -9 the GX helper (~200 MB) and each reading worker (~80 MB) lived on."""
    inbox, out = office(tmp_path)
    for i in range(4):
        (inbox / f"more{i}.txt").write_text(H.with_agency(H.sample_text(), f"淄博市第{i}局"), encoding="utf-8")
    proc = subprocess.Popen(H.cli_with(SLOW_READS_WITH_HELPERS, "run", "--rules", str(RULES), str(inbox),
                                       "--out", str(out)), cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        kids: set[int] = set()
        for _ in range(600):                  # the pool (one per core) and the GX helper started
            kids = _children(proc.pid)
            if len(kids) >= 1 + min(2, os.cpu_count() or 1):
                break
            time.sleep(0.1)
        assert len(kids) >= 2, kids
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    for _ in range(200):
        if not _alive(kids):
            break
        time.sleep(0.1)
    left = _alive(kids)
    for pid in left:                          # never leave them behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left


BACKGROUND_CHILD = """
import sys, time
from auditor.outputs.background import Background
job = Background(time.sleep, 60)
print(job._proc.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_background_writer_dies_with_a_killed_parent(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", BACKGROUND_CHILD], stdout=subprocess.PIPE, cwd=tmp_path)
    try:
        child = int(proc.stdout.readline())
        assert _alive({child})
    finally:
        proc.kill()
        proc.wait()
    for _ in range(200):
        if not _alive({child}):
            break
        time.sleep(0.1)
    left = _alive({child})
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left


def test_die_with_parent_is_harmless_where_it_cannot_apply(monkeypatch):
    from auditor import forking

    monkeypatch.setattr(forking.sys, "platform", "darwin")
    forking.die_with_parent(os.getppid())        # a no-op: must not raise nor exit
    assert pd.Series([1]).sum() == 1


BATCH_RAISES = """
import auditor.engine as E
_build = E.build_batch
def _build_or_fail(reports, agency_types=None, history=None):
    if any(r.meta.get("agency") == "淄博市公安局高新区分局" for r in reports):   # poison.txt's
        raise TypeError("planted batch defect")
    return _build(reports, agency_types, history)
E.build_batch = _build_or_fail
"""


def test_a_report_the_batch_cannot_take_is_its_finding_and_the_run_goes_on(tmp_path):
    inbox, out = office(tmp_path)
    plain_out = tmp_path / "plain"
    assert run(tmp_path, "", str(inbox), "--out", str(plain_out)).returncode in CLEAN
    done = run(tmp_path, BATCH_RAISES, str(inbox), "--out", str(out))
    assert done.returncode in CLEAN, done.stderr.decode()
    rows = findings(out)

    def of(rows, name):
        return {(f["rule_id"], f["location"], f["message"]) for f in rows if f["file"].endswith(name)}

    assert of(rows, "clean.txt") == of(findings(plain_out), "clean.txt")
    poison = [f for f in rows if f["file"].endswith("poison.txt")]
    assert len(poison) == 1 and poison[0]["category"] == "extraction"
    assert "准备审核数据时发生内部错误（TypeError）" in poison[0]["message"]
    assert "planted batch defect" in (out / "auditor.log").read_text("utf-8")
    assert "Traceback" not in done.stderr.decode("utf-8")      # one line on the terminal, the rest logged


READER_PROCESS_DIES = """
import os
import auditor.pipeline as p
import auditor.pipeline.reading as rd
rd.PARALLEL_FROM = 2              # the reading pool even for a handful of files
MAIN = os.getpid()
_read = rd.read_and_pack
def _dies_on_poison(path, shown=None, sent=None):
    if "poison" in str(path) and os.getpid() != MAIN:
        os._exit(9)              # as a reader killed for memory, or a crash inside a parsing library
    return _read(path, shown, sent)
rd.read_and_pack = _dies_on_poison
"""


def test_a_reading_process_that_dies_costs_only_its_file(tmp_path):
    """Before: BrokenProcessPool ended the whole run."""
    inbox, out = office(tmp_path)
    for i in range(6):
        (inbox / f"more{i}.txt").write_text(H.with_agency(H.sample_text(), f"淄博市第{i}局"), encoding="utf-8")
    done = run(tmp_path, READER_PROCESS_DIES, str(inbox), "--out", str(out))
    assert done.returncode == C.EXIT_UNREADABLE, done.stderr.decode()
    rows = findings(out)
    poison = [f for f in rows if f["file"].endswith("poison.txt")]
    assert [f["rule_id"] for f in poison] == ["EXT-FAILED"] and "进程意外退出" in poison[0]["message"]
    assert "审核报告 8 份" in done.stdout.decode("utf-8") and "读取完整 7" in done.stdout.decode("utf-8")


RULE_WORKER_DIES = """
import os
import auditor.engine as E
import auditor.engine.kinds as K
E.PARALLEL_TEXT_FROM = 1          # the rule workers even for two reports
MAIN = os.getpid()
_text = K.KINDS["text_pattern"].evaluate
def _dies_in_a_worker(rule, batch, rids):
    if os.getpid() != MAIN:
        os._exit(9)               # as a worker killed for memory
    return _text(rule, batch, rids)
K.KINDS["text_pattern"].evaluate = _dies_in_a_worker
"""


def test_a_rule_worker_that_dies_is_replaced_by_the_main_process(tmp_path):
    """Before: BrokenProcessPool ended the whole run."""
    inbox, out = office(tmp_path)
    plain_out = tmp_path / "plain"
    assert run(tmp_path, "", str(inbox), "--out", str(plain_out)).returncode in CLEAN
    done = run(tmp_path, RULE_WORKER_DIES, str(inbox), "--out", str(out))
    assert done.returncode in CLEAN, done.stderr.decode()

    def of(rows):
        return sorted((Path(f["file"]).name, f["rule_id"], f["location"], f["message"]) for f in rows)

    assert of(findings(out)) == of(findings(plain_out))
    assert any(f["rule_kind"] == "text_pattern" for f in findings(out))
