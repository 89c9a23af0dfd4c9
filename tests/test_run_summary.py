"""The run's summary adds up, on the terminal and in auditor.log (issue 13): the files read now,
reused and not read make the total, and so do the complete, partial and failed ones, in every kind
of run; the first run ever compares with nothing; and every run, whatever its exit code, appends
exactly one 运行摘要 line (options, the same counts, the unreadable files, the exit code)."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from filelock import FileLock

import auditor.pipeline as pipeline
from auditor.cli.exits import (EXIT_ENGINE, EXIT_INPUT, EXIT_INTERNAL, EXIT_LEDGER, EXIT_LOCKED, EXIT_OK,
                               EXIT_UNREADABLE, EXIT_USAGE)
from auditor.engine import EngineError

from .conftest import ZIBO
from .run_cli import REAL, inbox, summary_lines, tally


def overview_rows(out: Path) -> int:
    return openpyxl.load_workbook(out / "latest" / "summary.xlsx")["总览"].max_row - 1


def logged(out: Path, code: int) -> str:
    """The last run's summary line, checked to be its only one and to end with its exit code."""
    line = summary_lines(out)[-1]
    assert line.endswith(f"退出码 {code}"), line
    return line


def test_the_parts_add_up_in_every_kind_of_run(cli, tmp_path):
    box = inbox(tmp_path / "in")
    (box / "empty.txt").write_bytes(b"")                          # unreadable
    (box / "notes.xyz").write_text("?", encoding="utf-8")          # unsupported: not read
    out = tmp_path / "out"
    runs = 0

    def check(done, code: int, **expected: int) -> dict:
        nonlocal runs
        runs += 1
        assert done.code == code, done.out + done.err
        numbers = tally(done.out)                                  # both groups add up to the total
        assert {k: numbers[k] for k in expected} == expected, done.out
        assert numbers["total"] == overview_rows(out)              # the total is 总览's rows
        assert len(summary_lines(out)) == runs                     # one line per run
        line = logged(out, code)
        assert tally(line) == numbers                             # the log says the same numbers
        return numbers

    first = cli(box, "--out", out)
    n = len(REAL)
    check(first, EXIT_UNREADABLE, total=n + 2, read=n + 1, reused=0, not_read=1, failed=2)
    assert "首次运行" in first.out and "与上次相比" not in first.out
    assert "无法读取：" in logged(out, 3) and "empty.txt" in logged(out, 3) and "notes.xyz" in logged(out, 3)

    same = cli(box, "--out", out)                                  # nothing changed
    check(same, EXIT_UNREADABLE, total=n + 2, read=0, reused=n + 1, not_read=1, failed=2)
    assert "首次运行" not in same.out and "结果与上次相同" in logged(out, 3)

    (box / "notes.xyz").unlink()
    (box / "empty.txt").unlink()
    new = ZIBO.read_text(encoding="utf-8").replace("淄博市公安局高新区分局", "淄博市公安局张店分局")
    (box / "zhangdian-2022.txt").write_text(new, encoding="utf-8")  # one new report
    added = cli(box, "--out", out)
    check(added, EXIT_OK, total=n + 1, read=1, reused=n, not_read=0, failed=0)
    assert "与上次相比：新增" in added.out and "首次运行" not in added.out
    assert logged(out, 0).count("无法读取：无") == 1

    # a corrected version of one report (same agency and year) and a byte-identical copy of another
    corrected = ZIBO.read_text(encoding="utf-8").replace("2023-01-19", "2023-01-20")
    (box / "zibo-gaoxin-police-2022（更正版）.txt").write_text(corrected, encoding="utf-8")
    shutil.copy2(box / REAL[0].name, box / f"副本-{REAL[0].name}")
    versions = cli(box, "--out", out)
    # the copy's bytes are known: its result is reused like its original's
    numbers = check(versions, EXIT_OK, total=n + 3, read=1, reused=n + 2, not_read=0, failed=0)
    assert "已被更正版取代 1 份、重复副本 1 份" in versions.out
    assert numbers["complete"] + numbers["partial"] == n + 3


