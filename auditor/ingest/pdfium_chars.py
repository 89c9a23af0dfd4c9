"""A page's characters from pdfium, equal to the ones pdfplumber gives (the fields pdf.py reads).

pdfplumber's characters come from pdfminer interpreting the page in pure Python (~45 ms a page,
most of a PDF's reading time); pdfium reads the same page in C in a few milliseconds. The two
must not differ in anything the reader uses — text, x0, x1, top, bottom, size — so the boxes are
computed as pdfminer computes them: the baseline and matrix from pdfium, the font's descent and
advance widths from pdfminer's own font objects (pdfium takes both from the font program, and
LibreOffice writes Descent 0 while WPS and reportlab widths differ from the glyphs').

Whatever cannot be matched exactly makes `page_chars` return None and the caller reads that page
with pdfplumber: a rotated or offset page, skewed or mirrored text, vertical or Type 3 fonts, a
font pdfminer cannot name or whose copies disagree, a character pdfium could not map to Unicode
or that has no width in the font, and text objects pdfium's text layer left out (it drops an
object drawn again over itself, and one whose box has no width: pdfium_font.py gives the glyphs
of CJK fonts that are neither embedded nor installed a box, so that this does not happen to them). tests/test_pdfium_pages.py keeps both readers equal, page by page.
"""
from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from typing import Any

_SUBSET = re.compile(r"^[A-Z]{6}\+")
_UNSET = object()
_MAX_FORM_DEPTH = 8

Char = dict[str, Any]


class FontMetrics:
    """The fonts of one name as pdfminer measures them: descent, and advance width by the text
    pdfminer gives for a character."""

    def __init__(self, descent: float) -> None:
        self.descent = descent
        self._sources: list[tuple[Any, dict[str, list[int]]]] = []   # (pdfminer font, text → cids)
        self._widths: dict[str, float | None] = {}                    # memo of width()

    def add(self, font: Any, texts: dict[str, list[int]]) -> None:
        self._sources.append((font, texts))

    def width(self, text: str) -> float | None:
        """The advance of `text` in text space (pdfminer's char_width), None when no character
        gives this text or two that do have different widths."""
        got = self._widths.get(text, _UNSET)
        if got is not _UNSET:
            return got  # type: ignore[return-value]
        widths = {font.char_width(cid) for font, texts in self._sources for cid in texts.get(text, ())}
        value = widths.pop() if len(widths) == 1 else None
        self._widths[text] = value
        return value


def _texts(font: Any, cids: Any) -> dict[str, list[int]]:
    """text → the cids among `cids` that pdfminer reads as that text (those without Unicode,
    which pdfminer shows as '(cid:N)', left out)."""
    texts: dict[str, list[int]] = {}
    for cid in cids:
        try:
            text = font.to_unichr(cid)
        except Exception:
            continue
        texts.setdefault(text, []).append(cid)
    return texts


def _base_name(name: Any) -> str:
    raw = getattr(name, "name", name)
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1")
    return _SUBSET.sub("", str(raw))


class DocumentFonts:
    """pdfminer's fonts of each page (its resources and its forms'), by base font name without the
    subset tag — the name pdfium gives. Built from pdfplumber's own resource manager, so a page
    read by pdfplumber afterwards shares the parsed fonts."""

    def __init__(self, rsrcmgr: Any) -> None:
        self.rsrcmgr = rsrcmgr
        self._metrics: dict[tuple[int, ...], FontMetrics | None] = {}   # by the fonts' ids

    def of_page(self, resources: Any) -> dict[str, FontMetrics | None]:
        found: dict[str, dict[int, Any]] = {}
        for names, font in self._fonts(resources, 0, set()):
            for name in names:
                found.setdefault(name, {})[id(font)] = font
        out: dict[str, FontMetrics | None] = {}
        for name, fonts in found.items():
            key = tuple(sorted(fonts))
            if key not in self._metrics:
                self._metrics[key] = _metrics(list(fonts.values()))
            out[name] = self._metrics[key]
        return out

    def _fonts(self, resources: Any, depth: int, seen: set[int]) -> Iterator[tuple[set[str], Any]]:
        from pdfminer.pdftypes import PDFObjRef, dict_value, resolve1, stream_value

        resources = dict_value(resources) if resources else {}
        for spec in dict_value(resources.get("Font", {})).values():
            objid = spec.objid if isinstance(spec, PDFObjRef) else None
            spec = dict_value(spec)
            font = self.rsrcmgr.get_font(objid, spec)
            names = {_base_name(resolve1(spec.get("BaseFont", "")))}
            if hasattr(font, "basefont"):
                names.add(_base_name(font.basefont))
            yield names, font
        if depth >= _MAX_FORM_DEPTH:
            return
        for ref in dict_value(resources.get("XObject", {})).values():
            if isinstance(ref, PDFObjRef):
                if ref.objid in seen:
                    continue
                seen.add(ref.objid)
            xobj = stream_value(ref)
            if _base_name(resolve1(xobj.get("Subtype"))) == "Form" and "Resources" in xobj:
                yield from self._fonts(xobj["Resources"], depth + 1, seen)


