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

Nothing binary is committed: everything is rendered into a folder at test (or script) time.
"""
from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .fixtures_build import CJK_FONT, Merge, _docx_paragraph, _font, _PdfWriter

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "reports_in" / "zibo-gaoxin-police-2022.txt"

# ------------------------------------------------------------------------------ the canonical

T3_COL_KEYS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
T4_COL_KEYS = ["upheld", "corrected", "other", "pending", "total"]
T4_GROUP_KEYS = ["review", "litigation_direct", "litigation_after_review"]
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_ORGS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
T4_COL_NAMES = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
OUTCOME = "三、本年度办理结果"

# Table 3 rows as the 2021 format prints them: (group, item, key). A row with no group spans the
# three label columns; a row with a group but no item spans the two item columns.
T3_LAYOUT: list[tuple[str | None, str | None, str]] = [
    (None, "一、本年新收政府信息公开申请数量", "new_received"),
    (None, "二、上年结转政府信息公开申请数量", "carried_over"),
    ("（一）予以公开", None, "granted"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None, "partly_granted"),
    ("（三）不予公开", "1.属于国家秘密", "denied_state_secret"),
    ("（三）不予公开", "2.其他法律行政法规禁止公开", "denied_law_forbidden"),
    ("（三）不予公开", "3.危及“三安全一稳定”", "denied_three_safety_one_stability"),
    ("（三）不予公开", "4.保护第三方合法权益", "denied_third_party_rights"),
    ("（三）不予公开", "5.属于三类内部事务信息", "denied_internal_affairs"),
    ("（三）不予公开", "6.属于四类过程性信息", "denied_process_info"),
    ("（三）不予公开", "7.属于行政执法案卷", "denied_enforcement_files"),
    ("（三）不予公开", "8.属于行政查询事项", "denied_admin_query"),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", "unable_not_held"),
    ("（四）无法提供", "2.没有现成信息需要另行制作", "unable_needs_creation"),
    ("（四）无法提供", "3.补正后申请内容仍不明确", "unable_unclear"),
    ("（五）不予处理", "1.信访举报投诉类申请", "rejected_petition"),
    ("（五）不予处理", "2.重复申请", "rejected_repeat"),
    ("（五）不予处理", "3.要求提供公开出版物", "rejected_publication"),
    ("（五）不予处理", "4.无正当理由大量反复申请", "rejected_mass_repeat"),
    ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "rejected_confirm"),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other_no_correction"),
    ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other_fee_unpaid"),
    ("（六）其他处理", "3.其他", "other_other"),
    ("（七）总计", None, "total_processed"),
    (None, "四、结转下年度继续办理", "carried_forward"),
]
# The rows under 三、本年度办理结果 (the label's rowspan).
OUTCOME_ROWS = [key for group, _, key in T3_LAYOUT if group is not None]


@dataclass
class Canonical:
    """What every form renders: the canonical JSON plus the report's prose, as paragraphs."""

    data: dict                              # extract(...).as_json() of the sample
    intro: list[str]                        # preface paragraphs (statutory basis, contact details)
    prose: dict[int, list[str]] = field(default_factory=dict)   # section number → paragraphs

    @property
    def title(self) -> str:
        return self.data["meta"]["title"]

    @property
    def published(self) -> str:
        return self.data["meta"]["published"]

    @property
    def tables(self) -> dict:
        return self.data["tables"]

    def heading(self, number: int) -> str:
        return next(s["title"] for s in self.data["sections"] if s["number"] == number)

    def raw(self, table: str, row: str, col: str) -> str:
        """The cell as printed: the source's text when there is one, else the value."""
        for c in self.data["cells"]:
            if (c["table"], c["row"], c["col"]) == (table, row, col):
                if c["raw"] is not None and c["raw"].strip():
                    return _squeeze(c["raw"])
                return _fmt(c["value"])
        return _fmt(self.tables[table][row][col])

    def t3_values(self, key: str) -> list[str]:
        return [self.raw("t3", key, c) for c in T3_COL_KEYS]

    def t4_values(self, group: str) -> list[str]:
        return [self.raw("t4", group, c) for c in T4_COL_KEYS]


def _squeeze(text: str) -> str:
    return re.sub(r"[\s\u00a0\u3000]+", "", text)


