"""PDF pages read by pdfium (auditor/ingest/pdfium_pages.py) give what pdfplumber gives.

Page by page: every character pdfium returns matches pdfplumber's (text, x0, x1, top, bottom,
size within float32 rounding) and the ruled tables have the same cells; a page pdfium cannot
match is declined, never approximated. Document by document: read_pdf gives the same Document
(or the same refusal) with the fast path and with AUDITOR_PLAIN. Corpus: the LibreOffice exports
of tests/data/pdf, reportlab PDFs (ruled and unruled tables, tables cut across pages, letter-
spaced titles, long documents), a realistic benchmark PDF, scanned / garbled / encrypted files,
and pages rotated or cropped after the fact.
"""
from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

from auditor import speed
from auditor.ingest import pdf as pdf_mod
from auditor.ingest import pdfium_chars, pdfium_pages
from auditor.ingest.pdf import read_pdf

from . import pdf_variants as P
from .fixtures_build import (build_encrypted_pdf, build_garbled_pdf, build_image_only_pdf, build_pdf,
                             report_col_widths, report_spec)

TOLERANCE = 1e-3        # pdfium keeps coordinates in float32: ~1e-4 on a 842 pt page
FIELDS = ("x0", "x1", "top", "bottom", "size")


def _spaced_title_pdf() -> bytes:
    """A WPS-like title: large, letter-spaced (Tc), then body lines; one line of Latin and digits."""
    from reportlab.pdfgen import canvas

    from .fixtures_build import pdf_font

    font = pdf_font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    y = 780
    lines = ["某某区人民政府办公室", "2023年政府信息公开工作年度报告",
             "本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）编制。",
             "Tel: 0571-87654321, 2023-12-31; 12 345 6 7.5%"]
    for i, line in enumerate(lines):
        text = c.beginText(60, y)
        text.setFont(font, 20 if i < 2 else 12)
        text.setCharSpace(8 if i < 2 else 0)
        text.textLine(line)
        c.drawText(text)
        y -= 36
    c.save()
    return out.getvalue()


ONE_GLYPH_LINES = ["本机关全年主动公开政府信息情况如下", "。", "商业企", "业", "科研机", "构"]


def _one_glyph_lines_pdf() -> bytes:
    """Text in reportlab's non-embedded STSong-Light, some lines of a single character."""
    from reportlab.pdfgen import canvas

    from .fixtures_build import pdf_font

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    for i, line in enumerate(ONE_GLYPH_LINES):
        c.setFont(pdf_font(), 12)
        c.drawString(60, 780 - 18 * i, line)
    c.save()
    return out.getvalue()


def _changed(data: bytes, change) -> bytes:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    change(doc[0])
    out = io.BytesIO()
    doc.save(out)
    doc.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("pdfium")
    spec = report_spec()
    files: dict[str, bytes] = {p.name: p.read_bytes() for p in sorted(P.PDF_DIR.glob("*.pdf"))}
    files["ruled.pdf"] = build_pdf(None, spec)
    files["ruled-narrow.pdf"] = build_pdf(None, spec, col_widths=report_col_widths())
    files["unruled.pdf"] = build_pdf(None, spec, ruled=False)
    files["long.pdf"] = build_pdf(None, spec, repeat=4)
    canon = P.canonical()
    for cut in ("row", "label", "none"):
        files[f"cut-{cut}.pdf"] = P.reportlab_cut_pdf(canon, folder / f"cut-{cut}.pdf", cut=cut).read_bytes()
    files["cut-bare.pdf"] = P.reportlab_cut_pdf(canon, folder / "bare.pdf", furniture=False).read_bytes()
    files["spaced-title.pdf"] = _spaced_title_pdf()
    files["one-glyph-lines.pdf"] = _one_glyph_lines_pdf()
    files["realistic.pdf"] = _realistic_pdf(folder)
    files["rotated.pdf"] = _changed(files["lo_docx_plain.pdf"], lambda page: page.set_rotation(90))
    files["cropped.pdf"] = _changed(files["lo_page_break_t3.pdf"],
                                    lambda page: page.set_cropbox(20, 20, 500, 700))
    files["scanned-page.pdf"] = build_image_only_pdf(text_first_page="第一页有文字，第二页是扫描件")
    files["image-only.pdf"] = build_image_only_pdf()
    files["garbled.pdf"] = build_garbled_pdf()
    files["encrypted.pdf"] = build_encrypted_pdf()
    return files


def _realistic_pdf(folder: Path) -> bytes:
    from bench import realistic as R

    plans, regions = R.plan(60, 11, 1)
    plan = next(p for p in plans if p.layout == "pdf_ruled")
    R.render(plan, folder, regions[plan.agency.region])
    return (folder / plan.file).read_bytes()


