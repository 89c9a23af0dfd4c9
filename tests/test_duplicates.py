"""Two reports of one agency and year (an original and its 更正版), and one report downloaded twice.

Built from the shared real report (zibo-gaoxin-police-2022): the original has a broken table-4 sum
(T4-A4), the 更正版 fixes it; each carries its own publication date. The real command runs them and
the workbook is read back as the office reads it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditor import cli, pipeline
from auditor.engine import versions as ver
from auditor.model import Report

from . import mutate as m
from .conftest import RULES, ZIBO
from .test_monthly import zibo
from .run_cli import sheet

AGENCY = "淄博市公安局高新区分局"
ROSTER = f"单位名称,别名,地区,单位类型,上级单位\n{AGENCY},,淄博市,政府部门,淄博市公安局\n"


def report_text(published: str | None, broken: bool = False, year: int = 2022, agency: str = AGENCY) -> str:
    """The real report re-dated (published None: every date line removed) and optionally broken."""
    text = ZIBO.read_text(encoding="utf-8")
    if broken:
        text = m.set_t4_cell(text, 4, "1")
    if year != 2022:
        text = text.replace("2022年政府信息公开工作年度报告", f"{year}年政府信息公开工作年度报告")
        text = text.replace("2022年1月1日起,至2022年12月31日止", f"{year}年1月1日起,至{year}年12月31日止")
    text = text.replace(AGENCY, agency)
    if published is None:
        text = "\n".join(line for line in text.splitlines() if "2023-01-19" not in line) + "\n"
    else:
        text = text.replace("2023-01-19", published)
    return text


def write(path: Path, text: str, mtime: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture(autouse=True)
def fixed_engine(monkeypatch):
    """Other work may change the code between two runs of a test: the ledger must still be reused."""
    monkeypatch.setattr(pipeline, "engine_version", lambda: "test-duplicates")


def audit(inbox: Path, out: Path, capsys, *extra: str) -> str:
    code = cli.main(["run", str(inbox), "--out", str(out), "--rules", str(RULES), *extra])
    printed = capsys.readouterr()
    assert code in (0, 1), printed.out + printed.err
    return printed.out


def by_name(rows: list[dict], column: str = "文件") -> dict[str, dict]:
    return {Path(r[column]).name: r for r in rows}


def findings(out: Path) -> list[dict]:
    text = (out / "latest" / "findings.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


# ---------------------------------------------------------------- an original and its 更正版

@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Path:
    """The original (2023-01-19, T4 broken) written after the 更正版 (2023-01-28, fixed): the file
    times point the wrong way, the publication dates decide."""
    root = tmp_path_factory.mktemp("pair")
    write(root / "in" / "gaoxin-2022.txt", report_text("2023-01-19", broken=True), mtime=1_700_000_500)
    write(root / "in" / "gaoxin-2022-更正版.txt", report_text("2023-01-28"), mtime=1_700_000_000)
    write(root / "roster.csv", ROSTER)
    return root


@pytest.fixture
def pair_run(pair, capsys, monkeypatch):
    out = pair / "out"
    if not (out / "latest").exists():
        audit(pair / "in", out, capsys, "--roster", str(pair / "roster.csv"), "--year", "2022")
    return out


def test_newer_publication_date_is_current_despite_older_file_time(pair_run):
    rows = by_name(sheet(pair_run, "总览"))
    assert rows["gaoxin-2022-更正版.txt"]["版本"] == (
        "当前版本（取代 gaoxin-2022.txt；依据发布日期；是否按期发布按最早版本 gaoxin-2022.txt 的发布日期 2023-01-19 判断）")
    assert rows["gaoxin-2022.txt"]["版本"] == "已被更正版取代（由 gaoxin-2022-更正版.txt 取代；依据发布日期）"


def test_counts_and_verdict_only_from_the_current_version(pair_run):
    rows = by_name(sheet(pair_run, "总览"))
    old, new = rows["gaoxin-2022.txt"], rows["gaoxin-2022-更正版.txt"]
    assert old["审核结论"] == "不作结论（已被更正版取代）"
    assert (old["错误"], old["警告"], old["提示"], old["读取问题"]) == (None, None, None, None)
    assert old["按期发布"] is None
    assert new["错误"] == 0 and new["审核结论"] != "不合格"
    # the fixed sum is nowhere among the open problems; the data files list it marked, like a waived one
    assert not [r for r in sheet(pair_run, "问题清单") if r["规则编号"] == "T4-A4"]
    assert not [r for r in sheet(pair_run, "规则统计") if r["规则编号"] == "T4-A4"]
    old = [f for f in findings(pair_run) if Path(f["file"]).name == "gaoxin-2022.txt"]
    assert "T4-A4" in {f["rule_id"] for f in old}
    assert all(f["superseded"].startswith("已被更正版取代（由 gaoxin-2022-更正版.txt 取代") for f in old)
    assert all(f["superseded"] is None for f in findings(pair_run) if Path(f["file"]).name != "gaoxin-2022.txt")
    csv = (pair_run / "latest" / "findings.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].endswith(",版本") and sum("已被更正版取代" in line for line in csv) == len(old)


def test_superseded_findings_kept_for_the_record(pair_run):
    kept = sheet(pair_run, "已取代版本")
    t4 = [r for r in kept if r["规则编号"] == "T4-A4"]
    assert len(t4) == 1 and Path(t4[0]["文件"]).name == "gaoxin-2022.txt"
    assert t4[0]["版本"].startswith("已被更正版取代（由 gaoxin-2022-更正版.txt 取代")
    assert t4[0]["原严重程度"] == "错误"
    assert {Path(r["文件"]).name for r in kept} == {"gaoxin-2022.txt"}


def test_fingerprints_differ_between_versions(pair_run):
    old = {r["指纹"] for r in sheet(pair_run, "已取代版本")}
    current = {r["指纹"] for r in sheet(pair_run, "问题清单")}
    assert old and current
    assert not old & current
    # both versions share their other findings (same rule, same place), under different fingerprints
    same_rules = {(r["规则编号"], r["位置"]) for r in sheet(pair_run, "已取代版本")} & \
        {(r["规则编号"], r["位置"]) for r in sheet(pair_run, "问题清单")}
    assert same_rules


def test_fingerprints_stable_across_reruns(pair, pair_run, capsys):
    before = ({r["指纹"] for r in sheet(pair_run, "已取代版本")}, {r["指纹"] for r in sheet(pair_run, "问题清单")})
    again = pair / "out-full"
    audit(pair / "in", again, capsys, "--roster", str(pair / "roster.csv"), "--year", "2022", "--full")
    assert ({r["指纹"] for r in sheet(again, "已取代版本")}, {r["指纹"] for r in sheet(again, "问题清单")}) == before
    # the current version's fingerprints are the ordinary ones: as if it had been audited alone
    alone = pair / "alone"
    write(alone / "in" / "gaoxin-2022-更正版.txt", (pair / "in" / "gaoxin-2022-更正版.txt").read_text(encoding="utf-8"))
    audit(alone / "in", alone / "out", capsys)
    assert {r["指纹"] for r in sheet(alone / "out", "问题清单")} == before[1]


def test_agency_published_once_in_coverage(pair_run):
    rows = sheet(pair_run, "覆盖情况")
    assert not [r for r in rows if r["单位"] == AGENCY]            # published, matched, on time: no row
    assert not [r for r in rows if r["报告文件"] and Path(r["报告文件"]).name == "gaoxin-2022.txt"]


def test_data_sheet_lists_only_the_current_version(pair_run):
    assert [Path(r["文件"]).name for r in sheet(pair_run, "数据")] == ["gaoxin-2022-更正版.txt"]


# ---------------------------------------------------------------- a correction after the deadline

def test_correction_after_the_deadline_is_not_late(tmp_path, capsys):
    """Original on time (2023-01-19, 政府部门 deadline 2023-01-31), 更正版 on 2023-02-20: the agency
    published on time; the correction does not make it late."""
    write(tmp_path / "in" / "original.txt", report_text("2023-01-19", broken=True))
    write(tmp_path / "in" / "corrected.txt", report_text("2023-02-20"))
    write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "out"
    audit(tmp_path / "in", out, capsys, "--roster", str(tmp_path / "roster.csv"), "--year", "2022")
    assert not [r for r in sheet(out, "问题清单") if r["规则编号"].startswith("PUB-DEADLINE")]
    current = by_name(sheet(out, "总览"))["corrected.txt"]
    assert current["按期发布"] == "按期"
    assert "是否按期发布按最早版本 original.txt 的发布日期 2023-01-19 判断" in current["版本"]
    assert not [r for r in sheet(out, "覆盖情况") if r["类别"] == "逾期发布"]


def test_late_original_stays_late(tmp_path, capsys):
    """Original already late (2023-02-10), 更正版 later still: the agency was late."""
    write(tmp_path / "in" / "original.txt", report_text("2023-02-10"))
    write(tmp_path / "in" / "corrected.txt", report_text("2023-03-01"))
    out = tmp_path / "out"
    audit(tmp_path / "in", out, capsys)
    late = [r for r in sheet(out, "问题清单") if r["规则编号"] == "PUB-DEADLINE-DEPT"]
    assert [Path(r["文件"]).name for r in late] == ["corrected.txt"]


# ---------------------------------------------------------------- file times when dates are unknown

def test_file_time_orders_versions_without_dates(tmp_path, capsys):
    write(tmp_path / "in" / "a.txt", report_text(None), mtime=1_700_000_900)
    write(tmp_path / "in" / "b.txt", report_text(None, broken=True), mtime=1_700_000_000)
    out = tmp_path / "out"
    audit(tmp_path / "in", out, capsys)
    rows = by_name(sheet(out, "总览"))
    assert rows["a.txt"]["版本"] == "当前版本（取代 b.txt；发布日期不明，依据文件修改时间）"
    assert rows["b.txt"]["版本"] == "已被更正版取代（由 a.txt 取代；发布日期不明，依据文件修改时间）"
    assert rows["a.txt"]["发布日期"] in (None, "")      # a file time is never shown as the publication date
    assert not [r for r in sheet(out, "问题清单") if r["规则编号"] == "T4-A4"]


def test_a_file_called_corrected_is_newer_when_dates_cannot_tell(tmp_path, capsys):
    """No dates; the 更正版 was saved first (older file time): its name says what it is."""
    write(tmp_path / "in" / "gaoxin（更正版）.txt", report_text(None), mtime=1_700_000_000)
    write(tmp_path / "in" / "gaoxin.txt", report_text(None, broken=True), mtime=1_700_000_900)
    out = tmp_path / "out"
    audit(tmp_path / "in", out, capsys)
    rows = by_name(sheet(out, "总览"))
    assert rows["gaoxin（更正版）.txt"]["版本"] == \
        "当前版本（取代 gaoxin.txt；发布日期不明，依据标题或文件名中的「更正」「修订」字样）"
    assert rows["gaoxin.txt"]["审核结论"] == "不作结论（已被更正版取代）"


def test_a_title_calling_itself_corrected_is_newer_on_the_same_date():
    same = {"agency": AGENCY, "year": 2022, "published": "2023-01-19"}
    reports = [Report(file="x/1.html", meta={**same, "title": "高新区分局2022年政府信息公开工作年度报告（修订稿）"}),
               Report(file="x/2.html", meta={**same, "title": "高新区分局2022年政府信息公开工作年度报告"})]
    table = ver.resolve(reports, {"x/1.html": "h1", "x/2.html": "h2"}, {"x/1.html": 1, "x/2.html": 9})
    assert table.at["x/1.html", "state"] == ver.CURRENT and table.at["x/2.html", "state"] == ver.SUPERSEDED
    assert "发布日期相同，依据标题或文件名中的「更正」「修订」字样" in table.at["x/2.html", "note"]


def test_indistinguishable_versions_are_flagged_for_a_person():
    same = {"agency": AGENCY, "year": 2022, "published": "2023-01-19"}
    reports = [Report(file="x/one.txt", meta={**same}), Report(file="x/two.txt", meta={**same})]
    table = ver.resolve(reports, {"x/one.txt": "h1", "x/two.txt": "h2"}, {"x/one.txt": 5, "x/two.txt": 5})
    assert table.at["x/two.txt", "state"] == ver.CURRENT
    assert "无法区分先后" in table.at["x/two.txt", "note"] and "请人工核实" in table.at["x/one.txt", "note"]


def test_versions_saved_under_one_name_are_named_by_path():
    """The same name in two monthly download folders: the note gives the folder too."""
    meta = {"agency": AGENCY, "year": 2022}
    reports = [Report(file="in/2023-01/gaoxin.html", meta={**meta, "published": "2023-01-19"}),
               Report(file="in/2023-03/gaoxin.html", meta={**meta, "published": "2023-03-02"})]
    table = ver.resolve(reports, {"in/2023-01/gaoxin.html": "h1", "in/2023-03/gaoxin.html": "h2"}, {})
    assert table.at["in/2023-01/gaoxin.html", "note"] == "已被更正版取代（由 in/2023-03/gaoxin.html 取代；依据发布日期）"


# ---------------------------------------------------------------- the next month

def test_correction_next_month_marks_old_findings_superseded(tmp_path, capsys):
    inbox, out = tmp_path / "in", tmp_path / "out"
    write(inbox / "gaoxin-2022.txt", report_text("2023-01-19", broken=True))
    audit(inbox, out, capsys)
    t4 = next(r for r in sheet(out, "问题清单") if r["规则编号"] == "T4-A4")
    kept = next(r for r in sheet(out, "问题清单") if r["规则编号"] != "T4-A4" and r["位置"] == "全文"
                and r["规则编号"] != "TXT-TABLE-CONSIST-REVIEW")      # a finding the 更正版 still has
    assert cli.main(["decide", kept["指纹"], "dismissed", "--by", "张三", "--comment", "已核实", "--out", str(out)]) == 0
    write(inbox / "gaoxin-2022-更正版.txt", report_text("2023-01-28"))
    printed = audit(inbox, out, capsys)
    assert "本次读取 1，沿用上次结果 1" in printed             # the original comes from the ledger
    changes = sheet(out, "变化")
    mine = [r for r in changes if r["指纹"] == t4["指纹"]]
    assert [(r["变化"], Path(r["文件"]).name) for r in mine] == [("已被更正版取代", "gaoxin-2022.txt")]
    assert not [r for r in changes if r["变化"] == "已解决"]
    assert not [r for r in changes if r["变化"] == "新增"]       # the correction brings nothing new
    # what the 更正版 still has was marked 不予采纳: no open problem, so neither 仍存在 nor 已解决
    assert {r["变化"] for r in changes} == {"已被更正版取代", "不予采纳"}
    assert [r["变化"] for r in changes if r["指纹"] == kept["指纹"]] == ["不予采纳"]
    assert "已被更正版取代 1" in printed
    # the decision on the problem the 更正版 still has carries over to it (same fingerprint, same values)
    decided = next(r for r in sheet(out, "问题清单") if r["指纹"] == kept["指纹"])
    assert Path(decided["文件"]).name == "gaoxin-2022-更正版.txt"
    assert decided["处理意见"] == "不予采纳" and decided["处理记录"].startswith("张三，")
    # a third month with nothing new: the results stand, nothing is re-read
    assert "没有新增或改动的报告" in audit(inbox, out, capsys)


# ---------------------------------------------------------------- last year's report, corrected

def test_cross_year_rules_compare_with_last_years_current_version(tmp_path, capsys):
    """Last year's original carried 1 application forward, its 更正版 0; this year's report starts
    from 0. Compared with the original that would be an accusation; the 更正版 is the report. The
    original's file name sorts first, so taking the first report of the agency-year would be wrong."""
    inbox, out = tmp_path / "in", tmp_path / "out"
    write(inbox / "a-2021.txt", zibo(2021, "2022-01-10", carried_forward=1))
    write(inbox / "b-2021-更正版.txt", zibo(2021, "2022-01-25"))
    write(inbox / "c-2022.txt", zibo(2022, "2023-01-19"))
    audit(inbox, out, capsys)
    assert not [r for r in sheet(out, "问题清单") if r["规则编号"] == "T3-XYEAR"]
    # the other way round (the original has 0, the 更正版 1): the mismatch is real and reported
    write(inbox / "a-2021.txt", zibo(2021, "2022-01-10"))
    write(inbox / "b-2021-更正版.txt", zibo(2021, "2022-01-25", carried_forward=1))
    audit(inbox, out, capsys)
    xyear = [r for r in sheet(out, "问题清单") if r["规则编号"] == "T3-XYEAR"]
    assert [Path(r["文件"]).name for r in xyear] == ["c-2022.txt"]


