"""The 汇总 sheet a leader prints: per 地区, 上级单位 and 单位类型 of the roster, the totals and this
year against last year (from the ledger), with native charts beside it; the roster's columns in the
other sheets; the coverage line on the terminal. Two years of an office's runs on copies of the real
report renamed to other agencies; every expected figure is computed here from the roster and the
总览 rows, never written down."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor.outputs.rollup import HEADERS, NO_LAST_YEAR, rollup_frame

from . import mutate as m
from .conftest import RULES, ZIBO
from .run_cli import in_process

# 单位名称 → (地区, 上级单位): two regions, two parent departments
UNITS = {
    "淄博市公安局高新区分局": ("淄博市", "淄博市公安局"),
    "淄博市公安局张店分局": ("淄博市", "淄博市公安局"),
    "淄博市公安局周村分局": ("淄博市", "淄博市公安局"),
    "潍坊市公安局奎文分局": ("潍坊市", "潍坊市公安局"),
    "潍坊市公安局潍城分局": ("潍坊市", "潍坊市公安局"),
}
ROSTER = "单位名称,别名,地区,单位类型,上级单位\n" + "".join(
    f"{name},,{region},政府部门,{parent}\n" for name, (region, parent) in UNITS.items())
# (file, agency, year, published, broken total): last year's reports, then this year's
LAST_YEAR = [("gx-2022.txt", "淄博市公安局高新区分局", 2022, "2023-01-19", False),
             ("zd-2022.txt", "淄博市公安局张店分局", 2022, "2023-03-05", False),
             ("kw-2022.txt", "潍坊市公安局奎文分局", 2022, "2023-01-10", True)]
THIS_YEAR = [("gx-2023.txt", "淄博市公安局高新区分局", 2023, "2024-01-15", False),
             ("zc-2023.txt", "淄博市公安局周村分局", 2023, "2024-01-20", True),
             ("kw-2023.txt", "潍坊市公安局奎文分局", 2023, "2024-02-20", False),
             ("wc-2023.txt", "潍坊市公安局潍城分局", 2023, "2024-01-08", False)]
VERDICTS = ["合格", "基本合格", "不合格", "无法审核"]


def report(agency: str, year: int, published: str, broken: bool) -> str:
    """The real sample report as another agency's, of `year`, published on `published`; `broken`:
    table 3's new applications no longer add up (a standing compliance finding)."""
    text = ZIBO.read_text(encoding="utf-8")
    text = text.replace("2022年政府信息公开工作年度报告", f"{year}年政府信息公开工作年度报告")
    text = text.replace("2022年1月1日起,至2022年12月31日止", f"{year}年1月1日起,至{year}年12月31日止")
    text = text.replace("2023-01-19", published).replace("淄博市公安局高新区分局", agency)
    return m.set_t3_cell(text, "一、本年新收政府信息公开申请数量", 0, "97") if broken else text


def run(office: Path, year: int) -> str:
    proc = in_process("run", office / "in", "--out", office / "out", "--rules", RULES,
                      "--roster", office / "roster.csv", "--year", str(year), cwd=office)
    assert proc.returncode in (0, 1), proc.stderr.decode("utf-8")
    return proc.stdout.decode("utf-8")


def sheet(path: Path, name: str) -> list[dict]:
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> dict:
    """Last year's run first, this year's second, in the same office folder (the inbox keeps last
    year's reports); each run's workbook copied aside."""
    office = tmp_path_factory.mktemp("office")
    (office / "in").mkdir()
    (office / "roster.csv").write_text(ROSTER, encoding="utf-8-sig")
    got: dict = {"office": office}
    for key, batch, year in (("last", LAST_YEAR, 2022), ("this", THIS_YEAR, 2023)):
        for file, agency, report_year, published, broken in batch:
            (office / "in" / file).write_text(report(agency, report_year, published, broken), encoding="utf-8")
        got[key + "_out"] = run(office, year)
        book = office / f"{key}.xlsx"
        book.write_bytes((office / "out" / "latest" / "summary.xlsx").read_bytes())
        got[key] = book
    got["again_out"] = run(office, 2023)        # nothing changed: the run stands on the last one
    return got


