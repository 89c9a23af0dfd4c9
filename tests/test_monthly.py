"""Two months of operation: incremental re-audit, changes, kept decisions, roster gaps, cross-year
findings from the ledger, lock contention, and a run killed mid-write."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from filelock import FileLock

from auditor import cli

from . import mutate as m
from .conftest import RULES, SAMPLES, ZIBO
from .run_cli import in_process

ROSTER = """单位名称,别名,地区,单位类型,上级单位
淄博市公安局高新区分局,高新区公安分局,淄博市,政府部门,淄博市公安局
淄博市公安局张店分局,,淄博市,政府部门,淄博市公安局
淄博市公安局周村分局,,淄博市,政府部门,淄博市公安局
"""


def zibo(year: int, published: str, carried_forward: int = 0, agency: str = "淄博市公安局高新区分局") -> str:
    """The sample report re-dated to `year`, with 结转下年度 (自然人, 总计) set to `carried_forward`."""
    text = ZIBO.read_text(encoding="utf-8")
    text = text.replace("2022年政府信息公开工作年度报告", f"{year}年政府信息公开工作年度报告")
    text = text.replace("2022年1月1日起,至2022年12月31日止", f"{year}年1月1日起,至{year}年12月31日止")
    text = text.replace("2023-01-19", published).replace("淄博市公安局高新区分局", agency)
    if carried_forward:
        text = m.set_t3_cell(text, "四、结转下年度继续办理", 0, str(carried_forward))
        text = m.set_t3_cell(text, "四、结转下年度继续办理", 6, str(carried_forward))
        # keep the year balanced: one more application received
        text = m.set_t3_cell(text, "一、本年新收政府信息公开申请数量", 0, str(4 + carried_forward))
        text = m.set_t3_cell(text, "一、本年新收政府信息公开申请数量", 6, str(4 + carried_forward))
    return text


def run(office: Path, *extra: str) -> tuple[int, str]:
    """`auditor run` in this process, from the office folder: exit code and everything it printed."""
    args = ["run", str(office / "in"), "--out", str(office / "out"), "--rules", str(RULES), *extra]
    proc = in_process(*args, cwd=office)
    return proc.returncode, proc.stdout.decode("utf-8") + proc.stderr.decode("utf-8")


def folder_of(out: str) -> Path:
    """The run folder printed by `auditor run` (结果：<folder>（…）)."""
    return Path(out.split("结果：", 1)[1].split("（", 1)[0])


def sheet(folder: Path, name: str) -> list[dict]:
    wb = openpyxl.load_workbook(folder / "summary.xlsx")
    rows = list(wb[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def latest_findings(office: Path, folder: Path | None = None) -> list[dict]:
    text = ((folder or office / "out" / "latest") / "findings.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    office = tmp_path_factory.mktemp("office")
    (office / "in").mkdir()
    (office / "roster.csv").write_text(ROSTER, encoding="utf-8-sig")
    return office


@pytest.fixture(scope="module")
def month1(office):
    (office / "in" / "gaoxin-2021.txt").write_text(zibo(2021, "2022-01-20", carried_forward=1), encoding="utf-8")
    shutil.copy(SAMPLES / "shuyang-fgj-2023.html", office / "in" / "shuyang-2023.html")
    code, out = run(office, "--roster", str(office / "roster.csv"), "--year", "2022")
    assert code == 0, out
    return out


@pytest.fixture(scope="module")
def decisions(office, month1):
    """Staff record two decisions after month 1."""
    found = latest_findings(office)
    blank = next(f for f in found if f["rule_id"] == "NUM-BLANK")
    proposals = next(f for f in found if f["rule_id"] == "TXT-OTHER-ITEMS-PROPOSALS" and "gaoxin" in f["file"])
    for f, decision in ((blank, "confirmed"), (proposals, "dismissed")):
        assert cli.main(["decide", f["fingerprint"], decision, "--by", "张三", "--comment", "已核实",
                         "--out", str(office / "out")]) == 0
    return {"blank": blank, "proposals": proposals}


@pytest.fixture(scope="module")
def month2(office, month1, decisions):
    # corrected shuyang: half of the blank table-3 cells now hold 0 (values behind NUM-BLANK change)
    html = (office / "in" / "shuyang-2023.html").read_text(encoding="utf-8")
    (office / "in" / "shuyang-2023.html").write_text(html.replace("<o:p> </o:p>", "<o:p>0</o:p>", 40), encoding="utf-8")
    (office / "in" / "gaoxin-2022.txt").write_text(zibo(2022, "2023-01-19"), encoding="utf-8")
    (office / "in" / "zhangdian-2022.txt").write_text(
        zibo(2022, "2023-02-10", agency="淄博市公安局张店分局"), encoding="utf-8")
    shutil.copy(SAMPLES / "pingtan-2022.txt", office / "in" / "pingtan-2022.txt")
    code, out = run(office, "--roster", str(office / "roster.csv"), "--year", "2022")
    assert code == 0, out
    return out


@pytest.fixture(scope="module")
def m2(month2) -> Path:
    return folder_of(month2)


def test_month2_reaudits_only_new_and_changed(month2):
    assert "本次读取 4，沿用上次结果 1" in month2   # gaoxin-2021 unchanged; shuyang corrected; 3 new


def test_changed_rules_reaudit_everything(office, month2):
    code, out = run(office)          # no roster: agency types may differ, so nothing can be reused
    assert code == 0 and "本次读取 5，沿用上次结果 0" in out
    code, out = run(office, "--roster", str(office / "roster.csv"), "--year", "2022")
    assert code == 0 and "本次读取 0，沿用上次结果 5" in out   # the earlier audit under these rules is reused


def test_unchanged_rerun_reads_nothing(office, month2):
    code, out = run(office, "--roster", str(office / "roster.csv"), "--year", "2022")
    assert code == 0 and "本次读取 0，沿用上次结果 5" in out
    assert "没有新增或改动的报告" in out          # the previous results stand; no new folder


def test_change_sheet(m2):
    rows = sheet(m2, "变化")
    by = {(r["变化"], Path(r["文件"]).name, r["规则编号"]) for r in rows}
    assert ("新增", "gaoxin-2022.txt", "T3-XYEAR") in by
    assert ("新增", "zhangdian-2022.txt", "PUB-DEADLINE-DEPT") in by
    assert ("不予采纳", "gaoxin-2021.txt", "TXT-OTHER-ITEMS-PROPOSALS") in by   # dismissed after month 1
    assert ("仍存在", "shuyang-2023.html", "NUM-BLANK") in by


def test_decisions_kept_unless_values_changed(m2, decisions):
    issues = sheet(m2, "问题清单")
    by_fp = {r["指纹"]: (r["处理意见"], r["处理记录"]) for r in issues}
    word, record = by_fp[decisions["proposals"]["fingerprint"]]
    assert word == "不予采纳" and record.startswith("张三，")
    # a void decision is not offered as the current one: 处理意见 blank, 处理记录 says why
    assert by_fp[decisions["blank"]["fingerprint"]] == (None, "数值已变化，原处理意见（确认属实）失效，请重新核查")


def test_roster_coverage(m2):
    rows = {(r["类别"], r["单位"]) for r in sheet(m2, "覆盖情况")}
    assert ("未发布", "淄博市公安局周村分局") in rows
    assert ("逾期发布", "淄博市公安局张店分局") in rows
    assert ("未匹配名册", "平潭综合实验区") in rows
    assert not any(u == "淄博市公安局高新区分局" for _, u in rows)


def test_cross_year_carry_over(office, m2):
    found = [f for f in latest_findings(office, m2) if f["rule_id"] == "T3-XYEAR"]
    assert [(Path(f["file"]).name, f["message"]) for f in found] == [
        ("gaoxin-2022.txt", "本年上年结转与 2021 年度报告的结转下年度继续办理不一致：自然人 0≠1；总计 0≠1。")]


def test_cross_year_from_the_ledger_when_last_year_is_archived(office, month2, tmp_path):
    """Month 3: last year's report left the inbox; the ledger still knows it."""
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.move(str(office / "in" / "gaoxin-2021.txt"), archive / "gaoxin-2021.txt")
    try:
        code, out = run(office, "--roster", str(office / "roster.csv"))
        assert code == 0, out
        assert "本次读取 0" in out
        found = [f for f in latest_findings(office) if f["rule_id"] == "T3-XYEAR"]
        assert [Path(f["file"]).name for f in found] == ["gaoxin-2022.txt"]
    finally:
        shutil.move(str(archive / "gaoxin-2021.txt"), office / "in" / "gaoxin-2021.txt")