def test_cross_year_from_the_ledger_takes_the_later_published_version(tmp_path, capsys):
    """Both versions of last year audited, then archived: the ledger gives the 更正版."""
    inbox, out = tmp_path / "in", tmp_path / "out"
    write(inbox / "a-2021.txt", zibo(2021, "2022-01-10", carried_forward=1))
    write(inbox / "b-2021-更正版.txt", zibo(2021, "2022-01-25"))
    audit(inbox, out, capsys)
    (inbox / "a-2021.txt").unlink()
    (inbox / "b-2021-更正版.txt").unlink()
    write(inbox / "c-2022.txt", zibo(2022, "2023-01-19"))
    audit(inbox, out, capsys)
    assert not [r for r in sheet(out, "问题清单") if r["规则编号"] == "T3-XYEAR"]


# ---------------------------------------------------------------- the same file twice

def test_byte_identical_copy_counted_once_and_next_run_reuses_both(tmp_path, capsys):
    inbox, out = tmp_path / "in", tmp_path / "out"
    text = report_text("2023-01-19", broken=True)
    write(inbox / "a.txt", text)
    audit(inbox, out, capsys)
    write(inbox / "download (1).txt", text)             # the same report saved again
    printed = audit(inbox, out, capsys)                  # both from the ledger (issue 12: KeyError)
    assert "本次读取 0，沿用上次结果 2" in printed
    rows = by_name(sheet(out, "总览"))
    assert rows["a.txt"]["版本"] == "当前版本" and rows["a.txt"]["错误"] >= 1
    assert rows["download (1).txt"]["版本"] == "重复副本（与 a.txt 内容完全相同，只计一次）"
    assert rows["download (1).txt"]["审核结论"] == "不重复计（重复副本）"
    assert [Path(r["文件"]).name for r in sheet(out, "问题清单") if r["规则编号"] == "T4-A4"] == ["a.txt"]
    assert not sheet(out, "已取代版本")
    # another run, both read afresh, then one more reusing both: the ledger still holds the findings
    audit(inbox, out, capsys, "--full")
    write(inbox / "other.txt", report_text("2024-01-19", year=2023))
    printed = audit(inbox, out, capsys)
    assert "沿用上次结果 2" in printed
    assert [Path(r["文件"]).name for r in sheet(out, "问题清单") if r["规则编号"] == "T4-A4"] == ["a.txt"]


