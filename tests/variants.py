"""Render ONE canonical report into the forms reports are published in.

The canonical report is the extraction of the sample `reports_in/zibo-gaoxin-police-2022.txt`
(`extract(read_document(...)).as_json()`), plus the paragraphs of its preface and sections. Every
renderer writes the same tables and text in another publishing form, so each rendered file must
extract to the sample's t2/t3/t4 values:

  html_grid        HTML, one <td> per cell, headings as <p>, UTF-8 (<meta charset="utf-8">)
  html_merged      HTML with the official layout's merged cells (rowspan/colspan), GBK
  docx_merged      DOCX with the same merges (python-docx cell.merge)
  pdf_ruled        PDF with ruled tables (reportlab, built-in CJK font STSong-Light)
  text_gbk         plain text, one cell per line (like the sample), GBK
  markdown         markdown: headings as lines, tables as pipe tables with generic column names
  oneline          archiver text: crawler header, '==== 正文 ====', the whole report on ONE line
  oneline_glued    as oneline, but the seven table-3 numbers of each row run together

and the negative cases: `truncated_t3_text`, `shuffled_t3_text`, `ambiguous_oneline_glued`
(plus the image-only PDF, which `build_image_only_pdf` in fixtures_build.py makes).

The canonical report and the renderers live in bench/layouts.py (the benchmark's corpus uses them
too, and bench never imports tests); the forms, the negative cases and the heading edits are here.
Nothing binary is committed: everything is rendered into a folder at test (or script) time.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.layouts import (SAMPLE, T3_COL_KEYS, T3_LAYOUT, T4_COL_KEYS, T4_COL_NAMES, Block, Canonical, Grid, _fmt,
                           load_canonical, outline, render_docx, render_html, render_markdown, render_oneline,
                           render_pdf, render_text, t2_grid, t3_grid, t4_grid, text_lines)
# the rest of the canonical report's vocabulary, for the tests that know it as V.<name>
from bench.documents import CJK_FONT, Merge  # noqa: F401
from bench.layouts import (ARCHIVER_RULE, OUTCOME, OUTCOME_ROWS, ROOT, T3_NOTE, T3_ORGS,  # noqa: F401
                           T4_GROUP_KEYS, _WIDTHS, t3_labelled_rows, t3_simple_grid, t4_simple_grid)


# ------------------------------------------------------------------------------------- the forms

@dataclass(frozen=True)
class Form:
    name: str
    filename: str
    write: Callable[[Canonical, Path], None]


def _write_bytes(data: bytes, path: Path) -> None:
    path.write_bytes(data)


FORMS: list[Form] = [
    Form("html_grid", "html_grid.html", lambda c, p: _write_bytes(
        render_html(outline(c, simple=True), "utf-8", merged=False, title=c.title), p)),
    Form("html_merged", "html_merged.html", lambda c, p: _write_bytes(
        render_html(outline(c), "gbk", merged=True, title=c.title), p)),
    Form("docx_merged", "docx_merged.docx", lambda c, p: render_docx(p, outline(c))),
    Form("pdf_ruled", "pdf_ruled.pdf", lambda c, p: render_pdf(p, outline(c), c.title)),
    Form("text_gbk", "text_gbk.txt", lambda c, p: _write_bytes(render_text(outline(c)).encode("gbk"), p)),
    Form("markdown", "markdown.md", lambda c, p: _write_bytes(render_markdown(c).encode("utf-8"), p)),
    Form("oneline", "oneline.txt", lambda c, p: _write_bytes(render_oneline(c).encode("utf-8"), p)),
    Form("oneline_glued", "oneline_glued.txt", lambda c, p: _write_bytes(
        render_oneline(c, glue_t3=True).encode("utf-8"), p)),
]
FORM_NAMES = [f.name for f in FORMS]


def render_all(canon: Canonical, folder: Path, names: list[str] | None = None) -> dict[str, Path]:
    """Write each form (or the named ones) into `folder`; returns name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for form in FORMS:
        if names is not None and form.name not in names:
            continue
        path = folder / form.filename
        form.write(canon, path)
        out[form.name] = path
    return out


# -------------------------------------------------------------------------------- negative cases

TRUNCATE_AFTER_ROW = "denied_third_party_rights"   # the text ends three cells into this row
TRUNCATE_CELLS = 3


