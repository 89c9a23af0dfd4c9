"""Reader for HTML pages (crawler-saved copies of published reports, Word-pasted HTML).

Every block-level element becomes a text block and every `<table>` a table block, in reading
order. Word splits words and numbers across `<span>`/`<font>`/`<o:p>` runs, so inline runs are
joined without inserting anything; `<br>` becomes a newline. The tree is walked with explicit
stacks, never by recursion, so deeply nested pages cannot overflow the Python stack.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from itertools import repeat
from operator import itemgetter
from typing import Any

import lxml.etree as etree

from .. import limits
from ..model import Block, Document, TableBlock, TextBlock
from .encoding import decode_bytes
from .text import _meta_pairs

SNIFF_BYTES = 8192
MAX_SPAN = 100
MAX_TABLE_ROWS = limits.MAX_TABLE_ROWS      # configurable: auditor/limits.py
MAX_TABLE_COLS = 500
MAX_TABLE_SLOTS = 250_000

# Elements whose whole content is never report text.
_DROP = frozenset({
    "head", "title", "script", "style", "noscript", "template", "meta", "link", "base",
    "iframe", "frame", "object", "embed", "applet", "svg", "math", "canvas", "audio", "video",
    "select", "datalist", "textarea", "xml",
})
# Elements that start and end a block of text.
_BLOCK = frozenset({
    "html", "body", "address", "article", "aside", "blockquote", "caption", "center", "dd",
    "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend",
    "li", "listing", "main", "menu", "nav", "ol", "optgroup", "option", "p", "plaintext", "pre",
    "section", "summary", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "xmp",
})
_PRE = frozenset({"pre", "listing", "plaintext", "xmp", "textarea"})
_ROW_GROUPS = frozenset({"thead", "tbody", "tfoot"})
_CELLS = frozenset({"td", "th"})
# Descendants that make an element's content more than the concatenation of its text runs.
_NOT_INLINE = _DROP | _BLOCK | _PRE | {"table", "br"}

_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""")
# Whitespace that HTML collapses: ASCII whitespace, NBSP and the typographic spaces (not U+3000,
# the ideographic space that Chinese text uses on purpose).
_WS = re.compile(r"[ \t\n\r\f\v\xa0\u1680\u2000-\u200a\u202f\u205f]+")
_INVISIBLE = {ord("\u200b"): None, ord("\ufeff"): None, ord("\u00ad"): None}
_SPAN_NUMBER = re.compile(r"\s*(\d+)")
_TEXT = itemgetter(0)       # of a (text, rowspan, colspan) cell
_SPANS = itemgetter(1, 2)   # (rowspan, colspan) of a (text, rowspan, colspan) cell
_ONE_SLOT = {(1, 1)}

# Inline formatting tags, removed only when libxml2 refuses a too-deep tree.
_INLINE_TAG = re.compile(
    r"</?(?:font|span|b|i|u|s|em|strong|small|big|sup|sub|strike|ins|del|a|abbr|label|code|"
    r"tt|var|kbd|samp|cite|q|mark|nobr|o:p|st1:[a-z]+)(?:\s[^<>]*)?/?>", re.IGNORECASE)

_BREAK = object()   # <br>, or a newline inside <pre>
_BOUNDARY = object()  # start or end of a block element


class _TooDeep(ValueError):
    """libxml2 hit its nesting limit (256 levels without huge_tree)."""


class _Table:
    __slots__ = ("el",)

    def __init__(self, el: Any) -> None:
        self.el = el


