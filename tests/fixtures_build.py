"""Build the test documents (DOCX and PDF) at test time, so no binary fixture is committed.

The PDF uses reportlab's built-in CID font STSong-Light: it needs no font file on the machine
(CI installs nothing), and its text layer maps back to Unicode, so Chinese round-trips exactly.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.documents import (BODY_SIZE, CJK_FONT, MARGIN, PAGE_H, PAGE_W, Merge, Paragraph, PdfWriter,
                             docx_paragraph, pdf_font)

_font, _PdfWriter = pdf_font, PdfWriter     # the names tests/pdf_variants.py imports them by

@dataclass
class Spec:
    title: str
    before: list[Paragraph]
    table: list[list[str]]
    merges: list[Merge] = field(default_factory=list)
    after: list[Paragraph] = field(default_factory=list)


def expanded(rows: list[list[str]], merges: list[Merge]) -> list[list[str]]:
    """The grid a reader should return: every slot of a merged region repeats its text."""
    grid = [list(r) for r in rows]
    for m in merges:
        text = rows[m.row][m.col]
        for r in range(m.row, m.row + m.rowspan):
            for c in range(m.col, m.col + m.colspan):
                grid[r][c] = text
    return grid


def expected_copies(merges: list[Merge]) -> frozenset[tuple[int, int]]:
    """Slots that only repeat a merged cell (everything but each region's top-left slot)."""
    return frozenset((r, c) for m in merges
                     for r in range(m.row, m.row + m.rowspan)
                     for c in range(m.col, m.col + m.colspan) if (r, c) != (m.row, m.col))


def _para_text(p: Paragraph) -> str:
    return p if isinstance(p, str) else "".join(p)


# --------------------------------------------------------------------------------------- DOCX

def build_docx(path: Path, spec: Spec, core_title: str | None = None) -> Path:
    """A .docx with real merged cells (cell.merge → gridSpan / vMerge in the XML)."""
    import docx

    doc = docx.Document()
    doc.add_paragraph(spec.title)
    for p in spec.before:
        docx_paragraph(doc, p)
    nrows, ncols = len(spec.table), len(spec.table[0])
    table = doc.add_table(rows=nrows, cols=ncols)
    table.style = "Table Grid"
    for r in range(nrows):
        for c in range(ncols):
            owner = next((m for m in spec.merges if m.covers(r, c)), None)
            if owner is None or (owner.row, owner.col) == (r, c):
                table.cell(r, c).text = spec.table[r][c]
    for m in spec.merges:
        a = table.cell(m.row, m.col)
        b = table.cell(m.row + m.rowspan - 1, m.col + m.colspan - 1)
        a.merge(b)
    for p in spec.after:
        docx_paragraph(doc, p)
    if core_title is not None:
        doc.core_properties.title = core_title
    doc.save(str(path))
    return path


def build_zip_bomb(path: Path, member_mb: int = 300) -> Path:
    """A DOCX-named zip whose document.xml inflates to `member_mb` MB of zeros (streamed)."""
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as f:
            for _ in range(member_mb):
                f.write(chunk)
    return path


def build_many_members_zip(path: Path, count: int) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(count):
            zf.writestr(f"word/m{i}.xml", b"")
    return path


# ---------------------------------------------------------------------------------------- PDF

def build_pdf(path: Path | None, spec: Spec, col_widths: list[float] | None = None,
              repeat: int = 1, ruled: bool = True) -> bytes:
    """A text PDF: title, paragraphs, a ruled table, paragraphs; `repeat` makes it longer."""
    from reportlab.pdfgen import canvas

    pdf_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    w = PdfWriter(c)
    ncols = len(spec.table[0])
    widths = col_widths or [(PAGE_W - 2 * MARGIN) / ncols] * ncols
    for i in range(repeat):
        if i:
            c.showPage()
            w.y = PAGE_H - MARGIN
        w.paragraph(spec.title, 16)
        for p in spec.before:
            w.paragraph(_para_text(p))
        w.table(spec.table, spec.merges, widths, ruled)
        for p in spec.after:
            w.paragraph(_para_text(p))
    c.save()
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def build_image_only_pdf(path: Path | None = None, text_first_page: str | None = None) -> bytes:
    """A 'scanned' PDF: a page with an image and a filled rectangle, no text at all.

    With `text_first_page`, a page with that text comes first (a partly scanned report)."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (200, 100), 255)
    for x in range(20, 180):
        img.putpixel((x, 50), 0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    if text_first_page is not None:
        c.setFont(pdf_font(), BODY_SIZE)
        c.drawString(MARGIN, 700, text_first_page)
        c.showPage()
    c.drawImage(ImageReader(img), 100, 500, 400, 200)
    c.rect(100, 300, 200, 100, fill=1)
    c.showPage()
    c.rect(50, 50, 100, 100, fill=1)
    c.save()
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def build_encrypted_pdf(user_password: str = "secret") -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    pdf_font()
    buf = io.BytesIO()
    enc = StandardEncryption(user_password, ownerPassword="owner-" + user_password)
    c = canvas.Canvas(buf, encrypt=enc)
    c.setFont(CJK_FONT, 12)
    c.drawString(60, 700, "加密的年度报告")
    c.save()
    return buf.getvalue()


def build_raw_pdf(content: bytes, font_dict: bytes, extra_objects: list[bytes] = ()) -> bytes:
    """A one-page PDF written by hand (for fonts reportlab will not produce), with a valid xref."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        font_dict,
        *extra_objects,
    ]
    return pdf_of_objects(objects)


