"""Kind `report_fact`: a fact about the report that is itself the finding whenever the rule's `when`
holds (e.g. a 2021 or later report in the 2019 format)."""
from __future__ import annotations

import pandas as pd

from ...domain import AGENCY_TYPES as TYPES
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit
from .base import ByRule, register


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    info = batch.info.loc[rids]
    return [Hit(int(rid), rule, "全文", "report",
                fields={"year": "" if pd.isna(r["year"]) else int(r["year"]),
                        "template": r["template"] or "未识别", "agency_type": TYPES[r["agency_type"]]},
                values={"年度": None if pd.isna(r["year"]) else int(r["year"]), "格式": r["template"]})
            for rid, r in info.iterrows()]


register(ByRule("report_fact", evaluate))