def read_html(path: str, data: bytes) -> Document:
    """Decode and parse an HTML page into a Document. Raises ValueError (Chinese) if unparseable."""
    text, encoding = decode_bytes(data, _declared_charset(data))
    problems: list[str] = []
    try:
        root = _parse(text, _utf8_source(data, encoding))
    except _TooDeep:
        # Old pages leave <font> open before every <p>, so libxml2 nests each paragraph in the
        # previous one. Inline tags carry no structure here (runs are joined anyway): drop them.
        try:
            root = _parse(_INLINE_TAG.sub("", text))
        except _TooDeep:
            raise ValueError("HTML 嵌套过深，无法解析") from None
        problems.append("HTML 嵌套过深，已忽略行内格式标签后重新解析")
    blocks = _Builder(problems).run(root) if root is not None else []
    meta: dict[str, str] = {}
    for block in blocks:
        # a header line needs a colon: most blocks have none and are not split into lines
        if isinstance(block, TextBlock) and (":" in block.text or "：" in block.text):
            for line in block.text.split("\n"):
                for key, value in _meta_pairs(line):
                    meta.setdefault(key, value)
    if "标题" not in meta and root is not None:
        for title in root.iter("title"):
            value = _clean("".join(title.itertext()))
            if value:
                meta["标题"] = value
                break
    return Document(path=path, blocks=blocks, encoding=encoding, meta=meta, problems=problems)


# --- decoding and parsing -------------------------------------------------------------------

def _declared_charset(data: bytes) -> str | None:
    """The charset a `<meta>` tag (or XML declaration) near the top of the page declares."""
    head = data[:SNIFF_BYTES]
    m = _META_CHARSET.search(head) or _XML_DECL.search(head)
    if not m:
        return None
    declared = m.group(1).decode("ascii", "replace").strip().lower()
    if declared in {"utf-16", "utf-16le", "utf-16be", "utf-32"}:
        return None  # a byte-sniffed page with such a meta is ASCII-compatible, i.e. not UTF-16
    if declared not in {"utf-8", "utf8"} and _is_utf8_text(data):
        # Crawlers re-save pages as UTF-8 and keep the old `charset=gb2312`; non-ASCII text
        # that is valid UTF-8 is (practically) never GBK.
        return None
    return declared


def _is_utf8_text(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf8_source(data: bytes, encoding: str) -> bytes | None:
    """The file's bytes when they are exactly what `_parse` would encode the text to, else None.

    Strictly decoded UTF-8 encodes back to the same bytes, so most pages need no re-encoding."""
    if b"\x00" in data:
        return None
    if encoding in ("utf-8", "utf8"):
        return data
    if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):]
    return None


def _parse(text: str, utf8: bytes | None = None) -> Any:
    """Parse the page; `utf8`, if given, is `text` already encoded (see `_utf8_source`)."""
    # lxml.etree's parser, not lxml.html's: same libxml2 parse, but lxml.html calls back into
    # Python for every element it hands out (to pick an HtmlElement class) and we need none.
    parser = etree.HTMLParser(
        encoding="utf-8", no_network=True, huge_tree=False, recover=True,
        remove_comments=True, remove_pis=True, default_doctype=False)
    data = utf8 if utf8 is not None else text.replace("\x00", "").encode("utf-8", "replace")
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        _check_limits(parser)
        if not data.strip():
            return None
        raise ValueError(f"HTML 无法解析：{exc}") from exc
    _check_limits(parser)
    return root


def _check_limits(parser: Any) -> None:
    """libxml2 stops at a resource limit and returns a silently cut tree: refuse it instead."""
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in entry.message:
            if "depth" in entry.message.lower():
                raise _TooDeep("HTML 嵌套过深，无法解析")
            raise ValueError("HTML 内容超出解析器限制（单段文本过大），无法解析")


# --- text cleanup ---------------------------------------------------------------------------

def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _clean(s: str) -> str:
    """Collapse whitespace like a browser; a line break between two CJK characters vanishes."""
    # Called for every cell and line: skip the work that (almost always) has nothing to do.
    # Printable text holds no invisible, control or whitespace characters except U+0020;
    # text that is all whitespace (as str.strip sees it) cleans to nothing.
    if " " not in s and s.isprintable():
        return s
    if s.isspace():
        return ""
    if "\u200b" in s or "\ufeff" in s or "\u00ad" in s:
        s = s.translate(_INVISIBLE)
    if "\n" in s or "\r" in s:
        return _collapse_breaks(s)
    return _WS.sub(" ", s).strip()


def _collapse_breaks(s: str) -> str:
    """`_clean` for text with line breaks: a run holding one may join two CJK characters."""

    def repl(m: re.Match[str]) -> str:
        run = m.group(0)
        if "\xa0" not in run and ("\n" in run or "\r" in run):
            i, j = m.start(), m.end()
            if 0 < i and j < len(s) and _wide(s[i - 1]) and _wide(s[j]):
                return ""
        return " "

    return _WS.sub(repl, s).strip()


