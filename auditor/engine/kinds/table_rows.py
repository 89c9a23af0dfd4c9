"""Kind `table_rows`: every row the report's format gives a table is there."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ...catalog import TABLE_SHORT, normalize_text, row_label, rows_for
from ...rules.kinds import TableRows
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit, not_evaluated
from .base import ByRule, register


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    """A row missing from an otherwise well-read table is the report's; else it is ours: when the
    file stops before the table ends, or the row's label is printed in the table's part (its numbers
    were not read), that is 需人工核查.

    Vectorised: the rows each report should have (by its format) against the rows it has (the
    batch's rid × row grid of rows with a cell read)."""
    args: TableRows = rule.args
    table, min_share = args.table, args.min_share
    grid = batch.cell_grid(table)
    rid_arr = np.unique(np.asarray(rids, dtype=np.int64))
    rid_arr = rid_arr[grid.has[rid_arr]]                 # reports with some cell of the table
    if not len(rid_arr):
        return []
    templates = batch.info["template"].to_numpy(dtype=object)[rid_arr]
    templates = np.array(["2021" if t is None or t != t else t for t in templates], dtype=object)
    missing: list[tuple[int, list[str], int]] = []
    for tpl in sorted(set(templates)):
        group = rid_arr[templates == tpl]
        rows = rows_for(table, str(tpl))
        read = np.zeros((len(group), len(rows)), dtype=bool)
        for i, r in enumerate(rows):
            if r in grid.rows:
                read[:, i] = grid.read_row[group, grid.rows[r]]
        for j in np.flatnonzero(~read.all(axis=1)):
            missing.append((int(group[j]), [r for r, ok in zip(rows, read[j]) if not ok], len(rows)))
    hits: list[Hit] = []
    section = _SECTION_OF_TABLE.get(table)
    texts = batch.texts[batch.texts["scope"] == f"section_{section}"].drop_duplicates("rid").set_index("rid")["text"] \
        if missing else None
    for rid, rows, total in sorted(missing, key=lambda m: m[0]):
        names = "、".join(f"「{row_label(table, r)}」" for r in rows)
        short = TABLE_SHORT[table]
        if 1 - np.float64(len(rows)) / total < min_share:
            hits.append(not_evaluated(rid, rule, short, f"{table}:rows", f"{short}多行未能读取（{names}）"))
            continue
        after = batch.info.at[rid, "truncated_after"]
        text = texts.get(rid) if texts is not None else None
        norm = normalize_text(text) if isinstance(text, str) else ""
        for r in rows:
            where, key = f"{short}「{row_label(table, r)}」行", f"{table}:row:{r}"
            words = _row_words(row_label(table, r))
            if not pd.isna(after) and section is not None and int(after) <= section:
                hits.append(not_evaluated(rid, rule, where, key,
                                          f"报告在第{'一二三四五六'[int(after) - 1]}部分中途结束，无法判断是否缺少该行"))
            elif any(w in norm for w in _label_parts(words)):
                # the row's label is printed: the row is there, its numbers were not read (ours)
                hits.append(not_evaluated(rid, rule, where, key,
                                          f"{short}中出现「{words}」行名，但该行的数字未能读取", values={"行名": words}))
            else:
                hits.append(Hit(rid, rule, where, key, fields={"table": short, "row": row_label(table, r)},
                                values={"缺少行": row_label(table, r)}))
    return hits


_SECTION_OF_TABLE = {"t2": 2, "t3": 3, "t4": 4}
_ROW_NUMBERING = re.compile(r"^(?:\d+\.|\([一二三四五六七八九十]\)|[一二三四五六七八九十]、)")


def _label_parts(words: str) -> list[str]:
    """The label, and for a long one its first six and last four characters: a PDF conversion may
    run another cell's text into the middle of a label (没有现成信息需要另|法提供|行制作)."""
    return [words, words[:6], words[-4:]] if len(words) >= 10 else [words]


def _row_words(label: str) -> str:
    """The words by which a row's label is recognised in the text: its own name without numbering
    (「行政规范性文件」, 重复申请), the numbered form when the name alone is too short (3.其他)."""
    own = label.split("「")[-1].rstrip("」") if "「" in label else label.split()[-1]
    own = normalize_text(own)
    bare = _ROW_NUMBERING.sub("", own)
    return bare if len(bare) >= 3 else own


register(ByRule("table_rows", evaluate))
