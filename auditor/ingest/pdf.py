"""Reader for PDF files with a text layer (pdfplumber on pdfminer.six).

Per page: ruled tables found by pdfplumber's lines strategy become table blocks; every other
character is grouped into lines, and lines and tables are emitted top to bottom. A table that
continues on the next page stays two table blocks; extraction joins them.

pdfplumber's text strategy is deliberately not used as a fallback for unruled tables: Chinese
text has no spaces, so on our samples it returned the whole page as a one-column "table", or
split labels and merged numbers ("3 0" in one cell). An unruled table read as lines
("一、本年新收政府信息公开申请数量 12 3 0 1 0 2 18", cells separated by spaces where the gap is
wide) is the better input for extraction's token stream.

Fast path: each page is first read by pdfium (pdfium_pages.py, about ten times faster), which
gives the same characters and ruling lines pdfplumber would, or declines the page, which is then
read by pdfplumber as before; AUDITOR_PLAIN reads every page by pdfplumber
(tests/test_pdfium_pages.py keeps the two equal).

Scans (no text layer) and undecodable fonts are refused rather than returned as an empty or
garbled document, since an audit of either would accuse the agency of leaving everything out.
"""
from __future__ import annotations

import bisect
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from .. import limits, speed
from ..model import Block, Document, TableBlock, TextBlock
from . import pdfium_pages
from .pdfium_pages import Tables
from .text import header_meta

MAX_PAGES = limits.MAX_PDF_PAGES           # configurable: auditor/limits.py
MAX_CHARS = 5_000_000
GARBLED_LIMIT = 0.30

CORRUPT_MESSAGE = "PDF 文件损坏，无法读取"
NO_TEXT_MESSAGE = "PDF 无文字层（可能是扫描件），需要 OCR 后再审核"
GARBLED_MESSAGE = "PDF 文字层无法解码（字体缺少编码映射），需人工核查"
ENCRYPTED_MESSAGE = "PDF 已加密，需要密码才能打开，请提供未加密的文件"

_CID = re.compile(r"^\(cid:\d+\)$")
_SPACE_GAP = 0.3  # a gap wider than this share of the font size is a space (or a column gap)
_EPS = 0.01

_Char = dict[str, Any]


class _Refused(ValueError):
    """Our own verdict on the file; passed through untouched by the catch-all below."""


def read_pdf(path: str, data: bytes) -> Document:
    """Read a PDF into blocks; raises ValueError with a Chinese message when it cannot be audited."""
    _check_envelope(data)
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        raise _Refused(_open_error(exc)) from exc
    except Exception as exc:  # pdfminer raises many types on malformed input
        raise _Refused(CORRUPT_MESSAGE) from exc
    with pdf:
        try:
            return _read(path, pdf, data)
        except _Refused:
            raise
        except Exception as exc:  # same: a broken object deep in the file surfaces while reading
            raise _Refused(CORRUPT_MESSAGE) from exc


def _check_envelope(data: bytes) -> None:
    """A PDF starts with %PDF- and ends with %%EOF; a download cut short loses the end.

    pdfminer happily reads what is left of a truncated file, which would give a report with its
    later sections "missing". The tail window tolerates junk that some servers append.
    """
    if b"%PDF-" not in data[:1024]:
        raise _Refused(CORRUPT_MESSAGE)
    if b"%%EOF" not in data[-8192:]:
        raise _Refused(CORRUPT_MESSAGE)


def _open_error(exc: Exception) -> str:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = exc.args[0] if exc.args else exc
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return ENCRYPTED_MESSAGE
    return CORRUPT_MESSAGE


