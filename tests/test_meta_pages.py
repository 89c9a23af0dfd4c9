"""Agency and publication date on page beginnings, against what a person reads on the page.

tests/data/pages/ holds the first screen of report pages from many kinds of agencies and
publishing tools (CMS pages with their chrome, archiver text, markdown and PDF conversions);
DOCX and PDF pages are built here from the lines listed in expected.yaml. Each page carries a
trap (label kept, breadcrumb, 来源 naming the host, stale header date …). A wrong year is never
acceptable; an unknown is (None), but the corpus as a whole must be read at least 90% right.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from auditor.extract import extract
from auditor.extract.agency_name import agency_from_title, clean_name, report_title, two_names
from auditor.extract.dates import Candidate, LABEL, META_TAG, WRITTEN, choose, iso, labelled_dates
from auditor.ingest import read_document

PAGES = Path(__file__).parent / "data" / "pages"
CASES = yaml.safe_load((PAGES / "expected.yaml").read_text(encoding="utf-8"))["pages"]


def _docx(lines: list[str], table_first: list[str] | None = None) -> bytes:
    import docx

    document = docx.Document()
    if table_first:
        table = document.add_table(rows=len(table_first), cols=1)
        for row, text in zip(table.rows, table_first):
            row.cells[0].text = text
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(lines: list[str], spaced: int = 0) -> bytes:
    """One line per text line; the first `spaced` lines as a WPS title: large and letter-spaced."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    y = 780
    for i, line in enumerate(lines):
        text = c.beginText(60, y)
        text.setFont("STSong-Light", 20 if i < spaced else 12)
        text.setCharSpace(8 if i < spaced else 0)
        text.textLine(line)
        c.drawText(text)
        y -= 36 if i < spaced else 28
    c.save()
    return out.getvalue()


def _meta(case: dict, tmp_path: Path) -> dict:
    if "file" in case:
        path = PAGES / case["file"]
        doc = read_document(path)
    else:
        data = (_docx(case["lines"], case.get("table_first")) if case["build"] == "docx"
                else _pdf(case["lines"], case.get("spaced", 0)))
        path = tmp_path / f"{case['id']}.{case['build']}"
        path.write_bytes(data)
        doc = read_document(path, data)
    return extract(doc).meta


def _name(case: dict) -> str:
    return case.get("file") or case["id"]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("pages")
    return {_name(case): _meta(case, tmp) for case in CASES}


def test_corpus_is_broad():
    files = [c for c in CASES if "file" in c]
    built = [c for c in CASES if "build" in c]
    assert len(CASES) >= 40
    assert {Path(c["file"]).suffix for c in files} >= {".html", ".txt", ".md"}
    assert {c["build"] for c in built} == {"docx", "pdf"}
    assert {c["file"] for c in files} == {p.name for p in PAGES.iterdir() if p.name != "expected.yaml"}


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_agency_as_read(results, case):
    assert results[_name(case)]["agency"] == case["agency"], case["trap"]


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_published_as_read(results, case):
    assert results[_name(case)]["published"] == case["published"], case["trap"]


def test_never_a_wrong_year(results):
    """A date read is in the year the page prints; a page that prints none gives None."""
    for case in CASES:
        got = results[_name(case)]["published"]
        if got is not None:
            assert case["published"] is not None and got[:4] == case["published"][:4], _name(case)


def test_corpus_accuracy(results):
    agency_right = sum(results[_name(c)]["agency"] == c["agency"] for c in CASES)
    dated = [c for c in CASES if c["published"]]
    date_right = sum(results[_name(c)]["published"] == c["published"] for c in dated)
    assert agency_right >= 0.9 * len(CASES)
    assert date_right >= 0.9 * len(dated)


# --- the pieces, on the exact strings real pages printed ---------------------------------------

