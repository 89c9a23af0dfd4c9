"""Documents of one batch: a 审核结果单 for every report the latest run holds (every finding of it,
its verdict and reading status; 未发现问题 when there is none), one per agency and report year, and
the agency-year's 整改通知 when it has selected findings, with the rectification items they open.
A report whose agency or year is not known gets its 审核结果单 under its file's name: it is for the
file and names no agency; it never gets a 整改通知."""
from __future__ import annotations

import os

from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd

from ..domain import agency_key
from ..followup.store import NoticeItem
from ..outputs.tables import VERDICT_ABSENT_SUFFIX, VERDICT_NOT_COUNTED
from .batch import Batch, Notice, SheetDoc
from .content import NOT_RECORDED, Letterhead, notice_context, result_context
from .names import safe_name
from .render import RESULT_TEMPLATE, default_template, render


@dataclass
class Unit:
    """What one 审核结果单 covers: an agency-year (`key`, `year`), or one file (`file`)."""
    agency: str | None
    year: int | None
    key: str | None = None
    file: str | None = None


def build(notify: pd.DataFrame, findings: pd.DataFrame, verdicts: pd.DataFrame, head: Letterhead,
          template: tuple[bytes, str], target: Path, agencies: list[str] | None = None
          ) -> tuple[Batch, list[NoticeItem]]:
    """`notify`: the selected findings (with `agency_key`, integer `year`); `findings`: the latest run's;
    `verdicts`: its run_verdicts; `template`: (bytes, label) of the 整改通知 template; `agencies`:
    only these agencies' documents (--agency), none of a report without an agency name."""
    batch, items, taken = Batch(), [], set()
    day = f"{head.notice_date:%Y%m%d}"
    ours, reports = current_findings(findings), current_verdicts(verdicts)
    groups = dict(iter(notify.groupby(["agency_key", "year"], sort=True))) if len(notify) else {}
    result_data = default_template(RESULT_TEMPLATE)
    for unit in units([reports, ours, notify], agencies):
        own, own_reports = _of_unit(ours, unit), _of_unit(reports, unit)
        group = groups.get((unit.key, unit.year)) if unit.file is None else None
        notice = None
        if group is not None:
            agency = str(group["agency"].mode().iloc[0])
            name = safe_name(["整改通知", agency, f"{unit.year}年度", day], ".docx", taken)
            notice = Notice(len(group), head.deadline, name,
                            render(*template, notice_context(agency, int(unit.year), group, head)))
            items += [NoticeItem(agency=str(f.agency), year=int(unit.year), file=str(f.file),
                                 fingerprint=str(f.fingerprint), rule_id=str(f.rule_id), severity=str(f.severity),
                                 location=str(f.location), message=str(f.message), basis=str(f.basis),
                                 notice_date=head.notice_date, deadline=head.deadline,
                                 notice_file=os.path.abspath(target / name))   # wherever it is run from
                      for f in group.itertuples(index=False)]
        if unit.file is None:
            parts = ["审核结果单", unit.agency, f"{unit.year}年度", day]
        else:
            parts = ["审核结果单", PurePath(unit.file).name, day]
        name = safe_name(parts, ".docx", taken)
        data = render(result_data, f"（内置）{RESULT_TEMPLATE}",
                      result_context(unit.agency, unit.year, own, own_reports, head))
        verdict = "；".join(dict.fromkeys(v for v in own_reports["verdict"] if isinstance(v, str) and v)) \
            or NOT_RECORDED
        batch.docs.append(SheetDoc(unit.agency, unit.year, verdict, name, data, notice))
    return batch, items


def current_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings of the reports this run holds: superseded versions and reports not provided
    this time are not the agency's current report."""
    current = findings[(findings["superseded"] == "") & (findings["absent"] == "")].copy()
    return _keyed(current)


def current_verdicts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The run's verdicts of the reports it holds: not a superseded version, a duplicate copy or a
    report not provided this time (their 总览 verdict words say so)."""
    if not len(verdicts):
        return _keyed(pd.DataFrame(columns=["file", "agency", "year", "status", "verdict"]))
    words = verdicts["verdict"].map(lambda v: v if isinstance(v, str) else "")
    off = words.isin(VERDICT_NOT_COUNTED.values()) | words.str.endswith(VERDICT_ABSENT_SUFFIX)
    return _keyed(verdicts[~off].copy())


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["agency_key"] = frame["agency"].map(agency_key)
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce")
    return frame


def units(frames: list[pd.DataFrame], agencies: list[str] | None = None) -> list[Unit]:
    """One per agency-year of the run's current reports (`frames`: its verdicts, findings and the
    findings to notify, each with `agency_key`), sorted by agency and year, then one per file whose
    agency or year is not known (sorted by file); with `agencies`, those agencies' only."""
    columns = ["file", "agency", "agency_key", "year"]
    both = pd.concat([f[columns] for f in frames if len(f)] or [pd.DataFrame(columns=columns)], ignore_index=True)
    both["year"] = pd.to_numeric(both["year"], errors="coerce")
    if agencies:
        both = both[both["agency_key"].isin({agency_key(a) for a in agencies} - {None})]
    known = both["agency_key"].notna() & both["year"].notna()
    found = []
    for (key, year), group in both[known].groupby(["agency_key", "year"], sort=True):
        found.append(Unit(str(group["agency"].mode().iloc[0]), int(year), key=str(key)))
    found.sort(key=lambda u: (u.agency or "", u.year or 0))
    for file, group in both[~known].groupby("file", sort=True):
        agency = group["agency"].dropna()
        year = group["year"].dropna()
        found.append(Unit(str(agency.iloc[0]) if len(agency) and agency.iloc[0] else None,
                          int(year.iloc[0]) if len(year) else None, file=str(file)))
    return found


def _of_unit(frame: pd.DataFrame, unit: Unit) -> pd.DataFrame:
    if unit.file is not None:
        return frame[frame["file"] == unit.file]
    return frame[(frame["agency_key"] == unit.key) & (frame["year"] == unit.year)]