def test_copy_of_the_original_and_a_correction(tmp_path, capsys):
    """Original downloaded twice plus a 更正版: two versions, not three."""
    inbox, out = tmp_path / "in", tmp_path / "out"
    text = report_text("2023-01-19", broken=True)
    write(inbox / "a.txt", text)
    write(inbox / "a-copy.txt", text)
    write(inbox / "b.txt", report_text("2023-01-28"))
    audit(inbox, out, capsys)
    rows = by_name(sheet(out, "总览"))
    assert rows["b.txt"]["版本"].startswith("当前版本（取代 a-copy.txt；依据发布日期；")
    assert rows["a.txt"]["版本"] == "重复副本（与 a-copy.txt 内容完全相同，只计一次）"
    assert rows["a-copy.txt"]["版本"].startswith("已被更正版取代（由 b.txt 取代")
    assert len([r for r in sheet(out, "已取代版本") if r["规则编号"] == "T4-A4"]) == 1


# ---------------------------------------------------------------- not duplicates

def test_same_agency_other_year_is_not_a_duplicate(tmp_path, capsys):
    write(tmp_path / "in" / "2021.txt", report_text("2022-01-19", year=2021))
    write(tmp_path / "in" / "2022.txt", report_text("2023-01-19", broken=True))
    audit(tmp_path / "in", tmp_path / "out", capsys)
    rows = sheet(tmp_path / "out", "总览")
    assert [r["版本"] for r in rows] == ["当前版本", "当前版本"]
    assert [Path(r["文件"]).name for r in sheet(tmp_path / "out", "问题清单") if r["规则编号"] == "T4-A4"] == ["2022.txt"]


