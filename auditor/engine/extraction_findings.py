"""Findings about our own reading (category `extraction`), kept apart from compliance findings."""
from __future__ import annotations

import pandas as pd

from ..rules.model import Rule
from .batch import Batch
from .hits import Hit
from .render import FINDING_COLUMNS, fingerprint, report_key

READ_RULE = Rule(id="EXT-READ", title="报告读取情况", severity="warning", kind="extraction",
                 basis="本工具的读取自检（非合规问题）", message="{problem}", params={})
FAILED_RULE = Rule(id="EXT-FAILED", title="报告无法读取", severity="error", kind="extraction",
                   basis="本工具的读取自检（非合规问题）", message="{problem}", params={})


def extraction_hits(batch: Batch, rids: set[int] | None = None) -> list[Hit]:
    hits = []
    history = batch.info["history"].to_numpy(dtype=bool)
    for rid, report in enumerate(batch.reports):
        if not report.problems:
            continue
        if history[rid] or (rids is not None and rid not in rids):
            continue   # earlier years' reports, and reports whose findings are cached, are not re-reported
        if report.status == "failed":
            # Nothing of a report was recognised: one finding that says so, as for a file that
            # could not be read at all (the parts and tables it lacks follow from it).
            hits.append(Hit(rid, FAILED_RULE, "整个文件", "extract:failed", category="extraction",
                            message=f"文件无法读取：{report.problems[0]}。未进行任何合规审核，需人工核查。",
                            values={"读取状态": report.status}))
            continue
        for i, problem in enumerate(report.problems):
            hits.append(Hit(rid, READ_RULE, "报告读取", f"extract:{problem}", category="extraction",
                            message=f"读取不完整：{problem}。相关规则未据此判定，需人工核查。",
                            values={"读取状态": report.status}))
    return hits


def unreadable_findings(unreadable: list[tuple[str, str]]) -> pd.DataFrame:
    rows = [{"file": file, "agency": None, "year": None, "rule_id": FAILED_RULE.id, "rule_kind": "extraction",
             "title": FAILED_RULE.title, "severity": "error", "category": "extraction", "location": "整个文件",
             "message": f"文件无法读取：{reason}。未进行任何合规审核，需人工核查。", "basis": FAILED_RULE.basis,
             "values": {}, "fingerprint": fingerprint(FAILED_RULE.id, report_key(file, None, None), "file")}
            for file, reason in unreadable]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)
