"""HTML reader: Word-pasted runs, tables with merged cells, charsets, deep/broken markup."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from auditor.ingest.html import read_html
from auditor.model import TableBlock, TextBlock

REAL = Path(__file__).resolve().parents[1] / "reports_in" / "shuyang-fgj-2023.html"


def texts(doc):
    return [b.text for b in doc.blocks if isinstance(b, TextBlock)]


def tables(doc):
    return [b.rows for b in doc.blocks if isinstance(b, TableBlock)]


def html_doc(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<!doctype html><html><head>{head}<title>页面标题</title></head><body>{body}</body></html>".encode()


# --- the real crawler-saved, Word-pasted report ---------------------------------------------

@pytest.fixture(scope="module")
def real_doc():
    if not REAL.exists():
        pytest.skip("real report not present")
    return read_html(str(REAL), REAL.read_bytes())


def _table_with(doc, label):
    for rows in tables(doc):
        if any(label in cell for row in rows for cell in row):
            return rows
    raise AssertionError(f"no table contains {label!r}")


def test_real_headings_are_whole_strings(real_doc):
    lines = [line for t in texts(real_doc) for line in t.split("\n")]
    assert "三、收到和处理政府信息公开申请情况" in lines
    assert "五、存在的主要问题及整改措施" in lines
    assert "一、总体情况" in lines
    assert "六、其他需要报告的事项" in lines


def test_real_phone_and_year_runs_joined(real_doc):
    body = "\n".join(texts(real_doc))
    assert "0527—83593059" in body
    assert "统计时限为2023年1月1日至2023年12月31日" in body
    assert "沭阳县沭城街道苏州东路42号，邮编：223600" in body
    # <style>/<script> and the page chrome <title> are not text
    assert "border-collapse" not in body and "function time()" not in body
    assert "var websiteId" not in body


def test_real_meta_and_encoding(real_doc):
    assert real_doc.encoding == "utf-8"
    assert real_doc.meta["标题"] == "沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局"
    assert "标题：沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局" in texts(real_doc)


def test_real_table2(real_doc):
    t2 = _table_with(real_doc, "第二十条第（一）项")
    assert ["规范性文件", "8", "0", "18"] in t2
    assert ["规章", "0", "0", "0"] in t2
    assert ["行政许可", "0", "0", "0"] in t2  # colspan=3 value repeated
    assert all(len(row) == 4 for row in t2)


def test_real_table3(real_doc):
    t3 = _table_with(real_doc, "（一）予以公开")
    assert all(len(row) == len(t3[0]) == 10 for row in t3)
    header = next(row for row in t3 if "商业企业" in row)  # '商业' / '企业' on two <p>s
    assert header[3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    row = next(r for r in t3 if "（一）予以公开" in r)
    assert row[0] == "三、本年度办理结果"  # rowspan expanded
    values = row[3:]
    assert values[0] == "26" and values[-1] == "26"
    assert values[1:6] == ["", "", "", "", ""]  # blank <o:p> cells stay blank, not 0
    first = next(r for r in t3 if r[0] == "一、本年新收政府信息公开申请数量")
    assert first[3:] == ["26", "", "", "", "", "", "26"]
    total = next(r for r in t3 if "（七）总计" in r)
    assert total[3] == "26" and total[9] == "26"
    carry = next(r for r in t3 if r[0] == "四、结转下年度继续办理")
    assert carry[3] == "0" and carry[9] == "0"
    secret = next(r for r in t3 if "1.属于国家秘密" in r)
    assert secret[:2] == ["三、本年度办理结果", "（三）不予公开"]


def test_real_table4(real_doc):
    t4 = _table_with(real_doc, "未经复议直接起诉")
    assert ["0", "0", "0", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"] in t4
    assert t4[0][:5] == ["行政复议"] * 5 and t4[0][5:] == ["行政诉讼"] * 10
    assert all(len(row) == 15 for row in t4)


def test_real_block_order(real_doc):
    """Tables sit between the headings that introduce them."""
    kinds = []
    for b in real_doc.blocks:
        if isinstance(b, TableBlock):
            kinds.append("T:" + b.rows[0][0][:4])
        elif b.text.startswith(("二、主动", "三、收到", "四、政府", "五、存在")):
            kinds.append(b.text[:2])
    assert kinds[-7:] == ["二、", "T:第二十条", "三、", "T:（本列数", "四、", "T:行政复议", "五、"]


# --- tables -----------------------------------------------------------------------------------

def test_rowspan_colspan_grid():
    body = """
    <table>
      <thead><tr><th rowspan="2">项目</th><th colspan="2">申请人</th><th rowspan="2">总计</th></tr>
      <tr><th>自然<br>人</th><th><p>商业</p><p>企业</p></th></tr></thead>
      <tbody>
      <tr><td rowspan="2">三、办理结果</td><td><span>1</span><span>2</span></td><td></td><td>12</td></tr>
      <tr><td colspan="2">&nbsp;</td><td>0</td></tr>
      <tr></tr>
      <tr><td>四、结转</td><td>0</td></tr>
      </tbody>
    </table>"""
    doc = read_html("t.html", html_doc(body))
    assert tables(doc) == [[
        ["项目", "申请人", "申请人", "总计"],
        ["项目", "自然人", "商业企业", "总计"],
        ["三、办理结果", "12", "", "12"],
        ["三、办理结果", "", "", "0"],
        ["四、结转", "0", "", ""],
    ]]


def test_span_caps_and_bad_spans():
    body = ('<table><tr><td colspan="100000">a</td></tr><tr><td rowspan="x" colspan="-2">b</td>'
            '<td rowspan="0">c</td></tr><tr><td>d</td></tr></table>')
    rows = tables(read_html("t.html", html_doc(body)))[0]
    assert len(rows[0]) == 100
    assert rows[1][:2] == ["b", "c"]
    assert rows[2][:2] == ["d", "c"]  # rowspan=0 runs to the end of the row group


def test_table_row_cap():
    body = "<table>" + "<tr><td>1</td></tr>" * 2500 + "</table><p>after</p>"
    doc = read_html("t.html", html_doc(body))
    assert len(tables(doc)[0]) == 2000
    assert doc.problems
    assert texts(doc)[-1] == "after"


def test_nested_table_is_its_own_block():
    body = """<p>前</p><table><tr><td>外层<table><tr><td>内层1</td><td>内层2</td></tr></table></td>
    <td>x</td></tr></table><p>后</p>"""
    doc = read_html("t.html", html_doc(body))
    kinds = [("T", b.rows) if isinstance(b, TableBlock) else b.text for b in doc.blocks]
    # a cell holding a table lays the page out: the outer table is read as a container
    # (tests/test_html_layout_tables.py), the nested table in its place
    assert kinds == ["前", "外层", ("T", [["内层1", "内层2"]]), "x", "后"]
    assert not any("内层" in t for t in texts(doc))


def test_stray_text_and_caption_before_table():
    body = "<table><caption>表一</caption><tr><td>1</td></tr></table>"
    doc = read_html("t.html", html_doc(body))
    assert [b.text if isinstance(b, TextBlock) else b.rows for b in doc.blocks] == ["表一", [["1"]]]


# --- text structure ---------------------------------------------------------------------------

def test_script_style_br_and_blocks():
    body = """<script>var x = "脚本内容";</script><style>p { color: red }</style>
    <noscript>请启用脚本</noscript><template><p>模板</p></template><!-- 注释 -->
    <div>开头文字<p>段落<b>加粗</b>文字</p>中间文字<div>内层</div>结尾</div>
    <p>第一行<br>第二行<br/><br>第三行</p>
    <p><span>电话：0527—83593</span><span>059</span><o:p></o:p></p>
    <p>a&nbsp;&nbsp;b   c
       d</p>
    <p>中文跨
    行</p>
    <ul><li>一</li><li>二</li></ul><p>   </p><p><o:p>&nbsp;</o:p></p>"""
    doc = read_html("t.html", html_doc(body))
    assert texts(doc) == ["开头文字", "段落加粗文字", "中间文字", "内层", "结尾",
                          "第一行\n第二行\n第三行", "电话：0527—83593059", "a b c d", "中文跨行",
                          "一", "二"]
    assert doc.meta == {"网页标题": "页面标题"}


def test_crawler_header_meta_wins_over_title():
    body = ("<div><strong>标题：</strong>某局2023年政府信息公开年度报告</div>"
            "<div>发布日期：2024-01-15</div><div>来源：某网站</div>")
    doc = read_html("t.html", html_doc(body))
    assert doc.meta["标题"] == "某局2023年政府信息公开年度报告"
    assert doc.meta["发布日期"] == "2024-01-15"
    assert texts(doc)[:3] == ["标题：某局2023年政府信息公开年度报告", "发布日期：2024-01-15", "来源：某网站"]


def test_pre_keeps_lines():
    doc = read_html("t.html", html_doc("<pre>一、总体情况\n  本年度  共收到\n\n二、主动公开</pre>"))
    assert texts(doc) == ["一、总体情况\n本年度 共收到\n二、主动公开"]


def test_word_conditional_comments_and_xml_island():
    body = ("<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>张三</o:Author>"
            "</o:DocumentProperties></xml><![endif]--><xml><w:WordDocument>隐藏</w:WordDocument></xml>"
            "<p class=MsoListParagraph><![if !supportLists]><span>1.<span>&nbsp;&nbsp; </span></span>"
            "<![endif]><span>条目</span></p>")
    doc = read_html("t.html", html_doc(body))
    assert texts(doc) == ["1. 条目"]


# --- charsets ---------------------------------------------------------------------------------

SAMPLE = ("<html><head>{meta}<title>年度报告</title></head><body>"
          "<p>三、收到和处理政府信息公开申请情况</p><table><tr><td>商业企业</td><td>２６</td></tr></table>"
          "<p>沭阳县发展和改革局联系电话：0527—83593059。</p></body></html>")


def _content(doc):
    return [b.text if isinstance(b, TextBlock) else b.rows for b in doc.blocks]


def test_charsets_decode_to_same_text():
    utf8 = read_html("u.html", SAMPLE.format(meta='<meta charset="utf-8">').encode("utf-8"))
    gbk_meta = read_html("g.html", SAMPLE.format(meta='<meta charset="gbk">').encode("gbk"))
    gb2312_http_equiv = read_html("h.html", SAMPLE.format(
        meta='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk"))
    gbk_detect = read_html("d.html", SAMPLE.format(meta='<meta name="x">').encode("gbk"))
    bom = read_html("b.html", codecs.BOM_UTF8 + SAMPLE.format(meta="").encode("utf-8"))
    expected = _content(utf8)
    assert "三、收到和处理政府信息公开申请情况" in expected
    for doc in (gbk_meta, gb2312_http_equiv, gbk_detect, bom):
        assert _content(doc) == expected
        assert doc.meta == {"网页标题": "年度报告"}
    assert gbk_meta.encoding == "gb18030"
    assert gb2312_http_equiv.encoding == "gb18030"
    assert gbk_detect.encoding == "gb18030"
    assert bom.encoding == "utf-8-sig"


def test_bom_beats_wrong_meta():
    doc = read_html("b.html", codecs.BOM_UTF8 + SAMPLE.format(meta='<meta charset="gbk">').encode("utf-8"))
    assert "三、收到和处理政府信息公开申请情况" in texts(doc)


def test_utf8_page_with_stale_gbk_meta():
    doc = read_html("s.html", SAMPLE.format(meta='<meta charset="gb2312">').encode("utf-8"))
    assert "三、收到和处理政府信息公开申请情况" in texts(doc)
    assert doc.encoding == "utf-8"


# --- hostile / broken input -------------------------------------------------------------------

def test_deep_nesting_does_not_crash():
    n = 20_000
    data = ("<html><body>" + "<div>" * n + "深层文字" + "</div>" * n + "</body></html>").encode()
    try:
        doc = read_html("deep.html", data)
    except ValueError as exc:
        assert "嵌套过深" in str(exc)
    else:
        assert "深层文字" in "\n".join(texts(doc))


def test_moderate_nesting_reads():
    n = 200
    data = ("<html><body>" + "<div><span>" * (n // 2) + "文字" + "</span></div>" * (n // 2)
            + "</body></html>").encode()
    assert texts(read_html("m.html", data)) == ["文字"]


def test_truncated_html_keeps_what_precedes_the_cut():
    full = html_doc("<p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr>"
                    "<tr><td>规范性文件</td><td>8</td></tr></table><p>后文</p>")
    data = full[: full.index(b"</td></tr></table>")]
    doc = read_html("cut.html", data)
    assert texts(doc) == ["一、总体情况"]
    assert tables(doc) == [[["规章", "0"], ["规范性文件", "8"]]]


def test_no_network_no_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容")
    data = (f'<!DOCTYPE html [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<html><body><p>前&x;后</p><img src="http://127.0.0.1:1/x.png"></body></html>').encode()
    doc = read_html("e.html", data)
    assert "机密内容" not in "\n".join(texts(doc))


def test_empty_and_blank_documents():
    assert read_html("e.html", b"   ").blocks == []
    assert read_html("e.html", b"<!-- only a comment -->").blocks == []
    assert read_html("e.html", b"<html><body><p> </p></body></html>").blocks == []