def _lines(pieces: list[Any]) -> list[str]:
    """Inline pieces (strings and breaks) → cleaned, non-empty lines."""
    if _BREAK not in pieces:  # the usual case: one line
        line = _clean("".join(pieces))
        return [line] if line else []
    lines: list[str] = []
    current: list[str] = []
    for piece in pieces + [_BREAK]:
        if piece is _BREAK:
            line = _clean("".join(current))
            if line:
                lines.append(line)
            current = []
        else:
            current.append(piece)
    return lines


# --- the walk -------------------------------------------------------------------------------

def _tag(el: Any) -> str | None:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else None


def _first_not_inline(el: Any) -> Any | None:
    """The first descendant of `el` that is more than an inline run (or no element), or None.

    (A tag filter on `iterdescendants` would search in C, but building the filter for ~80 tag
    names costs more per call than this loop over a paragraph's few runs.)"""
    for node in el.iterdescendants():
        tag = node.tag
        if not isinstance(tag, str) or tag.lower() in _NOT_INLINE:
            return node
    return None


def _events(items: list[Any]) -> Iterator[Any]:
    """Walk elements/strings in document order with an explicit stack.

    Yields text strings, _BREAK, _BOUNDARY and _Table (tables are not descended into).
    Tails of the given elements are not included; callers pass them as strings.
    An element holding only text and inline runs (most paragraphs) is not walked: its text
    comes from `itertext` in one piece, which the consumers would have joined anyway.
    """
    stack: list[tuple[int, Any]] = [(0, item) for item in reversed(items)]
    pre = 0
    # Elements known to hold a non-inline descendant: the path from an element to the first
    # such descendant is recorded when found, so no subtree is searched over and over.
    mixed: set[Any] = set()
    while stack:
        kind, x = stack.pop()
        if kind == 1:  # text
            if pre and "\n" in x:
                parts = x.replace("\r\n", "\n").split("\n")
                for k, part in enumerate(parts):
                    if k:
                        yield _BREAK
                    if part:
                        yield part
            else:
                yield x
            continue
        if kind == 2:  # end of a block element
            yield _BOUNDARY
            continue
        if kind == 3:  # end of <pre>
            pre -= 1
            continue
        if isinstance(x, str):
            if x:
                yield x
            continue
        tag = _tag(x)
        if tag is None or tag in _DROP:
            continue
        if tag == "table":
            yield _Table(x)
            continue
        if tag == "br":
            yield _BREAK
            continue
        if not pre and tag not in _PRE and x not in mixed:
            first = _first_not_inline(x)
            if first is None:
                block = tag in _BLOCK
                if block:
                    yield _BOUNDARY
                text = "".join(x.itertext())
                if text:
                    yield text
                if block:
                    yield _BOUNDARY
                continue
            parent = first.getparent()
            while parent is not x:
                mixed.add(parent)
                parent = parent.getparent()
        if tag in _BLOCK:
            yield _BOUNDARY
            stack.append((2, None))
        if tag in _PRE:
            pre += 1
            stack.append((3, None))
        for child in reversed(x):
            if child.tail:
                stack.append((1, child.tail))
            stack.append((0, child))
        if x.text:
            stack.append((1, x.text))