def _read(path: str, pdf, data: bytes) -> Document:
    from pdfminer.pdfpage import PDFPage

    count = sum(1 for _ in itertools.islice(PDFPage.create_pages(pdf.doc), MAX_PAGES + 1))
    if count == 0:
        raise _Refused(CORRUPT_MESSAGE)
    if count > MAX_PAGES:
        raise _Refused(f"PDF 页数超过上限（{MAX_PAGES} 页），拒绝读取")

    blocks: list[Block] = []
    problems: list[str] = []
    total = bad = 0
    fast = None if speed.plain() else pdfium_pages.open_pages(data, pdf, count)
    try:
        for index, page in enumerate(pdf.pages):
            got = fast.read(index, page) if fast is not None else None
            page_chars = got[0] if got is not None else page.chars
            chars = [c for c in page_chars if not c["text"].isspace()]
            total += len(chars)
            if total > MAX_CHARS:
                raise _Refused(f"PDF 文字过多（超过 {MAX_CHARS} 个字符），拒绝读取")
            bad += sum(1 for c in chars if _garbled(c["text"]))
            if chars:        # tables only on a page with text (pdfplumber's search costs)
                tables = got[1] if got is not None else _tables(page)
                _continue_table(blocks, _page_blocks(page_chars, tables))
            elif page.images:
                problems.append(f"第 {page.page_number} 页无文字层（可能是扫描页），其内容未读取")
            page.close()  # drop the page's parsed objects: 500 cached pages add up
    finally:
        if fast is not None:
            fast.close()
    if total == 0:
        raise _Refused(NO_TEXT_MESSAGE)
    if bad > GARBLED_LIMIT * total:
        raise _Refused(GARBLED_MESSAGE)
    if bad > 0.01 * total:
        problems.append(f"PDF 中有 {bad} 个字符无法解码（显示为 \ufffd 或私用区字符），相关内容需人工核查")
    meta = header_meta(blocks)
    title = pdf.metadata.get("Title")
    if isinstance(title, str) and title.strip():
        # Not '标题': the Title entry is usually the source file name or a template's title.
        meta["文档属性标题"] = title.strip()
    return Document(path=path, blocks=blocks, encoding=None, meta=meta, problems=problems)


# A short line of page furniture between a table's two parts: '- 3 -', '第 3 页', '3/12'.
_FURNITURE = re.compile(r"^[-—－\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[/／共]\s*\d{1,4}\s*页?)?[-—－\s]*$")
# A row label's start: '4.保护…', '（四）无法提供', '一、本年新收…'.
_ROW_START = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[)）.、．]")


def _continue_table(blocks: list[Block], page: list[Block]) -> None:
    """Append a page's blocks; when a table continues from the previous page and the break cut
    a row in two (Word/WPS/LibreOffice let a row break across pages: '4.保' and its numbers at
    the foot of one page, '护第三方合法权益' and empty cells at the head of the next), join the two
    halves into one row, so the label reads whole and its numbers stay with it.

    Joined only when both parts have the same width, no slot has a number in both halves, and
    the second half does not start a row of its own (a numbered label, '4.…', '（四）…'). Anything
    else is left as two rows: extraction then reads the label it recognises or marks the row
    unread, and never moves a number into another row."""
    prev_at = _last_table(blocks)
    next_at = next((i for i, b in enumerate(page) if not _furniture(b)), None)
    if prev_at is not None and next_at is not None and isinstance(page[next_at], TableBlock):
        joined = _join_cut_row(blocks[prev_at], page[next_at])
        if joined is not None:
            blocks[prev_at], page[next_at] = joined
    blocks.extend(page)


def _furniture(block: Block) -> bool:
    return isinstance(block, TextBlock) and _FURNITURE.match(block.text) is not None


def _last_table(blocks: list[Block]) -> int | None:
    for i in range(len(blocks) - 1, -1, -1):
        if isinstance(blocks[i], TableBlock):
            return i
        if not _furniture(blocks[i]):
            return None
    return None


def _is_number(text: str) -> bool:
    return re.fullmatch(r"[-+]?\d+(?:\.\d+)?", text.strip()) is not None