def expected(overview: list[dict], year: int, units: list[str]) -> dict:
    """One 汇总 row's figures from the 总览 rows of `year` whose agency is one of `units`."""
    rows = [r for r in overview if r["年度"] == year and r["单位"] in units and not r["审核结论"].startswith("不作结论")
            and not r["审核结论"].startswith("不重复计")]
    verdicts = [next(v for v in sorted(VERDICTS, key=len, reverse=True) if r["审核结论"].startswith(v)) for r in rows]
    on_time, late = (sum(r["按期发布"] == word for r in rows) for word in ("按期", "逾期"))
    problems = sum(r["错误"] + r["警告"] + r["提示"] for r in rows)
    n = len(rows)
    return {"应发布": len(units), "已发布": len({r["单位"] for r in rows}), "报告数": n, "按期": on_time,
            "按期率": on_time / (on_time + late) if on_time + late else None,
            **{v: verdicts.count(v) for v in VERDICTS},
            "合格率": verdicts.count("合格") / n if n else None, "不合格率": verdicts.count("不合格") / n if n else None,
            "问题数": problems, "每份问题数": round(problems / n, 2) if n else None}


def same(got: dict, want: dict) -> None:
    for key, value in want.items():
        assert got[key] == pytest.approx(value) if isinstance(value, float) else got[key] == value, (key, got, want)


@pytest.mark.slow
def test_summary_sheet_first_with_its_figures(office) -> None:
    book = openpyxl.load_workbook(office["this"])
    assert book.sheetnames[0] == "汇总"
    summary, overview = sheet(office["this"], "汇总"), sheet(office["this"], "总览")
    assert list(summary[0]) == HEADERS
    verdicts = {r["审核结论"] for r in overview if r["年度"] == 2023}
    assert len(verdicts) >= 2, verdicts            # the scenario has more than one verdict to count
    for column, index in (("地区", 0), ("上级单位", 1)):
        block = [r for r in summary if r["分组"] == column]
        groups = sorted({where[index] for where in UNITS.values()})
        assert sorted(r["名称"] for r in block) == groups
        for row in block:
            same(row, expected(overview, 2023, [u for u, where in UNITS.items() if where[index] == row["名称"]]))
        keys = [(r["按期率"] if r["按期率"] is not None else -1, r["合格率"] if r["合格率"] is not None else -1)
                for r in block]
        assert [r["排名"] for r in block] == [1 + sum(k > mine for k in keys) for mine in keys]
    [types] = [r for r in summary if r["分组"] == "单位类型"]
    same(types, expected(overview, 2023, list(UNITS)))
    [total] = [r for r in summary if r["分组"] == "合计"]
    same(total, expected(overview, 2023, list(UNITS)))
    assert "发布日期不明的不计入" in total["说明"]


@pytest.mark.slow
def test_year_over_year_from_the_ledger(office) -> None:
    summary = sheet(office["this"], "汇总")
    now, before, change = (next(r for r in summary if r["分组"] == "同比" and r["名称"] == name)
                           for name in ("2023年度", "2022年度", "增减"))
    same(now, expected(sheet(office["this"], "总览"), 2023, list(UNITS)))
    last_year = expected(sheet(office["last"], "总览"), 2022, list(UNITS))      # what last year's run said
    same(before, last_year)
    assert change["已发布"] == now["已发布"] - before["已发布"]
    assert change["按期率"] == pytest.approx(now["按期率"] - before["按期率"])
    # the first year has no earlier run to compare with
    first = [r for r in sheet(office["last"], "汇总") if r["分组"] == "同比"]
    assert [r["名称"] for r in first] == ["2022年度", "2021年度"] and first[1]["说明"] == NO_LAST_YEAR