def test_the_unreadable_files_in_the_log_are_capped(cli, tmp_path):
    box = inbox(tmp_path / "in", [REAL[0].name])
    for i in range(7):
        (box / f"坏{i}.pdf").write_bytes(b"not a pdf")
    out = tmp_path / "out"
    done = cli(box, "--out", out)
    assert done.code == EXIT_UNREADABLE and tally(done.out)["failed"] == 7
    line = logged(out, EXIT_UNREADABLE)
    assert "等 7 个" in line and line.count("坏") == 5


def test_the_options_given_are_in_the_line(cli, tmp_path):
    box = inbox(tmp_path / "in", [REAL[0].name])
    out = tmp_path / "out"
    roster = tmp_path / "名册.csv"
    roster.write_text("单位名称\n淄博市公安局高新区分局\n", encoding="utf-8")
    cli(box, "--out", out, "--roster", roster, "--year", "2022", "--fail-on", "error", "--full")
    line = summary_lines(out)[-1]
    for part in (f"输入 {box}", f"--out {out}", f"--roster {roster}", "--year 2022", "--fail-on error", "--full"):
        assert part in line, line
    assert "--wait" not in line and "--ledger" not in line      # defaults are left out


# ------------------------------------------------------------------------ runs that write no results

@pytest.fixture
def month(cli, tmp_path):
    box = inbox(tmp_path / "in", [REAL[0].name])
    out = tmp_path / "out"
    assert cli(box, "--out", out).code == EXIT_OK
    return box, out


def test_a_refused_missing_inbox_logs_its_line(month, cli, tmp_path):
    _, out = month
    done = cli(tmp_path / "typo", "--out", out)
    assert done.code == EXIT_INPUT
    line = logged(out, EXIT_INPUT)
    assert len(summary_lines(out)) == 2 and "未运行" in line and f"找不到 {tmp_path / 'typo'}" in line


def test_a_locked_results_folder_logs_its_line(month, cli):
    box, out = month
    with FileLock(str(out / ".auditor.lock")):
        done = cli(box, "--out", out)
    assert done.code == EXIT_LOCKED
    assert len(summary_lines(out)) == 2 and "结果目录被锁定" in logged(out, EXIT_LOCKED)


def test_a_usage_error_logs_its_line_only_where_results_exist(month, cli, tmp_path):
    box, out = month
    done = cli(box, "--out", out, "--waivers", tmp_path / "no-such-waivers.yaml")
    assert done.code == EXIT_USAGE and len(summary_lines(out)) == 2
    assert "用法错误" in logged(out, EXIT_USAGE)
    fresh = tmp_path / "fresh-out"
    assert cli(box, "--out", fresh, "--waivers", tmp_path / "no-such-waivers.yaml").code == EXIT_USAGE
    assert not fresh.exists()


def test_an_engine_error_logs_its_line(month, cli, monkeypatch):
    box, out = month

    def broken(*args, **kwargs):
        raise EngineError("规则执行出错（测试）", ["identity:T3-A1"])
    monkeypatch.setattr(pipeline.auditing, "evaluate", broken)
    done = cli(box, "--out", out, "--full")
    assert done.code == EXIT_ENGINE
    assert len(summary_lines(out)) == 2 and "--full" in logged(out, EXIT_ENGINE)


def test_an_internal_error_logs_its_line_and_the_traceback(month, cli, monkeypatch):
    box, out = month

    def defect(*args, **kwargs):
        raise RuntimeError("planted summary defect")
    monkeypatch.setattr(pipeline.auditing, "summarize", defect)
    done = cli(box, "--out", out, "--full")
    assert done.code == EXIT_INTERNAL
    assert len(summary_lines(out)) == 2 and "内部错误" in logged(out, EXIT_INTERNAL)
    assert "planted summary defect" in (out / "auditor.log").read_text("utf-8")


def test_a_damaged_ledger_logs_its_line(month, cli):
    box, out = month
    (out / "ledger.sqlite").write_bytes(b"this is not a database" * 100)
    done = cli(box, "--out", out)
    assert done.code == EXIT_LEDGER
    assert len(summary_lines(out)) == 2 and "账本已损坏" in logged(out, EXIT_LEDGER)