@pytest.mark.parametrize("raw, name", [
    ("名称:广东省人民政府", "广东省人民政府"),
    ("•标题:海棠区卫生健康委员会", "海棠区卫生健康委员会"),
    ("# 沭阳县人民政府", "沭阳县人民政府"),
    ("发布机构:|五泄镇|公开日期:|2023-01-19|五泄镇", "五泄镇"),
    ("东河区卫生健康委员会2021", "东河区卫生健康委员会"),
    ("五泄镇五泄镇", "五泄镇"),
    ("当前位置:首页>政务公开>政府信息公开年报", None),
    ("原创", None),
    ("1", None),
    ("［具体地名］", None),
    ("XX县人民政府", None),
    ("发布机构：｜诸暨市五泄镇人民政府｜公开日期：｜2023-01-19｜", "诸暨市五泄镇人民政府"),
    ("东河区卫健委2021年度", "东河区卫健委"),
    ("当前位置：首页 → 政务公开 → 政府信息公开年报", None),
    ("三亚市人民政府 海棠区卫生健康委员会", "三亚市人民政府海棠区卫生健康委员会"),   # clean, but see two_names
    ("（单位名称）", None),
    ("某县人民政府", None),
    ("-", None),
    ("本站", None),
])
def test_clean_name(raw, name):
    assert clean_name(raw) == name


@pytest.mark.parametrize("raw, agency", [
    ("沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局", "沭阳县发展和改革局"),
    ("2024 年上海市科委政府信息公开工作年度报告", "上海市科委"),
    ("黄岛区2022年度政务公开工作年度报告", "黄岛区"),
    ("国家税务总局烟台市税务局政府信息公开工作2020年度报告", "国家税务总局烟台市税务局"),
    ("临朐县人民政府信息公开工作2019年度报告", "临朐县人民政府"),
    ("永康市人民政府关于2021年度政府信息公开工作情况的报告", "永康市人民政府"),
    ("永康市财政局政府信息公开工作年度报告（2021年度）", "永康市财政局"),
    ("东营市东营区史口镇2023年政府信息公开工作年度报告 发布时间：2024-01-20 来源：史口镇", "东营市东营区史口镇"),
    ("关于印发《漯河市财政局2023年政府信息公开工作年度报告》的通知", "漯河市财政局"),
    ("【年报】汝州市2023年政府信息公开工作年度报告", "汝州市"),
    ("[置顶] 汝州市2023年政府信息公开工作年度报告(图解)", "汝州市"),
    ("2023年度政府信息公开工作年度报告", None),
    ("［具体地名］2023年政府信息公开工作年度报告", None),
    ("当前位置：首页 > 政务公开 > 南明区人民政府2023年政府信息公开工作年度报告", "南明区人民政府"),
])
def test_agency_from_title(raw, agency):
    title = report_title(raw)
    assert title is not None
    assert agency_from_title(title) == agency


@pytest.mark.parametrize("raw", ["当前位置：首页>政务公开>政府信息公开年报", "首页>政务公开>政府信息公开年报>部门年报",
                                 "部门信息公开年报", "政府信息公开年报"])
def test_column_names_and_breadcrumbs_are_no_title(raw):
    assert report_title(raw) is None


@pytest.mark.parametrize("text, date", [
    ("2026-01-2016:07", "2026-01-20"),
    ("2024-1-516:07", "2024-01-05"),
    ("2024年01月22日", "2024-01-22"),
    ("2024/3/8 15:34", "2024-03-08"),
    ("二〇二二年一月二十日", "2022-01-20"),
    ("2023-02-30", None),
])
def test_iso(text, date):
    assert iso(text) == date


def test_labels_that_do_not_mean_published():
    assert labelled_dates("页面生成时间 2024-05-28 15:46:43") == []
    assert labelled_dates("更新时间：2024-05-28") == []
    assert labelled_dates("采集时间：2025-12-30T21:37:37+08:00") == []
    assert labelled_dates("时间：2024-01-22") == []          # no info line around it
    assert labelled_dates("来源：区政府办 时间：2024-01-22 浏览：3") == [Candidate("2024-01-22", LABEL)]


