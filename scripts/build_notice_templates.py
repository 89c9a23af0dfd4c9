"""Build the two default templates of `auditor notices` (auditor/notices/templates/*.docx) with python-docx.

The .docx files are committed and shipped as package data; run this after changing the layout:
    python scripts/build_notice_templates.py
Layout after GB/T 9704-2012 (党政机关公文格式): A4, margins 37/35/28/26 mm (top/bottom/left/right), title
方正小标宋简体 二号 centred, body 仿宋_GB2312 三号 with a 2-character first-line indent, page numbers
「— 1 —」. Fonts a machine lacks are replaced through the alternative names in the font table (仿宋,
宋体, 黑体). Placeholders are docxtpl's Jinja tags with Chinese names (README「整改通知」)."""
from __future__ import annotations

import copy
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TEMPLATES = Path(__file__).resolve().parent.parent / "auditor" / "notices" / "templates"
TITLE_FONT, BODY_FONT, HEAD_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体"
ALTERNATIVES = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", HEAD_FONT: "SimHei"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)     # 二号 三号 四号 五号
BODY_LINE = Pt(28.95)          # 22 lines to a page of this type area


def _fonts(run_or_style, name: str, size: Pt, bold: bool = False) -> None:
    font = run_or_style.font
    font.name, font.size, font.bold = name, size, bold
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _font_table(doc) -> None:
    """Declare the official fonts with an alternative name, so Word and WPS substitute them sensibly."""
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    from lxml import etree

    root = etree.fromstring(part.blob)
    for name, alt in ALTERNATIVES.items():
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): alt})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})
        etree.SubElement(font, qn("w:family"), {qn("w:val"): "modern" if name == BODY_FONT else "auto"})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "fixed" if name == BODY_FONT else "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _document():
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    sec.footer_distance = Mm(20)
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT, SIZE_3)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, BODY_LINE
    fmt.space_before = fmt.space_after = Pt(0)
    _font_table(doc)
    _page_numbers(sec)
    package_rels = doc.part.package.rels
    for rel_id in [k for k, r in package_rels.items() if r.reltype.endswith("/thumbnail")]:
        del package_rels[rel_id]         # python-docx's own sample page, not ours
    doc.core_properties.author = ""
    doc.core_properties.title = ""
    doc.core_properties.comments = ""
    return doc


def _page_numbers(section) -> None:
    """「— 1 —」 centred at the foot of each page."""
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(para.add_run("— "), "宋体", SIZE_4)
    run = para.add_run()
    _fonts(run, "宋体", SIZE_4)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(copy.deepcopy(el))
    _fonts(para.add_run(" —"), "宋体", SIZE_4)


def _para(doc, text: str = "", *, indent: bool = True, align=None, font: str = BODY_FONT, size: Pt = SIZE_3,
          right_chars: int = 0):
    para = doc.add_paragraph()
    if text:
        _fonts(para.add_run(text), font, size)
    if align is not None:
        para.alignment = align
    ind = para.paragraph_format.element.get_or_add_pPr().get_or_add_ind()
    if indent:
        ind.set(qn("w:firstLineChars"), "200")
        para.paragraph_format.first_line_indent = Pt(size.pt * 2)
    if right_chars:
        ind.set(qn("w:rightChars"), str(right_chars * 100))
        para.paragraph_format.right_indent = Pt(size.pt * right_chars)
    return para


def _title(doc, text: str) -> None:
    para = _para(doc, text, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=SIZE_2)
    para.paragraph_format.line_spacing = Pt(35)