@pytest.mark.slow
def test_rates_are_numbers_shown_as_percentages(office) -> None:
    ws = openpyxl.load_workbook(office["this"])["汇总"]
    header = [c.value for c in ws[1]]
    for name in ("按期率", "合格率"):
        cells = [row[header.index(name)] for row in ws.iter_rows(min_row=2) if row[header.index(name)].value is not None]
        assert cells and all(isinstance(c.value, float | int) and "%" in c.number_format for c in cells), name


@pytest.mark.slow
def test_native_charts_beside_the_summary(office) -> None:
    with zipfile.ZipFile(office["this"]) as z:
        names = z.namelist()
        charts = sorted(n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        assert len(charts) == 2, names
        xml = {n: z.read(n).decode("utf-8") for n in charts}
        # 汇总 is the first sheet: its drawing holds both charts
        sheet_rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode("utf-8")
        drawing = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', sheet_rels).group(1)
        drawing_rels = z.read(f"xl/drawings/_rels/{drawing}.rels").decode("utf-8")
    assert all(Path(n).name in drawing_rels for n in charts)
    pie = next(x for x in xml.values() if "<c:pieChart>" in x)
    bar = next(x for x in xml.values() if "<c:barChart>" in x)
    summary = sheet(office["this"], "汇总")
    total_row = next(i for i, r in enumerate(summary, start=2) if r["分组"] == "合计")
    assert f"汇总!$H${total_row}:$K${total_row}" in pie          # 合格 … 无法审核 of the totals row
    regions = [i for i, r in enumerate(summary, start=2) if r["分组"] == "地区"]
    assert f"汇总!$B${regions[0]}:$B${regions[-1]}" in bar and f"汇总!$G${regions[0]}:$G${regions[-1]}" in bar


@pytest.mark.slow
def test_roster_columns_in_overview_and_issues(office) -> None:
    overview, issues = sheet(office["this"], "总览"), sheet(office["this"], "问题清单")
    assert list(overview[0])[:4] == ["单位", "地区", "上级单位", "单位类型"] and list(overview[0])[-1] == "文件"
    assert "格式" in overview[0] and "模板" not in overview[0]
    assert issues and list(issues[0])[:4] == ["单位", "地区", "上级单位", "单位类型"]
    for row in overview + issues:
        assert (row["地区"], row["上级单位"]) == UNITS[row["单位"]], row
        assert row["单位类型"] == "政府部门"


@pytest.mark.slow
def test_coverage_line_on_the_terminal_and_in_the_log(office) -> None:
    coverage = sheet(office["this"], "覆盖情况")
    missing = sum(r["类别"] == "未发布" for r in coverage)
    late = len({r["单位"] for r in coverage if r["类别"] == "逾期发布"})
    line = f"名册 {len(UNITS)} 家：已发布 {len(UNITS) - missing}，未发布 {missing}，逾期 {late}"
    assert line in office["this_out"]
    assert "结果与上次相同" in office["again_out"] and line in office["again_out"]
    assert line in (office["office"] / "out" / "auditor.log").read_text("utf-8")
    assert (missing, late) == (1, 1)      # 张店 published nothing for 2023; 奎文 was late
    [total] = [r for r in sheet(office["this"], "汇总") if r["分组"] == "合计"]
    assert (total["应发布"], total["已发布"]) == (len(UNITS), len(UNITS) - missing)     # 汇总 agrees


def test_without_a_roster_types_and_totals_only() -> None:
    overview = pd.DataFrame({"单位": ["甲局", "乙局", "丙镇", "丁局"], "年度": [2023, 2023, 2023, 2022],
                             "单位类型": ["政府部门", "政府部门", "乡镇（街道）", "政府部门"],
                             "审核结论": ["合格", "不合格；部分内容未能读取", "基本合格（有警告）", "合格"],
                             "按期发布": ["按期", "逾期", "无法判断（发布日期不明）", "按期"],
                             "错误": [0, 2, 0, 0], "警告": [0, 1, 1, 0], "提示": [1, 0, 0, 0]}, dtype=object)
    frame = rollup_frame(overview, 2023)
    assert frame["分组"].tolist() == ["单位类型", "单位类型", "合计"]
    total = frame.iloc[-1].to_dict()
    assert total["应发布"] is None and total["报告数"] == 3 and total["按期"] == 1
    assert total["按期率"] == pytest.approx(0.5)          # the undated report is left out of the rate
    assert (total["合格"], total["基本合格"], total["不合格"]) == (1, 1, 1)
    assert total["问题数"] == 5 and total["每份问题数"] == pytest.approx(1.67)


@pytest.mark.slow
def test_each_overview_row_links_its_evidence_page(office) -> None:
    ws = openpyxl.load_workbook(office["office"] / "out" / "latest" / "summary.xlsx")["总览"]
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["核查页", "文件"]
    links = [row[-2] for row in ws.iter_rows(min_row=2)]
    assert links and all(c.value == "查看" and c.hyperlink is not None for c in links)
    for cell in links:
        page = office["office"] / "out" / "latest" / cell.hyperlink.target.replace("\\", "/")
        assert page.is_file(), cell.hyperlink.target


@pytest.mark.slow
def test_each_finding_row_links_its_reports_evidence_page(office) -> None:
    """问题清单: a reviewer goes from a finding to the page that shows its cells; the link is the
    same page as its report's 总览 row."""
    wb = openpyxl.load_workbook(office["office"] / "out" / "latest" / "summary.xlsx")
    overview = {row[-1].value: row[-2].hyperlink.target for row in wb["总览"].iter_rows(min_row=2)}
    ws = wb["问题清单"]
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["核查页", "指纹"]
    file_col, link_col = header.index("文件"), header.index("核查页")
    rows = list(ws.iter_rows(min_row=2))
    assert rows
    for row in rows:
        assert row[link_col].value == "查看" and row[link_col].hyperlink.target == overview[row[file_col].value]


def test_roster_columns_join_by_the_roster_rule_and_stay_blank_without_a_match(tmp_path) -> None:
    from auditor.roster import load_roster, with_roster_columns

    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8-sig")
    roster = load_roster(tmp_path / "roster.csv")
    frame = pd.DataFrame({"状态": ["待整改", "已整改", "待整改"],
                          "单位": ["淄博市公安局 张店分局", "某县教育局", None], "年度": [2023, 2023, 2023]}, dtype=object)
    out = with_roster_columns(frame, roster)
    assert list(out.columns) == ["状态", "单位", "地区", "上级单位", "单位类型", "年度"]
    assert out.iloc[0][["地区", "上级单位", "单位类型"]].tolist() == ["淄博市", "淄博市公安局", "政府部门"]
    assert out.iloc[1:][["地区", "上级单位", "单位类型"]].isna().all().all()     # no match, no guess


@pytest.mark.slow
def test_a_large_run_links_only_the_pages_it_writes(tmp_path, monkeypatch) -> None:
    """Above speed.PAGES_ALL_UP_TO reports only those to check get a page: the others' 核查页
    cell is blank rather than a link to nothing (the limit lowered to 0 to see it on the samples)."""
    from auditor import speed

    monkeypatch.setattr(speed, "PAGES_ALL_UP_TO", 0)
    proc = in_process("run", ZIBO.parent, "--out", tmp_path / "out", "--rules", RULES, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr.decode("utf-8")
    latest = tmp_path / "out" / "latest"
    ws = openpyxl.load_workbook(latest / "summary.xlsx")["总览"]
    cells = {row[-1].value: row[-2] for row in ws.iter_rows(min_row=2)}
    pages = {p.name for p in (latest / "核查页").iterdir()} - {"index.html"}
    assert pages and len(pages) < len(cells)            # the sample set has a report with nothing to check
    for file, cell in cells.items():
        if cell.hyperlink is None:
            assert cell.value is None, file
        else:
            assert Path(cell.hyperlink.target.replace("\\", "/")).name in pages, file
    assert sum(c.hyperlink is not None for c in cells.values()) == len(pages)
