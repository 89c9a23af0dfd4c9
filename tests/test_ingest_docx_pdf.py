"""DOCX and PDF readers: order of blocks, merged cells, Chinese round-trip, and hostile files."""
from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest

import auditor.ingest.docx as docx_mod
import auditor.ingest.pdf as pdf_mod
from auditor.ingest.docx import read_docx
from auditor.ingest.pdf import read_pdf
from auditor.model import Document, TableBlock, TextBlock

from .fixtures_build import (Spec, build_docx, build_encrypted_pdf, build_garbled_pdf,
                             build_image_only_pdf, build_many_members_zip, build_pdf, build_zip_bomb,
                             expanded, expected_copies, report_col_widths, report_spec)

_CJK = re.compile(r"[\u4e00-\u9fff（）《》、，。；：“”]")


def _kinds(doc: Document) -> list[str]:
    return ["T" if isinstance(b, TableBlock) else "P" for b in doc.blocks]


def _texts(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, TextBlock)]


def _tables(doc: Document) -> list[TableBlock]:
    return [b for b in doc.blocks if isinstance(b, TableBlock)]


def _assert_refused(fn, data: bytes) -> str:
    """The reader must refuse with a Chinese message, never hand back an (empty) Document."""
    with pytest.raises(ValueError) as info:
        result = fn("x", data)
        pytest.fail(f"returned {result!r} instead of raising")
    message = str(info.value)
    assert _CJK.search(message), message
    return message


# ---------------------------------------------------------------------------------------- DOCX

@pytest.fixture(scope="module")
def spec() -> Spec:
    return report_spec()


@pytest.fixture(scope="module")
def docx_doc(tmp_path_factory, spec) -> Document:
    path = build_docx(tmp_path_factory.mktemp("docx") / "report.docx", spec,
                      core_title="Microsoft Word - 模板.doc")
    return read_docx(str(path), path.read_bytes())


def test_docx_blocks_in_document_order(docx_doc, spec):
    assert _kinds(docx_doc) == ["P"] * (1 + len(spec.before)) + ["T"] + ["P"] * len(spec.after)
    texts = _texts(docx_doc)
    assert texts[0] == spec.title
    assert texts[2] == "一、总体情况"
    assert texts[-2:] == ["四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"]


def test_docx_run_split_text_is_one_string(docx_doc):
    assert isinstance(docx_doc.blocks[4], TextBlock)
    assert docx_doc.blocks[4].text == "三、收到和处理政府信息公开申请情况"


def test_docx_merged_cells_expand_into_rectangular_grid(docx_doc, spec):
    (table,) = _tables(docx_doc)
    assert table.rows == expanded(spec.table, spec.merges)
    assert table.copies == expected_copies(spec.merges)
    assert {len(r) for r in table.rows} == {9}
    # horizontal merge: '法人或其他组织' over the five organisation columns
    assert table.rows[1][3:8] == ["法人或其他组织"] * 5
    assert table.rows[2][3:8] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    # vertical merge: the label cell of the 办理结果 block repeats down its rows
    assert [r[0] for r in table.rows[5:8]] == ["三、本年度办理结果"] * 3
    # 2-D merge (rowspan 3 × colspan 2) and the vertical '自然人' / '总计'
    assert {table.rows[r][c] for r in range(3) for c in range(2)} == {spec.table[0][0]}
    assert [r[2] for r in table.rows[1:3]] == ["自然人", "自然人"]
    assert [r[8] for r in table.rows[1:3]] == ["总计", "总计"]
    assert table.rows[3] == ["一、本年新收政府信息公开申请数量"] * 2 + ["12", "3", "0", "1", "0", "2", "18"]


def test_docx_line_break_inside_paragraph_and_core_title(tmp_path):
    spec = Spec(title="标题", before=["第一行\n第二行"], table=[["a", "b"]], after=[])
    path = build_docx(tmp_path / "br.docx", spec, core_title="2023年年度报告")
    doc = read_docx(str(path), path.read_bytes())
    assert _texts(doc)[1] == "第一行\n第二行"
    assert doc.meta == {"文档属性标题": "2023年年度报告"}
    assert "标题" not in doc.meta  # stale core titles must not override the heading


def test_docx_grid_before_and_after_pad_rows(tmp_path):
    """Rows that start late / end early (w:gridBefore / w:gridAfter) still give a rectangle."""
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for c, text in enumerate(["甲", "乙", "丙"]):
        t.cell(0, c).text = text
    t.cell(1, 0).text = "丁"
    tr = t.rows[1]._tr
    for tc in list(tr.tc_lst)[1:]:
        tr.remove(tc)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    tr.insert(0, parse_xml(f'<w:trPr {w}><w:gridBefore w:val="1"/><w:gridAfter w:val="1"/></w:trPr>'))
    buf = io.BytesIO()
    d.save(buf)
    (table,) = _tables(read_docx("g.docx", buf.getvalue()))
    assert table.rows == [["甲", "乙", "丙"], ["", "丁", ""]]


