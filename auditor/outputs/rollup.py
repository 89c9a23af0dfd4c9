"""The 汇总 sheet: what a leader reads on one page. Per 地区, per 上级单位 and per 单位类型 of the
roster: how many units must publish, how many did, how many on time, the verdicts and the
problems per report, ranked; the totals; this year against last year (from the ledger).

Built from the 总览 rows (its verdict words and counts, so the two sheets never disagree) and the
roster; without a roster only the per-单位类型 block and the totals, from the reports. Numbers stay
numbers and rates are fractions (the sheet's painter shows them as percentages, auditor/outputs/charts.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..domain import LATE, ON_TIME, VERDICT_ERROR, VERDICT_FAILED, VERDICT_OK, VERDICT_WARNING
from ..roster import roster_entries
from .tables import OVERVIEW_OPTIONAL, VERDICT_NOT_COUNTED

SHEET_NAME = "汇总"
# The verdict classes, as counted here: the 总览 verdict starts with the full word.
VERDICT_CLASSES = {"合格": VERDICT_OK, "基本合格": VERDICT_WARNING, "不合格": VERDICT_ERROR,
                   "无法审核": VERDICT_FAILED}
RATE_HEADERS = ["按期率", "合格率", "基本合格率", "不合格率"]
HEADERS = ["分组", "名称", "应发布", "已发布", "报告数", "按期", "按期率", *VERDICT_CLASSES,
           "合格率", "基本合格率", "不合格率", "问题数", "每份问题数", "排名", "说明"]
GROUPS = {"region": "地区", "parent": "上级单位", "type": "单位类型"}
TOTAL, YOY = "合计", "同比"
NO_VALUE = "（未填）"
ON_TIME_NOTE = "按期率＝按期发布的报告÷发布日期已知的报告（发布日期不明的不计入分母）"
NO_LAST_YEAR = "无上年记录"


def verdict_class(verdict: Any) -> str | None:
    """合格 / 基本合格 / 不合格 / 无法审核 for a 总览 verdict (a partly read report keeps its class,
    a report not provided this time its last one); None for a version that does not count."""
    if not isinstance(verdict, str) or verdict in VERDICT_NOT_COUNTED.values():
        return None
    # 合格 is a prefix of nothing else, but 不合格/基本合格 contain it: test the longer words first
    for name, word in sorted(VERDICT_CLASSES.items(), key=lambda kv: -len(kv[1])):
        if verdict.startswith(word):
            return name
    return None


def facts_from_overview(overview: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per counted report of `year` in 总览: agency, type, verdict class, on time, problems."""
    on_time = OVERVIEW_OPTIONAL["deadline_status"]
    return _facts(overview["单位"], overview["年度"], overview["审核结论"],
                  overview[on_time] if on_time in overview.columns else None,
                  overview[["错误", "警告", "提示"]], overview.get("单位类型"), year)


def facts_from_verdicts(verdicts: pd.DataFrame, year: int) -> pd.DataFrame:
    """The same from a run's recorded verdicts (auditor/followup/store.run_verdicts)."""
    return _facts(verdicts["agency"], verdicts["year"], verdicts["verdict"], verdicts["deadline_status"],
                  verdicts[["n_error", "n_warning", "n_info"]], None, year)


def _facts(agency: pd.Series, years: pd.Series, verdicts: pd.Series, on_time: pd.Series | None,
           counts: pd.DataFrame, types: pd.Series | None, year: int) -> pd.DataFrame:
    frame = pd.DataFrame({
        "agency": agency.to_numpy(dtype=object),
        "year": pd.to_numeric(years, errors="coerce").to_numpy(),
        "verdict": [verdict_class(v) for v in verdicts],
        "on_time": [True if s == ON_TIME else False if s == LATE else None
                    for s in (on_time if on_time is not None else [None] * len(agency))],
        "problems": counts.apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1).astype(int).to_numpy(),
        "type": types.to_numpy(dtype=object) if types is not None else None,
    })
    return frame[(frame["year"] == year) & frame["verdict"].notna()].reset_index(drop=True)


def _figures(facts: pd.DataFrame, expected: int | None, published: int) -> dict[str, Any]:
    """One row's numbers: counts, rates (None where there is nothing to divide by)."""
    n = len(facts)
    dated = int(facts["on_time"].notna().sum())
    on_time = int((facts["on_time"] == True).sum())  # noqa: E712 (a column of True/False/None)
    row: dict[str, Any] = {"应发布": expected, "已发布": published, "报告数": n, "按期": on_time,
                           "按期率": _rate(on_time, dated)}
    for name in VERDICT_CLASSES:
        row[name] = int((facts["verdict"] == name).sum())
    row.update({"合格率": _rate(row["合格"], n), "基本合格率": _rate(row["基本合格"], n),
                "不合格率": _rate(row["不合格"], n), "问题数": int(facts["problems"].sum()),
                "每份问题数": round(float(facts["problems"].sum()) / n, 2) if n else None})
    return row


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """排名 within a block: by 按期率, then 合格率, both high first; equal figures, equal rank; a
    group without a report has none."""
    keys = [(r["按期率"] if r["按期率"] is not None else -1.0, r["合格率"] if r["合格率"] is not None else -1.0)
            if r["报告数"] else None for r in rows]
    for row, key in zip(rows, keys):
        row["排名"] = None if key is None else 1 + sum(1 for k in keys if k is not None and k > key)
    return rows