def _metrics(fonts: list[Any]) -> FontMetrics | None:
    """The metrics of the fonts sharing one name, or None when they cannot be told apart safely."""
    from pdfminer.pdffont import PDFCIDFont, PDFType3Font

    descents = {font.get_descent() for font in fonts}
    if len(descents) != 1:
        return None
    metrics = FontMetrics(descents.pop())
    for font in fonts:
        if isinstance(font, PDFType3Font) or font.is_vertical():
            return None
        texts = _cid_font_texts(font) if isinstance(font, PDFCIDFont) else _texts(font, _simple_font_codes(font))
        if texts is None:
            return None
        metrics.add(font, texts)
    return metrics


def _simple_font_codes(font: Any) -> Any:
    """The codes a simple font's text can use: those its /Widths lists (a subset font's encoding
    also names codes it never uses, with width 0, for the same characters); all 256 when the widths
    come from the standard 14 fonts' metrics, keyed by character."""
    codes = [code for code in font.widths if isinstance(code, int)]
    return codes or range(256)


# Predefined CMaps and Unicode maps (UniGB-UCS2-H, Adobe-GB1: tens of thousands of cids) are
# shared objects in pdfminer's CMapDB: their text → cids table is built once per process.
_SHARED: dict[tuple[int, int], tuple[Any, Any, dict[str, list[int]]]] = {}


def _cid_font_texts(font: Any) -> dict[str, list[int]] | None:
    """text → cids for a CID font, over the cids its text can name: those its CMap reaches (a
    predefined CMap such as UniGB-UCS2-H reaches one of Adobe-GB1's several cids for a digit; the
    others have other widths) or, under an identity CMap, those its ToUnicode map lists."""
    from pdfminer.cmapdb import CMap, FileUnicodeMap, PyCMap, PyUnicodeMap

    cmap, umap = font.cmap, font.unicode_map
    if isinstance(cmap, PyCMap) and isinstance(umap, PyUnicodeMap):
        key = (id(cmap), id(umap))
        shared = _SHARED.get(key)
        if shared is None or shared[0] is not cmap or shared[1] is not umap:
            if len(_SHARED) > 16:
                _SHARED.clear()
            shared = _SHARED[key] = (cmap, umap, _texts(font, set(_walk(cmap.code2cid))))
        return shared[2]
    if isinstance(cmap, CMap):
        return _texts(font, set(_walk(cmap.code2cid)))
    if type(umap) is FileUnicodeMap:
        return _texts(font, umap.cid2unichr.keys())
    return None     # an identity CMap without a ToUnicode map: any cid is possible


def _walk(node: Any) -> Iterator[int]:
    for value in node.values():
        if isinstance(value, dict):
            yield from _walk(value)
        else:
            yield value


def page_chars(page: Any, textpage: Any, height: float, fonts: dict[str, FontMetrics | None],
               why: list[str] | None = None) -> list[Char] | None:
    """The page's characters as pdfplumber gives them (text, x0, x1, top, bottom, size), in the
    text layer's order; None when any of them cannot be reproduced exactly (the reason is appended
    to `why`, for the log and the tests)."""
    chars, reason = _chars(page, textpage, height, fonts)
    if chars is None and why is not None:
        why.append(reason)
    return chars


