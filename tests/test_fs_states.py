"""File-system, ledger and side-file states that crashed or misled every run (issue 12), each
reproduced through the real CLI: odd file names, edits that keep size and mtime, a file replaced
during a run, a folder that cannot be listed, a damaged ledger, the default coverage year, waivers
files, impossible dates and missing message values. The runs are in this process (tests/run_cli.py);
a fault is planted with monkeypatch, without touching the code under test."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from auditor.cli import EXIT_LEDGER, EXIT_UNREADABLE, EXIT_USAGE
from auditor.engine.render import MISSING_WORD, fill
from auditor.roster import coverage_year

from . import hostile as H
from .conftest import RULES
from .run_cli import in_process, sheet

CLEAN = (0, 1)        # exit codes of a run that completed (findings or not)
UNCHANGED = "没有新增或改动的报告"


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`auditor run` in this process from `cwd` (tests/run_cli.py), with the engine version pinned: the
    engine version hashes the code, so an edit to any module between two runs would re-audit everything."""
    return in_process("run", "--rules", str(RULES), *args, cwd=cwd)


def findings(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]


def report(folder: Path, name: str, agency: str, text: str | None = None) -> Path:
    path = folder / name
    path.write_text(H.with_agency(text or H.sample_text(), agency), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------- file names

def test_gbk_and_undecodable_file_names_are_audited_and_shown(tmp_path):
    """Before: TypeError (str is not valid UTF-8: surrogates not allowed) in every run."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    report(inbox, "plain.txt", "淄博市公安局张店分局")
    H.gbk_named_file(inbox)
    _, escaped = H.undecodable_named_file(inbox)
    out = tmp_path / "out"
    first = cli(tmp_path, str(inbox), "--out", str(out))
    assert first.returncode in CLEAN, first.stderr.decode()
    assert first.stderr.decode("utf-8") == ""
    shown = {Path(f["file"]).name: f["agency"] for f in findings(out)}
    assert shown[H.GBK_NAME] == H.GBK_AGENCY
    assert shown[escaped] == "淄博市公安局乱码文件名分局"
    overview = {Path(r["文件"]).name for r in sheet(out, "总览")}
    assert {H.GBK_NAME, escaped, "plain.txt"} <= overview
    again = cli(tmp_path, str(inbox), "--out", str(out))       # the ledger took the names too
    assert again.returncode in CLEAN and UNCHANGED in again.stdout.decode("utf-8")


def test_gbk_name_given_on_the_command_line(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    H.gbk_named_file(inbox)
    name = os.fsdecode(H.GBK_NAME.encode("gbk"))
    done = cli(inbox, name, "--out", str(tmp_path / "out"))
    assert done.returncode in CLEAN, done.stderr.decode()
    assert {f["file"] for f in findings(tmp_path / "out")} == {H.GBK_NAME}


# ------------------------------------------------------------------------------- change detection

def test_an_edit_that_keeps_size_and_mtime_is_re_audited(tmp_path):
    """The README promises content hashes; before, an unchanged size and mtime meant "unchanged"."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    path = report(inbox, "a.txt", "淄博市公安局高新区分局")
    out = tmp_path / "out"
    assert cli(tmp_path, str(inbox), "--out", str(out)).returncode in CLEAN
    st = path.stat()
    data = path.read_bytes()
    edited = data.replace("高新区".encode(), "张店区".encode())      # same byte length
    assert edited != data and len(edited) == len(data)
    path.write_bytes(edited)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    second = cli(tmp_path, str(inbox), "--out", str(out))
    assert second.returncode in CLEAN, second.stderr.decode()
    assert UNCHANGED not in second.stdout.decode("utf-8")
    assert "本次读取 1" in second.stdout.decode("utf-8")
    assert {f["agency"] for f in findings(out)} == {"淄博市公安局张店区分局"}


def replace_after_hashing(monkeypatch) -> None:
    """The run's next hashing of a.txt is followed at once by a.txt being replaced (临淄分局)."""
    import auditor.pipeline as p

    hash_files = p.hash_files

    def _hash_then_replace(files):
        out = hash_files(files)
        for f in files:
            if f.name == "a.txt":
                f.write_text(f.read_text(encoding="utf-8").replace("张店分局", "临淄分局"), encoding="utf-8")
        return out
    monkeypatch.setattr(p, "hash_files", _hash_then_replace)


def test_a_file_replaced_during_a_run_never_lends_its_extraction_to_another_hash(tmp_path, monkeypatch):
    """Before: the extraction of the replacement was stored under the hash of what the path held
    when it was hashed; putting that content back later showed the replacement's agency, and the
    run said nothing had changed."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    path = report(inbox, "a.txt", "淄博市公安局高新区分局")
    out = tmp_path / "out"
    assert cli(tmp_path, str(inbox), "--out", str(out)).returncode in CLEAN
    report(inbox, "a.txt", "淄博市公安局张店分局")
    content_b = path.read_bytes()
    with monkeypatch.context() as patch:
        replace_after_hashing(patch)
        during = cli(tmp_path, str(inbox), "--out", str(out))
    assert during.returncode in CLEAN, during.stderr.decode()
    assert {f["agency"] for f in findings(out)} == {"淄博市公安局临淄分局"}     # what was read
    path.write_bytes(content_b)                  # B back: it was never read, so it is read now
    after = cli(tmp_path, str(inbox), "--out", str(out))
    assert after.returncode in CLEAN, after.stderr.decode()
    assert UNCHANGED not in after.stdout.decode("utf-8")
    assert {f["agency"] for f in findings(out)} == {"淄博市公安局张店分局"}


# ------------------------------------------------------------------------------- folders

def lock_folders(monkeypatch) -> None:
    """Listing a folder named …locked fails as it does for an ordinary user without the right."""
    import errno

    scandir = os.scandir

    def _scan(path="."):
        if isinstance(path, str) and path.endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return scandir(path)
    monkeypatch.setattr(os, "scandir", _scan)


def test_an_unreadable_sub_folder_is_reported_not_skipped(tmp_path, monkeypatch):
    """Before: skipped silently (its units became 未发布). Root can list any folder, so the test
    makes the listing fail as it does for an ordinary user (plus a real chmod when not root)."""
    inbox = tmp_path / "in"
    (inbox / "locked").mkdir(parents=True)
    report(inbox, "a.txt", "淄博市公安局高新区分局")
    report(inbox / "locked", "b.txt", "淄博市公安局张店分局")
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        lock_folders(patch)
        done = cli(tmp_path, str(inbox), "--out", str(out))
    assert done.returncode == EXIT_UNREADABLE, done.stderr.decode()
    stderr = done.stderr.decode("utf-8")
    assert "无法读取文件夹" in stderr and "locked" in stderr
    manual = [r for r in sheet(out, "需人工核查") if str(r["文件"]).endswith("locked")]
    assert manual and "无法读取文件夹" in manual[0]["原因"]
    assert "无法读取 1" in done.stdout.decode("utf-8")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every folder")
def test_a_folder_without_read_permission_is_reported(tmp_path):
    inbox = tmp_path / "in"
    (inbox / "locked").mkdir(parents=True)
    report(inbox, "a.txt", "淄博市公安局高新区分局")
    (inbox / "locked").chmod(0)
    try:
        done = cli(tmp_path, str(inbox), "--out", str(tmp_path / "out"))
    finally:
        (inbox / "locked").chmod(0o755)
    assert done.returncode == EXIT_UNREADABLE and "无法读取文件夹" in done.stderr.decode("utf-8")


# ------------------------------------------------------------------------------- the ledger

def _latest(out: Path) -> str:
    return os.readlink(out / "latest")


@pytest.mark.parametrize("how", ["garbage", "torn"])
def test_a_damaged_ledger_is_refused_kept_and_recoverable(tmp_path, how):
    """Before: a traceback (sqlite3.DatabaseError) with exit 1 in every later run, no hint."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    report(inbox, "a.txt", "淄博市公安局高新区分局")
    out = tmp_path / "out"
    assert cli(tmp_path, str(inbox), "--out", str(out)).returncode in CLEAN
    ledger = out / "ledger.sqlite"
    with sqlite3.connect(ledger) as db:        # everything in the main file, as a copied ledger is
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    H.damaged_ledger(ledger, how)
    damaged = ledger.read_bytes()
    latest = _latest(out)
    report(inbox, "b.txt", "淄博市公安局张店分局")     # something to do, so the ledger is needed
    done = cli(tmp_path, str(inbox), "--out", str(out))
    assert done.returncode == EXIT_LEDGER, (done.returncode, done.stderr.decode())
    stderr = done.stderr.decode("utf-8")
    assert "Traceback" not in stderr
    assert "账本" in stderr and "已损坏" in stderr and "改名" in stderr and f"mv {ledger}" in stderr
    assert ledger.read_bytes() == damaged                  # kept as it was, for whoever recovers it
    assert _latest(out) == latest
    assert not list((out / "runs").glob("*.partial"))
    assert "已损坏" in (out / "auditor.log").read_text("utf-8")
    ledger.rename(ledger.with_name("ledger.sqlite.damaged"))   # what the message says to do
    for side in ("ledger.sqlite-wal", "ledger.sqlite-shm"):
        if (out / side).exists():
            (out / side).rename(out / (side + ".damaged"))
    again = cli(tmp_path, str(inbox), "--out", str(out))
    assert again.returncode in CLEAN, again.stderr.decode()
    assert "审核报告 2 份" in again.stdout.decode("utf-8")


def test_decide_on_a_damaged_ledger_says_how_to_recover(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "ledger.sqlite").write_bytes(b"not a database at all" * 100)
    done = in_process("decide", "abc", "confirmed", "--by", "张三", "--out", str(out), cwd=tmp_path)
    assert done.returncode == EXIT_LEDGER and "改名" in done.stderr.decode("utf-8")


# ------------------------------------------------------------------------------- coverage year

ROSTER = "单位名称,单位类型\n淄博市公安局高新区分局,department\n淄博市公安局张店分局,department\n淄博市公安局临淄分局,department\n"


def test_one_mistyped_future_year_does_not_move_the_coverage_year(tmp_path):
    """Before: the default was the newest year of any report, so one 2031 made every unit 未发布."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    report(inbox, "a.txt", "淄博市公安局高新区分局")
    report(inbox, "b.txt", "淄博市公安局张店分局")
    typo = H.with_agency(H.sample_text(), "淄博市公安局临淄分局").replace("2022年", "2031年")
    (inbox / "c.txt").write_text(typo, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "out"
    done = cli(tmp_path, str(inbox), "--out", str(out), "--roster", str(tmp_path / "roster.csv"))
    assert done.returncode in CLEAN, done.stderr.decode()
    years = {f["agency"]: f["year"] for f in findings(out)}
    assert years["淄博市公安局临淄分局"] == 2031          # the typo is what the report says
    missing = {r["单位"] for r in sheet(out, "覆盖情况") if r["类别"] == "未发布"}
    assert "淄博市公安局高新区分局" not in missing and "淄博市公安局张店分局" not in missing
    assert "覆盖情况统计年度：2022" in (out / "auditor.log").read_text("utf-8")


def test_coverage_year_is_the_newest_year_a_fair_share_of_reports_have():
    import datetime as dt

    today = dt.date(2026, 3, 1)
    assert coverage_year([2024, 2031], today) == 2024                  # future: impossible
    assert coverage_year([2024] * 50 + [2025], today) == 2024          # one early or mistyped
    assert coverage_year([2024] * 300 + [2025] * 40, today) == 2025    # the new year arriving
    assert coverage_year([2025], today) == 2025
    assert coverage_year([None, float("nan"), "x"], today) == 2025     # nothing known: last year
    assert coverage_year([2026, 2026], today) == 2025                  # this year is not over


# ------------------------------------------------------------------------------- waivers

WAIVER = """waivers:
  - rule: {rule}
    agency: 淄博市公安局高新区分局
    year: 2022
    reason: 已核实
    approved_by: 张三
    expires: "2099-12-31"
"""


def test_a_gbk_waivers_file_is_named_in_the_error(tmp_path):
    """Before: a bare 'utf-8' codec can't decode byte … without the file's name."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    report(inbox, "a.txt", "淄博市公安局高新区分局")
    waivers = tmp_path / "豁免清单.yaml"
    waivers.write_bytes(WAIVER.format(rule="T4-A4").encode("gbk"))
    done = cli(tmp_path, str(inbox), "--out", str(tmp_path / "out"), "--waivers", str(waivers))
    assert done.returncode == EXIT_USAGE
    stderr = done.stderr.decode("utf-8")
    assert str(waivers) in stderr and "UTF-8" in stderr and "codec" not in stderr


def test_a_waiver_naming_an_unknown_rule_is_flagged(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    report(inbox, "a.txt", "淄博市公安局高新区分局")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVER.format(rule="T4-A44"), encoding="utf-8")
    out = tmp_path / "out"
    done = cli(tmp_path, str(inbox), "--out", str(out), "--waivers", str(waivers))
    assert done.returncode in CLEAN, done.stderr.decode()
    stderr = done.stderr.decode("utf-8")
    assert "「T4-A44」" in stderr and "已核实" in stderr and str(waivers) in stderr
    rows = sheet(out, "豁免")
    assert [r["状态"] for r in rows] == ["规则编号不存在"]
    known = tmp_path / "known.yaml"
    known.write_text(WAIVER.format(rule="T4-A4"), encoding="utf-8")
    ok = cli(tmp_path, str(inbox), "--out", str(out), "--waivers", str(known))
    assert "不在所用规则包中" not in ok.stderr.decode("utf-8")


# ------------------------------------------------------------------------------- values in messages

FACT_RULE = """id: TST-FACT
title: 格式测试
severity: info
kind: report_fact
basis: 测试依据
message: 格式为 {template}，年度 {year}
params:
  note: 测试
"""


def test_a_missing_template_prints_as_unread_never_nan(tmp_path):
    """Before: 「格式为 nan」 (pandas 3: a missing string is NaN, and NaN is truthy)."""
    rules = tmp_path / "rules"
    (rules / "p").mkdir(parents=True)
    (rules / "p" / "pack.yaml").write_text(H.PACK.format(id="p"), encoding="utf-8")
    (rules / "p" / "fact.yaml").write_text(FACT_RULE, encoding="utf-8")
    inbox = tmp_path / "in"
    inbox.mkdir()
    # part one only: read in part, no table, so no template (NaN in the batch)
    (inbox / "part.txt").write_text("\n".join(H.sample_text().splitlines()[:40]), encoding="utf-8")
    out = tmp_path / "out"
    done = in_process("run", str(inbox), "--out", str(out), "--rules", str(rules), cwd=tmp_path)
    assert done.returncode in CLEAN + (EXIT_UNREADABLE,), done.stderr.decode()
    messages = [f["message"] for f in findings(out) if f["rule_id"] == "TST-FACT"]
    assert messages and all("nan" not in m and "None" not in m for m in messages)
    assert messages == [f"格式为 {MISSING_WORD}，年度 2022"]


def test_fill_never_prints_nan_or_none():
    import pandas as pd

    for value in (None, float("nan"), pd.NA, pd.NaT):
        assert fill("格式：{template}", {"template": value}) == f"格式：{MISSING_WORD}"
    assert fill("{a}{b}", {"a": 0, "b": ""}) == "0"
    assert fill("{unknown}", {}) == "{unknown}"


# ------------------------------------------------------------------------------- dates

@pytest.mark.parametrize("date", ["2023-02-30", "2023-13-01", "2023年2月29日"])
def test_an_impossible_publication_date_is_no_date(tmp_path, date):
    inbox = tmp_path / "in"
    inbox.mkdir()
    text = H.sample_text().replace("2023-01-19", date)
    assert date in text
    (inbox / "a.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    done = cli(tmp_path, str(inbox), "--out", str(out))
    assert done.returncode in CLEAN, done.stderr.decode()
    row = sheet(out, "总览")[0]
    assert row["发布日期"] in (None, "")
    assert not str(row["按期发布"]).startswith("按期"), row["按期发布"]
    assert "按期发布：按期" not in done.stdout.decode("utf-8")


def test_extract_prints_a_gbk_file_name_decoded(tmp_path):
    H.gbk_named_file(tmp_path)
    done = in_process("extract", "--json", os.fsdecode(H.GBK_NAME.encode("gbk")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    obj = json.loads(done.stdout.decode("utf-8"))
    assert obj["file"] == H.GBK_NAME and obj["meta"]["agency"] == H.GBK_AGENCY
