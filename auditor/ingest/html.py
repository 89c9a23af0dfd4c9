"""Reader for HTML pages (crawler-saved copies of published reports, Word-pasted HTML).

Every block-level element becomes a text block and every `<table>` a table block, in reading
order, except tables that lay the page out (header, menu, article, footer in cells; see
`_is_layout`): their content flows as text blocks and nested tables. Word splits words and
numbers across `<span>`/`<font>`/`<o:p>` runs, so inline runs are joined without inserting
anything; `<br>` becomes a newline. The tree is walked with explicit stacks, never by recursion,
so deeply nested pages cannot overflow the Python stack.

Three fast paths give the general walk's results for the common shapes: paragraphs and cells
holding only text and inline runs are taken in one piece (`_events`, `_cell`), tables of plain
rows are read without the general table walk (`_plain_rows`), and cell layouts are reused across
tables and files (`_layout_of`). With AUDITOR_PLAIN set (auditor/speed.py) all of them are off;
tests/test_fast_path_documents.py compares the two.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

import lxml.etree as etree

from .. import limits, speed
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
# The same tags as the parser spells them (lower case): exact matches, no `str.lower` per element.
_PLAIN_ROW_GROUPS = ("tbody", "thead", "tfoot")
_PLAIN_CELLS = ("td", "th")
# Descendants that make an element's content more than the concatenation of its text runs.
_NOT_INLINE = _DROP | _BLOCK | _PRE | {"table", "br"}
# Inline tags as the parser spells them: a paragraph whose descendants all have one of these
# names holds only inline runs, without lower-casing each name (`_first_not_inline`).
_COMMON_INLINE = frozenset({
    "span", "font", "a", "b", "i", "u", "s", "em", "strong", "small", "big", "sup", "sub",
    "strike", "ins", "del", "abbr", "label", "code", "tt", "var", "kbd", "samp", "cite", "q",
    "mark", "nobr", "o:p", "img", "wbr"}) - _NOT_INLINE
_TAG_OF = attrgetter("tag")

_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""")
# Whitespace that HTML collapses: ASCII whitespace, NBSP and the typographic spaces (not U+3000,
# the ideographic space that Chinese text uses on purpose).
_WS = re.compile(r"[ \t\n\r\f\v\xa0\u1680\u2000-\u200a\u202f\u205f]+")
_INVISIBLE = {ord("\u200b"): None, ord("\ufeff"): None, ord("\u00ad"): None}
_SPAN_NUMBER = re.compile(r"\s*(\d+)")
# A table row: (row group id, cell texts, (cell index, rowspan, colspan) of the cells not 1×1).
_Row = tuple[int, list[str], tuple[tuple[int, int, int], ...]]
_TEXTS = itemgetter(1)      # of a _Row

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