def _table(doc, headers: list[tuple[str, int]], loop: str, row_var: str, size: Pt = Pt(12)) -> None:
    """A bordered table: a header row repeated on every page, and one docxtpl row loop over `loop`."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    head, start, body, end = table.rows
    tr_pr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    no_split = OxmlElement("w:cantSplit")
    body._tr.get_or_add_trPr().append(no_split)
    for col, (_, width) in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), headers):
        col.set(qn("w:w"), str(Mm(width).twips))
    for i, (name, width) in enumerate(headers):
        for row in table.rows:
            row.cells[i].width = Mm(width)
        _cell(head.cells[i], name, HEAD_FONT, size, center=True)
        _cell(body.cells[i], f"{{{{{row_var}.{name}}}}}", BODY_FONT, size, center=name in ("序号", "级别", "类别"))
    _cell(start.cells[0], f"{{%tr for {row_var} in {loop} %}}", BODY_FONT, size)
    _cell(end.cells[0], "{%tr endfor %}", BODY_FONT, size)


def _cell(cell, text: str, font: str, size: Pt, center: bool = False) -> None:
    para = cell.paragraphs[0]
    para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(para.add_run(text), font, size)


def _signature(doc, issuer: str, date: str) -> None:
    """落款 and date, never alone on a page (GB/T 9704: they stand with the last lines of the text):
    each paragraph from the blank lines on is kept with the next."""
    for para in (_para(doc), _para(doc), _para(doc, issuer, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT,
                                               right_chars=4)):
        para.paragraph_format.keep_with_next = True
    _para(doc, date, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)


def _with_next(para):
    """The closing lines of the text go to the next page with the signature rather than leave it alone."""
    para.paragraph_format.keep_with_next = True
    return para


def notice_template() -> Document:
    doc = _document()
    _para(doc, "〔　　〕　号", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)
    _title(doc, "关于{{年度}}年度政府信息公开工作年度报告存在问题的整改通知")
    _para(doc)
    _para(doc, "{{主送单位}}：", indent=False)
    _para(doc, "根据《中华人民共和国政府信息公开条例》第四十九条、第五十条关于政府信息公开工作年度报告的规定，"
               "我们对你单位{{年度}}年度政府信息公开工作年度报告（{{报告文件}}）进行了审核，"
               "发现以下{{问题数}}个问题，现通知你单位整改。")
    _table(doc, [("序号", 13), ("位置", 27), ("问题", 52), ("依据", 36), ("整改要求", 28)], "问题", "行")
    _with_next(_para(doc, "请你单位对照上述问题逐项整改，于{{整改期限}}前完成整改"
                          "{% if 工作日数 %}（{{工作日数}}个工作日）{% endif %}，将更正后的年度报告在本单位政府信息公开"
                          "平台重新发布，并将整改情况书面报送我单位。"))
    _with_next(_para(doc, "联系人：{{联系人}}"))
    _signature(doc, "{{发文机关}}", "{{通知日期}}")
    return doc


def result_template() -> Document:
    doc = _document()
    _title(doc, "{{标题年度}}政府信息公开工作年度报告审核结果单")
    _para(doc)
    _para(doc, "单位：{{单位}}", indent=False)
    _table(doc, [("文件", 46), ("审核结论", 34), ("读取情况", 26), ("按期发布", 30), ("发布日期", 20)], "报告", "份",
           SIZE_5)
    _para(doc, "{{概况}}")
    _para(doc, "{%p if 问题 %}", indent=False)           # no finding: no table and no 说明, 未发现问题 said above
    _table(doc, [("序号", 12), ("类别", 19), ("级别", 12), ("位置", 24), ("问题", 43), ("依据", 26),
                 ("处理情况", 20)], "问题", "行", SIZE_5)
    _para(doc, "说明：处理情况中，确认属实、不予采纳为审核人员的处理意见；未处理为尚未核查的问题；已豁免为按豁免"
               "清单不予计算的问题；需人工核查为程序未能可靠读取的内容，不是合规结论。", size=SIZE_4)
    _para(doc, "{%p endif %}", indent=False)
    _signature(doc, "{{发文机关}}", "{{出具日期}}")
    return doc


def main() -> None:
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    notice_template().save(TEMPLATES / "整改通知.docx")
    result_template().save(TEMPLATES / "审核结果单.docx")
    print(f"已生成 {TEMPLATES / '整改通知.docx'} 和 {TEMPLATES / '审核结果单.docx'}")


if __name__ == "__main__":
    main()