def _chars(page: Any, textpage: Any, height: float,
           fonts: dict[str, FontMetrics | None]) -> tuple[list[Char] | None, str]:
    import pypdfium2.raw as R

    if not _objects_all_read(page, textpage):
        return None, "text object left out by pdfium"
    raw = textpage.raw
    count = R.FPDFText_CountChars(raw)
    buffer = (ctypes.c_ushort * (count + 1))()
    R.FPDFText_GetText(raw, 0, count, buffer)
    texts = bytes(buffer)[:2 * count].decode("utf-16-le", errors="replace")
    if len(texts) != count:
        return None, "characters outside the basic plane"
    x, y = ctypes.c_double(), ctypes.c_double()
    object_at = _object_address(R)
    objects: dict[int | None, tuple[FontMetrics, float, float, float] | str] = {}
    chars: list[Char] = []
    for i, text in enumerate(texts):
        if text in _MAYBE_ADDED and R.FPDFText_IsGenerated(raw, i):
            continue            # a space or line break pdfium added: not in the file
        if R.FPDFText_HasUnicodeMapError(raw, i):
            return None, "no Unicode mapping"
        key = object_at(raw, i)
        got = objects.get(key)
        if got is None:
            got = objects[key] = _object_metrics(R, raw, i, R.FPDFText_GetTextObject(raw, i), fonts)
        if isinstance(got, str):
            return None, got
        metrics, size, a, d = got
        width = metrics.width(text)
        if width is None:
            return None, f"no width for {text!r}"
        R.FPDFText_GetCharOrigin(raw, i, x, y)
        # pdfminer: the box (0, descent·size) – (adv, descent·size + size) through the matrix.
        y0 = metrics.descent * size * d + y.value
        y1 = (metrics.descent * size + size) * d + y.value
        x0 = x.value
        chars.append({"text": text, "x0": x0, "x1": width * size * a + x0, "top": height - y1,
                      "bottom": height - y0, "size": y1 - y0})
    return chars, ""


def _object_address(R: Any) -> Any:
    """FPDFText_GetTextObject returning the address as an int (a dict key), not a pointer object:
    a third of the time per character otherwise goes to ctypes.cast."""
    address = ctypes.cast(R.FPDFText_GetTextObject, ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(address)


_MAYBE_ADDED = frozenset(" \r\n\ufffe\uffff")


def _object_metrics(R: Any, raw: Any, index: int, obj: Any,
                    fonts: dict[str, FontMetrics | None]) -> tuple[FontMetrics, float, float, float] | str:
    """(font metrics, font size, matrix a, matrix d) of the text object holding character `index`,
    or why its characters cannot be reproduced."""
    font = R.FPDFTextObj_GetFont(obj) if obj else None
    name = ctypes.create_string_buffer(256)
    if not font or not R.FPDFFont_GetBaseFontName(font, name, len(name)):
        return "font without a name"
    metrics = fonts.get(_base_name(name.value))
    if metrics is None:
        return f"font {_base_name(name.value)} not matched"
    matrix = R.FS_MATRIX()
    if not R.FPDFText_GetMatrix(raw, index, matrix):
        return "no matrix"
    if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
        return "text not upright"   # rotated, skewed or mirrored: pdfminer's box differs
    return metrics, R.FPDFText_GetFontSize(raw, index), matrix.a, matrix.d


def _objects_all_read(page: Any, textpage: Any) -> bool:
    """Whether pdfium's text layer has every text object of the page: it leaves out an object drawn
    again over an earlier one and one whose box has no width, which pdfminer keeps; such a page is
    read by pdfplumber."""
    import pypdfium2.raw as R

    for obj in page.get_objects(filter=(R.FPDF_PAGEOBJ_TEXT,), max_depth=_MAX_FORM_DEPTH):
        size = R.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
        if size <= 2:           # the terminating NUL alone: nothing of this object was kept
            return False
    return True