class _Paragraph:
    """A block element holding only text and inline runs: its boundaries and its whole text,
    as one event instead of three."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


# Whether the fast paths are taken for the page being read: speed.plain() asked once per page by
# read_html (it is read where it is used, in every cell of every table: too often to ask each time).
_fast = True


def read_html(path: str, data: bytes) -> Document:
    """Decode and parse an HTML page into a Document. Raises ValueError (Chinese) if unparseable."""
    global _fast
    _fast = not speed.plain()
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
    if root is not None:
        _page_meta(root, meta)
    return Document(path=path, blocks=blocks, encoding=encoding, meta=meta, problems=problems)


def _page_meta(root: Any, meta: dict[str, str]) -> None:
    """What the page's head says about itself: the `<title>` (as 网页标题: it often carries the
    site's name, so extraction ranks it below the report's own heading) and every named
    `<meta>` tag as 'meta:<name in lower case>' (PubDate, ArticleTitle, ContentSource …).
    Extraction decides which of them mean the title, issuer or publication date."""
    for title in root.iter("title"):
        value = _clean("".join(title.itertext()))
        if value:
            meta.setdefault("网页标题", value[:300])
            break
    count = 0
    for tag in root.iter("meta"):
        name = tag.get("name") or tag.get("property") or tag.get("itemprop")
        content = tag.get("content")
        if not name or not content or not content.strip():
            continue
        meta.setdefault("meta:" + name.strip().lower()[:60], _clean(content)[:300])
        count += 1
        if count >= 200:
            break


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

def _text_of(el: Any) -> str:
    """All text inside `el` (not its tail): `"".join(el.itertext())`, concatenated by libxml2."""
    if not len(el):
        return el.text or ""  # (half the paragraphs: no runs at all)
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _first_not_inline(el: Any) -> Any | None:
    """The first descendant of `el` that is more than an inline run (or no element), or None.

    (A tag filter on `iterdescendants` would search in C, but building the filter for ~80 tag
    names costs more per call than this loop over a paragraph's few runs.)"""
    if not len(el) or _COMMON_INLINE.issuperset(map(_TAG_OF, el.iterdescendants())):
        return None  # the usual paragraph: no runs or a few <span>s, tags compared in C
    for node in el.iterdescendants():
        tag = node.tag
        if not isinstance(tag, str) or tag.lower() in _NOT_INLINE:
            return node
    return None


def _events(items: list[Any]) -> Iterator[Any]:
    """Walk elements/strings in document order with an explicit stack.

    Yields text strings, _BREAK, _BOUNDARY, _Paragraph and _Table (tables are not descended
    into). Tails of the given elements are not included; callers pass them as strings.
    An element holding only text and inline runs (most paragraphs) is not walked: its text
    comes in one piece, which the consumers would have joined anyway; for a block element
    (a _Paragraph) it stands for _BOUNDARY, that text, _BOUNDARY.
    """
    stack: list[tuple[int, Any]] = [(0, item) for item in reversed(items)]
    pre = 0
    fast = _fast
    # Elements known to hold a non-inline descendant: the path from an element to the first
    # such descendant is recorded when found, so no subtree is searched over and over.
    mixed: set[Any] = set()
    # True where a line starts (after a boundary or break): whitespace-only text there, such as
    # the newline between two paragraphs, would be stripped from the line anyway and is skipped.
    fresh = True
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
                fresh = False
            elif not fresh or not x.isspace():
                fresh = False
                yield x
            continue
        if kind == 2:  # end of a block element
            fresh = True
            yield _BOUNDARY
            continue
        if kind == 3:  # end of <pre>
            pre -= 1
            continue
        if isinstance(x, str):
            if x:
                fresh = False
                yield x
            continue
        tag = x.tag
        tag = tag.lower() if isinstance(tag, str) else None  # None: a comment or the like
        if tag is None or tag in _DROP:
            continue
        if tag == "table":
            yield _Table(x)  # (a line break for the builder, none inside a cell: `fresh` stays)
            continue
        if tag == "br":
            fresh = True
            yield _BREAK
            continue
        if fast and not pre and tag not in _PRE and x not in mixed:
            first = _first_not_inline(x)
            if first is None:
                if tag in _BLOCK:
                    fresh = True
                    yield _Paragraph(_text_of(x))
                else:
                    text = _text_of(x)
                    if text:
                        fresh = False
                        yield text
                continue
            parent = first.getparent()
            while parent is not x:
                mixed.add(parent)
                parent = parent.getparent()
        if tag in _BLOCK:
            fresh = True
            yield _BOUNDARY
            stack.append((2, None))
        if tag in _PRE:
            pre += 1
            stack.append((3, None))
        for child in reversed(x):
            tail = child.tail  # (each lxml property read builds a new string: read once)
            if tail:
                stack.append((1, tail))
            stack.append((0, child))
        text = x.text
        if text:
            stack.append((1, text))


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
                if _is_layout(job, rows, nested):
                    # A table that lays out the page: its content flows in document order, and
                    # the tables nested in its cells are read (and judged) in their turn.
                    tasks.extend(reversed(self._layout_parts(job)))
                    continue
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
            pieces = self.pieces
            for event in job:
                if isinstance(event, _Paragraph):
                    if pieces:
                        self._flush()
                    line = _clean(event.text)  # (`_flush` of a single piece without breaks)
                    if line:
                        self.blocks.append(TextBlock(line))
                elif event is _BOUNDARY:
                    if pieces:
                        self._flush()
                elif isinstance(event, _Table):
                    self._flush()
                    tasks.append(("walk", job))
                    tasks.append(("table", event.el))
                    break
                else:
                    pieces.append(event)
            else:
                self._flush()
        return self.blocks

    def _layout_parts(self, table: Any) -> list[tuple[str, Any]]:
        """A layout table's tasks in reading order. Rows holding content (a nested table, prose,
        paragraphs) are walked; runs of short rows stay table rows when some row pairs cells
        (索引号|…|发布机构|…, which extraction reads as labelled fields), else are walked too."""
        parts: list[tuple[str, Any]] = []
        short: list[_Row] = []
        short_rows: list[Any] = []

        def flush() -> None:
            if short and any(sum(1 for t in texts if t) >= 2 for _, texts, _ in short):
                grid = self._grid(short)
                if grid:
                    parts.append(("emit", TableBlock(*grid)))
            elif short_rows:
                parts.append(("walk", _events(list(short_rows))))
            short.clear()
            short_rows.clear()

        for item, group in _table_items(table):
            if not isinstance(item, str) and item.tag == "tr":
                cells = _short_row(item)
                if cells is not None:
                    short.append((group, *_split_cells(cells)))
                    short_rows.append(item)
                    continue
            flush()
            parts.append(("walk", _events([item])))
        flush()
        return parts

    def _flush(self) -> None:
        if self.pieces:
            lines = _lines(self.pieces)
            self.pieces.clear()
            if lines:
                self.blocks.append(TextBlock("\n".join(lines)))

    def _grid(self, rows: list[_Row]) -> tuple[list[list[str]], frozenset[tuple[int, int]]] | None:
        """Expand row/col spans. Returns the grid and the slots that are copies of a spanning cell
        (see TableBlock), or None for a table without cells."""
        if len(rows) > MAX_TABLE_ROWS:
            self.problems.append(f"表格超过 {MAX_TABLE_ROWS} 行，只读取前 {MAX_TABLE_ROWS} 行")
            rows = rows[:MAX_TABLE_ROWS]
        layout = _layout_of(tuple((group, len(texts), spans) for group, texts, spans in rows))
        if layout.truncated:
            self.problems.append("表格过大，超出部分的单元格未读取")
        if layout.pick is None:
            return None
        texts = list(chain.from_iterable(map(_TEXTS, rows)))
        texts.append("")  # what an empty slot picks
        slots = layout.pick(texts)
        width = layout.width
        grid = [list(slots[i:i + width]) for i in range(0, layout.size, width)]
        return grid, layout.copies


# --- layout tables --------------------------------------------------------------------------
# Older CMS pages (and Word-pasted ones) place the header, menu, article and footer in the cells
# of a <table>. Read as one table, the whole article becomes "cells" and no heading is a heading.
# A table is read as a container when a cell holds what no statistics cell holds (a nested
# table, the report's part headings, prose, many paragraphs, or it is the only column) and its
# cells are not mostly numbers. Word puts a <p> in every data cell: paragraphs alone decide
# nothing, only many of them in a long cell.

# Words of the six part headings (sections.py recognises the headings themselves).
_PART_WORDS = re.compile(
    "总体情况|主动公开政府信息|收到和处理政府信息公开申请|行政复议|存在的主要问题|其他需要报告的事项")
_NUMERIC_CELL = re.compile(r"[-+－]?\d[\d,，.]*%?")
_PARAGRAPH_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                   "section", "article", "dd", "dt")
LAYOUT_LONG_CELL = 60        # characters: longer than any label of the report's tables (~45)
LAYOUT_PROSE_CELL = 300      # characters: a cell this long is text whatever its punctuation
LAYOUT_SENTENCES = 2         # 。 in a long cell: prose
LAYOUT_PARAGRAPHS = 5        # paragraphs or line breaks in a long cell
LAYOUT_COLUMN_CHARS = 40     # text of a single-column table worth reading as paragraphs
LAYOUT_ROW_PARAGRAPHS = 3    # paragraphs or line breaks that make a layout row content, not fields


