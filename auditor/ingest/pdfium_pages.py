"""The fast path of PDF reading: a page's characters and ruled tables from pdfium, or None.

pdf.py opens every PDF with pdfplumber (page count, encryption, metadata and every refusal stay
there) and asks this module for each page first. A page comes back only when pdfium's reading is
known to equal pdfplumber's: upright (no /Rotate), its media box at the origin and equal to its
crop box, every character matched (pdfium_chars.py) and the ruling lines reproduced
(pdfium_edges.py). Anything else — and any error inside pdfium — gives None, and pdf.py reads the
page with pdfplumber. A page without characters also goes to pdfplumber, which looks for images
(a scanned page) as before.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

from .pdfium_chars import Char, DocumentFonts, page_chars
from .pdfium_edges import find_tables
from . import pdfium_font

log = logging.getLogger(__name__)

# pdfium is not thread-safe; a run reads in processes, but a Dask worker may run threads.
_PDFIUM = threading.Lock()

Box = tuple[float, float, float, float]
Tables = list[tuple[list[Box], Box]]


class PdfiumPages:
    """One open document in pdfium, read page by page beside pdfplumber's."""

    def __init__(self, document: Any, fonts: DocumentFonts) -> None:
        self.document = document
        self.fonts = fonts
        self.read_here = 0
        self.declined: Counter[str] = Counter()

    def read(self, index: int, plumber_page: Any) -> tuple[list[Char], Tables] | None:
        why: list[str] = []
        try:
            with _PDFIUM:
                got = self._read(index, plumber_page, why)
        except Exception as exc:   # pdfium or a font pdfminer cannot parse: pdfplumber decides
            got, why = None, [f"error: {type(exc).__name__}"]
        if got is None:
            self.declined[why[0] if why else "?"] += 1
        else:
            self.read_here += 1
        return got

    def _read(self, index: int, plumber_page: Any, why: list[str]) -> tuple[list[Char], Tables] | None:
        height = plumber_page.height
        if plumber_page.rotation or list(plumber_page.page_obj.mediabox[:2]) != [0, 0]:
            why.append("rotated or offset page")
            return None
        page = self.document[index]
        try:
            box = page.get_mediabox()
            if page.get_rotation() or box[:2] != (0, 0) or abs(box[3] - height) > 1e-3 \
                    or page.get_cropbox() != box:
                why.append("rotated, offset or cropped page")
                return None
            textpage = page.get_textpage()
            try:
                fonts = self.fonts.of_page(plumber_page.page_obj.resources)
                chars = page_chars(page, textpage, height, fonts, why)
            finally:
                textpage.close()
            if not chars:
                if chars is not None:
                    why.append("no characters")
                return None
            tables = find_tables(page, plumber_page)
            if tables is None:
                why.append("ruling lines not reproduced")
                return None
            return chars, [(table.cells, table.bbox) for table in tables]
        finally:
            page.close()

    def close(self) -> None:
        if self.declined:
            log.debug("PDF pages read by pdfium: %d; by pdfplumber: %s", self.read_here,
                      dict(self.declined))
        with _PDFIUM:
            self.document.close()


def open_pages(data: bytes, pdf: Any, count: int) -> PdfiumPages | None:
    """The document in pdfium, or None (pdfplumber reads every page) when pdfium cannot open it
    or counts its pages differently."""
    try:
        import pypdfium2
        with _PDFIUM:
            pdfium_font.install()
            document = pypdfium2.PdfDocument(data)
            if len(document) != count:
                document.close()
                return None
    except Exception:
        return None
    return PdfiumPages(document, DocumentFonts(pdf.rsrcmgr))