class _Builder:
    """Turns the tree into blocks. Work is a stack of suspended walks and pending tables."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.blocks: list[Block] = []
        self.pieces: list[Any] = []

    def run(self, root: Any) -> list[Block]:
        tasks: list[tuple[str, Any]] = [("walk", _events([root]))]
        while tasks:
            kind, job = tasks.pop()
            if kind == "emit":
                self.blocks.append(job)
                continue
            if kind == "table":
                stray, captions, rows, nested = _scan_table(job)
                grid = self._grid(rows)
                # Pushed in reverse: stray text (browsers show it before the table), caption,
                # the table itself, then each nested table with its own contents.
                for inner in reversed(nested):
                    tasks.append(("table", inner))
                if grid:
                    tasks.append(("emit", TableBlock(*grid)))
                if captions:
                    tasks.append(("walk", _events(captions)))
                if stray:
                    tasks.append(("walk", _events(stray)))
                continue
            for event in job:
                if isinstance(event, _Table):
                    self._flush()
                    tasks.append(("walk", job))
                    tasks.append(("table", event.el))
                    break
                if event is _BOUNDARY:
                    self._flush()
                else:
                    self.pieces.append(event)
            else:
                self._flush()
        return self.blocks

    def _flush(self) -> None:
        if self.pieces:
            lines = _lines(self.pieces)
            self.pieces = []
            if lines:
                self.blocks.append(TextBlock("\n".join(lines)))

    def _grid(self, rows: list[tuple[int, list[tuple[str, int, int]]]]
              ) -> tuple[list[list[str]], frozenset[tuple[int, int]]] | None:
        """Expand row/col spans. `rows` holds (row group id, [(text, rowspan, colspan)]).

        Returns the grid and the slots that are copies of a spanning cell (see TableBlock)."""
        if len(rows) > MAX_TABLE_ROWS:
            self.problems.append(f"表格超过 {MAX_TABLE_ROWS} 行，只读取前 {MAX_TABLE_ROWS} 行")
            rows = rows[:MAX_TABLE_ROWS]
        group_end: dict[int, int] = {}
        for r, (group, _) in enumerate(rows):
            group_end[group] = r + 1
        # One {column: text} dict per row rather than one dict keyed by (row, column): most
        # cells fill a single free slot, and that case is kept to a few dict operations.
        filled: list[dict[int, str]] = [{} for _ in rows]
        n_slots = 0
        copies: list[tuple[int, int]] = []
        kept: list[int] = []
        truncated = False
        for r, (group, cells) in enumerate(rows):
            if not cells:
                continue  # a <tr> without cells is no row of the grid
            kept.append(r)
            row = filled[r]
            if set(map(_SPANS, cells)) == _ONE_SLOT:
                # The usual row: each cell takes the next free slot, left to right.
                free = _free_columns(row, len(cells))
                if free[-1] < MAX_TABLE_COLS and n_slots + len(cells) <= MAX_TABLE_SLOTS:
                    row.update(zip(free, map(_TEXT, cells)))
                    n_slots += len(cells)
                    continue
            c = 0
            for text, rowspan, colspan in cells:
                while c in row:
                    c += 1
                if rowspan == 1 and colspan == 1:
                    if c >= MAX_TABLE_COLS or n_slots >= MAX_TABLE_SLOTS:
                        truncated = True
                    else:
                        row[c] = text
                        n_slots += 1
                    c += 1
                    continue
                last_row = group_end[group] if rowspan == 0 else min(r + rowspan, group_end[group])
                for rr in range(r, last_row):
                    target = filled[rr]
                    for cc in range(c, c + colspan):
                        if cc >= MAX_TABLE_COLS or n_slots >= MAX_TABLE_SLOTS:
                            truncated = True
                            break
                        if cc not in target:
                            n_slots += 1
                        target[cc] = text
                        if rr != r or cc != c:
                            copies.append((rr, cc))
                c += colspan
        if truncated:
            self.problems.append("表格过大，超出部分的单元格未读取")
        if not kept:
            return None
        # rows without cells can still hold slots of a cell spanning into them: they count
        width = max((max(row) for row in filled if row), default=-1) + 1
        if width == 0:
            return None
        index = {r: i for i, r in enumerate(kept)}
        grid = [list(map(filled[r].get, range(width), repeat(""))) for r in kept]
        return grid, frozenset((index[r], c) for r, c in copies if r in index)


def _free_columns(row: dict[int, str], n: int) -> range | list[int]:
    """The first `n` columns of a grid row not yet taken by cells spanning from rows above."""
    if not row:
        return range(n)
    # n free columns always lie within the first len(row) + n
    return [c for c in range(len(row) + n) if c not in row][:n]


def _scan_table(table: Any) -> tuple[list[Any], list[Any], list[tuple[int, list[tuple[str, int, int]]]], list[Any]]:
    """Split a table into stray content, captions, rows of (text, rowspan, colspan), nested tables.

    Row groups (<thead>/<tbody>/<tfoot>, even wrongly nested ones) are flattened in document
    order; cells sitting directly in a table or row group form one row, as browsers do.
    """
    stray: list[Any] = []
    captions: list[Any] = []
    rows: list[tuple[int, list[tuple[str, int, int]]]] = []
    nested: list[Any] = []
    loose: list[tuple[str, int, int]] = []
    loose_group = 0
    group_id = 0
    stack: list[tuple[Any, int]] = [(table, 0)]
    while stack:
        node, group = stack.pop()
        if isinstance(node, str):
            tag = None
        else:
            tag = node.tag
            tag = tag.lower() if isinstance(tag, str) else None
        if loose and (tag not in _CELLS or group != loose_group):
            rows.append((loose_group, loose))
            loose = []
        if isinstance(node, str):
            if node.strip():
                stray.append(node)
        elif node is table or tag in _ROW_GROUPS:
            if node is not table:
                group_id += 1
                group = group_id
            for child in reversed(node):
                if child.tail:
                    stack.append((child.tail, group))
                stack.append((child, group))
            if node.text:
                stack.append((node.text, group))
        elif tag == "tr":
            rows.append((group, _row(node, stray, nested)))
        elif tag in _CELLS:
            loose.append(_cell(node, nested))
            loose_group = group
        elif tag == "caption":
            captions.append(node)
        elif tag in ("col", "colgroup") or tag is None:
            pass
        else:
            stray.append(node)
    if loose:
        rows.append((loose_group, loose))
    return stray, captions, rows, nested


def _row(tr: Any, stray: list[Any], nested: list[Any]) -> list[tuple[str, int, int]]:
    cells: list[tuple[str, int, int]] = []
    text = tr.text
    if text and text.strip():
        stray.append(text)
    for child in tr:
        tag = child.tag  # (inlined `_tag`: this loop runs for every cell of every table)
        tag = tag.lower() if isinstance(tag, str) else None
        if tag in _CELLS:
            cells.append(_cell(child, nested))
        elif tag is not None:
            stray.append(child)
        tail = child.tail
        if tail and tail.strip():
            stray.append(tail)
    return cells


def _span(value: str | None, *, zero_ok: bool) -> int:
    m = _SPAN_NUMBER.match(value or "")
    if not m:
        return 1
    n = int(m.group(1)[:6])
    if n == 0:
        return 0 if zero_ok else 1
    return min(n, MAX_SPAN)


def _cell(td: Any, nested: list[Any]) -> tuple[str, int, int]:
    """Cell text: inline runs joined, lines and paragraphs joined with no separator."""
    if len(td) == 0:
        text = _clean(td.text or "")  # the usual cell: text only
    else:
        text = _inline_cell_text(td)
        if text is None:
            text = _structured_cell_text(td, nested)
    rowspan, colspan = td.get("rowspan"), td.get("colspan")
    return (text, 1 if rowspan is None else _span(rowspan, zero_ok=True),
            1 if colspan is None else _span(colspan, zero_ok=False))


def _inline_cell_text(td: Any) -> str | None:
    """Text of a cell holding only text and inline runs (the usual Word cell), else None.

    Such a cell has a single segment, the concatenation of all its text in document order,
    which `itertext` gives without walking the cell in Python."""
    if _first_not_inline(td) is not None:
        return None
    return _clean("".join(td.itertext()))


def _structured_cell_text(td: Any, nested: list[Any]) -> str:
    """Text of a cell with breaks, blocks, dropped elements or tables: segments cleaned apart."""
    segments: list[str] = []
    current: list[str] = []
    items: list[Any] = ([td.text] if td.text else [])
    for child in td:
        items.append(child)
        if child.tail:
            items.append(child.tail)
    for event in _events(items):
        if isinstance(event, _Table):
            nested.append(event.el)
        elif event is _BREAK or event is _BOUNDARY:
            segments.append(_clean("".join(current)))
            current = []
        else:
            current.append(event)
    segments.append(_clean("".join(current)))
    return "".join(segments)
