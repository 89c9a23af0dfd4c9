"""Render one planned report into a file, reusing the renderers the tests' variants use (bench/layouts.py).

bench/layouts.py renders a `Canonical` (the sample's extraction) into the publishing forms; here a
`Canonical` is built from generated data instead, and the few variations those renderers lack are
wrapped around them:

- `FastCanon`: the same object with dictionary look-ups (the original scans every cell per look-up);
- dropping a whole part (heading, prose and table) from the outline / markdown / one-line text;
- the zibo-style crawler header and page chrome of a saved text page; half-width punctuation;
- HTML page chrome (site header, navigation, CSS, scripts, footer) and Word-pasted `<span>` runs;
- deterministic DOCX (fixed zip timestamps) and PDF (reportlab's invariant mode).
"""
from __future__ import annotations

import html
import io
import random
import re
import zipfile
from pathlib import Path

from . import layouts as L

from . import phrases as P

HALFWIDTH = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";"})


class FastCanon(L.Canonical):
    """A `Canonical` whose cells come from a dict: (table, row, col) → printed text."""

    def __init__(self, data: dict, intro: list[str], prose: dict[int, list[str]], raws: dict, headings: dict):
        super().__init__(data=data, intro=intro, prose=prose)
        self._raws = raws
        self._headings = headings

    def raw(self, table: str, row: str, col: str) -> str:
        return self._raws[(table, row, col)]

    def heading(self, number: int) -> str:
        return self._headings[number]


# ----------------------------------------------------------------------------- outline variations

def drop_part(blocks: list, heading: str, headings: list[str]) -> list:
    """The outline without one part: its heading and everything up to the next heading."""
    start = blocks.index(heading)
    end = next((i for i in range(start + 1, len(blocks)) if isinstance(blocks[i], str) and blocks[i] in headings),
               len(blocks))
    return blocks[:start] + blocks[end:]


class FastGrid(L.Grid):
    """A `Grid` whose merged-region look-up is a dict (the original scans every merge per cell)."""

    def __init__(self, grid: L.Grid):
        super().__init__(grid.rows, grid.merges, grid.kind, grid.header_rows)
        self._owner = {(r, c): m for m in grid.merges
                       for r in range(m.row, m.row + m.rowspan) for c in range(m.col, m.col + m.colspan)}

    def owner(self, r: int, c: int):
        return self._owner.get((r, c))


def outline(canon: FastCanon, simple: bool, removed: int | None, with_title: bool = True,
            with_date: bool = True) -> list:
    blocks = L.outline(canon, simple=simple, with_title=with_title, with_date=with_date)
    blocks = [FastGrid(b) if isinstance(b, L.Grid) else b for b in blocks]
    if removed:
        heads = [canon.heading(n) for n in range(1, 7)]
        blocks = drop_part(blocks, canon.heading(removed), heads)
    return blocks


def markdown(canon: FastCanon, removed: int | None) -> str:
    text = L.render_markdown(canon)
    if removed:
        start = text.index("\n" + canon.heading(removed) + "\n") + 1
        nxt = [text.find("\n" + canon.heading(n) + "\n", start) for n in range(removed + 1, 7)]
        nxt = [i + 1 for i in nxt if i >= 0]
        text = text[:start] + (text[min(nxt):] if nxt else "")
    return text


def oneline(canon: FastCanon, glued: bool, removed: int | None, column: str) -> str:
    """As L.render_oneline (crawler header, rule, the report on one line), with a part dropped."""
    header = [f"标题: {canon.title}", f"发布时间: {canon.published} {column}", "栏目: 政府信息公开年报", L.ARCHIVER_RULE]
    body = " ".join(L.text_lines(outline(canon, False, removed, with_title=False, with_date=False), glued))
    return "\n".join(header) + "\n" + body + "\n"


def text_page(canon: FastCanon, removed: int | None, head: dict, halfwidth: bool) -> str:
    """One paragraph or cell per line (L.render_text) under a saved page's header, like the zibo sample."""
    body = L.render_text(outline(canon, False, removed, with_date=False))
    title, _, rest = body.partition("\n\n")
    top = [head["short"], f"标题: {canon.title}", f"索引号: {head['index']} 文号: 无文号",
           f"发文日期: {canon.published} 发布机构: {head['short']}", "", title, "",
           f"发布日期:{canon.published}", "  • 字号:", "  • |", "  • 打印", "",
           "语音播报     |     简明问答     |    图文解读", ""]
    text = "\n".join(top) + "\n" + rest
    return text.translate(HALFWIDTH) if halfwidth else text


# ------------------------------------------------------------------------------------------ HTML

_CSS: list[str] = []
_JS: list[str] = []


def _chrome_pools() -> tuple[list[str], list[str]]:
    """Style and script lines a site's pages carry, made once per process from a fixed seed."""
    if not _CSS:
        rng = random.Random("page-chrome")
        _CSS.extend(f".c{rng.randint(100, 999)}-{i} .item{i % 7} {{{';'.join(rng.sample(P.CSS_PROPS, rng.randint(2, 6)))}}}"
                    for i in range(1200))
        _JS.extend(rng.choice(P.JS_LINES) + f" // {i}" for i in range(800))
    return _CSS, _JS