def _join_cut_row(first: TableBlock, second: TableBlock) -> tuple[TableBlock, TableBlock] | None:
    # Header rows repeated at the head of the next page ('申请人情况 自然人 …') are passed over.
    k = 0
    while k < len(second.rows) and k < 4 and any(_same_row(second.rows[k], row) for row in first.rows[:4]):
        k += 1
    if not first.rows or k >= len(second.rows) or len(first.rows[-1]) != len(second.rows[k]):
        return None
    if k:
        tail = TableBlock(second.rows[k:], frozenset((r - k, c) for r, c in second.copies if r >= k))
        joined = _join_cut_row(first, tail)
        if joined is None:
            return None
        rest = joined[1].rows if isinstance(joined[1], TableBlock) else []
        copies = joined[1].copies if isinstance(joined[1], TableBlock) else frozenset()
        head = frozenset((r, c) for r, c in second.copies if r < k)
        return joined[0], TableBlock(second.rows[:k] + rest, head | frozenset((r + k, c) for r, c in copies))
    last_r = len(first.rows) - 1
    top, bottom = first.rows[-1], second.rows[0]
    # The second half's own texts: not merged-cell copies, not a group label repeated from above.
    texts = [t.strip() for c, t in enumerate(bottom)
             if t.strip() and (0, c) not in second.copies and t.strip() != top[c].strip()]
    if not texts or _ROW_START.match(texts[0]):
        return None                      # the second part starts a row of its own
    top_has_number = any(_is_number(t) for c, t in enumerate(top) if (last_r, c) not in first.copies)
    bottom_has_number = any(_is_number(t) for t in texts)
    if top_has_number == bottom_has_number:
        return None                      # numbers on both sides (or neither): not one cut row
    merged: list[str] = []
    for c, (a, b) in enumerate(zip(top, bottom)):
        a, b = a.strip(), b.strip()
        if a and b and (_is_number(a) or _is_number(b)):
            return None
        if (0, c) in second.copies or not b or a == b:
            merged.append(a)
        else:
            merged.append(a + b)
    rest = second.rows[1:]
    copies = frozenset((r - 1, c) for r, c in second.copies if r > 0)
    return (TableBlock(first.rows[:-1] + [merged], first.copies),
            TableBlock(rest, copies) if rest else TextBlock(""))


def _same_row(a: list[str], b: list[str]) -> bool:
    return len(a) == len(b) and any(x.strip() for x in a) and [x.strip() for x in a] == [x.strip() for x in b]


def _garbled(text: str) -> bool:
    """U+FFFD, private-use code points and pdfminer's '(cid:N)' mean no Unicode mapping."""
    if _CID.match(text):
        return True
    return any(ch == "\ufffd" or 0xE000 <= ord(ch) <= 0xF8FF or ord(ch) >= 0xF0000 for ch in text)


def _tables(page) -> Tables:
    """The page's ruled tables by pdfplumber's lines strategy, as (cell boxes, table box)."""
    return [(table.cells, table.bbox) for table in page.find_tables()]


def _page_blocks(chars: list[_Char], tables: Tables) -> list[Block]:
    placed: list[tuple[float, int, Block]] = []
    used: set[int] = set()
    for cells, bbox in tables:
        if len({cell[0] for cell in cells}) < 2:
            continue  # one column: a page frame or a box around a note, read as text
        grid, copies, taken = _table_grid(cells, chars)
        if not taken:
            continue  # an empty ruled grid (a form, a decoration) says nothing
        used.update(taken)
        placed.append((bbox[1], 0, TableBlock(grid, copies)))
    rest = [c for i, c in enumerate(chars) if i not in used]
    for top, text in _lines(rest):
        if text.strip():
            placed.append((top, 1, TextBlock(text)))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [block for _, _, block in placed]


