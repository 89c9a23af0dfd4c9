"""Real reports as older CMSs and Word-pasted pages lay them out: inside `<table>`s used for layout.

The article (its paragraphs and its nested statistics tables) sits in a cell of a table that also
holds the site's header, menu and footer, in the ways real government sites do it:

  three_rows   the whole body in a 3-row table: header / content / footer
  two_columns  a left menu cell and the article cell side by side
  single_cell  the article in a single-cell table, paragraphs as <br>-separated lines
  nested       layout tables two levels deep (3 rows, the content row a two-column table)
  info_rows    a 信息公开目录 page: rows 名称 / 索引号 | 发布机构 / 公开日期 and a 内容 row holding the
               article, all in one table (the fields are the original report's own)

Used by tests/test_html_layout_tables.py: such a re-layout may never change what is read.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import lxml.etree as etree

from bench.layouts import span_attrs

from . import variants as V
from .chrome_variants import FOOTER_LINES, HEADER_LINES

MENU = ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开"]
LAYOUTS = ["three_rows", "two_columns", "single_cell", "nested", "info_rows"]


# ------------------------------------------------------------------------- article contents

def text_article(text: str) -> str:
    """Web text (one paragraph or table cell per line) as the paragraphs of an article."""
    return "\n".join(f"<p>{html.escape(line.strip())}</p>" for line in text.splitlines() if line.strip())


def html_article(page: str) -> str:
    """What is inside an HTML page's <body> (the page's own chrome and tables included)."""
    m = re.search(r"<body[^>]*>(.*)</body>", page, flags=re.S | re.I)
    return m.group(1) if m else page


def word_table(grid: V.Grid) -> str:
    """A data table as Word pastes it: merged cells, a <p class=MsoNormal> of runs in every cell."""
    out = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
           'style="border-collapse:collapse">']
    for r, row in enumerate(grid.rows):
        tds = []
        for c, text in enumerate(row):
            m = grid.owner(r, c)
            if m is not None and (m.row, m.col) != (r, c):
                continue
            attrs = span_attrs(m)
            body = (f'<span style="font-size:10.5pt;font-family:宋体">{html.escape(text)}</span>'
                    if text else "")
            tds.append(f'<td width="60" valign="top"{attrs}><p class="MsoNormal" align="center" '
                       f'style="text-align:center">{body}<o:p>&nbsp;</o:p></p></td>')
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def outline_article(blocks: list[V.Block]) -> str:
    """A rendered outline (tests/variants.py) as paragraphs and Word-pasted data tables."""
    out = []
    for b in blocks:
        if isinstance(b, V.Grid):
            out.append(word_table(b))
        else:
            out.append(f'<p class="MsoNormal" style="text-indent:32.0pt"><span>{html.escape(b)}</span></p>')
    return "\n".join(out)


# ------------------------------------------------------------------------------- layouts

def _header() -> str:
    links = "".join(f'<a href="#">{html.escape(x)}</a>&nbsp;' for x in HEADER_LINES)
    return f'<td height="80" align="center"><img src="logo.gif">{links}</td>'


def _footer() -> str:
    return '<td align="center">' + "<br>".join(html.escape(x) for x in FOOTER_LINES) + "</td>"


def _menu() -> str:
    items = "".join(f'<li><a href="#">{html.escape(x)}</a></li>' for x in MENU)
    return f'<td width="200" valign="top"><ul>{items}</ul></td>'


def three_rows(article: str) -> str:
    return (f'<table width="1000" border="0" cellspacing="0" cellpadding="0" align="center">'
            f"<tr>{_header()}</tr><tr><td valign=\"top\">{article}</td></tr><tr>{_footer()}</tr></table>")


def two_columns(article: str) -> str:
    return (f'<table width="1000" border="0" cellspacing="0" cellpadding="0"><tr>{_menu()}'
            f'<td width="800" valign="top">{article}</td></tr></table>')


def single_cell(article: str) -> str:
    return f'<table width="100%" border="0"><tr><td class="content">{_br_lines(article)}</td></tr></table>'


def nested(article: str) -> str:
    inner = two_columns(article)
    return (f'<table width="1000" border="0" align="center"><tbody><tr>{_header()}</tr>'
            f'<tr><td>{inner}</td></tr><tr>{_footer()}</tr></tbody></table>')


def _br_lines(article: str) -> str:
    """Paragraphs outside tables as lines separated by <br> (the tables themselves kept)."""
    root = etree.fromstring(f"<html><body><div>{article}</div></body></html>".encode("utf-8"),
                            etree.HTMLParser(encoding="utf-8"))
    box = root.find("body/div")
    for p in list(box.iter("p", "div")):
        if p is box or any(a.tag == "table" for a in p.iterancestors()):
            continue
        br = etree.Element("br")
        br.tail = p.tail
        parent = p.getparent()
        index = parent.index(p)
        # the paragraph's content stays in place, then a line break
        if p.text:
            prev = parent[index - 1] if index else None
            if prev is None:
                parent.text = (parent.text or "") + p.text
            else:
                prev.tail = (prev.tail or "") + p.text
        for k, child in enumerate(list(p)):
            parent.insert(index + k, child)
        parent.replace(p, br)
    inner = etree.tostring(box, encoding="unicode", method="html")
    return inner[inner.index(">") + 1:inner.rindex("<")]


def info_rows(article: str, meta: dict) -> str:
    """The article in the 内容 row of the page's table of fields (label cells without colons)."""
    def cell(text) -> str:
        return f'<td class="c2">{html.escape(str(text or ""))}</td>'
    return ('<table class="xxgk" width="100%" border="1">'
            f'<tr><td class="c1">名称</td><td colspan="3">{html.escape(meta.get("title") or "")}</td></tr>'
            f'<tr><td class="c1">索引号</td>{cell("000014349/2023-00012")}'
            f'<td class="c1">发布机构</td>{cell(meta.get("agency"))}</tr>'
            f'<tr><td class="c1">公开日期</td>{cell(meta.get("published"))}<td class="c1">文号</td>{cell("")}</tr>'
            f'<tr><td class="c1">内容</td><td colspan="3">{article}</td></tr></table>')