def _is_layout(table: Any, rows: list[_Row], nested: list[Any]) -> bool:
    """True for a table that lays out content rather than holding data (see above)."""
    if not rows:
        return False
    if nested or _prose_cell(table, rows) or _single_column(rows):
        return not _data_like(rows) or _article_cell(rows)
    return False


def _article_cell(rows: list[_Row]) -> bool:
    """A long cell naming two of the six parts: the article itself, even among number cells
    (a page number bar or a calendar in the same layout table)."""
    for _, texts, _ in rows:
        for text in texts:
            if len(text) >= LAYOUT_PROSE_CELL and len(set(_PART_WORDS.findall(text))) >= 2:
                return True
    return False


def _single_column(rows: list[_Row]) -> bool:
    """One cell per row (the article in a one-cell or one-column table) with text to read."""
    if any(len(texts) > 1 for _, texts, _ in rows):
        return False
    return sum(len(texts[0]) for _, texts, _ in rows if texts) >= LAYOUT_COLUMN_CHARS


def _prose_cell(table: Any, rows: list[_Row]) -> bool:
    """A cell holding prose, part headings, or many paragraphs: the article, not a value."""
    texts = list(chain.from_iterable(map(_TEXTS, rows)))
    if max(map(len, texts), default=0) < LAYOUT_LONG_CELL:
        return False   # (every cell of nearly every data table)
    for text in texts:
        if len(text) < LAYOUT_LONG_CELL:
            continue
        if (len(text) >= LAYOUT_PROSE_CELL or text.count("。") >= LAYOUT_SENTENCES
                or _PART_WORDS.search(text)):
            return True
    for td in _own_cells(table):
        if sum(1 for _ in td.iterdescendants(*_PARAGRAPH_TAGS)) >= LAYOUT_PARAGRAPHS:
            if len(_clean(_text_of(td))) >= LAYOUT_LONG_CELL:
                return True
    return False


