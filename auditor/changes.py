"""What changed since the last run: each compliance finding 新增, 仍存在, 已解决 or 已被更正版取代."""
from __future__ import annotations

import pandas as pd

from .engine import versions as ver


def compare_runs(previous: pd.DataFrame | None, current: pd.DataFrame,
                 superseded: pd.DataFrame | None = None, replaced: set[str] | None = None) -> pd.DataFrame:
    """New, resolved and still-open compliance findings against the previous run.

    A previous finding that is gone because its report was replaced by a corrected version (its
    file is now superseded, or the superseded version still has it) is 已被更正版取代, not 已解决:
    the agency corrected its report, it did not fix the problem in the report we audited. A
    finding the corrected version still has keeps its fingerprint and is 仍存在."""
    cols = ["status", "fingerprint", "file", "agency", "year", "rule_id", "location", "message"]
    cur = current[current["category"] == "compliance"] if len(current) else current
    if previous is None:
        rows = cur.assign(status="新增")
        return rows[cols] if len(rows) else pd.DataFrame(columns=cols)
    prev = previous[previous["category"] == "compliance"]
    new = cur[~cur["fingerprint"].isin(prev["fingerprint"])].assign(status="新增")
    still = cur[cur["fingerprint"].isin(prev["fingerprint"])].assign(status="仍存在")
    gone = prev[~prev["fingerprint"].isin(cur["fingerprint"])]
    old_fps = superseded["base_fingerprint"] if superseded is not None and len(superseded) else pd.Series(dtype=object)
    by_correction = gone["fingerprint"].isin(old_fps) | gone["file"].isin(list(replaced or ()))
    resolved = gone[~by_correction].assign(status="已解决")
    replaced_rows = gone[by_correction].assign(status=ver.SUPERSEDED_WORD)
    parts = (new, resolved, replaced_rows, still)
    out = pd.concat([f[cols] for f in parts if len(f)], ignore_index=True) \
        if any(len(f) for f in parts) else pd.DataFrame(columns=cols)
    return out


def change_sheet(changes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "变化": changes["status"], "单位": changes["agency"], "年度": changes["year"], "文件": changes["file"],
        "规则编号": changes["rule_id"], "位置": changes["location"], "问题说明": changes["message"],
        "指纹": changes["fingerprint"]}, dtype=object)