def _fmt(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def _paragraphs(text: str) -> list[str]:
    return [p for p in (line.strip(" \t\u00a0\u3000") for line in text.split("\n")) if p]


def load_canonical(path: Path = SAMPLE) -> Canonical:
    from auditor.extract import extract
    from auditor.ingest import read_document

    report = extract(read_document(path))
    data = report.as_json()
    # Preface paragraphs long enough to be prose (the crawler header and page chrome are not).
    intro = [p for p in _paragraphs(report.preface) if len(p) > 40 and "。" in p]
    prose = {s["number"]: _paragraphs(s["text"]) for s in data["sections"] if s["number"] in (1, 5, 6)}
    return Canonical(data=data, intro=intro, prose=prose)


# ----------------------------------------------------------------------- table grids (layouts)

@dataclass
class Grid:
    """A table as a rectangular grid of texts; a merged region's text sits at its top-left slot."""

    rows: list[list[str]]
    merges: list[Merge] = field(default_factory=list)
    kind: str = ""                 # "t2" / "t3" / "t4"
    header_rows: int = 0           # rows before the first data row (table 3 / 4)

    def owner(self, r: int, c: int) -> Merge | None:
        return next((m for m in self.merges if m.covers(r, c)), None)

    def is_copy(self, r: int, c: int) -> bool:
        m = self.owner(r, c)
        return m is not None and (m.row, m.col) != (r, c)

    def row_texts(self, r: int) -> list[str]:
        """The texts a reader meets in row r (merged regions once, at their first row)."""
        return [self.rows[r][c] for c in range(len(self.rows[r])) if not self.is_copy(r, c) and self.rows[r][c]]


def t2_grid(canon: Canonical, merged: bool = True) -> Grid:
    t = canon.tables["t2"]
    rows: list[list[str]] = []
    merges: list[Merge] = []

    def head(text: str) -> None:
        rows.append([text, "", "", ""])
        merges.append(Merge(len(rows) - 1, 0, colspan=4))

    def single(label: str, value: str) -> None:
        rows.append([label, value, "", ""])
        merges.append(Merge(len(rows) - 1, 1, colspan=3))

    head("第二十条第（一）项")
    rows.append(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])
    for key, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        rows.append([label] + [canon.raw("t2", key, c) for c in ("issued", "repealed", "in_force")])
    head("第二十条第（五）项")
    single("信息内容", "本年处理决定数量")
    single("行政许可", canon.raw("t2", "licensing", "decisions"))
    head("第二十条第（六）项")
    single("信息内容", "本年处理决定数量")
    single("行政处罚", canon.raw("t2", "penalties", "decisions"))
    single("行政强制", canon.raw("t2", "coercion", "decisions"))
    head("第二十条第（八）项")
    single("信息内容", "本年收费金额（单位：万元）")
    single("行政事业性收费", canon.raw("t2", "admin_fees", "amount_10k_yuan"))
    assert set(t) == {"regulations", "normative_documents", "licensing", "penalties", "coercion", "admin_fees"}
    return Grid(rows, merges if merged else [], "t2")


