"""Reader for Word files (.docx).

The body is walked element by element (w:p, w:tbl) because python-docx's `paragraphs` and
`tables` lists lose the order between them, and extraction needs to know which heading a table
follows. Tables become rectangular grids built from the XML itself (gridSpan, vMerge,
gridBefore/gridAfter), so a merged cell's text lands in every slot it covers.

Files come from the internet: the zip is checked for size and compression ratio before
python-docx (which trusts it) opens it.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from ..limits import MAX_DOCX_INFLATED_BYTES
from ..model import Block, Document, TableBlock, TextBlock
from .text import header_meta

MAX_TOTAL_UNCOMPRESSED = MAX_DOCX_INFLATED_BYTES   # configurable: auditor/limits.py
MAX_RATIO = 200
MAX_MEMBERS = 10_000
MAX_COLS = 64  # Word allows 63 columns

BOMB_MESSAGE = "DOCX 压缩包异常（疑似压缩炸弹），拒绝读取"
CORRUPT_MESSAGE = "DOCX 文件损坏或不是有效的 DOCX"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (_q(t) for t in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_CUSTOM_XML = _q("customXml")
_T, _TAB, _BR, _CR, _NB_HYPHEN = (_q(t) for t in ("t", "tab", "br", "cr", "noBreakHyphen"))
_R, _TXBX = _q("r"), _q("txbxContent")
# Subtrees whose text is not part of the visible paragraph: properties (pPr holds tab stops
# named w:tab), deleted/moved-away revisions, and the VML duplicate of every modern drawing.
_SKIP = {_q("pPr"), _q("rPr"), _q("del"), _q("moveFrom"), f"{{{_MC}}}Fallback"}
_CONTAINERS = {_SDT, _SDT_CONTENT, _CUSTOM_XML}


def read_docx(path: str, data: bytes) -> Document:
    """Read a .docx into blocks; raises ValueError with a Chinese message for unsafe/broken files."""
    _check_zip(data)
    import docx  # python-docx; imported here so text-only installs don't pay for it
    try:
        word = docx.Document(io.BytesIO(data))
        body = word.element.body
        blocks = list(_blocks(body))
        title = (word.core_properties.title or "").strip()
    except Exception as exc:  # python-docx/lxml/zipfile raise many types on malformed input
        raise ValueError(CORRUPT_MESSAGE) from exc
    meta = header_meta(blocks)
    if title:
        # Not '标题': core properties are often stale (the template's or "Microsoft Word - x.doc"),
        # and extraction trusts meta['标题'] over the heading in the text.
        meta["文档属性标题"] = title
    return Document(path=path, blocks=blocks, encoding=None, meta=meta)


def _check_zip(data: bytes) -> None:
    """Refuse zip bombs using the sizes in the central directory, before anything inflates.

    zipfile stops reading a member at its declared size (and fails the CRC if more was there),
    so checking the declared sizes bounds what python-docx can make us inflate.
    """
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValueError(CORRUPT_MESSAGE + "（文件是 OLE 复合文档：旧版 .doc 或加密的 Word 文件）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ValueError(CORRUPT_MESSAGE) from exc
    if len(infos) > MAX_MEMBERS:
        raise ValueError(BOMB_MESSAGE)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ValueError(BOMB_MESSAGE)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise ValueError(BOMB_MESSAGE)


def _blocks(parent) -> Iterator[Block]:
    """Paragraphs and tables under `parent` (body, cell, text box) in document order."""
    for child in parent:
        tag = child.tag
        if tag == _P:
            boxes: list = []
            text = _paragraph_text(child, boxes)
            if text.strip():
                yield TextBlock(text)
            for box in boxes:  # text boxes anchored in the paragraph follow it
                yield from _blocks(box)
        elif tag == _TBL:
            rows, copies = _table_grid(child)
            if rows:
                yield TableBlock(rows, copies)
        elif tag in _CONTAINERS:
            yield from _blocks(child)


def _paragraph_text(p, boxes: list) -> str:
    """Runs concatenated as written (Word splits runs anywhere); w:br/w:cr → newline."""
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _T:
                out.append(child.text or "")
            elif tag == _TXBX:
                boxes.append(child)
            elif el.tag == _R and tag == _TAB:
                out.append("\t")
            elif el.tag == _R and tag in (_BR, _CR):
                out.append("\n")
            elif el.tag == _R and tag == _NB_HYPHEN:
                out.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _cell_text(tc) -> str:
    """A cell's paragraphs joined without separator (a label wrapped by Enter stays one label)."""
    parts: list[str] = []
    for block in _blocks(tc):
        if isinstance(block, TextBlock):
            parts.append(block.text)
        else:  # a nested table, flattened; slots repeating a merged cell count once
            parts.extend(text for r, row in enumerate(block.rows) for c, text in enumerate(row)
                         if (r, c) not in block.copies)
    return "".join(parts)


def _iter_children(el, tag: str) -> Iterator:
    """Children with `tag`, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _CONTAINERS:
            yield from _iter_children(child, tag)


def _int_attr(parent, path: str, default: int) -> int:
    el = parent.find(path) if parent is not None else None
    if el is None:
        return default
    try:
        return max(0, int(el.get(_q("val"), default)))
    except ValueError:
        return default


def _table_grid(tbl) -> tuple[list[list[str]], frozenset[tuple[int, int]]]:
    """The table as a rectangular grid; merged cells repeated into every slot they cover.

    Also returns the slots that only repeat a merged cell (gridSpan beyond the first column,
    vMerge continuation rows), which is what `TableBlock.copies` means. Spans are capped at
    MAX_COLS because `gridSpan="1000000000"` would otherwise allocate the grid of a bomb.
    """
    rows: list[list[str]] = []
    copies: set[tuple[int, int]] = set()
    for tr in _iter_children(tbl, _TR):
        r = len(rows)
        trpr = tr.find(_q("trPr"))
        row: list[str] = [""] * min(_int_attr(trpr, _q("gridBefore"), 0), MAX_COLS)
        for tc in _iter_children(tr, _TC):
            tcpr = tc.find(_q("tcPr"))
            span = min(max(1, _int_attr(tcpr, _q("gridSpan"), 1)), MAX_COLS - len(row))
            if span <= 0:
                break
            vmerge = tcpr.find(_q("vMerge")) if tcpr is not None else None
            start = len(row)
            if vmerge is not None and vmerge.get(_q("val"), "continue") == "continue" and rows \
                    and start < len(rows[-1]):
                # A continuation cell is empty in the XML; it shows the text of the cell above.
                text = rows[-1][start]
                copies.update((r, c) for c in range(start, start + span))
            else:
                text = _cell_text(tc)
                copies.update((r, c) for c in range(start + 1, start + span))
            row.extend([text] * span)
        row.extend([""] * max(0, min(_int_attr(trpr, _q("gridAfter"), 0), MAX_COLS - len(row))))
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    if width == 0:
        return [], frozenset()
    return [r + [""] * (width - len(r)) for r in rows], frozenset(copies)