def _own_cells(table: Any) -> Iterator[Any]:
    """The table's cells (not those of tables nested in them), in document order."""
    for td in table.iter("td", "th"):
        parent = td.getparent()
        while parent is not None and parent.tag != "table":   # (the parser's tags are lower case)
            parent = parent.getparent()
        if parent is table:
            yield td


def _data_like(rows: list[_Row]) -> bool:
    """Mostly number cells: a statistics table, whatever else its cells hold."""
    texts = [t for _, cells, _ in rows for t in cells if t]
    numbers = sum(1 for t in texts if _NUMERIC_CELL.fullmatch(t))
    return numbers >= 4 and numbers * 4 >= len(texts)


def _table_items(table: Any) -> Iterator[tuple[Any, int]]:
    """A table's own content in document order: rows (with their row group's number), and any
    other element or text (captions, stray content, cells outside rows) as it stands."""
    group = 0
    if _has_text(table.text):
        yield table.text, 0
    for child in table:
        tag = child.tag
        tag = tag.lower() if isinstance(tag, str) else None   # None: a comment or the like
        if tag in _ROW_GROUPS:
            group += 1
            if _has_text(child.text):
                yield child.text, group
            for inner in child:
                if isinstance(inner.tag, str):
                    yield inner, group
                if _has_text(inner.tail):
                    yield inner.tail, group
        elif tag is not None:
            yield child, 0
        if _has_text(child.tail):
            yield child.tail, 0


def _short_row(tr: Any) -> list[tuple[str, int, int]] | None:
    """The cells of a row of short texts (labels, values, links), or None for a row that holds
    content: a nested table, a long text, paragraphs, or anything besides cells."""
    if _has_text(tr.text):
        return None
    cells: list[tuple[str, int, int]] = []
    for td in tr:
        tag = td.tag
        if not isinstance(tag, str):
            continue
        if tag.lower() not in _CELLS or _has_text(td.tail):
            return None
        if len(td):
            if next(td.iterdescendants("table"), None) is not None:
                return None
            if sum(1 for _ in td.iterdescendants(*_PARAGRAPH_TAGS)) >= LAYOUT_ROW_PARAGRAPHS:
                return None
        cell = _cell(td, [])
        if len(cell[0]) >= LAYOUT_LONG_CELL:
            return None
        cells.append(cell)
    return cells


