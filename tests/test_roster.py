"""The roster: loading in every accepted format, name matching without guessing, the 覆盖情况 sheet."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor.roster import COVERAGE_COLUMNS, coverage, load_roster, match_reports, normalize_agency, roster_types

HEADER = ["单位名称", "别名", "地区", "单位类型", "上级单位", "备注"]
ROWS = [
    ["沭阳县发展和改革局", "", "沭阳县", "政府部门", "沭阳县人民政府", "x"],
    ["沭阳县人民政府", "县政府", "沭阳县", "人民政府", "", ""],
    ["沭城镇", "", "沭阳县", "乡镇（街道）", "沭阳县人民政府", ""],
    ["沭阳县教育局", "县教育局、沭阳教育；教育体育局", "沭阳县", "", "沭阳县人民政府", ""],
    ["沭阳县审计局", "", "沭阳县", "department", "沭阳县人民政府", ""],
]
EXPECTED = pd.DataFrame({
    "name": ["沭阳县发展和改革局", "沭阳县人民政府", "沭城镇", "沭阳县教育局", "沭阳县审计局"],
    "aliases": [[], ["县政府"], [], ["县教育局", "沭阳教育", "教育体育局"], []],
    "region": ["沭阳县"] * 5,
    "agency_type": ["department", "government", "township", None, "department"],
    "parent": ["沭阳县人民政府", None, "沭阳县人民政府", "沭阳县人民政府", "沭阳县人民政府"],
}, dtype=object)


def _csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    text = "\n".join(",".join(f'"{v}"' for v in row) for row in [header] + rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def _xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append([v if v != "" else None for v in row])
    wb.create_sheet("其他").append(["无关", "内容"])
    wb.save(path)
    return path


# ---------------------------------------------------------------- loading

def test_csv_bom_gbk_and_xlsx_load_identically(tmp_path):
    loose = [" 单位名称 ", "别　名", "地区", "单位类型　", "上级单位", "备注"]   # spaces, full-width space
    frames = [
        load_roster(_csv(tmp_path / "bom.csv", HEADER, ROWS, "utf-8-sig")),
        load_roster(_csv(tmp_path / "gbk.csv", loose, ROWS, "gbk")),
        load_roster(_xlsx(tmp_path / "roster.xlsx", loose, ROWS)),
    ]
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for frame in frames:
        assert list(frame.columns) == ["name", "aliases", "region", "agency_type", "parent"]
        pd.testing.assert_frame_equal(frame, EXPECTED)


def test_plain_utf8_optional_columns_and_blank_rows(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("单位名称,别名\n甲局,\"乙局,丙局|丁局\n戊局\"\n,\n", encoding="utf-8")
    frame = load_roster(path)
    assert frame["name"].tolist() == ["甲局"]
    assert frame["aliases"].tolist() == [["乙局", "丙局", "丁局", "戊局"]]
    assert frame[["region", "agency_type", "parent"]].iloc[0].tolist() == [None, None, None]


@pytest.mark.parametrize("content, words", [
    ("名称,地区\n甲局,沭阳县\n", "缺少「单位名称」列"),
    ("", "空文件"),
    ("单位名称,地区\n", "没有任何单位"),
    ("单位名称,单位类型\n甲局,部委\n", "单位类型无法识别：第2行「部委」"),
    ("单位名称,地区\n甲局,沭阳县\n甲　局,沭阳县\n", "重复的单位"),
])
def test_bad_roster_raises_in_chinese_naming_the_file(tmp_path, content, words):
    path = tmp_path / "名册.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_roster(path)
    assert words in str(err.value) and "名册.csv" in str(err.value)


def test_xlsx_without_name_column(tmp_path):
    path = _xlsx(tmp_path / "bad.xlsx", ["单位", "地区"], [["甲局", "沭阳县"]])
    with pytest.raises(ValueError, match="bad.xlsx 缺少「单位名称」列"):
        load_roster(path)


# ---------------------------------------------------------------- matching

def test_normalize_agency_rules():
    same = ["沭阳县 发展和改革局", "沭阳县发展和改革局", "沭阳县　发展和改革局", " 沭阳县发展和改革局（沭阳县粮食局）"]
    assert {normalize_agency(n) for n in same} == {"沭阳县发展和改革局"}
    assert normalize_agency("ＡＢ市 ·交通运输局") == normalize_agency("AB市交通运输局") == "AB市交通运输局"
    assert normalize_agency("沭阳县人民政府") == normalize_agency("沭阳县政府") == "沭阳县"
    assert normalize_agency("沭城镇人民政府") == "沭城镇"
    assert normalize_agency("城关街道办事处") == "城关街道"
    assert normalize_agency("高新区管理委员会") == normalize_agency("高新区管委会")
    # A government's office is not the government.
    assert normalize_agency("沭阳县人民政府办公室") != normalize_agency("沭阳县人民政府")
    assert normalize_agency(None) == normalize_agency("  ") == ""


@pytest.fixture()
def roster() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["沭阳县发展和改革局", "沭阳县人民政府", "教育局", "卫生健康委员会", "财政局", "财政局",
                 "沭阳县交通运输局", "沭阳县水利局"],
        "aliases": [[], ["县政府"], [], [], [], [], ["交通局"], ["交通局"]],
        "region": ["沭阳县", "沭阳县", "沭阳县", "江苏省宿迁市泗阳县", "沭阳县", "泗阳县", "沭阳县", "沭阳县"],
        "agency_type": ["department", "government", None, None, "department", "government", None, None],
        "parent": None,
    }, dtype=object)


@pytest.mark.parametrize("agency, expected", [
    ("沭阳县发展和改革局", "沭阳县发展和改革局"),                 # exact
    ("沭阳县　发展和改革局 ", "沭阳县发展和改革局"),              # full-width and ordinary spaces
    ("ｓ沭阳县发展和改革局", None),                              # an extra letter is a different name
    ("沭阳县发展和改革局（沭阳县粮食局）", "沭阳县发展和改革局"),  # trailing bracketed note
    ("县政府", "沭阳县人民政府"),                                # alias
    ("沭阳县人民政府", "沭阳县人民政府"),
    ("沭阳县教育局", "教育局"),                                  # region + roster name
    ("泗阳县卫生健康委员会", "卫生健康委员会"),                  # county part of the roster region
    ("宿迁市泗阳县卫生健康委员会", "卫生健康委员会"),
    ("宿迁市卫生健康委员会", None),                              # the city's commission: another unit
    ("财政局", None),                                            # two roster units named 财政局
    ("沭阳县财政局", "财政局"),                                  # … the region decides
    ("交通局", None),                                            # alias shared by two units
    ("沭阳县发展和改革委", None),                                # one character different
    ("沭阳县发展改革局", None),                                  # one character missing
    ("沭阳县人民政府办公室", None),
    (None, None),
])
def test_match_reports(roster, agency, expected):
    reports = pd.DataFrame({"agency": [agency]}, dtype=object)
    assert match_reports(reports, roster).tolist() == [expected]


def test_match_reports_keeps_index_and_region_picks_the_right_unit(roster):
    reports = pd.DataFrame({"agency": ["沭阳县财政局", "泗阳县财政局", "县政府", "其他单位"]}, index=[10, 11, 12, 13])
    assert match_reports(reports, roster).to_dict() == {10: "财政局", 11: "财政局", 12: "沭阳县人民政府", 13: None}
    # The two 财政局 are different units: their roster types tell them apart.
    assert roster_types(reports, roster).to_dict() == {10: "department", 11: "government", 12: "government", 13: None}


def test_roster_without_region_has_no_region_rule():
    roster = pd.DataFrame({"name": ["沭阳县教育局"], "aliases": [[]], "region": [None], "agency_type": [None],
                           "parent": [None]}, dtype=object)
    reports = pd.DataFrame({"agency": ["教育局", "沭阳县教育局"]})
    assert match_reports(reports, roster).tolist() == [None, "沭阳县教育局"]


# ---------------------------------------------------------------- coverage

@pytest.fixture()
def scenario_roster(tmp_path) -> pd.DataFrame:
    return load_roster(_csv(tmp_path / "roster.csv", HEADER, ROWS, "utf-8-sig"))


def _reports(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["file", "agency", "year", "published", "agency_type"])


def test_coverage_scenario(scenario_roster):
    reports = _reports([
        ("fgj.txt", "沭阳县发展和改革局", 2023, "2024-02-05", "department"),     # late department
        ("gov.txt", "沭阳县人民政府", 2023, "2024-03-20", "government"),         # on time
        ("town.txt", "沭阳县沭城镇人民政府", 2023, None, "government"),          # region rule; no date
        ("edu.txt", "县教育局", 2023, "2024-01-20", "unknown"),                  # alias, on time
        ("audit-2022.txt", "沭阳县审计局", 2022, "2023-01-10", "department"),    # another year only
        ("wgl.txt", "沭阳县文化广电和旅游局", 2023, "2024-01-10", "department"),  # not on the roster
    ])
    got = coverage(reports, scenario_roster, 2023)
    assert list(got.columns) == COVERAGE_COLUMNS
    assert got.to_dict("records") == [
        {"类别": "未发布", "单位": "沭阳县审计局", "地区": "沭阳县", "单位类型": "政府部门", "上级单位": "沭阳县人民政府",
         "报告文件": None, "发布日期": None, "发布期限": "2024-01-31", "说明": "名册所列单位未见2023年度报告"},
        {"类别": "逾期发布", "单位": "沭阳县发展和改革局", "地区": "沭阳县", "单位类型": "政府部门",
         "上级单位": "沭阳县人民政府", "报告文件": "fgj.txt", "发布日期": "2024-02-05", "发布期限": "2024-01-31",
         "说明": "发布日期 2024-02-05 晚于政府部门的发布期限 2024-01-31，逾期 5 天"},
        {"类别": "发布日期不明", "单位": "沭城镇", "地区": "沭阳县", "单位类型": "乡镇（街道）",
         # townships: 条例第四十九条 sets no date; their 1-31 is local custom (a 提示 rule), never 逾期
         "上级单位": "沭阳县人民政府", "报告文件": "town.txt", "发布日期": None, "发布期限": "2024-03-31",
         "说明": "未能从报告中读取发布日期，无法判断是否按期发布，请人工核实"},
        {"类别": "未匹配名册", "单位": "沭阳县文化广电和旅游局", "地区": None, "单位类型": "政府部门", "上级单位": None,
         "报告文件": "wgl.txt", "发布日期": "2024-01-10", "发布期限": "2024-01-31",
         "说明": "单位名称与名册中任何单位均不对应，请核对名册或单位名称写法"},
    ]


def test_coverage_roster_type_beats_inference_and_unknown_is_lenient(scenario_roster):
    reports = _reports([
        # Inferred as a department, but the roster says 人民政府: 03-20 is on time.
        ("gov.txt", "县政府", 2023, "2024-03-20", "department"),
        # The roster gives no type for 教育局 and inference failed: the most lenient date applies.
        ("edu.txt", "沭阳县教育局", 2023, "2024-04-02", "unknown"),
    ])
    late = coverage(reports, scenario_roster, 2023, deadlines={"department": "02-10"})
    late = late[late["类别"] == "逾期发布"]
    assert late[["单位", "单位类型", "发布期限"]].values.tolist() == [["沭阳县教育局", "未能判断", "2024-03-31"]]
    assert late["说明"].iloc[0] == "发布日期 2024-04-02 晚于发布期限 2024-03-31（单位类型未能判断，按最宽的期限计），逾期 2 天"
    # The overridden department deadline shows for the units that did not publish.
    missing = coverage(reports, scenario_roster, 2023, deadlines={"department": "02-10"})
    assert set(missing.loc[missing["单位"] == "沭阳县审计局", "发布期限"]) == {"2024-02-10"}


def test_coverage_notes_ambiguous_unnamed_and_undated_year(roster):
    reports = _reports([
        ("a.txt", "财政局", 2023, "2024-01-05", None),
        ("b.txt", None, 2023, "2024-01-05", None),
        ("c.txt", "沭阳县水利局", None, None, None),
    ])
    got = coverage(reports, roster, 2023)
    unmatched = got[got["类别"] == "未匹配名册"].set_index("报告文件")["说明"].to_dict()
    assert unmatched == {"a.txt": "单位名称与名册中多个单位同样对应（财政局、财政局），未予认定，请人工核对",
                         "b.txt": "未能从报告中读取单位名称，请人工核对"}
    water = got[got["单位"] == "沭阳县水利局"]
    assert water["说明"].tolist() == ["名册所列单位未见2023年度报告；另有未能读取年度的报告（c.txt），请人工核实"]
    assert len(got[got["类别"] == "未发布"]) == len(roster)
    # Sorted by category, then region (blank last), then unit.
    assert got["地区"].tolist()[:3] == ["江苏省宿迁市泗阳县", "沭阳县", "沭阳县"]


def test_coverage_bad_deadline(scenario_roster):
    with pytest.raises(ValueError, match="发布期限"):
        coverage(_reports([]), scenario_roster, 2023, deadlines={"department": "02-30"})


def test_coverage_empty_reports_lists_every_unit(scenario_roster):
    got = coverage(_reports([]), scenario_roster, 2023)
    assert got["类别"].tolist() == ["未发布"] * 5
    assert got["单位"].tolist() == sorted(EXPECTED["name"])   # all in 沭阳县: by name
