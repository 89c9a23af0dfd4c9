"""What a 整改通知 and a 审核结果单 say: the placeholder values of their templates, built from
findings only (messages and bases verbatim), with one short 整改要求 per kind of rule."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd

from ..domain import DISMISSED_WORD, RECTIFY_WAIVED, SEVERITY_ORDER, SEVERITY_WORDS
from ..outputs.tables import STATUS_WORDS
from .selection import confirmed

# 整改要求 by the rule's kind: what to do, never a number the finding does not carry.
REQUIREMENTS = {
    "sections": "按年度报告格式补齐或更正相应部分及其标题。",
    "table_rows": "按年度报告格式补齐或更正表格的行、列。",
    "cell_domain": "核实并按格式规范填写所涉表格单元格。",
    "identity": "核实表格数据，更正合计与分项不一致之处。",
    "text_number": "核实正文与表格中的数据，使二者一致。",
    "cross_year": "对照上一年度报告核实有关内容和数据，更正不一致或雷同之处。",
    "text_pattern": "在报告相应部分补充或更正有关内容。",
    "statement": "在报告相应部分补充有关说明。",
    "text_length": "充实相应部分的内容，如实、具体反映本年度情况。",
    "publication": "核实年度报告的发布情况，今后按条例规定的时限发布。",
    "report_fact": "按适用的年度报告格式重新编制年度报告。",
}
DEFAULT_REQUIREMENT = "核实所述问题，更正年度报告。"

ASK_ISSUER = "（请填写发文机关）"
ASK_CONTACT = "（请填写联系人及联系电话）"
STATUS_CONFIRMED, STATUS_OPEN = "确认属实", "未处理"
NOT_RECORDED = "未记录"
NO_FINDING = "本次审核未发现问题。"
UNKNOWN_AGENCY = "（未能识别单位名称）"
KIND_WORDS = {"compliance": "合规问题", "extraction": "读取问题"}      # short, for a narrow column


@dataclass
class Letterhead:
    """What the operator gives for every notice of one batch."""
    notice_date: dt.date
    deadline: dt.date
    working_days: int | None
    issuer: str | None
    contact: str | None


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def requirement(rule_kind: object) -> str:
    return REQUIREMENTS.get(str(rule_kind), DEFAULT_REQUIREMENT)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _files(frame: pd.DataFrame) -> str:
    return "、".join(dict.fromkeys(PurePath(_text(f)).name for f in frame["file"]))


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame["severity"].map(SEVERITY_ORDER).fillna(len(SEVERITY_ORDER))
    return frame.assign(_order=order).sort_values(["_order", "file", "rule_id", "location"], kind="stable")


def notice_context(agency: str, year: int, findings: pd.DataFrame, head: Letterhead) -> dict[str, object]:
    """The placeholders of a 整改通知 (README「整改通知」lists them)."""
    rows = [{"序号": str(i), "位置": _text(f.location), "问题": _text(f.message), "依据": _text(f.basis),
             "整改要求": requirement(f.rule_kind)}
            for i, f in enumerate(_ordered(findings).itertuples(index=False), start=1)]
    return {
        "主送单位": agency, "年度": str(year), "问题数": str(len(rows)), "问题": rows,
        "整改期限": chinese_date(head.deadline), "工作日数": str(head.working_days or ""),
        "通知日期": chinese_date(head.notice_date), "发文机关": head.issuer or ASK_ISSUER,
        "联系人": head.contact or ASK_CONTACT, "报告文件": _files(findings),
    }


def finding_status(finding: pd.Series) -> str:
    """A finding's standing in a 审核结果单."""
    if finding["category"] != "compliance":
        return "需人工核查"
    if bool(finding["waived"]):
        return RECTIFY_WAIVED
    if bool(finding["dismissed"]):
        return DISMISSED_WORD
    return STATUS_CONFIRMED if confirmed(finding.to_frame().T).iloc[0] else STATUS_OPEN


def result_context(agency: str | None, year: int | None, findings: pd.DataFrame, verdicts: pd.DataFrame,
                   head: Letterhead) -> dict[str, object]:
    """The placeholders of a 审核结果单: every finding of the agency-year's (or the file's) current
    reports in this run, their verdicts and reading status; 未发现问题 said when there is no finding."""
    rows = []
    for i, (_, f) in enumerate(_ordered(findings).iterrows(), start=1):
        compliance = f["category"] == "compliance"
        rows.append({"序号": str(i), "类别": KIND_WORDS.get(f["category"], _text(f["category"])),
                     "级别": SEVERITY_WORDS.get(f["severity"], _text(f["severity"])) if compliance else "—",
                     "位置": _text(f["location"]), "问题": _text(f["message"]), "依据": _text(f["basis"]),
                     "处理情况": finding_status(f)})
    reports = [{"文件": PurePath(_text(v.file)).name, "审核结论": _text(v.verdict),
                "读取情况": STATUS_WORDS.get(_text(v.status), _text(v.status)),
                "按期发布": _text(v.deadline_status), "发布日期": _text(v.published)}
               for v in verdicts.itertuples(index=False)]
    if not reports:         # a run from before verdicts were recorded: the files, without a verdict
        reports = [{"文件": name, "审核结论": NOT_RECORDED, "读取情况": NOT_RECORDED, "按期发布": NOT_RECORDED,
                    "发布日期": ""} for name in dict.fromkeys(PurePath(_text(f)).name for f in findings["file"])]
    n_compliance = int((findings["category"] == "compliance").sum())
    return {
        "单位": agency or UNKNOWN_AGENCY, "年度": "" if year is None else str(year),
        "标题年度": "" if year is None else f"{year}年度", "报告": reports, "问题": rows,
        "合规问题数": str(n_compliance), "需人工核查数": str(len(findings) - n_compliance),
        "概况": summary_line(n_compliance, len(findings) - n_compliance,
                           unread=any(_text(v.status) == "failed" for v in verdicts.itertuples(index=False))),
        "出具日期": chinese_date(head.notice_date), "发文机关": head.issuer or ASK_ISSUER,
    }


def summary_line(compliance: int, reading: int, unread: bool) -> str:
    """The 审核结果单's one sentence on what the audit found."""
    said = "报告未能读取，未作合规审核，需人工核查。" if unread else ""
    if compliance + reading == 0:
        return said + NO_FINDING
    if unread and not compliance:
        return said + f"读取问题{reading}条列明如下。"
    return said + f"本次审核共有合规问题{compliance}条、需人工核查的读取问题{reading}条，逐条列明如下。"