class _Layout(NamedTuple):
    """Where each cell of a table goes: a function of the spans only, not of the cell texts."""

    truncated: bool      # cells were dropped at MAX_TABLE_COLS / MAX_TABLE_SLOTS
    pick: Any            # (all cell texts, then "") -> the grid's slots row by row; None: no grid
    width: int
    size: int            # number of slots (rows × width)
    copies: frozenset[tuple[int, int]]
    cells: int           # number of cells placed or dropped


# Report tables follow a few templates, so the same layouts come back file after file: small
# ones are kept, a bounded number of them (a few MB at most, whatever the input).
_LAYOUTS: dict[Any, _Layout] = {}
_LAYOUT_CACHE_ENTRIES = 32
_LAYOUT_CACHE_SLOTS = 1024   # slots + cells + rows of a layout worth keeping (table 3: ~500)


def _layout_of(structure: tuple[tuple[int, int, tuple[tuple[int, int, int], ...]], ...]) -> _Layout:
    """`_layout`, cached; `structure` holds (row group, number of cells, spans) per row."""
    key = (structure, MAX_TABLE_COLS, MAX_TABLE_SLOTS)
    layout = _LAYOUTS.get(key) if _fast else None
    if layout is None:
        layout = _layout(structure)
        if _fast and layout.size + layout.cells + len(structure) <= _LAYOUT_CACHE_SLOTS:
            if len(_LAYOUTS) >= _LAYOUT_CACHE_ENTRIES:
                _LAYOUTS.clear()
            _LAYOUTS[key] = layout
    return layout


def _layout(structure: tuple[tuple[int, int, tuple[tuple[int, int, int], ...]], ...]) -> _Layout:
    """Place the cells of each row (numbered through the table) into grid slots.

    `spans` lists (cell number within the row, rowspan, colspan) of the cells not 1×1."""
    group_end: dict[int, int] = {}
    for r, (group, _, _) in enumerate(structure):
        group_end[group] = r + 1
    # One {column: cell number} dict per row rather than one dict keyed by (row, column): most
    # cells fill a single free slot, and that case is kept to a few dict operations.
    filled: list[dict[int, int]] = [{} for _ in structure]
    n_cells = 0
    n_slots = 0
    copies: list[tuple[int, int]] = []
    kept: list[int] = []
    truncated = False
    for r, (group, n, spans) in enumerate(structure):
        if not n:
            continue  # a <tr> without cells is no row of the grid
        kept.append(r)
        row = filled[r]
        first = n_cells
        n_cells += n
        if not spans:
            # The usual row: each cell takes the next free slot, left to right.
            free = _free_columns(row, n)
            if free[-1] < MAX_TABLE_COLS and n_slots + n <= MAX_TABLE_SLOTS:
                row.update(zip(free, range(first, first + n)))
                n_slots += n
                continue
        spanning = {i: (rowspan, colspan) for i, rowspan, colspan in spans}
        c = 0
        for i in range(n):
            cell = first + i
            while c in row:
                c += 1
            rowspan, colspan = spanning.get(i, (1, 1))
            if rowspan == 1 and colspan == 1:
                if c >= MAX_TABLE_COLS or n_slots >= MAX_TABLE_SLOTS:
                    truncated = True
                else:
                    row[c] = cell
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
                    target[cc] = cell
                    if rr != r or cc != c:
                        copies.append((rr, cc))
            c += colspan
    # rows without cells can still hold slots of a cell spanning into them: they count
    width = max((max(row) for row in filled if row), default=-1) + 1
    if not kept or width == 0:
        return _Layout(truncated, None, 0, 0, frozenset(), n_cells)
    index = {r: i for i, r in enumerate(kept)}
    picks = [filled[r].get(c, n_cells) for r in kept for c in range(width)]
    picks.append(n_cells)  # one more, so that itemgetter returns a tuple even for one slot
    return _Layout(truncated, itemgetter(*picks), width, len(kept) * width,
                   frozenset((index[r], c) for r, c in copies if r in index), n_cells)


def _free_columns(row: dict[int, int], n: int) -> range | list[int]:
    """The first `n` columns of a grid row not yet taken by cells spanning from rows above."""
    if not row:
        return range(n)
    # n free columns always lie within the first len(row) + n
    return [c for c in range(len(row) + n) if c not in row][:n]


