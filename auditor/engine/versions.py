"""Versions of one report: an original and its 更正版, or the same file downloaded twice.

Why: an office downloads an agency's report, the agency later publishes a corrected version, and
both land in the inbox. Auditing both would accuse the agency twice (once for problems it has
already corrected) and count it twice in 覆盖情况. So:

- Byte-identical files (same content hash) are one version: the first by path is audited, the
  others are listed as 重复副本 and count nowhere.
- Two or more different reports of one agency (`domain.agency_keys`, the roster's key too)
  and one year are versions of one report. The newer is the current version; the others are
  kept for the record as 已被更正版取代 and count nowhere (not in the counts, verdicts, coverage
  or open problems; their findings are listed, marked, like waived ones). "Newer" is the later publication date when every version states one; when a
  date is missing or equal, a version whose title or file name says 更正/修订 is newer than one
  that does not; then the later file modification time decides (a file time orders downloads; it
  is never taken as a publication date); when even that ties, the file name, and the note says
  that the order could not be told.
- A report without an agency or year is never grouped: we cannot know what it duplicates.

Fingerprints: the current version keeps the ordinary fingerprint (rule + agency|year +
location), so decisions and waivers on an agency's problem carry over to its corrected report; a
superseded version's findings get `versioned_fingerprint(base, content hash)`, different from the
current version's and from every other version's, and stable across re-runs of the same file.
The ledger caches the base fingerprint, since whether a version is current depends on the batch.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..domain import LATE, ON_TIME, agency_keys
from ..model import Report

CURRENT, SUPERSEDED, COPY = "current", "superseded", "copy"
CURRENT_WORD = "当前版本"
SUPERSEDED_WORD = "已被更正版取代"
COPY_WORD = "重复副本"
PUB_RULE_PREFIX = "PUB-DEADLINE"

def versioned_fingerprint(base: str, content_hash: str) -> str:
    """A superseded version's fingerprint: the finding's ordinary one bound to the version's content."""
    return hashlib.sha1(f"{base}\x1fversion\x1f{content_hash}".encode("utf-8")).hexdigest()[:16]


def resolve(reports: list[Report], hashes: dict[str, str],
            mtimes: dict[str, int | None] | None = None) -> pd.DataFrame:
    """Per report file (the index): state (current/superseded/copy), `by` (the file that replaces
    or equals it), the Chinese `note` for the 版本 column, the content `hash`, and for a current
    version with earlier versions the date its timeliness is judged by (see `_timeliness`)."""
    files = [r.file for r in reports]
    frame = pd.DataFrame({
        "file": files,
        "agency": [r.meta.get("agency") for r in reports],
        "year": pd.to_numeric(pd.Series([r.meta.get("year") for r in reports], dtype=object), errors="coerce"),
        "published": pd.to_datetime(pd.Series([r.meta.get("published") for r in reports], dtype=object),
                                    errors="coerce", format="%Y-%m-%d"),
        "hash": [hashes.get(f) or f"file:{f}" for f in files],
        "marked": [_says_corrected(r) for r in reports],
    })
    frame = frame.drop_duplicates("file").set_index("file")
    frame["key"] = agency_keys(frame["agency"]).to_numpy()
    out = pd.DataFrame({"state": CURRENT, "by": None, "note": CURRENT_WORD, "hash": frame["hash"],
                        "timeliness_date": None, "timeliness_first": None, "timeliness_note": None},
                       index=frame.index, dtype=object)
    out.index.name = "file"
    # byte-identical copies: one version, represented by the first path
    first = frame.sort_index(kind="stable").drop_duplicates("hash")
    rep_of = frame["hash"].map(pd.Series(first.index.to_numpy(), index=first["hash"].to_numpy()))
    copies = frame.index[rep_of.to_numpy() != frame.index.to_numpy()]
    out.loc[copies, "state"] = COPY
    out.loc[copies, "by"] = rep_of[copies].to_numpy()
    out.loc[copies, "note"] = [f"{COPY_WORD}（与 {_names([b, c])[b]} 内容完全相同，只计一次）"
                               for b, c in zip(rep_of[copies], copies)]
    # different reports of one agency and year
    reps = frame.loc[first.index]
    grouped = reps[(reps["key"] != "") & reps["year"].notna()]
    multi = grouped[grouped.duplicated(["key", "year"], keep=False)]
    for _, group in multi.groupby(["key", "year"], sort=False):
        _order(group, out, mtimes)
    return out