def _pages(data: bytes) -> tuple[Counter, list[str]]:
    """Compare every page pdfium reads with pdfplumber's; returns the reasons pages were declined
    (and 'read' for the pages pdfium read) and the differences found."""
    outcome: Counter = Counter()
    wrong: list[str] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        fast = pdfium_pages.open_pages(data, pdf, len(pdf.pages))
        assert fast is not None
        try:
            for index, page in enumerate(pdf.pages):
                before = Counter(fast.declined)
                got = fast.read(index, page)
                if got is None:
                    reasons = Counter(fast.declined) - before
                    if "no characters" in reasons and page.chars:
                        wrong.append(f"page {index + 1}: declined as empty, pdfplumber has {len(page.chars)} characters")
                    outcome.update(reasons)
                    continue
                outcome["read"] += 1
                chars, tables = got
                wrong += [f"page {index + 1}: {w}" for w in _char_differences(page.chars, chars)]
                wrong += [f"page {index + 1}: {w}" for w in _table_differences(page.find_tables(), tables)]
        finally:
            fast.close()
    return outcome, wrong


def _char_differences(plain: list[dict], fast: list[dict]) -> list[str]:
    if Counter(c["text"] for c in plain) != Counter(c["text"] for c in fast):
        return [f"characters differ: {len(plain)} vs {len(fast)}"]

    def key(c: dict) -> tuple:
        return (c["text"], round(c["top"], 1), round(c["x0"], 1))

    out = []
    for a, b in zip(sorted(plain, key=key), sorted(fast, key=key)):
        for field in FIELDS:
            if abs(a[field] - b[field]) > TOLERANCE:
                out.append(f"{a['text']!r} {field} {a[field]} vs {b[field]}")
    return out


def _table_differences(plain: list, fast: list) -> list[str]:
    if len(plain) != len(fast):
        return [f"{len(plain)} tables vs {len(fast)}"]
    out = []
    for a, (cells, bbox) in zip(plain, fast):
        boxes = [a.bbox, *a.cells], [bbox, *cells]
        if len(boxes[0]) != len(boxes[1]) or any(abs(p - q) > TOLERANCE for x, y in zip(*boxes)
                                                  for p, q in zip(x, y)):
            out.append(f"table at {a.bbox} differs")
    return out


READ_BY_PDFIUM = ["lo_collapsed_other.pdf", "lo_docx_plain.pdf", "lo_docx_vertical_labels.pdf",
                  "lo_page_break_label.pdf", "lo_page_break_t3.pdf", "lo_t4_one_row.pdf", "lo_unruled.pdf",
                  "lo_vertical_labels.pdf", "spaced-title.pdf", "ruled.pdf", "ruled-narrow.pdf", "unruled.pdf",
                  "long.pdf", "cut-row.pdf", "cut-label.pdf", "cut-none.pdf", "cut-bare.pdf", "realistic.pdf",
                  "one-glyph-lines.pdf"]


def test_the_corpus_has_the_layouts(corpus):
    assert set(PAGE_CASES) <= set(corpus)
    assert len([name for name in corpus if name.startswith("lo_")]) >= 8   # the LibreOffice exports


PAGE_CASES = [*READ_BY_PDFIUM, "rotated.pdf", "cropped.pdf", "scanned-page.pdf"]


@pytest.mark.parametrize("name", PAGE_CASES)
def test_every_page_pdfium_reads_equals_pdfplumber(corpus, name):
    outcome, wrong = _pages(corpus[name])
    assert not wrong, wrong[:10]
    if name in READ_BY_PDFIUM:     # upright pages: pdfium reads every page with text
        assert set(outcome) <= {"read", "no characters"} and outcome["read"], outcome


def test_pdfium_reads_most_pages_of_the_corpus(corpus):
    """The fast path is taken: over the corpus every page but the rotated, the cropped and those
    without characters."""
    total: Counter = Counter()
    for name in corpus:
        if name not in ("garbled.pdf", "encrypted.pdf", "image-only.pdf"):
            total.update(_pages(corpus[name])[0])
    assert total["read"] >= 0.9 * sum(total.values()), total


def test_one_glyph_lines_of_a_font_this_machine_lacks_are_read(corpus):
    """reportlab's STSong-Light is not embedded: without a CJK font on the machine a glyph has an
    empty box, and pdfium would drop each text object of one glyph (a line holding only "。", a
    cell's second line "业"). The stand-in font (pdfium_font.py) gives the glyphs boxes: the page
    is read by pdfium, equal to pdfplumber, with those characters."""
    import pypdfium2
    import pypdfium2.raw as R

    data = corpus["one-glyph-lines.pdf"]
    outcome, wrong = _pages(data)
    assert outcome == Counter({"read": 1}) and not wrong
    doc = pypdfium2.PdfDocument(data)
    try:
        page = doc[0]
        objects = list(page.get_objects(filter=(R.FPDF_PAGEOBJ_TEXT,)))
        assert len(objects) == len(ONE_GLYPH_LINES)
        assert all(obj.get_bounds()[2] > obj.get_bounds()[0] for obj in objects)
        chars, _ = _fast_read(data, 0)
    finally:
        doc.close()
    assert "".join(c["text"] for c in sorted(chars, key=lambda c: (round(c["top"]), c["x0"]))) \
        == "".join(ONE_GLYPH_LINES)