def truncated_t3_text(canon: Canonical) -> str:
    """One-cell-per-line text cut in the middle of table 3: sections 4–6 are gone."""
    lines = text_lines(outline(canon))
    label = next(item for _, item, key in T3_LAYOUT if key == TRUNCATE_AFTER_ROW)
    cut = lines.index(label) + 1 + TRUNCATE_CELLS
    return "\n\n".join(lines[:cut]) + "\n"


def shuffled_order(seed: int = 20230119) -> list[str]:
    keys = [key for _, _, key in T3_LAYOUT]
    rng = random.Random(seed)
    while True:
        rng.shuffle(keys)
        if keys[0] != "new_received":
            return list(keys)


def shuffled_t3_text(canon: Canonical, seed: int = 20230119) -> str:
    """One-cell-per-line text whose table-3 rows come in random order, each with its own labels
    (the group label, e.g. （三）不予公开, is repeated on every row, as a merged cell flattens)."""
    order = shuffled_order(seed)
    grid = t3_grid(canon, order=order)
    return render_text(outline(canon, t3=grid))


AMBIGUOUS_ROW = "granted"
AMBIGUOUS_VALUES = ["11", "0", "0", "0", "0", "0", "11"]   # '110000011' also splits as 1|10|0|0|0|0|11


def ambiguous_oneline_glued(canon: Canonical) -> str:
    """The glued one-line form with one row whose digits split more than one way."""
    grid = t3_grid(canon)
    label_row = next(i for i, r in enumerate(grid.rows) if r[1] == "（一）予以公开")
    grid.rows[label_row][3:] = AMBIGUOUS_VALUES
    return render_oneline(canon, glue_t3=True, t3=grid)


BROKEN_ROW = "new_received"
# 12+0 ≠ 4+0: column 自然人 no longer balances. Nine digits for seven cells: the split is unique by
# the row total but not fixed by the digits alone, so it is derived (one digit per cell would be read).
BROKEN_VALUES = ["12", "0", "0", "0", "0", "0", "12"]


def broken_oneline_glued(canon: Canonical) -> str:
    """The glued one-line form where 一、本年新收 says 12 (splits uniquely): the sums fail, but only
    on derived cells, which must never be held against the agency."""
    grid = t3_grid(canon)
    row = next(i for i, r in enumerate(grid.rows) if r[0] == "一、本年新收政府信息公开申请数量")
    grid.rows[row][3:] = BROKEN_VALUES
    return render_oneline(canon, glue_t3=True, t3=grid)


NEGATIVE_NAMES = ["truncated_t3", "shuffled_t3", "ambiguous_glued", "broken_glued"]


def render_negatives(canon: Canonical, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "truncated_t3": ("truncated_t3.txt", truncated_t3_text(canon)),
        "shuffled_t3": ("shuffled_t3.txt", shuffled_t3_text(canon)),
        "ambiguous_glued": ("ambiguous_glued.txt", ambiguous_oneline_glued(canon)),
        "broken_glued": ("broken_glued.txt", broken_oneline_glued(canon)),
    }
    out = {}
    for name, (filename, text) in files.items():
        path = folder / filename
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


# --------------------------------------------------------------- a canonical with distinct values

def distinct_canonical(canon: Canonical, seed: int = 7) -> Canonical:
    """The same report with a different value in (nearly) every cell, so that a row or column put
    in the wrong place shows (the sample is mostly zeros, which hides such mistakes). Table 3
    rows keep 总计 = sum of the others and use single digits (total ≤ 9), so run-together rows
    still split one way only; table 4 groups keep 总计 = sum too."""
    import copy

    rng = random.Random(seed)
    t3: dict[str, list[int]] = {}
    seen: set[tuple[int, ...]] = set()
    for _, _, key in T3_LAYOUT:
        while True:
            six = tuple(rng.randint(0, 3) for _ in range(6))
            if sum(six) <= 9 and len(set(six)) >= 3 and six not in seen:
                break
        seen.add(six)
        t3[key] = [*six, sum(six)]
    t4 = {"review": [1, 0, 2, 0, 3], "litigation_direct": [0, 2, 0, 1, 3], "litigation_after_review": [2, 1, 0, 0, 3]}
    t2 = {("regulations", "issued"): 3, ("regulations", "repealed"): 1, ("regulations", "in_force"): 5,
          ("normative_documents", "issued"): 2, ("normative_documents", "repealed"): 0,
          ("normative_documents", "in_force"): 7}
    data = copy.deepcopy(canon.data)
    for cell in data["cells"]:
        t, row, col = cell["table"], cell["row"], cell["col"]
        if t == "t3":
            value = t3[row][T3_COL_KEYS.index(col)]
        elif t == "t4":
            value = t4[row][T4_COL_KEYS.index(col)]
        else:
            value = t2.get((row, col), cell["value"])
        cell["value"], cell["raw"] = value, _fmt(value)
        data["tables"][t][row][col] = value
    return Canonical(data=data, intro=list(canon.intro), prose=dict(canon.prose))