def _order(group: pd.DataFrame, out: pd.DataFrame,
           mtimes: dict[str, int | None] | None) -> None:
    """Mark the newest version of one agency-year current and the others superseded."""
    times = {f: _mtime(f, mtimes) for f in group.index}
    dated = bool(group["published"].notna().all())
    order = sorted(group.index, key=lambda f: (group.at[f, "published"] if dated else pd.Timestamp(0),
                                               bool(group.at[f, "marked"]),
                                               times[f] if times[f] is not None else -1, f))
    current, older = order[-1], order[:-1]
    runner_up = order[-2]
    name = _names(order)
    if dated and group.at[current, "published"] > group.at[runner_up, "published"]:
        basis = "依据发布日期"
    elif group.at[current, "marked"] and not group.at[runner_up, "marked"]:
        basis = "发布日期" + ("相同" if dated else "不明") + "，依据标题或文件名中的「更正」「修订」字样"
    elif times[current] is not None and times[runner_up] is not None and times[current] > times[runner_up]:
        basis = "发布日期" + ("相同" if dated else "不明") + "，依据文件修改时间"
    else:
        basis = "发布日期和文件时间均无法区分先后，暂按文件名取后者，请人工核实"
    for f in older:
        out.loc[f, ["state", "by"]] = [SUPERSEDED, current]
        out.loc[f, "note"] = f"{SUPERSEDED_WORD}（由 {name[current]} 取代；{basis}）"
    out.loc[current, "note"] = f"{CURRENT_WORD}（取代 {'、'.join(name[f] for f in older)}；{basis}"
    _timeliness(group, out, current, name)
    out.loc[current, "note"] += "）"


def _timeliness(group: pd.DataFrame, out: pd.DataFrame, current: str, name: dict[str, str]) -> None:
    """Whether the agency published on time is judged by its first version: a correction published
    after the deadline does not make a report that was published on time late. An earlier version
    without a readable date leaves the timeliness unknown."""
    own = group.at[current, "published"]
    earlier = group["published"].drop(current)
    if pd.isna(own) or (earlier.notna().all() and (earlier >= own).all()):
        return                                    # the current version's own date decides
    if earlier.isna().any():
        out.at[current, "timeliness_note"] = "无法判断（早先版本发布日期不明）"
        out.at[current, "note"] += "；早先版本发布日期不明，是否按期发布无法判断"
        return
    first = earlier.idxmin()
    day = earlier.min().strftime("%Y-%m-%d")
    out.at[current, "timeliness_date"] = day
    out.at[current, "timeliness_first"] = first
    out.at[current, "timeliness_note"] = f"按最早版本 {name[first]} 的发布日期 {day} 判断"
    out.at[current, "note"] += f"；是否按期发布按最早版本 {name[first]} 的发布日期 {day} 判断"


_CORRECTED = re.compile(r"更正|修订|修正版|勘误")


def _says_corrected(report: Report) -> bool:
    """The title or the file name calls the report a corrected version (更正版, 修订稿, …): what a
    person reads first when two versions carry no dates or the same date."""
    title = report.meta.get("title")
    return bool(_CORRECTED.search(Path(report.file).name)
                or (isinstance(title, str) and _CORRECTED.search(title)))


def _mtime(file: str, mtimes: dict[str, int | None] | None) -> int | None:
    if mtimes is not None and file in mtimes:
        return mtimes[file]
    try:
        return os.stat(file).st_mtime_ns
    except OSError:
        return None


def _names(files: list[str]) -> dict[str, str]:
    """How a note names each file: its bare name, or the whole path when two share a name (the same
    report saved under one name in two monthly folders)."""
    bare = [Path(str(f)).name for f in files]
    return {f: b if bare.count(b) == 1 else str(f) for f, b in zip(files, bare)}


def not_current(table: pd.DataFrame) -> set[str]:
    return set(table.index[table["state"] != CURRENT])


def current_reports(reports: Iterable[Report], table: pd.DataFrame) -> list[Report]:
    """The reports that count: one per agency-year, one per content."""
    skip = not_current(table)
    return [r for r in reports if r.file not in skip]


def current_first(reports: list[Report], table: pd.DataFrame) -> list[Report]:
    """Current versions before the others (order otherwise kept): where one report of an
    agency-year is taken for another's sake (last year's, for the cross-year rules), the first one
    of the batch is taken, and that must be the current version."""
    skip = not_current(table)
    return [r for r in reports if r.file not in skip] + [r for r in reports if r.file in skip]


