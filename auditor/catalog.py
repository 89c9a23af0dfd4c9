"""The fixed vocabulary of the format: section titles, table rows and columns.

Each entry pairs a stable key (used in JSON and rules) with the Chinese label shown to users and a
pattern that recognises the label after `normalize_label`. Keys never change; labels and patterns
may grow as new real-world variants are seen.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Fold width, spaces and quote variants so labels compare equal however they were typed.

    Uncached, for one-off long texts (a whole table region) that would only crowd the cache."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    return (text.replace("“", '"').replace("”", '"').replace("〔", "[").replace("〕", "]")
            .replace("—", "-").replace("－", "-"))


@lru_cache(maxsize=1 << 16)
def normalize_label(text: str) -> str:
    """`normalize_text`, remembered: the same labels recur in every report."""
    return normalize_text(text)


@dataclass(frozen=True)
class Label:
    key: str
    label: str          # Chinese label as printed in the format (for messages)
    pattern: str        # regex over the normalised label text

    def matches(self, normalized: str) -> bool:
        return _search(self.pattern, normalized)


@lru_cache(maxsize=1 << 16)
def _search(pattern: str, text: str) -> bool:
    """Labels repeat across thousands of reports: each (pattern, label) is decided once."""
    return re.search(pattern, text) is not None


# ---- sections (2021 format; the 2019 format uses the same six) -------------------------------
SECTION_TITLES: dict[int, str] = {
    1: "总体情况",
    2: "主动公开政府信息情况",
    3: "收到和处理政府信息公开申请情况",
    4: "政府信息公开行政复议、行政诉讼情况",
    5: "存在的主要问题及改进情况",
    6: "其他需要报告的事项",
}
# A heading is recognised by its title, not by its numeral: reports renumber and mistype them.
SECTION_PATTERNS: dict[int, str] = {
    1: r"^总体情况$|^(工作)?总体情况(概述)?$",
    2: r"主动公开政府信息(的)?情况$|^主动公开政府信息$",
    3: r"收到和处理政府信息公开申请(的)?情况$|^收到和处理政府信息公开申请$",
    4: r"复议.{0,3}行政诉讼(的)?情况$|行政复议和行政诉讼(的)?情况$",
    5: r"存在的?(主要)?问题(及|和|与)(其)?(改进|整改)",
    6: r"其他需要报告的事项$|^其他需(要)?报告(的)?事项",
}

# ---- table 3 -------------------------------------------------------------------------------
T3_COLS = [
    Label("natural_person", "自然人", r"自然人"),
    # Header patterns accept the leading part of a label: PDF conversions wrap 商业企|业, 法律服|务机构.
    Label("commercial", "商业企业", r"商业"),
    Label("research", "科研机构", r"科研"),
    Label("social_welfare", "社会公益组织", r"社会公益|公益组织|社会公"),
    Label("legal_service", "法律服务机构", r"法律服务|法律服"),
    Label("other_org", "其他", r"其他"),
    Label("total", "总计", r"总计"),
]

_T3_COMMON_HEAD = [
    Label("new_received", "一、本年新收政府信息公开申请数量", r"本年新收"),
    Label("carried_over", "二、上年结转政府信息公开申请数量", r"上年结转"),
    Label("granted", "（一）予以公开", r"^(\(一\))?予以公开$"),
    Label("partly_granted", "（二）部分公开", r"^(\(二\))?部分公开"),
    Label("denied_state_secret", "（三）不予公开 1.属于国家秘密", r"国家秘密"),
    Label("denied_law_forbidden", "（三）不予公开 2.其他法律行政法规禁止公开", r"法律[、,]?行政法规禁止公开"),
    Label("denied_three_safety_one_stability", "（三）不予公开 3.危及“三安全一稳定”", r"三安全一稳定"),
    Label("denied_third_party_rights", "（三）不予公开 4.保护第三方合法权益", r"第三方合法权益"),
    Label("denied_internal_affairs", "（三）不予公开 5.属于三类内部事务信息", r"内部事务信息"),
    Label("denied_process_info", "（三）不予公开 6.属于四类过程性信息", r"过程性信息"),
    Label("denied_enforcement_files", "（三）不予公开 7.属于行政执法案卷", r"行政执法案卷"),
    Label("denied_admin_query", "（三）不予公开 8.属于行政查询事项", r"行政查询事项"),
    Label("unable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息", r"不掌握相关政府信息"),
    Label("unable_needs_creation", "（四）无法提供 2.没有现成信息需要另行制作", r"另行制作"),
    Label("unable_unclear", "（四）无法提供 3.补正后申请内容仍不明确", r"补正后申请内容仍不明确"),
    Label("rejected_petition", "（五）不予处理 1.信访举报投诉类申请", r"信访举报投诉"),
    Label("rejected_repeat", "（五）不予处理 2.重复申请", r"^(\d[.、]|\(\d\))?重复申请$"),
    Label("rejected_publication", "（五）不予处理 3.要求提供公开出版物", r"公开出版物"),
    Label("rejected_mass_repeat", "（五）不予处理 4.无正当理由大量反复申请", r"大量反复申请"),
    Label("rejected_confirm", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息", r"重新出具"),
]
_T3_COMMON_TAIL = [
    Label("total_processed", "（七）总计", r"^(\(七\))?总计$"),
    Label("carried_forward", "四、结转下年度继续办理", r"结转下一?年度"),
]
T3_ROWS_2021 = _T3_COMMON_HEAD + [
    Label("other_no_correction", "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
          r"逾期不补正"),
    Label("other_fee_unpaid", "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
          r"收费通知"),
    Label("other_other", "（六）其他处理 3.其他", r"^(\(六\)其他处理)?(3[.、]|\(3\))其他$"),
] + _T3_COMMON_TAIL
T3_ROWS_2019 = _T3_COMMON_HEAD + [
    Label("other", "（六）其他处理", r"^\(六\)其他处理$"),
] + _T3_COMMON_TAIL
# Headers that carry no numbers in the 2021 format.
T3_GROUP_HEADERS = [r"^三、本年度办理结果$", r"^\(三\)不予公开$", r"^\(四\)无法提供$", r"^\(五\)不予处理$",
                    r"^\(六\)其他处理$"]

# ---- table 4 -------------------------------------------------------------------------------
T4_GROUPS = [
    Label("review", "行政复议", r"^行政复议$"),
    Label("litigation_direct", "行政诉讼（未经复议直接起诉）", r"未经复议直接起诉"),
    Label("litigation_after_review", "行政诉讼（复议后起诉）", r"复议后起诉"),
]
T4_COLS = [
    Label("upheld", "结果维持", r"结果维持"),
    Label("corrected", "结果纠正", r"结果纠正"),
    Label("other", "其他结果", r"其他结果"),
    Label("pending", "尚未审结", r"尚未审结"),
    Label("total", "总计", r"总计"),
]

# ---- table 2 (2021 format) -------------------------------------------------------------------
T2_DOC_COLS = [
    Label("issued", "本年制发件数", r"本年制发"),
    Label("repealed", "本年废止件数", r"本年废止"),
    Label("in_force", "现行有效件数", r"现行有效"),
]
T2_ROWS_2021: list[tuple[Label, list[Label]]] = [
    (Label("regulations", "第二十条第（一）项「规章」", r"规章$"), T2_DOC_COLS),
    (Label("normative_documents", "第二十条第（一）项「行政规范性文件」", r"规范性文件$"), T2_DOC_COLS),
    (Label("licensing", "第二十条第（五）项「行政许可」", r"行政许可$"),
     [Label("decisions", "本年处理决定数量", r"处理决定数量")]),
    (Label("penalties", "第二十条第（六）项「行政处罚」", r"行政处罚$"),
     [Label("decisions", "本年处理决定数量", r"处理决定数量")]),
    (Label("coercion", "第二十条第（六）项「行政强制」", r"行政强制$"),
     [Label("decisions", "本年处理决定数量", r"处理决定数量")]),
    (Label("admin_fees", "第二十条第（八）项「行政事业性收费」", r"行政事业性收费$"),
     [Label("amount_10k_yuan", "本年收费金额（单位：万元）", r"收费金额")]),
]

# ---- table 2 (2019 trial format, used for the 2019 and 2020 reports) ---------------------------
T2_DOC_COLS_2019 = [
    Label("made", "本年新制作数量", r"本年新制作"),
    Label("published", "本年新公开数量", r"本年新公开"),
    Label("total_published", "对外公开总数量", r"对外公开总"),
]
T2_ITEM_COLS_2019 = [
    Label("prev_items", "上一年项目数量", r"上一年项目"),
    Label("change", "本年增/减", r"本年增"),
    Label("decisions", "处理决定数量", r"处理决定"),
]
T2_ROWS_2019: list[tuple[Label, list[Label]]] = [
    (Label("regulations", "第二十条第（一）项「规章」", r"规章$"), T2_DOC_COLS_2019),
    (Label("normative_documents", "第二十条第（一）项「规范性文件」", r"规范性文件$"), T2_DOC_COLS_2019),
    (Label("licensing", "第二十条第（五）项「行政许可」", r"行政许可$"), T2_ITEM_COLS_2019),
    (Label("other_services", "第二十条第（五）项「其他对外管理服务事项」", r"其他对外管理服务事项$"), T2_ITEM_COLS_2019),
    (Label("penalties", "第二十条第（六）项「行政处罚」", r"行政处罚$"), T2_ITEM_COLS_2019),
    (Label("coercion", "第二十条第（六）项「行政强制」", r"行政强制$"), T2_ITEM_COLS_2019),
    (Label("admin_fees", "第二十条第（八）项「行政事业性收费」", r"行政事业性收费$"), T2_ITEM_COLS_2019[:2]),
    (Label("procurement", "第二十条第（九）项「政府集中采购」", r"政府集中采购$"),
     [Label("items", "采购项目数量", r"采购项目数量"), Label("amount", "采购总金额", r"采购总金额")]),
]

TABLE_NAMES = {"t2": "表二（主动公开政府信息情况）", "t3": "表三（收到和处理政府信息公开申请情况）",
               "t4": "表四（政府信息公开行政复议、行政诉讼情况）"}
TABLE_SHORT = {"t2": "表二", "t3": "表三", "t4": "表四"}


def row_label(table: str, key: str) -> str:
    """Chinese label of a row key (any template), for locations and messages."""
    for lab in _row_labels(table):
        if lab.key == key:
            return lab.label
    return key


def col_label(table: str, key: str) -> str:
    cols = {"t3": T3_COLS, "t4": T4_COLS}.get(table)
    if cols is None:
        cols = [c for _, cs in T2_ROWS_2021 + T2_ROWS_2019 for c in cs]
    for lab in cols:
        if lab.key == key:
            return lab.label
    return key


def _row_labels(table: str) -> list[Label]:
    if table == "t3":
        return T3_ROWS_2021 + [r for r in T3_ROWS_2019 if r.key == "other"]
    if table == "t4":
        return T4_GROUPS
    return [r for r, _ in T2_ROWS_2021] + [r for r, _ in T2_ROWS_2019 if r.key in ("other_services", "procurement")]


def rows_for(table: str, template: str | None) -> list[str]:
    if table == "t3":
        return [r.key for r in (T3_ROWS_2019 if template == "2019" else T3_ROWS_2021)]
    if table == "t4":
        return [g.key for g in T4_GROUPS]
    return [r.key for r, _ in (T2_ROWS_2019 if template == "2019" else T2_ROWS_2021)]


def cols_for(table: str) -> list[str]:
    return [c.key for c in {"t3": T3_COLS, "t4": T4_COLS}[table]]