def t3_grid(canon: Canonical, order: list[str] | None = None) -> Grid:
    """The official layout: 3 label columns + 7 value columns, with the format's merges."""
    rows = [
        [T3_NOTE, "", "", "申请人情况", "", "", "", "", "", ""],
        [T3_NOTE, "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        [T3_NOTE, "", "", "", *T3_ORGS, ""],
    ]
    merges = [Merge(0, 0, rowspan=3, colspan=3), Merge(0, 3, colspan=7), Merge(1, 3, rowspan=2),
              Merge(1, 4, colspan=5), Merge(1, 9, rowspan=2)]
    layout = T3_LAYOUT if order is None else [next(x for x in T3_LAYOUT if x[2] == k) for k in order]
    group_start: dict[str, int] = {}
    for group, item, key in layout:
        r = len(rows)
        values = canon.t3_values(key)
        if group is None:
            rows.append([item, item, item, *values])
            merges.append(Merge(r, 0, colspan=3))
            continue
        if item is None:
            rows.append([OUTCOME, group, group, *values])
            merges.append(Merge(r, 1, colspan=2))
        else:
            rows.append([OUTCOME, group, item, *values])
            if group_start.get(group) is None:
                group_start[group] = r
        if key == OUTCOME_ROWS[0] and order is None:
            merges.append(Merge(r, 0, rowspan=len(OUTCOME_ROWS)))
    if order is None:
        for group, start in group_start.items():
            n = sum(1 for g, _, _ in T3_LAYOUT if g == group)
            merges.append(Merge(start, 1, rowspan=n))
    return Grid(rows, merges, "t3", header_rows=3)


def t3_labelled_rows(canon: Canonical) -> list[list[str]]:
    """Table 3 as label + values rows, each group label on a row of its own before its items."""
    rows: list[list[str]] = []
    seen: set[str] = set()
    for group, item, key in T3_LAYOUT:
        if group is not None and OUTCOME not in seen:
            rows.append([OUTCOME])
            seen.add(OUTCOME)
        if group is not None and item is not None and group not in seen:
            rows.append([group])
            seen.add(group)
        rows.append([item if item is not None else group, *canon.t3_values(key)])
    return rows


def t3_simple_grid(canon: Canonical) -> Grid:
    """One label column, one <td> per cell, a row of its own for each group label."""
    rows = [[T3_NOTE], ["申请人情况", "自然人", *T3_ORGS, "总计"]] + t3_labelled_rows(canon)
    return Grid(rows, [], "t3", header_rows=1)


def t4_grid(canon: Canonical) -> Grid:
    values = [v for g in T4_GROUP_KEYS for v in canon.t4_values(g)]
    rows = [
        ["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
        [*T4_COL_NAMES, "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
        [""] * 5 + T4_COL_NAMES * 2,
        values,
    ]
    merges = [Merge(0, 0, colspan=5), Merge(0, 5, colspan=10), Merge(1, 5, colspan=5), Merge(1, 10, colspan=5)]
    merges += [Merge(1, c, rowspan=2) for c in range(5)]
    return Grid(rows, merges, "t4", header_rows=3)


def t4_simple_grid(canon: Canonical) -> Grid:
    values = [v for g in T4_GROUP_KEYS for v in canon.t4_values(g)]
    rows = [
        ["行政复议", "", "", "", "", "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
        T4_COL_NAMES * 3,
        values,
    ]
    return Grid(rows, [], "t4", header_rows=2)


# --------------------------------------------------------------------------- document outline

Block = str | Grid


def outline(canon: Canonical, simple: bool = False, t3: Grid | None = None,
            with_title: bool = True, with_date: bool = True, t4: Grid | None = None) -> list[Block]:
    """The report in reading order: title, date, preface, six headings with prose or tables."""
    blocks: list[Block] = []
    if with_title:
        blocks.append(canon.title)
    if with_date:
        blocks.append(f"发布日期：{canon.published}")
    blocks += canon.intro
    for number in range(1, 7):
        blocks.append(canon.heading(number))
        if number == 2:
            blocks.append(t2_grid(canon, merged=not simple))
        elif number == 3:
            blocks.append(t3 or (t3_simple_grid(canon) if simple else t3_grid(canon)))
        elif number == 4:
            blocks.append(t4 or (t4_simple_grid(canon) if simple else t4_grid(canon)))
        else:
            blocks += canon.prose[number]
    return blocks


# ---------------------------------------------------------------------------------------- HTML

def _html_table(grid: Grid, merged: bool) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2">']
    for r, row in enumerate(grid.rows):
        tds = []
        cells = row if merged else _trim(row)
        for c, text in enumerate(cells):
            m = grid.owner(r, c) if merged else None
            if m is not None and (m.row, m.col) != (r, c):
                continue
            attrs = ""
            if m is not None and m.rowspan > 1:
                attrs += f' rowspan="{m.rowspan}"'
            if m is not None and m.colspan > 1:
                attrs += f' colspan="{m.colspan}"'
            tds.append(f"<td{attrs}>{html.escape(text)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _trim(row: list[str]) -> list[str]:
    row = list(row)
    while len(row) > 1 and not row[-1]:
        row.pop()
    return row


def render_html(blocks: list[Block], charset: str, merged: bool, title: str) -> bytes:
    body = []
    for b in blocks:
        if isinstance(b, Grid):
            body.append(_html_table(b, merged))
        else:
            body.append(f"<p>{html.escape(b)}</p>")
    page = (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n<title>{html.escape(title)}</title>\n'
            f"</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")
    return page.encode(charset)


# ---------------------------------------------------------------------------------------- DOCX

def render_docx(path: Path, blocks: list[Block]) -> Path:
    """Paragraphs and tables in order; merged regions with python-docx cell.merge."""
    import docx

    doc = docx.Document()
    for b in blocks:
        if not isinstance(b, Grid):
            _docx_paragraph(doc, b)
            continue
        nrows, ncols = len(b.rows), len(b.rows[0])
        table = doc.add_table(rows=nrows, cols=ncols)
        table.style = "Table Grid"
        for r in range(nrows):
            for c in range(ncols):
                if not b.is_copy(r, c) and b.rows[r][c]:
                    table.cell(r, c).text = b.rows[r][c]
        for m in b.merges:
            table.cell(m.row, m.col).merge(table.cell(m.row + m.rowspan - 1, m.col + m.colspan - 1))
    doc.save(str(path))
    return path


# ----------------------------------------------------------------------------------------- PDF

_WIDTHS = {  # points; the printable width is 475
    "t2": [145.0, 110.0, 110.0, 110.0],
    "t3": [38.0, 52.0, 133.0] + [36.0] * 7,
    "t4": [475.0 / 15] * 15,
}


def render_pdf(path: Path, blocks: list[Block], title: str) -> Path:
    """Text PDF, every table ruled (each cell / merged region outlined), CJK via STSong-Light."""
    from reportlab.pdfgen import canvas

    _font()
    c = canvas.Canvas(str(path), pagesize=(595.0, 842.0))
    c.setTitle(title)
    w = _PdfWriter(c)
    for i, b in enumerate(blocks):
        if isinstance(b, Grid):
            if b.kind == "t3":  # start the big table on a fresh page so it is never cut
                c.showPage()
                w.y = 842.0 - 60.0
            w.table(b.rows, b.merges, _WIDTHS[b.kind], ruled=True)
        else:
            w.paragraph(b, 16 if i == 0 else 12)
    c.save()
    return path


# ---------------------------------------------------------------------------------------- text

def _flat_cells(grid: Grid, glue_t3: bool = False) -> list[str]:
    """The cells in reading order, as a flattened web page gives them (merged cells once)."""
    out: list[str] = []
    for r in range(len(grid.rows)):
        texts = grid.row_texts(r)
        if glue_t3 and grid.kind == "t3" and r >= grid.header_rows:
            labels, values = texts[:-7], texts[-7:]
            texts = labels + ["".join(values)]
        out.extend(texts)
    return out


def text_lines(blocks: list[Block], glue_t3: bool = False) -> list[str]:
    lines: list[str] = []
    for b in blocks:
        lines.extend(_flat_cells(b, glue_t3) if isinstance(b, Grid) else [b])
    return lines


def render_text(blocks: list[Block]) -> str:
    """One paragraph or table cell per line, blank lines between (like the sample)."""
    return "\n\n".join(text_lines(blocks)) + "\n"


ARCHIVER_RULE = "==================== 正文 ===================="


def render_oneline(canon: Canonical, glue_t3: bool = False, t3: Grid | None = None) -> str:
    """A web archiver's page.txt: crawler header lines, a rule, then the whole report on one line."""
    header = [f"标题: {canon.title}", f"发布时间: {canon.published} 10:00", "栏目: 政府信息公开年报", ARCHIVER_RULE]
    body = " ".join(text_lines(outline(canon, t3=t3, with_title=False, with_date=False), glue_t3))
    return "\n".join(header) + "\n" + body + "\n"


# ------------------------------------------------------------------------------------ markdown

def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _pipe_table(header: list[str], rows: list[list[str]]) -> list[str]:
    width = len(header)
    lines = [_pipe(header), _pipe(["---"] * width)]
    lines += [_pipe(r + [""] * (width - len(r))) for r in rows]
    return lines


def render_markdown(canon: Canonical) -> str:
    """PDF-to-markdown style: headings as plain lines, pipe tables whose header row holds generic
    names (信息内容, 数据1 …, 总计) instead of the printed column labels."""
    lines: list[str] = [canon.title, "", f"发布日期：{canon.published}", ""]
    lines += [p + "\n" for p in canon.intro]
    for number in range(1, 7):
        lines.append(canon.heading(number))
        lines.append("")
        if number == 2:
            t2 = canon.tables["t2"]
            lines += ["第二十条第（一）项", ""]
            lines += _pipe_table(["信息内容", "数据1", "数据2", "数据3"], [
                [label] + [canon.raw("t2", key, c) for c in ("issued", "repealed", "in_force")]
                for key, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件"))])
            for head, items in (("第二十条第（五）项", [("licensing", "行政许可")]),
                                ("第二十条第（六）项", [("penalties", "行政处罚"), ("coercion", "行政强制")]),
                                ("第二十条第（八）项", [("admin_fees", "行政事业性收费")])):
                col = "amount_10k_yuan" if items[0][0] == "admin_fees" else "decisions"
                lines += ["", head, ""]
                lines += _pipe_table(["信息内容", "数据1"], [[label, canon.raw("t2", key, col)] for key, label in items])
            assert set(t2) >= {k for k in ("licensing", "penalties", "coercion", "admin_fees")}
        elif number == 3:
            lines += _pipe_table(["信息内容", *[f"数据{i}" for i in range(1, 7)], "总计"], t3_labelled_rows(canon))
        elif number == 4:
            labels = {"review": "行政复议", "litigation_direct": "未经复议直接起诉",
                      "litigation_after_review": "复议后起诉"}
            lines += _pipe_table(["信息内容", *[f"数据{i}" for i in range(1, 5)], "总计"],
                                 [[labels[g], *canon.t4_values(g)] for g in T4_GROUP_KEYS])
        else:
            lines += [p + "\n" for p in canon.prose[number]]
        lines.append("")
    return "\n".join(lines) + "\n"


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