def split_findings(findings: pd.DataFrame, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings of current versions, findings of superseded versions for the record).

    The second frame carries `version` (the note) and `base_fingerprint` (the engine's, which the
    ledger caches); its `fingerprint` is the versioned one. A copy's findings are the same as its
    original's and are dropped. Current versions whose timeliness is judged by an earlier version
    lose their own deadline findings unless that earlier version has them too."""
    if findings.empty or (table["state"] == CURRENT).all():
        return findings, findings.iloc[0:0].assign(version=None, base_fingerprint=None)
    state = findings["file"].map(table["state"]).fillna(CURRENT)
    old = findings[state == SUPERSEDED].copy()
    old["version"] = old["file"].map(table["note"])
    old["base_fingerprint"] = old["fingerprint"]
    old["fingerprint"] = [versioned_fingerprint(fp, h) for fp, h in
                          zip(old["fingerprint"], old["file"].map(table["hash"]))]
    kept = findings[state == CURRENT]
    return kept[~_judged_by_earlier(kept, old, table)], old


def _judged_by_earlier(current: pd.DataFrame, old: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Deadline findings of a current version whose first version was published earlier: they stand
    only when the first version (by date) was late by the same rule."""
    pub = current["rule_id"].astype(str).str.startswith(PUB_RULE_PREFIX) & (current["category"] == "compliance")
    relayed = table["timeliness_note"].notna()
    mask = pub & current["file"].map(relayed).fillna(False).astype(bool)
    if not mask.any():
        return mask
    first = table["timeliness_first"]
    late_first = {(table.at[f, "by"], rule) for f, rule in zip(old["file"], old["rule_id"])
                  if first.get(table.at[f, "by"]) == f}
    for i in current.index[mask]:
        if (current.at[i, "file"], current.at[i, "rule_id"]) in late_first:
            mask[i] = False              # the first version was late too: the finding stands
    return mask


def with_superseded(findings: pd.DataFrame, superseded: pd.DataFrame) -> pd.DataFrame:
    """Findings for the output files: the current ones, then the superseded versions' marked in
    `superseded` (the 版本 note), as waived findings are marked — listed, counted nowhere."""
    if superseded is None or superseded.empty:
        return findings
    old = superseded.drop(columns=["base_fingerprint"]).rename(columns={"version": "superseded"})
    fill = {"waived": False, "waiver": "", "decision": ""}
    old = old.assign(**{c: v for c, v in fill.items() if c in findings.columns})
    return pd.concat([findings.assign(superseded=None), old], ignore_index=True)


def overview_columns(reports: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """总览 rows with their 版本 note and state; a version that does not count has no deadline
    verdict of its own, and a current one judged by an earlier version says so."""
    reports = reports.copy()
    files = reports["file"]
    reports["version_state"] = files.map(table["state"]).astype(object)
    reports["version"] = files.map(table["note"]).astype(object)
    reports.loc[reports["version_state"].isna() & (reports["status"] != "failed"), "version"] = CURRENT_WORD
    off = reports["version_state"].isin([SUPERSEDED, COPY])
    if "deadline_status" in reports:
        reports.loc[off, "deadline_status"] = None
        note = files.map(table["timeliness_note"])
        unknown = note.notna() & note.astype(str).str.startswith("无法判断")
        reports.loc[unknown, "deadline_status"] = note[unknown]
        first = pd.to_datetime(files.map(table["timeliness_date"]), errors="coerce", format="%Y-%m-%d")
        limit = pd.to_datetime(reports["deadline"], errors="coerce", format="%Y-%m-%d") \
            if "deadline" in reports else pd.Series(pd.NaT, index=reports.index)
        judged = first.notna() & limit.notna()
        reports.loc[judged, "deadline_status"] = [LATE if d > lim else ON_TIME
                                                  for d, lim in zip(first[judged], limit[judged])]
    return reports


def coverage_frame(frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The 覆盖情况 input with only current versions, each dated by the version its timeliness is
    judged by (None when an earlier version's date is unknown)."""
    keep = frame[frame["file"].map(table["state"]).fillna(CURRENT) == CURRENT].copy()
    note = keep["file"].map(table["timeliness_note"])
    date = keep["file"].map(table["timeliness_date"])
    keep["published"] = keep["published"].astype(object)
    keep.loc[note.notna(), "published"] = date[note.notna()]
    return keep
