"""What changed since the last run: each compliance finding 新增, 仍存在, 已解决, 已被更正版取代,
本次未提供 or 不予采纳."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .domain import (ABSENT_WORD, CHANGE_NEW, CHANGE_RESOLVED, CHANGE_STILL, DISMISSED_WORD, agency_keys)
from .engine import versions as ver


@dataclass
class Present:
    """What this run had: (agency key, year) of every report in it, and every file name (read or
    not). A previous finding resolves only against a report of its own agency and year."""
    keys: set[tuple[str, int]] = field(default_factory=set)
    files: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, reports: Iterable, files: Iterable[str] = ()) -> Present:
        from .absent import present_keys

        reports = list(reports)
        return cls(present_keys(reports), {r.file for r in reports} | set(files))


def compare_runs(previous: pd.DataFrame | None, current: pd.DataFrame,
                 superseded: pd.DataFrame | None = None, replaced: set[str] | None = None,
                 present: Present | None = None) -> pd.DataFrame:
    """New, resolved and still-open compliance findings against the previous run.

    A previous finding that is gone because its report was replaced by a corrected version (its
    file is now superseded, or the superseded version still has it) is 已被更正版取代, not 已解决:
    the agency corrected its report, it did not fix the problem in the report we audited. A
    finding the corrected version still has keeps its fingerprint and is 仍存在.

    `present` (this run's reports): a previous finding whose report — its agency and year, or its
    file when either is unknown — has no version in this run is 本次未提供, never 已解决: only a new
    version of that report, audited now, can show the problem fixed. Without `present` every
    report is taken as present (the behaviour before 本次未提供 existed).

    A current finding marked 不予采纳 (column `dismissed`) is neither 新增 nor 仍存在 — it is no open
    problem — and reads 不予采纳; the previous run's finding it continues is not 已解决 either."""
    cols = ["status", "fingerprint", "file", "agency", "year", "rule_id", "location", "message"]
    cur = current[current["category"] == "compliance"] if len(current) else current
    dismissed = _flag(cur, "dismissed")
    if previous is None:
        rows = cur.assign(status=[DISMISSED_WORD if d else CHANGE_NEW for d in dismissed])
        return rows[cols] if len(rows) else pd.DataFrame(columns=cols)
    prev = previous[previous["category"] == "compliance"]
    known = cur["fingerprint"].isin(prev["fingerprint"])
    new = cur[~known & ~dismissed].assign(status=CHANGE_NEW)
    still = cur[known & ~dismissed].assign(status=CHANGE_STILL)
    declined = cur[dismissed].assign(status=DISMISSED_WORD)
    gone = prev[~prev["fingerprint"].isin(cur["fingerprint"])]
    old_fps = superseded["base_fingerprint"] if superseded is not None and len(superseded) else pd.Series(dtype=object)
    by_correction = gone["fingerprint"].isin(old_fps) | gone["file"].isin(list(replaced or ()))
    not_here = ~by_correction & _absent(gone, present)
    resolved = gone[~by_correction & ~not_here].assign(status=CHANGE_RESOLVED)
    replaced_rows = gone[by_correction].assign(status=ver.SUPERSEDED_WORD)
    absent_rows = gone[not_here].assign(status=ABSENT_WORD)
    parts = (new, resolved, replaced_rows, absent_rows, still, declined)
    out = pd.concat([f[cols] for f in parts if len(f)], ignore_index=True) \
        if any(len(f) for f in parts) else pd.DataFrame(columns=cols)
    return out


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index, dtype=bool)
    col = frame[column]
    return col.where(col.notna(), False).astype(bool)


def _absent(gone: pd.DataFrame, present: Present | None) -> pd.Series:
    """Per previous finding: its report has no version in this run (by agency and year; by file
    when the agency or year is unknown)."""
    if present is None or gone.empty:
        return pd.Series(False, index=gone.index, dtype=bool)
    keys = agency_keys(gone["agency"])
    years = pd.to_numeric(gone["year"], errors="coerce")
    out = []
    for key, year, file in zip(keys, years, gone["file"]):
        if key and not pd.isna(year):
            out.append((key, int(year)) not in present.keys)
        else:
            out.append(file not in present.files)
    return pd.Series(out, index=gone.index, dtype=bool)

