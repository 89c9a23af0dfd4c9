"""One-line archiver texts as real pages give them, built from one-cell-per-line reports.

A web archiver that drops line breaks gives the whole report on one line. What real pages showed
(pingtan-2022.txt and held-out reports of other agencies): the cells of a row run together with
no separator ('713000074'), the numbers of a row run into the next label with or without a space
('00000002.其他法律…', '713000074二、上年结转…'), signed numbers run together ('12-212258' in the
2019 format's 本年增/减 column), the header words spaced or run together, table 4's numbers
spaced or glued. `oneline(text, style)` turns a one-cell-per-line text (the samples, the real
zibo report, a rendering of `variants.distinct_canonical`) into such a line; the style says which
separators are dropped. Built at test time, nothing committed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from auditor.catalog import SECTION_TITLES
from auditor.extract.numbers import is_value

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_2019 = ROOT / "rules" / "fixtures" / "sample-2019.txt"
SAMPLE_2021 = ROOT / "rules" / "fixtures" / "sample-2021.txt"
ZIBO = ROOT / "reports_in" / "zibo-gaoxin-police-2022.txt"
ARCHIVER_RULE = "==================== 正文 ===================="


@dataclass(frozen=True)
class Style:
    """Which separators the one line keeps inside the tables (outside them: one space)."""

    name: str
    values: str = ""          # between two numbers of a row (table 4: see `t4_values`)
    value_label: str = " "    # between a row's last number and the next label
    labels: str = " "         # between two label/header texts
    t4_values: str = " "      # between table 4's 15 numbers
    respell: tuple[tuple[str, str], ...] = ()   # label spellings real reports use instead
    renumber: bool = False    # item labels numbered '（1）' instead of '1.'


STYLES = [
    Style("pingtan"),                                               # as the real pingtan page
    Style("tight", value_label="", labels=""),                      # nothing separates anything
    Style("glued_t4", value_label="", t4_values=""),                # table 4 run together too
    Style("spaced_labels_tight_values", value_label=""),
    Style("respelled", value_label="", labels="", respell=(
        ("2.其他法律行政法规禁止公开", "2、其他法律、行政法规禁止公开"), ("1.属于国家秘密", "1、属于国家秘密"),
        ("2.重复申请", "2、重复申请"), ("3.其他", "3、其他"), ("四、结转下年度继续办理", "四、结转下一年度继续办理"))),
    Style("renumbered", value_label="", labels="", renumber=True),
]
STYLE_NAMES = [s.name for s in STYLES]

_HEADING = re.compile("^[一二三四五六][、.．]\\s*(" + "|".join(map(re.escape, SECTION_TITLES.values())) + ")")


def _is_heading(line: str) -> bool:
    return _HEADING.match(line) is not None and len(line) < 40


def _is_label(line: str) -> bool:
    """A short text of a table (header word, row label), not prose."""
    return len(line) <= 60 and not re.search(r"[。；]", line)


def body_lines(text: str) -> tuple[list[str], list[str]]:
    """(header lines kept as lines, the report's non-empty lines that go on the one line)."""
    lines = [line.strip(" \t\u00a0\u3000") for line in text.splitlines()]
    lines = [line for line in lines if line]
    if ARCHIVER_RULE in lines:
        at = lines.index(ARCHIVER_RULE)
        return lines[:at + 1], lines[at + 1:]
    return [], lines


def oneline(text: str, style: Style) -> str:
    """The report on one line after a crawler header, with the style's separators in tables."""
    header, lines = body_lines(text)
    out: list[str] = []
    prev_kind = "prose"
    section = 0
    for line in lines:
        if _is_heading(line):
            section = "一二三四五六".index(line[0]) + 1
            kind = "heading"
        elif section in (2, 3, 4) and is_value(line.replace(" ", "")):
            kind = "value"
            line = line.replace(" ", "")
        elif section in (2, 3, 4) and _is_label(line):
            kind = "label"
            line = dict(style.respell).get(line, line)
            if style.renumber:
                line = re.sub(r"^(\d)\.", r"（\1）", line)
        else:
            kind = "prose"
        if not out:
            sep = ""
        elif kind == "value" and prev_kind == "value":
            sep = style.t4_values if section == 4 else style.values
        elif kind == "label" and prev_kind == "value":
            sep = style.value_label
        elif kind == "label" and prev_kind == "label":
            sep = style.labels
        elif kind == "value" and prev_kind == "label":
            sep = style.labels if section == 4 else ""
        else:
            sep = " "
        out.append(sep + line)
        prev_kind = kind
    if not header:
        header = ["标题: 年度报告", "发布时间: 2023-01-19 10:00", ARCHIVER_RULE]
    return "\n".join(header) + "\n" + "".join(out) + "\n"


PINGTAN = ROOT / "reports_in" / "pingtan-2022.txt"
SHUYANG = ROOT / "reports_in" / "shuyang-fgj-2023.html"
SHANGHAI = ROOT / "reports_in" / "shanghai-stcsm-2024.md"


def flatten(path: Path, glue_labels: bool = False) -> str:
    """A real report (any format) as an archiver's one line: its tables' cells in reading order,
    the numbers of a row run together (a blank cell leaves nothing), labels spaced or not."""
    from auditor.ingest import read_document
    from auditor.model import TableBlock

    out: list[str] = []
    for block in read_document(path).blocks:
        if not isinstance(block, TableBlock):
            out.append(" " + block.text.strip())
            continue
        for r, row in enumerate(block.rows):
            prev = None
            for c, cell in enumerate(row):
                text = "".join(cell.split())
                if (r, c) in block.copies or not text:
                    continue
                value = is_value(text)
                glued = (value and prev == "v") or (glue_labels and prev is not None)
                out.append(("" if glued else " ") + text)
                prev = "v" if value else "l"
            out.append("" if glue_labels else " ")
    return "标题: 年度报告\n" + ARCHIVER_RULE + "\n" + "".join(out).strip() + "\n"


def pingtan_variants(text: str) -> dict[str, str]:
    """The real pingtan one-line text re-laid-out: every space inside tables 2 and 3 dropped
    (header words, labels and numbers all run together), and table 4's 15 numbers run together."""
    a = text.index("第二十条第（一）项")
    t3 = text.index(" 三、收到和处理政府信息公开申请情况")
    note = text.index("（本列数据")
    t4 = text.index("四、政府信息公开行政法复议")
    end = text.index(" 五、存在的主要问题")
    tight = (text[:a] + text[a:t3].replace(" ", "") + " 三、收到和处理政府信息公开申请情况"
             + text[note:t4].replace(" ", "") + " " + text[t4:])
    glued_t4 = text[:t4] + re.sub(r"(?<=\d) (?=\d)", "", text[t4:end]) + text[end:]
    return {"tight_tables": tight, "glued_t4": glued_t4}


__all__ = ["Style", "STYLES", "STYLE_NAMES", "oneline", "pingtan_variants", "flatten", "PINGTAN", "SHUYANG", "SHANGHAI", "SAMPLE_2019", "SAMPLE_2021",
           "ZIBO"]