def t4_labelled_rows_grid(canon: Canonical, order: list[str]) -> Grid:
    """Table 4 written as three labelled rows (a common simplified layout), in the given order."""
    labels = {"review": "行政复议", "litigation_direct": "未经复议直接起诉", "litigation_after_review": "复议后起诉"}
    rows = [["信息内容", *T4_COL_NAMES]] + [[labels[g], *canon.t4_values(g)] for g in order]
    return Grid(rows, [], "t4", header_rows=1)


__all__ = ["Canonical", "load_canonical", "distinct_canonical", "FORMS", "FORM_NAMES", "render_all",
           "render_negatives", "NEGATIVE_NAMES", "Grid", "t2_grid", "t3_grid", "t4_grid",
           "t4_labelled_rows_grid", "CJK_FONT", "SAMPLE"]


# ------------------------------------------------------------- re-layouts of the real reports
#
# Issue 11: the same real report as other publishing tools lay it out. Each function takes the
# source text of a real report (plain text, markdown or HTML, `html=True` for the last) and the
# headings as the original's extraction read them, and returns the re-laid-out source. Headings are
# edited where they stand in the source (HTML tags between their characters are kept), so the
# report's text and tables are otherwise untouched.

REAL_REPORTS = ["zibo-gaoxin-police-2022.txt", "shuyang-fgj-2023.html", "pingtan-2022.txt",
                "shanghai-stcsm-2024.md"]
FURNITURE = ["- 3 -", "第 3 页 共 9 页", "3/9", "— 12 —", "第3页"]
_TAG = r"(?:<[^>]*>|&nbsp;|\s)*"
# (i, j, text): replace the heading's visible characters i..j (i == j: insert before character i)
Edit = tuple[int, int, str]


def heading_positions(source: str, headings: list[str], html: bool = False) -> list[list[int]]:
    """For each heading (in document order), the source offset of each of its visible characters."""
    out: list[list[int]] = []
    pos = 0
    for title in headings:
        chars = [c for c in title if not c.isspace()]
        sep = _TAG if html else r"\s*"
        rx = re.compile(sep.join(f"({re.escape(c)})" for c in chars))
        m = rx.search(source, pos)
        if m is None:
            raise ValueError(f"heading not found in source: {title}")
        out.append([m.start(i + 1) for i in range(len(chars))])
        pos = m.end()
    return out