def _scan_table(table: Any) -> tuple[list[Any], list[Any], list[_Row], list[Any]]:
    """Split a table into stray content, captions, rows (see `_Row`), nested tables.

    Row groups (<thead>/<tbody>/<tfoot>, even wrongly nested ones) are flattened in document
    order; cells sitting directly in a table or row group form one row, as browsers do.
    """
    plain = _plain_rows(table) if _fast else None
    if plain is not None:
        return [], [], plain, []
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
    return stray, captions, [(group, *_split_cells(cells)) for group, cells in rows], nested


def _split_cells(cells: list[tuple[str, int, int]]) -> tuple[list[str], tuple[tuple[int, int, int], ...]]:
    """(text, rowspan, colspan) cells → their texts and the (index, rowspan, colspan) not 1×1."""
    spans = tuple((i, rowspan, colspan) for i, (_, rowspan, colspan) in enumerate(cells)
                  if rowspan != 1 or colspan != 1)
    return [cell[0] for cell in cells], spans


def _plain_rows(table: Any) -> list[_Row] | None:
    """`_scan_table`'s rows for a table of rows (in row groups or not) of text-only cells, else None.

    Nearly every report table is such a grid; it has no stray content, captions or nested tables,
    and is read here without the general walk. Anything else (a tag other than a row group, row
    or cell where one is expected, a cell with children, text outside cells) gives None."""
    if _has_text(table.text):
        return None
    rows: list[_Row] = []
    group = 0
    for child in table:
        tag = child.tag
        if tag == "tr":
            cells = _plain_cells(child)
            if cells is None:
                return None
            rows.append((0, *cells))
        elif tag in _PLAIN_ROW_GROUPS and not _has_text(child.text):
            group += 1
            for tr in child:
                cells = _plain_cells(tr) if tr.tag == "tr" else None
                if cells is None or _has_text(tr.tail):
                    return None
                rows.append((group, *cells))
        else:
            return None
        if _has_text(child.tail):
            return None
    return rows


def _has_text(text: str | None) -> bool:
    """True for text that is not only whitespace (`str.strip`'s): stray text in a table."""
    return bool(text) and not text.isspace()  # type: ignore[union-attr]


def _plain_cells(tr: Any) -> tuple[list[str], tuple[tuple[int, int, int], ...]] | None:
    """Texts and spans (as in `_Row`) of a row holding only text-only cells, else None."""
    if _has_text(tr.text):
        return None
    texts: list[str] = []
    spans: list[tuple[int, int, int]] = []
    for td in tr:
        tail = td.tail  # (`_has_text` inlined: this loop runs for every cell of every table)
        if td.tag not in _PLAIN_CELLS or len(td) or (tail and not tail.isspace()):
            return None
        if td.keys():  # most cells have no attributes at all
            rowspan, colspan = td.get("rowspan"), td.get("colspan")
            rowspan = 1 if rowspan is None else _span(rowspan, zero_ok=True)
            colspan = 1 if colspan is None else _span(colspan, zero_ok=False)
            if rowspan != 1 or colspan != 1:
                spans.append((len(texts), rowspan, colspan))
        text = td.text
        if text is None:
            text = ""
        elif " " in text or not text.isprintable():  # (`_clean`'s own first test, inlined)
            text = _clean(text)
        texts.append(text)
    return texts, tuple(spans)


def _row(tr: Any, stray: list[Any], nested: list[Any]) -> list[tuple[str, int, int]]:
    cells: list[tuple[str, int, int]] = []
    text = tr.text
    if text and text.strip():
        stray.append(text)
    for child in tr:
        tag = child.tag
        tag = tag.lower() if isinstance(tag, str) else None  # None: a comment or the like
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
    if not _fast:
        text = _structured_cell_text(td, nested)
    elif len(td) == 0:
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
    return _clean(_text_of(td))


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
        elif isinstance(event, _Paragraph):
            segments.append(_clean("".join(current)))
            segments.append(_clean(event.text))
            current = []
        else:
            current.append(event)
    segments.append(_clean("".join(current)))
    return "".join(segments)