def test_choose_never_guesses_a_year():
    # stale header (not after the report year) is dropped
    assert choose([Candidate("2023-03-02", LABEL), Candidate("2024-01-19", LABEL)], 2023) == "2024-01-19"
    # two visible labels disagree on the year: unknown, not a guess
    assert choose([Candidate("2024-01-19", LABEL), Candidate("2025-01-19", LABEL)], 2023) is None
    # the visible label over a <meta> tag restamped by a later edit
    assert choose([Candidate("2025-03-01", META_TAG), Candidate("2024-01-26", LABEL)], 2023) == "2024-01-26"
    assert choose([Candidate("2024-01-19", META_TAG), Candidate("2025-01-19", META_TAG)], 2023) is None
    # the signature date only when nothing better is printed
    assert choose([Candidate("2024-01-10", WRITTEN), Candidate("2024-01-19", LABEL)], 2023) == "2024-01-19"
    assert choose([Candidate("2024-01-10", WRITTEN)], 2023) == "2024-01-10"
    assert choose([Candidate("2023-12-30", LABEL)], 2023) is None


@pytest.mark.parametrize("name, run_together", [
    ("郑州市金水区人民政府金水区民政局", True),
    ("海棠区人民政府海棠区卫生健康委员会", True),
    ("诸暨市人民政府五泄镇人民政府", True),
    ("天津市人民政府办公厅", False),
    ("宁波市人民政府国有资产监督管理委员会", False),
    ("北京市人民政府外事办公室", False),
    ("沂水县人民政府办公室", False),
])
def test_two_names_run_together(name, run_together):
    assert two_names(name) is run_together


def test_source_not_taken_when_the_title_names_someone_unread():
    """来源 is often the host government: when the title has a name we could not read, 来源 is
    not a substitute (None, for a person to check); when the title names nobody, it is."""
    from auditor.extract.meta import extract_meta
    from auditor.model import Document, TextBlock

    def agency(heading: str) -> str | None:
        doc = Document("x.txt", [TextBlock(heading), TextBlock("来源：平江县人民政府 发布时间：2022-01-26")])
        return extract_meta(doc, "")["agency"]

    assert agency("某某2021年政府信息公开工作年度报告") is None
    assert agency("［具体地名］2021年政府信息公开工作年度报告") is None
    assert agency("2021年政府信息公开工作年度报告") == "平江县人民政府"


def test_year_from_the_statistics_period_not_from_todays_header():
    """No year in any title: the year is the statistics period's, not the header's today."""
    from auditor.extract.meta import extract_meta
    from auditor.model import Document, TextBlock

    lines = ["今天是2026年1月20日 星期二", "政府信息公开年报", "发布时间：2024-01-22 来源：岳阳楼区财政局",
             "根据《条例》要求编制本报告。本报告所列数据统计期限为2023年1月1日至2023年12月31日。"]
    meta = extract_meta(Document("x.txt", [TextBlock(t) for t in lines]), "\n".join(lines))
    assert (meta["year"], meta["published"], meta["agency"]) == (2023, "2024-01-22", "岳阳楼区财政局")


REAL = Path(__file__).resolve().parent.parent / "reports_in"


@pytest.mark.parametrize("kind", ["docx", "pdf"])
@pytest.mark.parametrize("name", ["shuyang-fgj-2023.html", "zibo-gaoxin-police-2022.txt", "pingtan-2022.txt",
                                  "shanghai-stcsm-2024.md"])
def test_real_reports_as_docx_and_pdf_keep_their_metadata(tmp_path, keys, name, kind):
    """The shared real reports' first lines (crawler header 「标题:…」 included) saved as DOCX or PDF:
    the agency and date are those of the original, never 「标题:沭阳县发展和改革局」."""
    from auditor.model import TextBlock

    doc = read_document(REAL / name)
    lines = []
    for block in doc.blocks:
        lines += [t for t in block.text.split("\n") if t.strip()] if isinstance(block, TextBlock) \
            else [" ".join(row) for row in block.rows]
    original = extract(doc).meta
    data = _docx(lines[:60]) if kind == "docx" else _pdf([t[:45] for t in lines[:25]])
    path = tmp_path / f"{name}.{kind}"
    path.write_bytes(data)
    meta = extract(read_document(path, data)).meta
    assert (meta["agency"], meta["published"]) == (original["agency"], original["published"])
    if name in ("shuyang-fgj-2023.html", "zibo-gaoxin-police-2022.txt"):
        assert meta["agency"] == keys[name]["agency"]