def _css(rng: random.Random, n: int) -> str:
    css, _ = _chrome_pools()
    start = rng.randrange(len(css) - n)
    return "\n".join(css[start:start + n])


def _js(rng: random.Random, n: int, code: str) -> str:
    _, js = _chrome_pools()
    start = rng.randrange(len(js) - n)
    return "\n".join(js[start:start + n]).replace("{code}", code).replace("{{", "{").replace("}}", "}")


def _runs(text: str, rng: random.Random) -> str:
    """A paragraph as Word pastes it: the text cut into styled runs (the reader joins them)."""
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(1, 4)))) if len(text) > 1 else []
    pieces = [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])]
    face = rng.choice(["仿宋_GB2312", "方正仿宋_GBK", "宋体"])
    return "".join(f'<span style="font-family: {face}; font-size: 16pt;">{html.escape(p)}</span>' for p in pieces)


_P = re.compile(r"<p>(.*?)</p>")


def html_page(canon: FastCanon, merged: bool, removed: int | None, chrome: dict, rng: random.Random,
              charset: str, word_runs: bool) -> bytes:
    """L.render_html inside a government site's page."""
    page = L.render_html(outline(canon, not merged, removed), "utf-8", merged=merged, title=canon.title).decode("utf-8")
    if word_runs:
        style = '<p style="text-indent: 2em; line-height: 2; text-align: justify;">'
        page = _P.sub(lambda m: style + _runs(html.unescape(m.group(1)), rng) + "</p>", page)
    site, region, code = chrome["site"], chrome["region"], chrome["code"]
    head = (f'<meta name="SiteName" content="{html.escape(site)}">\n<meta name="SiteIDCode" content="{code}">\n'
            f'<meta name="ColumnName" content="政府信息公开年报">\n'
            f"<style>\n{_css(rng, rng.randint(60, 400))}\n</style>\n"
            f'<script type="text/javascript">\n{_js(rng, rng.randint(40, 300), code)}\n</script>\n')
    nav = " ".join(f'<a href="/{code}/col{i}.html">{html.escape(t.format(region=region))}</a>'
                   for i, t in enumerate(P.NAV))
    side = "".join(f'<li><a href="/{code}/gk{i}.html">{t}</a></li>' for i, t in enumerate(P.SIDE))
    top = (f'<div class="header"><div class="logo">{html.escape(site)}</div>\n<div class="nav">{nav}</div></div>\n'
           f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/{code}/zwgk.html">政务公开</a> &gt; '
           f"政府信息公开年报</div>\n"
           f'<div class="info">索引号：{chrome["index"]}　发布机构：{html.escape(chrome["publisher"])}　'
           f"发文日期：{canon.published}</div>\n"
           f'<div class="article" id="zoom">\n')
    foot = (f'\n</div>\n<div class="share">【<a href="javascript:doPrint()">打印本页</a>】'
            f'【<a href="javascript:window.close()">关闭窗口</a>】</div>\n'
            f'<div class="side"><ul>{side}</ul></div>\n'
            f'<div class="footer">主办单位：{html.escape(region)}人民政府办公室　网站标识码：{code}　'
            f'{P.PROVINCE_SHORT}ICP备{chrome["icp"]}号</div>\n'
            f'<script type="text/javascript">\n{_js(rng, rng.randint(10, 80), code)}\n</script>\n')
    page = page.replace('<meta charset="utf-8">', f'<meta charset="{charset}">', 1)
    page = page.replace(f"<title>{html.escape(canon.title)}</title>",
                        f"<title>{html.escape(canon.title)}_{html.escape(site)}</title>\n{head}", 1)
    page = page.replace("<body>\n", "<body>\n" + top, 1).replace("\n</body>", foot + "</body>", 1)
    return page.encode(charset)


# ----------------------------------------------------------------------------------- DOCX and PDF

_EPOCH = (2024, 1, 1, 0, 0, 0)


def _cached_cell(self, row_idx: int, col_idx: int):
    """python-docx's Table.cell rebuilds the whole cell list on every call (O(cells) each, ~1 s per
    report); the grid is taken once, before any merge. L.render_docx merges disjoint regions, so the
    corners it asks for are never cells an earlier merge removed."""
    cells = self.__dict__.get("_bench_cells")
    if cells is None:
        cells = self.__dict__["_bench_cells"] = self._cells
    return cells[row_idx * len(self.columns) + col_idx]


def write_docx(canon: FastCanon, removed: int | None, path: Path) -> None:
    """L.render_docx, then the zip rewritten with fixed timestamps so the bytes are reproducible."""
    from docx.table import Table

    original = Table.cell
    Table.cell = _cached_cell
    try:
        L.render_docx(path, outline(canon, False, removed))
    finally:
        Table.cell = original
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*<",
                              rb"<dcterms:\1\2>2024-01-01T00:00:00Z<", data)
            dst.writestr(zipfile.ZipInfo(info.filename, _EPOCH), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def write_pdf(canon: FastCanon, removed: int | None, path: Path) -> None:
    from reportlab import rl_config

    before = rl_config.invariant
    rl_config.invariant = 1   # no creation date or random document id: the same bytes every run
    try:
        L.render_pdf(path, outline(canon, False, removed), canon.title)
    finally:
        rl_config.invariant = before
