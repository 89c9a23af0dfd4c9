"""Extract: turn a `Document` into the canonical `Report` (sections, metadata, tables 2–4)."""
from __future__ import annotations

import re

from ..catalog import T2_ROWS_2019, T2_ROWS_2021, cols_for, rows_for
from ..model import Cell, Document, Report, Section
from .meta import extract_meta
from .sections import layout
from .tables import TableResult, parse_t2, parse_t3, parse_t4
from .tokens import tokens_from

_CHROME = re.compile(r"^\s*(?:[•·]\s*)?(?:字号|打印|关闭|语音播报|简明问答|图文解读|分享|收藏|\|)[\s:：|]*"
                     r"(?:大|中|小)?[\s|]*$|^\s*(语音播报|简明问答|图文解读)(\s*\|\s*(语音播报|简明问答|图文解读))*\s*$")
_TABLE_OF_SECTION = {2: ("t2", parse_t2, "表二"), 3: ("t3", parse_t3, "表三"), 4: ("t4", parse_t4, "表四")}


_FOOTER = re.compile(r"ICP|版权|主办|承办|网站标识码|技术支持|Copyright|©|联系我们|网站地图")
_LAST_ROW = {2: ("t2", "admin_fees"), 3: ("t3", "carried_forward"), 4: ("t4", "litigation_after_review")}


def _truncated_after(report: Report, flat: str) -> int | None:
    """The parts found are 一…k with k < 六, and the text stops mid-sentence or mid-table."""
    numbers = [s.number for s in report.sections]
    if not numbers or max(numbers) >= 6 or sorted(numbers) != list(range(1, max(numbers) + 1)):
        return None
    last = max(numbers)
    lines = [line.strip() for line in flat.splitlines() if line.strip()]
    tail = lines[-1] if lines else ""
    # A download cut mid-paragraph ends in a long line without a full stop; a site footer
    # (主办单位、ICP备案号、版权) is short or says so, and is not a sign of truncation.
    cut_mid_sentence = (len(tail) >= 20 and tail[-1] not in set("。！？.!?）)」”")
                        and not _FOOTER.search(tail))
    table_row = _LAST_ROW.get(last)
    cut_mid_table = table_row is not None and not any(
        c.raw is not None for c in report.cells if (c.table, c.row) == table_row)
    return last if cut_mid_sentence or cut_mid_table else None


def unread_table(table: str, template: str | None) -> list[Cell]:
    """A table we could not find keeps its fixed keys, every cell marked unread (raw None)."""
    if table == "t2":
        layout = T2_ROWS_2019 if template == "2019" else T2_ROWS_2021
        return [Cell(table, row.key, col.key, None, None) for row, cols in layout for col in cols]
    return [Cell(table, row, col, None, None) for row in rows_for(table, template) for col in cols_for(table)]


def extract(doc: Document) -> Report:
    lay = layout(doc.blocks)
    report = Report(file=doc.path)
    report.problems.extend(doc.problems)
    first = lay.headings[0].start if lay.headings else len(lay.flat)
    report.preface = "\n".join([line for line in lay.flat[:first].splitlines() if not _CHROME.match(line)])
    for h in lay.headings:
        report.sections.append(Section(h.number, h.title, lay.text(*lay.regions[h.number])))
        report.section_order.append(h.number)
    report.heading_seen = dict(lay.seen)
    report.meta = extract_meta(doc, report.preface)

    hints: list[str] = []
    hint_of: dict[str, str] = {}
    tables_found = 0
    for number, (table, parse, short) in _TABLE_OF_SECTION.items():
        region = lay.region(number)
        if region is None and lay.seen.get(number):
            report.problems.append(f"正文中出现「{lay.seen[number]}」字样，但未能确定第{'一二三四五六'[number - 1]}部分"
                                   f"的起止位置，{short}未读取")
            result = TableResult()
        elif region is None:
            report.problems.append(f"未找到第{'一二三四五六'[number - 1]}部分，{short}未读取")
            result = TableResult()
        else:
            result = parse(tokens_from(lay.pieces(*region)))
            if not result.found:
                report.problems.append(f"第{'一二三四五六'[number - 1]}部分中未识别到{short}")
        tables_found += result.found
        if not result.cells:
            result.cells = unread_table(table, result.template_hint)
        report.cells.extend(result.cells)
        report.problems.extend(result.problems)
        if result.template_hint:
            hints.append(result.template_hint)
            hint_of[table] = result.template_hint
    # Table 2's layout tells the formats apart (本年制发 vs 本年新制作); table 3's only by the
    # （六）其他处理 rows, which a PDF can collapse into one: table 2 decides when it was read.
    t2_hint = next((r for t, r in hint_of.items() if t == "t2"), None)
    report.template = t2_hint or ("2019" if "2019" in hints else ("2021" if hints else None))
    if report.template == "2019":    # table 3's 2021 （六） rows, kept unread in case it was 2021
        report.cells = [c for c in report.cells if not (c.table == "t3" and c.row.startswith("other_"))]
    report.truncated_after = _truncated_after(report, lay.flat)
    if report.truncated_after:
        report.problems.append(f"报告在第{'一二三四五六'[report.truncated_after - 1]}部分中途结束，文件可能不完整"
                               "（下载或转换中断），其后各部分无法审核")
    if not report.sections and tables_found == 0:
        report.status = "failed"
        report.problems.insert(0, "未识别到任何章节和表格，可能不是年度报告或格式无法读取")
    elif report.problems:
        report.status = "partial"
    return report


__all__ = ["extract"]
