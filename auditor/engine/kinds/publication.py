"""Kinds about the report as a whole: `publication` (deadline, not before the year ends),
`report_fact` (fires whenever its `when` holds, e.g. a 2021+ report in the 2019 format) and
`table_rows` (a table's rows are all there)."""
from __future__ import annotations

import pandas as pd

from ...agency import TYPES
from ...catalog import TABLE_SHORT, row_label, rows_for
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, not_evaluated


def evaluate_publication(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    info = batch.info.loc[rids]
    known = info["published"].notna() & info["year"].notna()
    hits = [not_evaluated(int(rid), rule, "发布日期", "published", "未能从报告中读取发布日期或报告年度")
            for rid in info.index[~known]]
    info = info[known]
    if info.empty:
        return hits
    year = info["year"].astype(int)
    if rule.params["check"] == "not_early":
        limit = pd.to_datetime(year.astype(str) + "-12-31")
        bad = info[info["published"] <= limit]
        shown = limit
    else:
        month, day = rule.params.get("deadline", "01-31").split("-")
        limit = pd.to_datetime((year + 1).astype(str) + f"-{month}-{day}", errors="coerce")
        bad = info[info["published"] > limit]
        shown = limit
    for rid, r in bad.iterrows():
        published = r["published"].strftime("%Y-%m-%d")
        limit_text = shown.loc[rid].strftime("%Y年%-m月%-d日")
        hits.append(Hit(int(rid), rule, "发布日期", "published",
                        fields={"published": published, "deadline": limit_text, "year": int(r["year"]),
                                "agency_type": TYPES[r["agency_type"]]},
                        values={"发布日期": published, "期限": limit_text, "单位类型": TYPES[r["agency_type"]]}))
    return hits


def evaluate_fact(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    info = batch.info.loc[rids]
    return [Hit(int(rid), rule, "全文", "report",
                fields={"year": "" if pd.isna(r["year"]) else int(r["year"]),
                        "template": r["template"] or "未识别", "agency_type": TYPES[r["agency_type"]]},
                values={"年度": None if pd.isna(r["year"]) else int(r["year"]), "格式": r["template"]})
            for rid, r in info.iterrows()]


def evaluate_rows(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    """A row missing from an otherwise well-read table is the report's; else it is ours.

    Vectorised: the rows each report should have (by its format) against the rows it has."""
    table = rule.params["table"]
    min_share = rule.params.get("min_share", 0.8)
    cells = batch.cells[(batch.cells["table"] == table) & batch.cells["rid"].isin(rids)]
    if cells.empty:
        return []
    read = cells[cells["present"]][["rid", "row"]].drop_duplicates().assign(read=True)
    templates = batch.info.loc[cells["rid"].unique(), "template"].fillna("2021")
    expected = pd.concat([pd.DataFrame({"rid": rid_group, "row": r})
                          for tpl, rid_group in templates.groupby(templates).groups.items()
                          for r in rows_for(table, str(tpl))], ignore_index=True)
    grid = expected.merge(read, on=["rid", "row"], how="left")
    missing = grid[grid["read"].isna()]
    if missing.empty:
        return []
    totals = grid.groupby("rid").size()
    counts = missing.groupby("rid").size()
    share = 1 - counts / totals.loc[counts.index]
    hits: list[Hit] = []
    for rid, rows in missing.groupby("rid")["row"]:
        names = "、".join(f"「{row_label(table, r)}」" for r in rows)
        if share[rid] < min_share:
            hits.append(not_evaluated(int(rid), rule, TABLE_SHORT[table], f"{table}:rows",
                                      f"{TABLE_SHORT[table]}多行未能读取（{names}）"))
            continue
        hits.extend(Hit(int(rid), rule, f"{TABLE_SHORT[table]}「{row_label(table, r)}」行", f"{table}:row:{r}",
                        fields={"table": TABLE_SHORT[table], "row": row_label(table, r)},
                        values={"缺少行": row_label(table, r)}) for r in rows)
    return hits
