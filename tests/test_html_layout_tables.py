"""Pages laid out with <table>s never change what is read of a real report, and never add a finding.

Older CMSs and Word-pasted pages put the header, menu, article and footer in the cells of layout
tables (tests/layout_variants.py). Each shared real report (zibo and pingtan web text as
paragraphs, the shuyang page, the 2021 sample rendered with Word-pasted data tables) is laid out
five ways (zibo also as Word pastes it); every variant must find the same six parts, read the
same cells, agency and year, and gain no compliance finding of warning or error level. Data tables stay tables even when Word puts
a <p> in every cell.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.ingest.html import read_html
from auditor.model import TableBlock, TextBlock

from . import chrome_variants as cv
from . import layout_variants as lv
from . import variants as V
from . import relayout_checks as rc
from .conftest import SAMPLES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "zibo-gaoxin-police-2022.txt": SAMPLES / "zibo-gaoxin-police-2022.txt",
    "pingtan-2022.txt": SAMPLES / "pingtan-2022.txt",
    "shuyang-fgj-2023.html": SAMPLES / "shuyang-fgj-2023.html",
    "sample-2021.txt": ROOT / "rules" / "fixtures" / "sample-2021.txt",
}




@pytest.fixture(scope="module")
def audited(tmp_path_factory, packs):
    tmp = tmp_path_factory.mktemp("layout")
    originals = {name: extract(read_document(path)) for name, path in SOURCES.items()}
    sources = list(SOURCES.items())
    # zibo as Word pastes it into a CMS (runs split mid-word, a <p class=MsoNormal> per line)
    zibo = "zibo-gaoxin-police-2022.txt"
    word = tmp / "zibo-word.html"
    word.write_bytes(cv.word_pasted_html(SOURCES[zibo].read_text(encoding="utf-8"), "zibo", seed=3))
    sources.append((zibo, word))
    variants = [(name, extract(read_document(path))) for name, source in sources
                for path in lv.write_variants(source, tmp / source.stem, originals[name].meta)]
    findings = audit(list(originals.values()) + [r for _, r in variants], packs).findings
    return originals, variants, findings


def test_every_layout_of_every_report_is_built(audited):
    _, variants, _ = audited
    names = {Path(r.file).stem for _, r in variants}
    stems = [Path(n).stem for n in SOURCES] + ["zibo-word"]
    assert names == {f"{stem}-{layout}" for stem in stems for layout in lv.LAYOUTS}


def test_originals_are_fully_read(audited):
    """The comparison means something: each original finds its six parts and reads its tables."""
    originals, _, _ = audited
    for name, report in originals.items():
        assert sorted(s.number for s in report.sections) == [1, 2, 3, 4, 5, 6], name
        assert len(rc.read_values(report)) >= 190, name


def test_variants_find_the_same_six_parts(audited):
    originals, variants, _ = audited
    for name, report in variants:
        assert [s.number for s in report.sections] == [s.number for s in originals[name].sections], report.file
        assert not report.heading_seen, (report.file, report.heading_seen)


def test_variants_read_the_same_cells(audited):
    originals, variants, _ = audited
    rc.assert_same_cells(originals, variants)


def test_variants_read_the_same_agency_and_year(audited):
    originals, variants, _ = audited
    rc.assert_same_agency_and_year(originals, variants)


def test_fields_of_a_layout_table_are_still_read(audited):
    """The 信息公开目录 layout: its 发布机构 / 公开日期 rows stay labelled fields (a table row), and
    the publication date is read as in the original."""
    originals, variants, _ = audited
    for name, report in variants:
        if Path(report.file).stem.endswith("info_rows"):
            assert report.meta["published"] == originals[name].meta["published"], report.file
            assert report.meta["title"] == originals[name].meta["title"], report.file


def test_variants_gain_no_accusation(audited):
    originals, variants, findings = audited
    rc.assert_no_accusation_gained(originals, variants, findings)


def test_variants_raise_no_extraction_doubt_the_original_has_not(audited):
    """需人工核查 of our own reading: a layout table must not turn the report into one."""
    originals, variants, findings = audited
    for name, report in variants:
        def doubts(file):
            sel = findings[(findings["file"] == file) & (findings["category"] == "extraction")]
            return set(sel["rule_id"])
        assert doubts(report.file) <= doubts(originals[name].file), report.file


# --- the reader itself ------------------------------------------------------------------------

def _html(body: str) -> bytes:
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'.encode("utf-8")


def _kinds(doc) -> list:
    return [("T", b.rows) if isinstance(b, TableBlock) else b.text for b in doc.blocks]


def _canon():
    return V.load_canonical(SOURCES["sample-2021.txt"])


def test_word_pasted_data_tables_stay_tables():
    """A <p class=MsoNormal> in every cell (and long row labels) is a data table, not a layout."""
    canon = _canon()
    for grid in (V.t2_grid(canon), V.t3_grid(canon), V.t4_grid(canon)):
        doc = read_html("t.html", _html(lv.word_table(grid)))
        assert len(doc.blocks) == 1 and isinstance(doc.blocks[0], TableBlock)
        assert len(doc.blocks[0].rows) == len(grid.rows)


def test_data_table_with_a_prose_note_row_stays_a_table():
    """A statistics table whose last row is a long 说明 with sentences: still mostly numbers."""
    canon = _canon()
    grid = V.t3_grid(canon)
    note = "说明：本表数据统计时限为2022年1月1日至2022年12月31日。表中申请数量按申请件数统计。" * 3
    width = len(grid.rows[0])
    table = lv.word_table(grid).replace(
        "</table>", f'<tr><td colspan="{width}"><p class="MsoNormal">{note}</p></td></tr></table>')
    doc = read_html("t.html", _html(table))
    assert [type(b) for b in doc.blocks] == [TableBlock]


def test_layout_cell_content_flows_in_reading_order():
    body = ('<table><tr><td colspan="2">网站首页</td></tr><tr><td><ul><li>年报</li><li>指南</li></ul></td>'
            '<td><p>一、总体情况</p><p>本年度，本机关认真贯彻条例。工作有序推进。</p>'
            '<table><tr><td>项目</td><td>数量</td></tr><tr><td>规章</td><td>3</td></tr></table>'
            '<p>二、主动公开政府信息情况</p></td></tr><tr><td colspan="2">版权所有</td></tr></table>')
    assert _kinds(read_html("t.html", _html(body))) == [
        "网站首页", "年报", "指南", "一、总体情况", "本年度，本机关认真贯彻条例。工作有序推进。",
        ("T", [["项目", "数量"], ["规章", "3"]]), "二、主动公开政府信息情况", "版权所有"]


def test_single_cell_with_line_breaks_is_text():
    body = "<table><tr><td>一、总体情况<br>本年度主动公开信息120条，依申请公开工作依法开展。<br>二、主动公开政府信息情况</td></tr></table>"
    doc = read_html("t.html", _html(body))
    assert not any(isinstance(b, TableBlock) for b in doc.blocks)
    assert [line for b in doc.blocks for line in b.text.split("\n")] == [
        "一、总体情况", "本年度主动公开信息120条，依申请公开工作依法开展。", "二、主动公开政府信息情况"]


def test_small_tables_keep_being_tables():
    """Short single cells and label/number grids are not layouts (no prose, no nesting)."""
    for body, rows in [("<table><tr><td>1</td></tr></table>", [["1"]]),
                       ("<table><tr><td><p>信息内容</p></td><td><p>本年制发件数</p></td></tr>"
                        "<tr><td><p>规章</p></td><td><p>0</p></td></tr></table>",
                        [["信息内容", "本年制发件数"], ["规章", "0"]])]:
        assert _kinds(read_html("t.html", _html(body))) == [("T", rows)]


def test_numbers_table_with_a_nested_table_stays_a_table():
    """Mostly numbers: a statistics table, even with a table nested in one of its cells."""
    body = ("<table><tr><td>项目<table><tr><td>注</td></tr></table></td><td>1</td><td>2</td></tr>"
            "<tr><td>合计</td><td>3</td><td>4</td></tr></table>")
    kinds = _kinds(read_html("t.html", _html(body)))
    assert kinds[0] == ("T", [["项目", "1", "2"], ["合计", "3", "4"]])


def test_layout_text_is_not_left_in_a_table_block():
    """Every layout of the shuyang page: no table block holds a part heading."""
    page = SOURCES["shuyang-fgj-2023.html"].read_text(encoding="utf-8")
    for layout in lv.LAYOUTS:
        doc = read_html("t.html", lv.page(lv.html_article(page), layout, "t", lv.html_head(page)))
        for block in doc.blocks:
            if isinstance(block, TableBlock):
                assert not any("总体情况" in cell for row in block.rows for cell in row), layout
        assert any(isinstance(b, TextBlock) and "一、总体情况" in b.text for b in doc.blocks), layout


def test_fields_row_is_the_only_source_of_the_date(tmp_path):
    """zibo without its own date lines, in the 内容 row of a 信息公开目录 table: the date (and the
    issuer) come from the table's label cells 公开日期 / 发布机构, which must stay a table row."""
    source = SOURCES["zibo-gaoxin-police-2022.txt"]
    original = extract(read_document(source))
    text = "\n".join(line for line in source.read_text(encoding="utf-8").splitlines() if "日期" not in line)
    path = tmp_path / "zibo-info.html"
    path.write_bytes(lv.page(lv.text_article(text), "info_rows", "t", meta=original.meta))
    doc = read_document(path)
    fields = [row for b in doc.blocks if isinstance(b, TableBlock) for row in b.rows]
    assert ["索引号", "000014349/2023-00012", "发布机构", original.meta["agency"]] in fields
    report = extract(doc)
    assert report.meta["published"] == original.meta["published"] == "2023-01-19"
    assert report.meta["agency"] == original.meta["agency"]
    assert rc.read_values(report) == rc.read_values(original)