def test_second_run_exits_while_the_first_holds_the_lock(office, month2):
    with FileLock(str(office / "out" / ".auditor.lock")):
        code, out = run(office)
    assert code == 5 and "另一个审核任务正在使用" in out


@pytest.mark.slow
def test_killed_run_leaves_previous_outputs_and_ledger(office, month2):
    latest = (office / "out" / "latest").resolve()
    before = (latest / "summary.xlsx").read_bytes()
    runs_before = _count_runs(office)
    killer = ("import os, signal, auditor.outputs as o\n"
              "real = o.write_jsonl\n"
              "def dying(path, findings):\n"
              "    real(path, findings)\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n"
              "o.write_jsonl = dying\n"
              "from auditor.cli import main\n"
              f"main(['run', {str(office / 'in')!r}, '--out', {str(office / 'out')!r}, '--rules', {str(RULES)!r},"
              " '--full'])\n")
    proc = subprocess.run([sys.executable, "-c", killer], capture_output=True, cwd=office)
    assert proc.returncode == -9
    assert (office / "out" / "latest").resolve() == latest
    assert (latest / "summary.xlsx").read_bytes() == before
    assert _count_runs(office) == runs_before
    assert list((office / "out" / "runs").glob("*.partial"))      # the dead run's folder
    code, out = run(office, "--roster", str(office / "roster.csv"))                                      # the next run cleans up and completes
    assert code == 0, out
    assert not list((office / "out" / "runs").glob("*.partial"))
    assert _count_runs(office) == runs_before + 1


def _count_runs(office: Path) -> int:
    with sqlite3.connect(office / "out" / "ledger.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def test_full_disk_keeps_previous_outputs_and_ledger(office, month2, monkeypatch, capsys):
    """A failing write (disk full) exits 6 and leaves latest, the ledger and the run folders as they were."""
    import errno

    import auditor.outputs as outputs

    latest = (office / "out" / "latest").resolve()
    before = (latest / "summary.xlsx").read_bytes()
    runs_before = _count_runs(office)
    folders = sorted(p.name for p in (office / "out" / "runs").iterdir())

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs, "write_xlsx", full)
    code = cli.main(["run", str(office / "in"), "--out", str(office / "out"), "--rules", str(RULES), "--full"])
    assert code == 6
    assert "写入结果失败" in capsys.readouterr().err
    assert (office / "out" / "latest").resolve() == latest
    assert (latest / "summary.xlsx").read_bytes() == before
    assert _count_runs(office) == runs_before
    assert sorted(p.name for p in (office / "out" / "runs").iterdir()) == folders
