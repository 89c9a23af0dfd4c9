"""Kind `publication`: published by the deadline (the next year's `deadline`), or not before the
report's year has ended.

`overview_deadlines` gives the workbook's 发布期限 and 按期发布 columns from the same rules, so the
overview can never show a deadline or a verdict that the findings contradict."""
from __future__ import annotations

import pandas as pd

from ...domain import (AGENCY_TYPES as TYPES, DATE_UNKNOWN, LATE, NO_DEADLINE, ON_TIME, REPORT_UNREAD,
                       YEAR_UNKNOWN, deadline_for)
from ...rules.kinds import Publication
from ...rules.model import Pack, Rule
from ..batch import Batch
from ..hits import Hit, not_evaluated
from .base import ByRule, register


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    info = batch.info.loc[rids]
    known = info["published"].notna() & info["year"].notna()
    hits = [not_evaluated(int(rid), rule, "发布日期", "published", _unknown(rule, r)) for rid, r in info[~known].iterrows()]
    info = info[known]
    if info.empty:
        return hits
    year = info["year"].astype(int)
    args: Publication = rule.args
    if args.check == "not_early":
        # one format (never dateutil's guesses); a year no date can hold gives no limit, so no finding
        limit = pd.to_datetime(year.astype(str) + "-12-31", errors="coerce", format="%Y-%m-%d")
        bad = info[info["published"] <= limit]
        shown = limit
    else:
        month, day = args.deadline.split("-")
        limit = pd.to_datetime((year + 1).astype(str) + f"-{month}-{day}", errors="coerce", format="%Y-%m-%d")
        bad = info[info["published"] > limit]
        shown = limit
    for rid, r in bad.iterrows():
        published = r["published"].strftime("%Y-%m-%d")
        d = shown.loc[rid]
        limit_text = f"{d.year}年{d.month}月{d.day}日"     # (not strftime's dash flag: glibc only, an error on Windows)
        hits.append(Hit(int(rid), rule, "发布日期", "published",
                        fields={"published": published, "deadline": limit_text, "year": int(r["year"]),
                                "agency_type": TYPES[r["agency_type"]]},
                        values={"发布日期": published, "期限": limit_text, "单位类型": TYPES[r["agency_type"]]}))
    return hits


def overview_deadlines(over: pd.DataFrame, packs: list[Pack]) -> tuple[list[str | None], list[str]]:
    """Per overview row (columns year, published, template, agency_type key, status): the deadline
    'YYYY-MM-DD' the publication rules apply to it, and 按期/逾期 — or why that cannot be judged.
    Never 按期 without a known publication date. The rules are consulted once per distinct
    (template, type, year), the dates parsed as one column: a province's overview has 10,000 rows."""
    years = pd.to_numeric(over["year"], errors="coerce")
    dates = pd.to_datetime(pd.Series(over["published"].to_numpy(dtype=object)).where(
        over["published"].map(lambda v: isinstance(v, str) and bool(v)).to_numpy(), None),
        errors="coerce", format="%Y-%m-%d")
    memo: dict[tuple, str | None] = {}
    deadlines: list[str | None] = []
    verdicts: list[str] = []
    for year, date, template, kind, status in zip(years, dates, over["template"], over["agency_type"],
                                                  over["status"]):
        known_year = not pd.isna(year)
        key = (None if pd.isna(template) else str(template), None if pd.isna(kind) else str(kind),
               int(year) if known_year else None)
        if key not in memo:
            memo[key] = deadline_for(packs, *key)
        day = memo[key]
        limit = f"{int(year) + 1}-{day}" if known_year and day else None
        if status == "failed":
            verdict = REPORT_UNREAD
        elif pd.isna(date):
            verdict = DATE_UNKNOWN
        elif not known_year:
            verdict = YEAR_UNKNOWN
        elif limit is None:
            verdict = NO_DEADLINE
        else:
            verdict = LATE if date > pd.Timestamp(limit) else ON_TIME
        deadlines.append(limit)
        verdicts.append(verdict)
    return deadlines, verdicts


def _unknown(rule: Rule, r: pd.Series) -> str:
    """Why a publication rule could not be judged, in the overview's words (never 按期)."""
    why, then = (("未能从报告中读取发布日期", DATE_UNKNOWN) if pd.isna(r["published"])
                 else ("未能读取报告年度", YEAR_UNKNOWN))
    return f"{why}，按期发布{then}" if rule.args.check == "deadline" else why


register(ByRule("publication", evaluate))