def test_cell_of_many_short_paragraphs_is_content():
    """Web text one cell per line (no sentence, no part heading) in the article cell of a
    two-column layout: many paragraphs in a long cell make it content, and it is read as lines."""
    lines = ["第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数",
             "规章", "0", "0", "0", "行政规范性文件", "1", "0", "12",
             "第二十条第（五）项", "信息内容", "本年处理决定数量", "行政许可", "35"]
    article = "".join(f"<p>{x}</p>" for x in lines)
    body = f'<table><tr><td><a href="#">首页</a></td><td>{article}</td></tr></table>'
    assert _kinds(read_html("t.html", _html(body))) == ["首页", *lines]


def _composed(article: str, order: list[str], meta: dict) -> str:
    for layout in order:
        article = lv.WRAP[layout](article, meta)
    return article


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_compositions_of_layouts_change_nothing(seed, tmp_path, packs):
    """Layout tables inside layout tables, in a seeded random order and depth (2–3): same parts,
    cells, agency and year as the original, and no new accusation."""
    import random

    rng = random.Random(seed)
    names = ["zibo-gaoxin-police-2022.txt", "shuyang-fgj-2023.html"]
    originals, variants = [], []
    for name in names:
        source = SOURCES[name]
        original = extract(read_document(source))
        raw = source.read_text(encoding="utf-8")
        article, head = ((lv.html_article(raw), lv.html_head(raw)) if source.suffix == ".html"
                         else (lv.text_article(raw), '<meta charset="utf-8">'))
        order = [rng.choice(lv.LAYOUTS) for _ in range(rng.randint(2, 3))]
        path = tmp_path / f"{source.stem}-{'+'.join(order)}.html"
        body = _composed(article, order, original.meta)
        path.write_bytes(f"<html><head>{head}</head><body>{body}</body></html>".encode("utf-8"))
        originals.append(original)
        variants.append(extract(read_document(path)))
    findings = audit(originals + variants, packs).findings
    for original, variant in zip(originals, variants):
        assert [s.number for s in variant.sections] == [1, 2, 3, 4, 5, 6], variant.file
        assert rc.read_values(variant) == rc.read_values(original), variant.file
        assert (variant.meta["agency"], variant.meta["year"]) == (original.meta["agency"], original.meta["year"])
        before = rc.accusations(findings[findings["file"] == original.file])
        after = rc.accusations(findings[findings["file"] == variant.file])
        assert after <= before, (variant.file, after - before)


def test_article_cell_among_number_cells_is_still_content(tmp_path):
    """A page-number bar (1 2 3 4 5) as cells of the same layout table does not make it a
    statistics table: the cell holding the article (two part headings, prose) decides."""
    source = SOURCES["zibo-gaoxin-police-2022.txt"]
    original = extract(read_document(source))
    pages = "".join(f"<td>{i}</td>" for i in range(1, 8))
    body = (f'<table><tr><td colspan="7">网站首页</td></tr>'
            f'<tr><td colspan="7">{lv.text_article(source.read_text(encoding="utf-8"))}</td></tr>'
            f"<tr>{pages}</tr></table>")
    path = tmp_path / "zibo-pages.html"
    path.write_bytes(_html(body))
    report = extract(read_document(path))
    assert [s.number for s in report.sections] == [1, 2, 3, 4, 5, 6]
    assert rc.read_values(report) == rc.read_values(original)