def pdf_of_objects(objects: list[bytes]) -> bytes:
    """A PDF file of `objects` (numbered from 1, the catalog first), with a valid xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def build_garbled_pdf() -> bytes:
    """Text drawn with an Identity-H CID font and no ToUnicode: the glyphs cannot be decoded."""
    glyphs = b"".join(bytes([0x10 + i // 256, i % 256]) for i in range(40))
    content = b"BT /F1 12 Tf 60 700 Td <" + glyphs.hex().encode() + b"> Tj ET"
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H"
            b" /DescendantFonts [6 0 R] >>")
    descendant = (b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun"
                  b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
                  b" /DW 1000 >>")
    return build_raw_pdf(content, font, [descendant])


# ------------------------------------------------------------------------- sample report data

T3_COL_HEADS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def report_spec() -> Spec:
    """A shortened report in the shape of the 2021 template, with table 3's merged header."""
    head = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    rows = [
        [head, "", "申请人情况", "", "", "", "", "", ""],
        [head, "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        [head, "", "", *T3_COL_HEADS, ""],
        ["一、本年新收政府信息公开申请数量", "", "12", "3", "0", "1", "0", "2", "18"],
        ["二、上年结转政府信息公开申请数量", "", "1", "0", "0", "0", "0", "0", "1"],
        ["三、本年度办理结果", "（一）予以公开", "5", "1", "0", "0", "0", "1", "7"],
        ["", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "2", "0", "0", "0", "0", "0", "2"],
        ["", "（三）不予公开", "6", "2", "0", "1", "0", "1", "10"],
    ]
    merges = [
        Merge(0, 0, rowspan=3, colspan=2),
        Merge(0, 2, colspan=7),
        Merge(1, 2, rowspan=2),
        Merge(1, 3, colspan=5),
        Merge(1, 8, rowspan=2),
        Merge(3, 0, colspan=2),
        Merge(4, 0, colspan=2),
        Merge(5, 0, rowspan=3),
    ]
    return Spec(
        title="某某市人民政府办公室2023年政府信息公开工作年度报告",
        before=[
            "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。",
            "一、总体情况",
            "（一）主动公开。全年主动公开政府信息1,234条，同比增长12.5%；“两微一端”发布信息56条。",
            ["三、收到和处理", "政府信息公开申请情况"],
        ],
        table=rows,
        merges=merges,
        after=["四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"],
    )


def report_col_widths() -> list[float]:
    return [70.0, 125.0] + [40.0] * 7
