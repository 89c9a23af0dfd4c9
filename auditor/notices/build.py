"""Documents of one batch: per agency and report year, its 整改通知 (the selected findings) and its
审核结果单 (every finding of its reports in the latest run), with the rectification items they open."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..domain import agency_key
from ..followup.store import NoticeItem
from .batch import Batch, NoticeDoc
from .content import Letterhead, notice_context, result_context
from .names import safe_name
from .render import RESULT_TEMPLATE, default_template, render


def build(notify: pd.DataFrame, findings: pd.DataFrame, verdicts: pd.DataFrame, head: Letterhead,
          template: tuple[bytes, str], target: Path) -> tuple[Batch, list[NoticeItem]]:
    """`notify`: the selected findings (with `agency_key`, integer `year`); `findings`: the latest run's;
    `verdicts`: its run_verdicts; `template`: (bytes, label) of the 整改通知 template."""
    batch, items, taken = Batch(), [], set()
    day = f"{head.notice_date:%Y%m%d}"
    ours = _of_run(findings)
    verdict_keys = verdicts["agency"].map(agency_key) if len(verdicts) else pd.Series(dtype=object)
    result_data = default_template(RESULT_TEMPLATE)
    for (key, year), group in notify.groupby(["agency_key", "year"], sort=True):
        agency = str(group["agency"].mode().iloc[0])
        notice_name = safe_name(["整改通知", agency, f"{year}年度", day], ".docx", taken)
        result_name = safe_name(["审核结果单", agency, f"{year}年度", day], ".docx", taken)
        own = ours[(ours["agency_key"] == key) & (ours["year"] == year)]
        own_verdicts = verdicts[(verdict_keys == key) & (verdicts["year"] == year)] if len(verdicts) else verdicts
        notice = render(*template, notice_context(agency, int(year), group, head))
        result = render(result_data, f"（内置）{RESULT_TEMPLATE}",
                        result_context(agency, int(year), own, own_verdicts, head))
        batch.docs.append(NoticeDoc(agency, int(year), len(group), head.deadline, notice_name, notice,
                                    result_name, result))
        items += [NoticeItem(agency=str(f.agency), year=int(year), file=str(f.file), fingerprint=str(f.fingerprint),
                             rule_id=str(f.rule_id), severity=str(f.severity), location=str(f.location),
                             message=str(f.message), basis=str(f.basis), notice_date=head.notice_date,
                             deadline=head.deadline, notice_file=str(target / notice_name))
                  for f in group.itertuples(index=False)]
    return batch, items


def _of_run(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings of the reports this run holds: superseded versions and reports not provided
    this time are not the agency's current report."""
    current = findings[(findings["superseded"] == "") & (findings["absent"] == "")].copy()
    current["agency_key"] = current["agency"].map(agency_key)
    current["year"] = pd.to_numeric(current["year"], errors="coerce")
    return current