def _fast_read(data: bytes, index: int):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        fast = pdfium_pages.open_pages(data, pdf, len(pdf.pages))
        try:
            return fast.read(index, pdf.pages[index])
        finally:
            fast.close()


def test_pages_pdfium_cannot_match_are_declined(corpus):
    assert _pages(corpus["rotated.pdf"])[0]["rotated or offset page"] == 1
    assert _pages(corpus["cropped.pdf"])[0]["rotated, offset or cropped page"] == 1
    outcome, _ = _pages(corpus["scanned-page.pdf"])
    assert outcome == Counter({"read": 1, "no characters": 2})   # the scan, and a blank page


def _read(name: str, data: bytes, plain: bool, monkeypatch) -> object:
    if plain:
        monkeypatch.setenv(speed.PLAIN_ENV, "1")
    else:
        monkeypatch.delenv(speed.PLAIN_ENV, raising=False)
    try:
        return read_pdf(name, data)
    except ValueError as exc:
        return ("refused", str(exc))


def test_documents_same_with_and_without_pdfium(corpus, monkeypatch):
    for name, data in corpus.items():
        fast = _read(name, data, False, monkeypatch)
        plain = _read(name, data, True, monkeypatch)
        assert fast == plain, name
    assert _read("garbled.pdf", corpus["garbled.pdf"], False, monkeypatch)[0] == "refused"


def test_the_plain_switch_keeps_pdfium_out(corpus, monkeypatch):
    opened = []
    monkeypatch.setattr(pdfium_pages, "open_pages", lambda *a: opened.append(a) or None)
    _read("ruled.pdf", corpus["ruled.pdf"], True, monkeypatch)
    assert opened == []
    _read("ruled.pdf", corpus["ruled.pdf"], False, monkeypatch)
    assert len(opened) == 1


def test_an_error_inside_pdfium_falls_back_to_pdfplumber(corpus, monkeypatch):
    plain = _read("lo_unruled.pdf", corpus["lo_unruled.pdf"], True, monkeypatch)

    def broken(*args, **kwargs):
        raise RuntimeError("pdfium failed")

    monkeypatch.setattr(pdfium_pages, "page_chars", broken)
    assert _read("lo_unruled.pdf", corpus["lo_unruled.pdf"], False, monkeypatch) == plain


def test_a_font_pdfminer_measures_otherwise_is_declined(corpus, monkeypatch):
    """Descent and widths come from pdfminer's fonts: a font that cannot be matched by name
    declines the page instead of guessing pdfium's own metrics."""
    monkeypatch.setattr(pdfium_chars, "_base_name", lambda name: "?" + str(name))
    outcome, wrong = _pages(corpus["lo_unruled.pdf"])
    assert "read" not in outcome and not wrong
    assert all(reason.startswith("font ") for reason in outcome if reason != "no characters"), outcome


def test_widths_are_pdfminers_not_the_glyphs(corpus):
    """LibreOffice's Widths and reportlab's /W differ from the glyphs pdfium measures: x1 follows
    pdfminer's widths (a loose box from pdfium would be off by up to 2.8 pt on digits)."""
    import pypdfium2
    import pypdfium2.raw as R

    data = corpus["spaced-title.pdf"]
    outcome, wrong = _pages(data)
    assert outcome == Counter({"read": 1}) and not wrong
    doc = pypdfium2.PdfDocument(data)
    textpage = doc[0].get_textpage()
    box = R.FS_RECTF()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        digits = [c for c in pdf.pages[0].chars if c["text"].isdigit()]
    loose = []
    for i in range(textpage.count_chars()):
        if chr(R.FPDFText_GetUnicode(textpage.raw, i)).isdigit():
            R.FPDFText_GetLooseCharBox(textpage.raw, i, box)
            loose.append(box.right)
    doc.close()
    assert max(abs(a["x1"] - b) for a, b in zip(digits, loose)) > 0.5


def test_the_reader_takes_characters_and_tables_from_either_path():
    """_page_blocks reads plain lists, so both paths meet in the same code."""
    chars = [{"text": t, "x0": 60.0 + 12 * i, "x1": 72.0 + 12 * i, "top": 100.0, "bottom": 112.0, "size": 12.0}
             for i, t in enumerate("总体情况")]
    assert [b.text for b in pdf_mod._page_blocks(chars, [])] == ["总体情况"]