def _table_grid(cells: list[tuple[float, float, float, float]],
                chars: list[_Char]) -> tuple[list[list[str]], frozenset[tuple[int, int]], set[int]]:
    """Build the grid from the cell boxes, so merged cells are known, not guessed.

    pdfplumber's `Table.extract()` puts None in the slots a merged cell covers (and also where
    no cell exists at all). Here the grid's columns are the distinct left edges of the cells and
    its rows the distinct top edges; every cell's text is written into each slot whose corner
    lies inside the cell's box. A slot covered by no cell (an irregular table) stays ''.
    A cell's lines are joined without separator, like paragraphs in a Word cell.

    Returns the grid, the slots that merely repeat a merged cell (`TableBlock.copies`: all but
    the top-left slot of each cell) and the indexes of the characters used.
    """
    xs = sorted({c[0] for c in cells})
    tops = sorted({c[1] for c in cells})
    owner: list[list[int | None]] = [[None] * len(xs) for _ in tops]
    copies: set[tuple[int, int]] = set()
    for k, (x0, top, x1, bottom) in enumerate(cells):
        r0, c0 = bisect.bisect_left(tops, top - _EPS), bisect.bisect_left(xs, x0 - _EPS)
        for r in range(r0, bisect.bisect_left(tops, bottom - _EPS)):
            for c in range(c0, bisect.bisect_left(xs, x1 - _EPS)):
                owner[r][c] = k
                if (r, c) != (r0, c0):
                    copies.add((r, c))
    found: list[list[_Char]] = [[] for _ in cells]
    taken: set[int] = set()
    for i, ch in enumerate(chars):
        h, v = _hmid(ch), _vmid(ch)
        r, c = bisect.bisect_right(tops, v) - 1, bisect.bisect_right(xs, h) - 1
        if r < 0 or c < 0:
            continue
        k = owner[r][c]
        if k is None:
            continue
        x0, top, x1, bottom = cells[k]
        if x0 <= h < x1 and top <= v < bottom:
            found[k].append(ch)
            taken.add(i)
    texts = ["".join(t for _, t in _lines(f)) for f in found]
    grid = [["" if k is None else texts[k] for k in row] for row in owner]
    return grid, frozenset(copies), taken


def _hmid(c: _Char) -> float:
    return (c["x0"] + c["x1"]) / 2


def _vmid(c: _Char) -> float:
    return (c["top"] + c["bottom"]) / 2


def _lines(chars: Iterable[_Char]) -> list[tuple[float, str]]:
    """Group characters into lines (top to bottom), each line left to right, as (top, text).

    A character joins the current line when its vertical middle lies within the line's band,
    so mixed font sizes on one baseline stay one line.
    """
    lines: list[list[_Char]] = []
    band_top = band_bottom = 0.0
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        mid = _vmid(c)
        if lines and band_top <= mid <= band_bottom:
            lines[-1].append(c)
            band_bottom = max(band_bottom, c["bottom"])
        else:
            lines.append([c])
            band_top, band_bottom = c["top"], c["bottom"]
    return [(line[0]["top"], _line_text(line)) for line in lines]


def _line_text(line: list[_Char]) -> str:
    out: list[str] = []
    prev: _Char | None = None
    for c in sorted(line, key=lambda c: c["x0"]):
        text = c["text"]
        if prev is not None:
            size = max(prev["size"], c["size"], 1.0)
            if (text == prev["text"] and abs(c["x0"] - prev["x0"]) < 0.2 * size
                    and abs(c["top"] - prev["top"]) < 0.2 * size):
                continue  # drawn twice with a small offset: fake bold
            if c["x0"] - prev["x1"] > _SPACE_GAP * size and out and not out[-1].isspace() \
                    and not text.isspace():
                out.append(" ")
        if text.isspace():
            if out and not out[-1].isspace():
                out.append(" ")
        else:
            out.append(_decode(text))
        prev = c
    return "".join(out).strip()


def _decode(text: str) -> str:
    """Undo font-mapping artifacts: '(cid:N)' → U+FFFD; Kangxi radicals (⼀ U+2F00) and CJK
    compatibility ideographs, which many Chinese PDFs map their glyphs to, → the usual
    ideographs, so '⼀、总体情况' reads '一、总体情况'."""
    if text.startswith("(cid:") and _CID.match(text):
        return "\ufffd"
    if any(0x2E80 <= ord(ch) <= 0x2FDF or 0xF900 <= ord(ch) <= 0xFAFF for ch in text):
        return unicodedata.normalize("NFKC", text)
    return text
