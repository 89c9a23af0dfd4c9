"""ONE canonical report (the extraction of reports_in/zibo-gaoxin-police-2022.txt plus its prose) and
the renderers that write it in the forms reports are published in: HTML (plain or with the official
merged cells), DOCX, ruled PDF, text, markdown and an archiver's one-line page.

Shared by the benchmark's corpus (bench/render.py) and the tests' variants (tests/variants.py,
which imports it from here: bench never imports tests). Nothing binary is committed: everything
is rendered at test (or script) time.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from .documents import Merge, PdfWriter, docx_paragraph, pdf_font

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "reports_in" / "zibo-gaoxin-police-2022.txt"   # the report every form renders

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

def span_attrs(m: Merge | None) -> str:
    """The rowspan/colspan attributes of a cell that owns a merged area (empty for a plain cell)."""
    if m is None:
        return ""
    return (f' rowspan="{m.rowspan}"' if m.rowspan > 1 else "") + (f' colspan="{m.colspan}"' if m.colspan > 1 else "")


def _html_table(grid: Grid, merged: bool) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2">']
    for r, row in enumerate(grid.rows):
        tds = []
        cells = row if merged else _trim(row)
        for c, text in enumerate(cells):
            m = grid.owner(r, c) if merged else None
            if m is not None and (m.row, m.col) != (r, c):
                continue
            tds.append(f"<td{span_attrs(m)}>{html.escape(text)}</td>")
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
            docx_paragraph(doc, b)
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

    pdf_font()
    c = canvas.Canvas(str(path), pagesize=(595.0, 842.0))
    c.setTitle(title)
    w = PdfWriter(c)
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