def test_docx_content_controls_revisions_and_text_boxes():
    """Paragraphs inside a content control keep their place; deleted revisions and the VML
    fallback copy of a text box are not read; the text box follows its anchor paragraph."""
    import docx
    from docx.oxml import parse_xml

    w = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
         'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
    d = docx.Document()
    d.add_paragraph("第一段")
    body = d.element.body
    sectpr = body[-1]
    sectpr.addprevious(parse_xml(
        f'<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>控件内段落</w:t></w:r></w:p></w:sdtContent></w:sdt>'))
    sectpr.addprevious(parse_xml(
        f'<w:p {w}><w:r><w:t>共</w:t></w:r><w:del><w:r><w:delText>12</w:delText></w:r></w:del>'
        f'<w:ins><w:r><w:t>13</w:t></w:r></w:ins><w:r><w:t>件</w:t></w:r>'
        f'<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
        f'<w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p>'
        f'</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'))
    d.add_paragraph("末段")
    buf = io.BytesIO()
    d.save(buf)
    assert _texts(read_docx("c.docx", buf.getvalue())) == ["第一段", "控件内段落", "共13件", "文本框", "末段"]


def test_docx_huge_grid_span_is_capped():
    """gridSpan="1000000000" must not allocate a billion slots."""
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "甲"
    t.cell(0, 1).text = "乙"
    tcpr = t.rows[0]._tr.tc_lst[0].get_or_add_tcPr()
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    tcpr.append(parse_xml(f'<w:gridSpan {w} w:val="1000000000"/>'))
    buf = io.BytesIO()
    d.save(buf)
    (table,) = _tables(read_docx("s.docx", buf.getvalue()))
    assert table.rows == [["甲"] * docx_mod.MAX_COLS]


def test_docx_zip_bomb_refused(tmp_path):
    path = build_zip_bomb(tmp_path / "bomb.docx", member_mb=300)
    assert path.stat().st_size < 5 * 1024 * 1024
    assert _assert_refused(read_docx, path.read_bytes()) == docx_mod.BOMB_MESSAGE


def test_docx_too_many_members_refused(tmp_path):
    path = build_many_members_zip(tmp_path / "many.docx", docx_mod.MAX_MEMBERS + 1)
    assert _assert_refused(read_docx, path.read_bytes()) == docx_mod.BOMB_MESSAGE


def test_docx_total_size_limit(tmp_path, monkeypatch, spec):
    path = build_docx(tmp_path / "r.docx", spec)
    data = path.read_bytes()
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(docx_mod, "MAX_TOTAL_UNCOMPRESSED", total - 1)
    assert _assert_refused(read_docx, data) == docx_mod.BOMB_MESSAGE
    monkeypatch.setattr(docx_mod, "MAX_TOTAL_UNCOMPRESSED", total)
    assert _tables(read_docx("r.docx", data))


def test_docx_member_lying_about_its_size_is_refused(tmp_path, spec):
    """The bomb check trusts declared sizes; a member that inflates past them must fail."""
    path = build_docx(tmp_path / "r.docx", spec)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode())
    struct.pack_into("<I", data, info.header_offset + 22, 100)  # local header
    pos = data.find(b"PK\x01\x02")
    while pos != -1:  # central directory entry
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + n]) == name:
            struct.pack_into("<I", data, pos + 24, 100)
        pos = data.find(b"PK\x01\x02", pos + 4)
    assert _assert_refused(read_docx, bytes(data)) == docx_mod.CORRUPT_MESSAGE


@pytest.mark.parametrize("data", [
    b"this is not a zip file at all, just text named .docx",
    b"",
    b"PK\x03\x04" + b"\0" * 100,
])
def test_docx_not_a_zip_refused(data):
    assert _assert_refused(read_docx, data) == docx_mod.CORRUPT_MESSAGE


def test_docx_zip_without_word_document_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "不是 Word 文件")
    assert _assert_refused(read_docx, buf.getvalue()) == docx_mod.CORRUPT_MESSAGE


def test_docx_old_word_binary_refused_with_hint():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    message = _assert_refused(read_docx, ole)
    assert message.startswith(docx_mod.CORRUPT_MESSAGE) and ".doc" in message


# ----------------------------------------------------------------------------------------- PDF

@pytest.fixture(scope="module")
def pdf_bytes(spec) -> bytes:
    return build_pdf(None, spec, report_col_widths())


@pytest.fixture(scope="module")
def pdf_doc(pdf_bytes) -> Document:
    return read_pdf("report.pdf", pdf_bytes)


def test_pdf_chinese_paragraphs_round_trip(pdf_doc, spec):
    texts = _texts(pdf_doc)
    assert texts[0] == spec.title
    assert texts[1] == "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。"
    assert texts[2] == "一、总体情况"
    # the long paragraph wraps on the page: its lines concatenate back to the original
    assert texts[3] + texts[4] == spec.before[2]
    assert texts[5] == "三、收到和处理政府信息公开申请情况"


