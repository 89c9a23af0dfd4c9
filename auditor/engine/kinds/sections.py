"""Kind `sections`: the six parts are present, in order, under the titles the format gives.

A part is missing only when the file was read to its end and its heading occurs nowhere, in any
layout (the extraction normalises spaces, line breaks, runs, page furniture and numbering). When
its heading words were seen but no heading could be placed (`Report.heading_seen`), or the file
stops before it, that is 需人工核查."""
from __future__ import annotations

import pandas as pd

from ...catalog import SECTION_TITLES, normalize_label
from ...rules.kinds import Sections
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, not_evaluated
from .base import ByRule, register

NUMERALS = "一二三四五六"


def section_name(number: int) -> str:
    return f"第{NUMERALS[number - 1]}部分「{SECTION_TITLES[number]}」"


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    args: Sections = rule.args
    check = args.check
    wanted = [s["number"] for s in args.sections]
    found = batch.sections[batch.sections["rid"].isin(rids)]
    if check == "present":
        return _present(rule, batch, rids, found, wanted)
    if check == "order":
        return _order(rule, found, wanted)
    return _titles(rule, found)


def _present(rule: Rule, batch: Batch, rids: pd.Index, found: pd.DataFrame, wanted: list[int]) -> list[Hit]:
    grid = pd.MultiIndex.from_product([rids, wanted], names=["rid", "number"]).to_frame(index=False)
    merged = grid.merge(found[["rid", "number"]].assign(hit=True), on=["rid", "number"], how="left")
    missing = merged[merged["hit"].isna()]
    cut = batch.info["truncated_after"].reindex(missing["rid"]).to_numpy()
    hits = []
    for r, after in zip(missing.itertuples(), cut):
        name = section_name(int(r.number))
        seen = (getattr(batch.reports[int(r.rid)], "heading_seen", None) or {}).get(int(r.number))
        if after is not pd.NA and not pd.isna(after) and r.number > after:
            hits.append(not_evaluated(int(r.rid), rule, name, f"section:{int(r.number)}",
                                      f"报告在第{NUMERALS[int(after) - 1]}部分中途结束，无法判断是否缺少{name}"))
        elif seen:
            # the heading's words stand in the text (glued to a sentence, in a table …): present, place unsure
            hits.append(not_evaluated(int(r.rid), rule, name, f"section:{int(r.number)}",
                                      f"正文中出现「{seen}」字样，但未能确定该部分的起止位置",
                                      values={"出现字样": seen}))
        else:
            hits.append(Hit(int(r.rid), rule, name, f"section:{int(r.number)}", fields={"section": name},
                            values={"缺少部分": name}))
    return hits


def _order(rule: Rule, found: pd.DataFrame, wanted: list[int]) -> list[Hit]:
    sub = found[found["number"].isin(wanted)].sort_values(["rid", "pos"])
    if sub.empty:
        return []
    # Out of order when a number is smaller than the one before it in document order.
    prev = sub.groupby("rid")["number"].shift()
    bad_rids = sub.loc[sub["number"] < prev, "rid"].unique()
    hits = []
    for rid in bad_rids:
        order = "、".join(NUMERALS[n - 1] for n in sub.loc[sub["rid"] == rid, "number"])
        hits.append(Hit(int(rid), rule, "全文各部分", "sections:order", fields={"found_order": order},
                        values={"实际顺序": order}))
    return hits


def _titles(rule: Rule, found: pd.DataFrame) -> list[Hit]:
    sections = rule.args.sections
    accepted = {s["number"]: [normalize_label(t) for t in s["titles"]] for s in sections}
    canonical = {s["number"]: s["titles"][0] for s in sections}
    sub = found[found["number"].isin(list(accepted))].copy()
    if sub.empty:
        return []
    sub["norm"] = sub["title"].map(normalize_label)
    ok = pd.Series([n in accepted[num] for n, num in zip(sub["norm"], sub["number"])], index=sub.index)
    return [Hit(int(r.rid), rule, section_name(int(r.number)), f"section-title:{int(r.number)}",
                fields={"written": r.title, "expected": canonical[int(r.number)]},
                values={"实际标题": r.title, "规定标题": canonical[int(r.number)]})
            for r in sub[~ok].itertuples()]


register(ByRule("sections", evaluate))