def _apply(source: str, positions: list[list[int]], edits: list[list[Edit]], html: bool) -> str:
    """Apply per-heading edits, last offset first so earlier offsets stay valid."""
    flat: list[tuple[int, int, str]] = []
    for pos, mine in zip(positions, edits):
        for i, j, text in mine:
            start = pos[i] if i < len(pos) else pos[-1] + 1
            end = start if i == j else pos[j - 1] + 1
            if html:
                text = text.replace("\n", "<br/>")
            flat.append((start, end, text))
    for start, end, text in sorted(flat, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def _numeral_len(title: str) -> int:
    m = re.match(r"[一二三四五六七八九十]{1,2}[、.．]", title.replace(" ", ""))
    return len(m.group()) if m else 0


def break_headings(source: str, headings: list[str], html: bool = False, at: float = 0.5) -> str:
    """Line breaks inside each heading (四、政府信息公开行政\\n复议、行政诉讼情况)."""
    positions = heading_positions(source, headings, html)
    edits = []
    for pos, title in zip(positions, headings):
        lo = _numeral_len(title) + 1
        k = min(max(lo, int(len(pos) * at)), len(pos) - 1)
        edits.append([(k, k, "\n")])
    return _apply(source, positions, edits, html)


def space_headings(source: str, headings: list[str], html: bool = False, every: bool = False) -> str:
    """Spaced headings: 四 、政府… (a space before the separator), or every character spaced."""
    positions = heading_positions(source, headings, html)
    edits = []
    for pos, title in zip(positions, headings):
        if every:
            edits.append([(k, k, " ") for k in range(1, len(pos))])
        else:
            n = _numeral_len(title)
            edits.append([(n - 1, n - 1, " ")] if n else [(1, 1, " ")])
    return _apply(source, positions, edits, html)


def furnish_headings(source: str, headings: list[str], html: bool = False, furniture: str = "- 3 -",
                     where: str = "line_before", header: str | None = None) -> str:
    """Page furniture around each heading: a page-number line before it (`line_before`), the page
    number on the heading's line before or after it (`same_before`, `same_after`), or a page break
    inside it (`inside`: the heading's second half on the next page); `header` adds the running
    header (the report's title) after the page number, as printed at the top of a page."""
    positions = heading_positions(source, headings, html)
    page = furniture + ("\n" + header if header else "")
    edits = []
    for pos in positions:
        mid = len(pos) // 2 + 1
        edits.append({"line_before": [(0, 0, f"{page}\n")],
                      "same_before": [(0, 0, f"{furniture} ")],
                      "same_after": [(len(pos), len(pos), f" {furniture}")],
                      "inside": [(mid, mid, f"\n{page}\n")]}[where])
    return _apply(source, positions, edits, html)


def split_heading_runs(source: str, headings: list[str], html: bool = True) -> str:
    """Each heading split across inline runs, as Word and WPS write it (HTML: one run closed, a
    new one opened inside the heading; text: the runs set apart by a space, as pdftotext gives)."""
    positions = heading_positions(source, headings, html)
    edits = []
    for pos, title in zip(positions, headings):
        k = max(_numeral_len(title) + 2, len(pos) // 2)
        k = min(k, len(pos) - 1)
        run = '</font></span><span style="font-family: 宋体;"><font face="仿宋_GB2312">' \
            if html and re.search(r"<font[^>]*>\s*$", source[:pos[0]]) else ("<span></span>" if html else " ")
        edits.append([(k, k, run), (2, 2, "<span></span>" if html else "")])
    return _apply(source, positions, edits, html)


def slip_numbering(source: str, headings: list[str], html: bool = False, style: str = "paren") -> str:
    """Numbering slips: （一） or 1. instead of 一、, a wrong numeral, the numeral without its
    separator (`bare`: 一总体情况), or no numeral at all."""
    positions = heading_positions(source, headings, html)
    edits = []
    for k, (pos, title) in enumerate(zip(positions, headings)):
        n = _numeral_len(title)
        if not n:
            edits.append([])
            continue
        numeral = title.replace(" ", "")[:n - 1]
        new = {"paren": f"（{numeral}）", "arabic": f"{'一二三四五六七八九十'.find(numeral[-1]) + 1}.",
               "wrong": "七、" if k % 2 else "十、", "none": "", "bare": numeral}[style]
        edits.append([(0, n, new)])
    return _apply(source, positions, edits, html)


def document_lines(path: Path) -> list[str]:
    """The report as a web page's text comes out: one line per block, a table row's filled cells
    on one line separated by spaces (empty cells vanish)."""
    from auditor.ingest import read_document
    from auditor.model import TableBlock as _Table

    lines: list[str] = []
    for block in read_document(path).blocks:
        if isinstance(block, _Table):
            lines += [" ".join(c.strip() for c in row if c.strip()) for row in block.rows]
        else:
            lines.append(block.text)
    return [line for line in lines if line.strip()]


def one_line(source: str) -> str:
    """Web text extracted without line breaks: every line of the source joined by a space."""
    return " ".join(line.strip() for line in source.splitlines() if line.strip())


def relaid_outline(canon: Canonical, style: str) -> list[Block]:
    """The canonical outline with its six headings as PDF exporters print them: `spaced` (四 、政府…),
    `split` (the heading's two halves as two lines), `furniture` (a page number line and the
    running header before each heading, the page number also on the heading's line)."""
    headings = {canon.heading(n) for n in range(1, 7)}
    out: list[Block] = []
    for b in outline(canon):
        if not isinstance(b, str) or b not in headings:
            out.append(b)
        elif style == "spaced":
            out.append(b[0] + " " + " ".join(b[1:]))
        elif style == "split":
            k = max(3, len(b) // 2)
            out += [b[:k], b[k:]]
        elif style == "furniture":
            out += ["- 2 -", canon.title, f"{b}    第 2 页 共 6 页"]
        else:
            raise ValueError(style)
    return out