def _units(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster's units with the values they are grouped by (a blank one is called so)."""
    from ..agency import TYPES, infer_types

    roster = roster.reset_index(drop=True)
    given = roster["agency_type"] if "agency_type" in roster.columns else pd.Series(None, index=roster.index)
    types = given.where(given.notna(), infer_types(roster["name"]))
    column = (lambda c: roster[c] if c in roster.columns else pd.Series(None, index=roster.index))
    return pd.DataFrame({"region": column("region").fillna(NO_VALUE), "parent": column("parent").fillna(NO_VALUE),
                         "type": types.map(TYPES).fillna(TYPES["unknown"])}, index=roster.index)


def _with_entries(facts: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    return facts.assign(entry=roster_entries(facts["agency"], roster) if len(facts) else np.array([], dtype=int))


def _roster_blocks(facts: pd.DataFrame, roster: pd.DataFrame) -> list[dict[str, Any]]:
    units = _units(roster)
    matched = facts[facts["entry"] >= 0]
    rows: list[dict[str, Any]] = []
    for key, label in GROUPS.items():
        block = []
        for value in sorted(units[key].unique(), key=lambda v: (v == NO_VALUE, str(v))):
            members = units.index[units[key] == value]
            mine = matched[matched["entry"].isin(members)]
            block.append({"分组": label, "名称": value, **_figures(mine, len(members), mine["entry"].nunique())})
        rows += _ranked(block)
    total = {"分组": TOTAL, "名称": "名册全部单位", **_figures(matched, len(units), matched["entry"].nunique())}
    unmatched = int((facts["entry"] < 0).sum())
    total["说明"] = ON_TIME_NOTE + (f"；另有 {unmatched} 份报告未匹配名册，未计入（见「覆盖情况」）" if unmatched else "")
    return rows + [total]


def _report_blocks(facts: pd.DataFrame) -> list[dict[str, Any]]:
    """Without a roster: per 单位类型 (as 总览 shows it) and the totals, from the reports alone."""
    types = facts["type"].fillna(NO_VALUE).replace("", NO_VALUE)
    block = []
    for value in sorted(types.unique(), key=str):
        mine = facts[types == value]
        block.append({"分组": GROUPS["type"], "名称": value, **_figures(mine, None, mine["agency"].nunique())})
    total = {"分组": TOTAL, "名称": "全部报告", **_figures(facts, None, facts["agency"].nunique()),
             "说明": ON_TIME_NOTE + "；未提供名册，应发布未知，已发布为有报告的单位数"}
    return _ranked(block) + [total]


def _year_over_year(this: dict[str, Any], last: pd.DataFrame | None, roster: pd.DataFrame,
                    year: int) -> list[dict[str, Any]]:
    """This year against last year: the totals of both and their difference."""
    now = {**{k: v for k, v in this.items() if k not in ("说明", "排名")}, "分组": YOY, "名称": f"{year}年度"}
    if last is None:
        return [now, {"分组": YOY, "名称": f"{year - 1}年度", "说明": NO_LAST_YEAR}]
    facts = _with_entries(facts_from_verdicts(last, year - 1), roster)
    matched = facts[facts["entry"] >= 0]
    before = {"分组": YOY, "名称": f"{year - 1}年度",
              **_figures(matched, len(roster), matched["entry"].nunique()), "说明": "上年数字取自账本中最近一次审核该年度的运行"}
    change = {"分组": YOY, "名称": "增减", "说明": "比率的增减为百分点"}
    for header in ("已发布", "报告数", "按期", *RATE_HEADERS, *VERDICT_CLASSES, "问题数", "每份问题数"):
        a, b = now.get(header), before.get(header)
        change[header] = None if a is None or b is None else a - b
    return [now, before, change]


def rollup_frame(overview: pd.DataFrame, year: int, roster: pd.DataFrame | None = None,
                 last_year: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 汇总 sheet for the reports of `year`: with a roster the 地区, 上级单位 and 单位类型 blocks,
    the totals and the year-over-year rows (`last_year`: the ledger's verdicts of the latest run
    that covered year-1, None when there is none); without a roster the 单位类型 block and totals."""
    facts = facts_from_overview(overview, year)
    if roster is None:
        rows = _report_blocks(facts)
    else:
        roster = roster.reset_index(drop=True)
        rows = _roster_blocks(_with_entries(facts, roster), roster)
        rows += _year_over_year(rows[-1], last_year, roster, year)
    frame = pd.DataFrame([[row.get(h) for h in HEADERS] for row in rows], columns=HEADERS, dtype=object)
    return frame.where(frame.notna(), None)


def last_year_verdicts(ledger, year: int) -> pd.DataFrame | None:
    """The recorded verdicts of the latest run that covered `year` (None: no run did)."""
    from ..followup import store

    store.ensure_tables(ledger.db)
    row = ledger.db.execute("SELECT MAX(run_id) FROM run_verdicts WHERE year = ?", (year,)).fetchone()
    return None if not row or row[0] is None else store.run_verdicts(ledger, int(row[0]))