def test_other_agency_same_year_is_not_a_duplicate(tmp_path, capsys):
    write(tmp_path / "in" / "gaoxin.txt", report_text("2023-01-19"))
    write(tmp_path / "in" / "zhangdian.txt", report_text("2023-01-19", broken=True, agency="淄博市公安局张店分局"))
    audit(tmp_path / "in", tmp_path / "out", capsys)
    rows = sheet(tmp_path / "out", "总览")
    assert [r["版本"] for r in rows] == ["当前版本", "当前版本"]
    assert not sheet(tmp_path / "out", "已取代版本")


def test_agency_name_written_differently_is_the_same_agency():
    """The roster's matching key: full-width forms, spaces and 人民政府/政府 fold together."""
    reports = [Report(file="a.txt", meta={"agency": "沭阳县人民政府", "year": 2023, "published": "2024-01-10"}),
               Report(file="b.txt", meta={"agency": "沭阳县 政府", "year": 2023, "published": "2024-02-01"}),
               Report(file="c.txt", meta={"agency": None, "year": 2023, "published": "2024-02-02"}),
               Report(file="d.txt", meta={"agency": "沭阳县人民政府", "year": None, "published": "2024-02-03"})]
    table = ver.resolve(reports, {r.file: r.file for r in reports}, {})
    assert list(table["state"]) == [ver.SUPERSEDED, ver.CURRENT, ver.CURRENT, ver.CURRENT]