def test_pdf_table_between_the_texts(pdf_doc):
    kinds = _kinds(pdf_doc)
    assert kinds.count("T") == 1
    i = kinds.index("T")
    before = [b.text for b in pdf_doc.blocks[:i]]
    after = [b.text for b in pdf_doc.blocks[i + 1:]]
    assert before[-1] == "三、收到和处理政府信息公开申请情况"
    assert after == ["四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"]


def test_pdf_ruled_table_grid_with_merged_cells(pdf_doc, spec):
    (table,) = _tables(pdf_doc)
    assert table.rows == expanded(spec.table, spec.merges)
    assert table.copies == expected_copies(spec.merges)
    numeric = [r[2:] for r in table.rows[3:]]
    assert numeric[0] == ["12", "3", "0", "1", "0", "2", "18"]
    assert all(len(r) == 7 and all(v.isdigit() for v in r) for r in numeric)
    assert table.rows[1][3:8] == ["法人或其他组织"] * 5
    assert [r[0] for r in table.rows[5:8]] == ["三、本年度办理结果"] * 3
    # wrapped cell text ('商业企' / '业', a three-line label) is joined without separator
    assert table.rows[2][3] == "商业企业"
    assert table.rows[6][1] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


def test_pdf_table_per_page_and_long_document(spec):
    data = build_pdf(None, spec, report_col_widths(), repeat=3)
    doc = read_pdf("x.pdf", data)
    assert len(_tables(doc)) == 3
    assert all(t.rows == expanded(spec.table, spec.merges) for t in _tables(doc))
    assert _texts(doc).count(spec.title) == 3


def test_pdf_unruled_table_reads_as_lines_with_cell_gaps(spec):
    doc = read_pdf("x.pdf", build_pdf(None, spec, report_col_widths(), ruled=False))
    assert not _tables(doc)
    assert "一、本年新收政府信息公开申请数量 12 3 0 1 0 2 18" in _texts(doc)


def test_pdf_image_only_refused():
    assert _assert_refused(read_pdf, build_image_only_pdf()) == pdf_mod.NO_TEXT_MESSAGE


def test_pdf_scanned_page_among_text_pages_is_reported():
    doc = read_pdf("x.pdf", build_image_only_pdf(text_first_page="一、总体情况"))
    assert _texts(doc) == ["一、总体情况"]
    assert doc.problems == ["第 2 页无文字层（可能是扫描页），其内容未读取"]


def test_pdf_truncated_refused(pdf_bytes):
    assert _assert_refused(read_pdf, pdf_bytes[: len(pdf_bytes) // 2]) == pdf_mod.CORRUPT_MESSAGE
    # even with an end marker glued on, the cut file must not read as a shorter report
    cut = pdf_bytes[: len(pdf_bytes) // 2] + b"\n%%EOF\n"
    assert _assert_refused(read_pdf, cut) == pdf_mod.CORRUPT_MESSAGE


@pytest.mark.parametrize("data", [b"", b"not a pdf", b"%PDF-1.4\n%%EOF\n"])
def test_pdf_garbage_refused(data):
    assert _assert_refused(read_pdf, data) == pdf_mod.CORRUPT_MESSAGE


def test_pdf_garbled_font_refused():
    assert _assert_refused(read_pdf, build_garbled_pdf()) == pdf_mod.GARBLED_MESSAGE


def test_pdf_password_refused():
    message = _assert_refused(read_pdf, build_encrypted_pdf())
    assert message == pdf_mod.ENCRYPTED_MESSAGE and "密码" in message


def test_pdf_page_limit(monkeypatch, spec):
    data = build_pdf(None, spec, report_col_widths(), repeat=3)
    monkeypatch.setattr(pdf_mod, "MAX_PAGES", 2)
    message = _assert_refused(read_pdf, data)
    assert "2 页" in message
    monkeypatch.setattr(pdf_mod, "MAX_PAGES", 3)
    assert read_pdf("x.pdf", data).blocks


def test_pdf_reading_speed(spec):
    """Target is ≥ 10 pages/s on 2 cores; the bound here only catches pathological slowdowns."""
    import time

    data = build_pdf(None, spec, report_col_widths(), repeat=20)
    start = time.perf_counter()
    doc = read_pdf("long.pdf", data)
    elapsed = time.perf_counter() - start
    assert len(_tables(doc)) == 20
    assert elapsed < 10.0, f"20 pages took {elapsed:.1f}s"


def test_pdf_fake_bold_and_font_artifacts():
    """Overprinted glyphs (fake bold) count once; Kangxi radicals read as ideographs."""
    def char(text: str, x0: float, top: float = 100.0, size: float = 12.0) -> dict:
        return {"text": text, "x0": x0, "x1": x0 + size, "top": top, "bottom": top + size, "size": size}

    line = [char("一", 60), char("一", 60.3), char("、", 72), char("、", 72.3), char("⼆", 84),
            char("(cid:12)", 96), char("1", 140, size=12)]
    assert pdf_mod._lines(line) == [(100.0, "一、二\ufffd 1")]
