"""Issue 13, the month's state: a report moved out of the inbox is 本次未提供 (never 已解决, its
agency never 未发布) until a new version of it comes; a finding marked 不予采纳 counts nowhere.

Real reports from reports_in/, the real command line in-process, the workbook read with openpyxl."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from auditor import cli, pipeline
from auditor.changes import Present, compare_runs
from auditor.domain import ABSENT_PUBLISHED, ABSENT_WORD, DISMISSED_WORD
from auditor.engine.versions import SUPERSEDED_WORD

from .conftest import RULES, SAMPLES
from .run_cli import sheet

ROSTER = """单位名称,别名,地区,单位类型,上级单位
平潭综合实验区,,福建省,人民政府,
淄博市公安局高新区分局,,淄博市,政府部门,淄博市公安局
"""
PINGTAN = "pingtan-2022.txt"
TYPO, FIXED = "四、政府信息公开行政法复议、行政诉讼情况", "四、政府信息公开行政复议、行政诉讼情况"


def run(inbox: Path, out: Path, *extra: str) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = cli.main(["run", str(inbox), "--out", str(out), "--rules", str(RULES), *extra])
    return code, printed.getvalue()


def snapshot(out: Path, code: int, printed: str) -> dict:
    return {"code": code, "printed": printed,
            **{name: sheet(out, name) for name in ("总览", "问题清单", "变化", "覆盖情况", "需人工核查", "规则统计")},
            "jsonl": [json.loads(line) for line in
                      (out / "latest" / "findings.jsonl").read_text(encoding="utf-8").splitlines()]}


def mine(rows: list[dict], column: str = "文件") -> list[dict]:
    return [r for r in rows if Path(str(r[column])).name == PINGTAN]


@pytest.fixture(scope="module")
def months(tmp_path_factory) -> dict[str, dict]:
    """Month 1: four real reports. Month 2: pingtan moved to an archive folder outside the inbox.
    Month 3: another report changes, pingtan still away. Month 4: a corrected pingtan (its title
    typo fixed) comes back."""
    root = tmp_path_factory.mktemp("absent")
    inbox, out, archive = root / "in", root / "out", root / "archive"
    inbox.mkdir()
    archive.mkdir()
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8-sig")
    for f in SAMPLES.iterdir():
        shutil.copy(f, inbox / f.name)
    roster = ("--roster", str(root / "roster.csv"), "--year", "2022", "--fail-on", "never")
    got = {}
    with pytest.MonkeyPatch.context() as mp:
        # other work may change the code meanwhile: the ledger must still be reused between months
        mp.setattr(pipeline, "engine_version", lambda: "test-absent")
        got["m1"] = snapshot(out, *run(inbox, out, *roster))
        shutil.move(str(inbox / PINGTAN), archive / PINGTAN)
        got["m2"] = snapshot(out, *run(inbox, out, *roster))
        zibo = inbox / "zibo-gaoxin-police-2022.txt"
        zibo.write_text(zibo.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        got["m3"] = snapshot(out, *run(inbox, out, *roster))
        text = (archive / PINGTAN).read_text(encoding="utf-8")
        assert TYPO in text
        (inbox / PINGTAN).write_text(text.replace(TYPO, FIXED), encoding="utf-8")
        got["m4"] = snapshot(out, *run(inbox, out, *roster))
    return got


def compliance_total(printed: str) -> int:
    return int(printed.split("合规问题 ", 1)[1].split(" 条", 1)[0])


def test_month1_has_the_title_typo(months):
    m1 = months["m1"]
    assert m1["code"] == 0, m1["printed"]
    assert [r["规则编号"] for r in mine(m1["问题清单"]) if r["严重程度"] == "警告"] == ["SEC-TITLE"]


def test_moved_report_is_not_provided_never_resolved(months):
    m1, m2 = months["m1"], months["m2"]
    assert m2["code"] == 0, m2["printed"]
    gone = mine(m2["变化"])
    assert gone and {r["变化"] for r in gone} == {ABSENT_WORD}
    assert {r["指纹"] for r in gone} == {r["指纹"] for r in mine(m1["问题清单"])}
    assert not [r for r in m2["变化"] if r["变化"] == "已解决"]
    assert f"，{ABSENT_WORD} {len(gone)}" in m2["printed"] and "已解决 0" in m2["printed"]


def test_moved_report_is_listed_with_its_last_findings(months):
    m1, m2 = months["m1"], months["m2"]
    [row] = mine(m2["总览"])
    [before] = mine(m1["总览"])
    assert row["版本"].startswith(ABSENT_WORD)
    assert row["审核结论"] == before["审核结论"] + f"（上次结论，{ABSENT_WORD}）"
    assert (row["错误"], row["警告"], row["提示"]) == (before["错误"], before["警告"], before["提示"])
    listed = mine(m2["问题清单"])
    assert [(r["规则编号"], r["问题说明"], r["依据"], r["数值"]) for r in listed] == \
        [(r["规则编号"], r["问题说明"], r["依据"], r["数值"]) for r in mine(m1["问题清单"])]
    assert all(r["提供情况"].startswith(ABSENT_WORD) for r in listed)
    assert all(not r["提供情况"] for r in m2["问题清单"] if r not in listed)
    # not read this time: nothing of it to check by hand, and no rule statistics from it
    assert not mine(m2["需人工核查"])
    assert sum(r["发现数"] for r in m2["规则统计"] if r["类别"] == "合规问题") == len(m2["问题清单"]) - len(listed)


def test_moved_report_counts_in_no_total(months):
    m1, m2 = months["m1"], months["m2"]
    mine_before = len(mine(m1["问题清单"]))
    assert compliance_total(m2["printed"]) == compliance_total(m1["printed"]) - mine_before
    assert "审核报告 3 份" in m2["printed"]
    assert f"另有{ABSENT_WORD}的报告 1 份" in m2["printed"]
    assert "按期 2 份" in m2["printed"]          # the terminal's 按期发布 is this run's reports only


def test_moved_report_keeps_its_agency_published(months):
    m1, m2 = months["m1"], months["m2"]
    assert not [r for r in m1["覆盖情况"] if r["单位"] == "平潭综合实验区"]
    rows = [r for r in m2["覆盖情况"] if r["单位"] == "平潭综合实验区"]
    assert [r["类别"] for r in rows] == [ABSENT_PUBLISHED]
    assert Path(rows[0]["报告文件"]).name == PINGTAN and "按期" in rows[0]["说明"]
    assert not [r for r in m2["覆盖情况"] if r["类别"] == "未发布"]


def test_still_away_a_month_later(months):
    m3 = months["m3"]
    assert "本次读取 1" in m3["printed"]          # the changed report only
    assert {r["变化"] for r in mine(m3["变化"])} == {ABSENT_WORD}
    [row] = mine(m3["总览"])
    assert row["版本"].startswith(ABSENT_WORD)
    assert [r["类别"] for r in m3["覆盖情况"] if r["单位"] == "平潭综合实验区"] == [ABSENT_PUBLISHED]


def test_corrected_version_back_resolves_only_what_it_fixed(months):
    m1, m4 = months["m1"], months["m4"]
    changes = {r["规则编号"]: r["变化"] for r in mine(m4["变化"])}
    assert changes.pop("SEC-TITLE") == "已解决"
    assert changes and set(changes.values()) == {"仍存在"}
    assert set(changes) == {r["规则编号"] for r in mine(m1["问题清单"])} - {"SEC-TITLE"}
    [row] = mine(m4["总览"])
    assert not row["版本"].startswith(ABSENT_WORD) and row["警告"] == 0
    assert not [r for r in m4["变化"] if r["变化"] == ABSENT_WORD]
    assert "另有" not in m4["printed"]


# ---------------------------------------------------------------- 不予采纳

@pytest.fixture(scope="module")
def dismissal(tmp_path_factory) -> dict:
    """The Shanghai report lacks its fifth part (SEC-PRESENT, an error: 不合格). A reviewer finds
    the finding does not stand and records 不予采纳; another finding is confirmed (确认属实)."""
    root = tmp_path_factory.mktemp("dismissed")
    inbox, out = root / "in", root / "out"
    inbox.mkdir()
    for name in ("shanghai-stcsm-2024.md", "zibo-gaoxin-police-2022.txt"):
        shutil.copy(SAMPLES / name, inbox / name)
    got = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "engine_version", lambda: "test-dismissed")
        got["before"] = snapshot(out, *run(inbox, out, "--fail-on", "error"))
        issues = got["before"]["问题清单"]
        error = next(r for r in issues if r["规则编号"] == "SEC-PRESENT")
        warning = next(r for r in issues if r["严重程度"] == "警告")
        got["error"], got["warning"] = error, warning
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(["decide", error["指纹"], "dismissed", "--by", "张三", "--comment", "第五部分并入第四部分",
                             "--out", str(out)]) == 0
            assert cli.main(["decide", warning["指纹"], "confirmed", "--by", "李四", "--out", str(out)]) == 0
        got["after"] = snapshot(out, *run(inbox, out, "--fail-on", "error"))
    return got


def shanghai(rows: list[dict]) -> dict:
    return next(r for r in rows if "shanghai" in str(r["文件"]))


def test_the_error_makes_the_report_fail_before(dismissal):
    before = dismissal["before"]
    assert before["code"] == 1, before["printed"]
    row = shanghai(before["总览"])
    assert row["错误"] == 1 and row["审核结论"].startswith("不合格")


def test_dismissed_finding_counts_nowhere(dismissal):
    before, after = dismissal["before"], dismissal["after"]
    assert after["code"] == 0, after["printed"]                 # --fail-on error: it was the only error
    row, was = shanghai(after["总览"]), shanghai(before["总览"])
    assert row["错误"] == 0 and row["审核结论"].startswith("基本合格（有警告）")
    assert row["警告"] == was["警告"]                           # 确认属实 changes nothing in the counts
    assert "错误 0" in after["printed"] and "错误 1" in before["printed"]
    assert compliance_total(after["printed"]) == compliance_total(before["printed"]) - 1
    stats = {r["规则编号"]: r["发现数"] for r in after["规则统计"]}
    assert stats.get("SEC-PRESENT") == 1     # 规则统计 counts how often a rule fired, decided or not


def test_dismissed_finding_stays_listed_with_its_decision(dismissal):
    after, error, warning = dismissal["after"], dismissal["error"], dismissal["warning"]
    listed = {r["指纹"]: r for r in after["问题清单"]}
    assert listed[error["指纹"]]["处理意见"] == DISMISSED_WORD and listed[error["指纹"]]["处理记录"].startswith("张三，")
    assert listed[warning["指纹"]]["处理意见"] == "确认属实" and listed[warning["指纹"]]["处理记录"].startswith("李四，")
    record = next(f for f in after["jsonl"] if f["fingerprint"] == error["指纹"])
    assert record["dismissed"] is True and record["severity"] == "error"
    assert not next(f for f in after["jsonl"] if f["fingerprint"] == warning["指纹"])["dismissed"]


def test_dismissed_finding_in_the_changes(dismissal):
    after, error, warning = dismissal["after"], dismissal["error"], dismissal["warning"]
    status = {r["指纹"]: r["变化"] for r in after["变化"]}
    assert status[error["指纹"]] == DISMISSED_WORD and status[warning["指纹"]] == "仍存在"
    assert "已解决" not in status.values()
    assert f"，{DISMISSED_WORD} 1" in after["printed"]


# ---------------------------------------------------------------- the comparison alone

def _finding(fp: str, file: str, agency: str | None, year: int | None) -> dict:
    return {"fingerprint": fp, "file": file, "agency": agency, "year": year, "rule_id": "R", "location": "全文",
            "message": "m", "category": "compliance"}


def test_compare_resolves_only_against_the_same_agency_year():
    previous = pd.DataFrame([
        _finding("a", "in/a.txt", "甲县人民政府", 2022),      # its report is back (another file name): 已解决
        _finding("b", "in/b.txt", "乙县人民政府", 2022),      # its report is gone: 本次未提供
        _finding("c", "in/c.txt", None, None),               # unknown agency, its file is gone: 本次未提供
        _finding("d", "in/d.txt", None, None),               # unknown agency, its file is here: 已解决
        _finding("e", "in/e.txt", "丙县人民政府", 2022),      # replaced by a corrected version
        _finding("f", "in/f.txt", "乙县人民政府", 2023),      # another year of a present agency: gone
    ])
    current = pd.DataFrame([_finding("g", "in/a-new.txt", "甲县政府", 2022)])
    present = Present(keys={("甲县", 2022), ("乙县", 2021), ("丙县", 2022)}, files={"in/a-new.txt", "in/d.txt"})
    changes = compare_runs(previous, current, replaced={"in/e.txt"}, present=present)
    assert dict(zip(changes["fingerprint"], changes["status"])) == {
        "g": "新增", "a": "已解决", "b": ABSENT_WORD, "c": ABSENT_WORD, "d": "已解决", "e": SUPERSEDED_WORD,
        "f": ABSENT_WORD}