WRAP = {"plain": lambda article, meta: article, "three_rows": lambda article, meta: three_rows(article),
        "two_columns": lambda article, meta: two_columns(article),
        "single_cell": lambda article, meta: single_cell(article), "nested": lambda article, meta: nested(article),
        "info_rows": info_rows}


def page(article: str, layout: str, title: str, head: str = '<meta charset="utf-8">',
         meta: dict | None = None) -> bytes:
    body = WRAP[layout](article, meta or {})
    return (f"<!DOCTYPE html><html><head>{head}<title>{html.escape(title)}</title></head>"
            f'<body leftmargin="0" topmargin="0">{body}</body></html>').encode("utf-8")


def html_head(page_text: str) -> str:
    """An HTML page's <head> content (its meta tags), to keep in the re-laid-out page."""
    m = re.search(r"<head[^>]*>(.*?)</head>", page_text, flags=re.S | re.I)
    return m.group(1) if m else '<meta charset="utf-8">'


def write_variants(source: Path, folder: Path, meta: dict | None = None) -> list[Path]:
    """Every layout of one real report (text, HTML or the sample fixture) into `folder`, named
    <source stem>-<layout>.html; `meta`: the original's title, agency and publication date, for
    the layouts that print fields."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = source.read_text(encoding="utf-8")
    stem = source.stem
    head = '<meta charset="utf-8">'
    if source.suffix == ".html":
        article, head = html_article(raw), html_head(raw)
        head = re.sub(r"<title[^>]*>.*?</title>", "", head, flags=re.S | re.I)
        title = re.search(r"<title[^>]*>(.*?)</title>", raw, flags=re.S | re.I)
        title_text = html.unescape(title.group(1)).strip() if title else stem
    elif "fixtures" in source.parts:
        canon = V.load_canonical(source)
        article, title_text = outline_article(V.outline(canon)), canon.title
    else:
        article, title_text = text_article(raw), stem
    out = []
    for layout in LAYOUTS:
        path = folder / f"{stem}-{layout}.html"
        path.write_bytes(page(article, layout, title_text, head, meta))
        out.append(path)
    return out
