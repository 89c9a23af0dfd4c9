"""The evidence pages as one of a run's outputs: written into the partial run folder beside the
workbook, by a child process in a large run (speed.BACKGROUND_FROM), and finished or discarded
with the other outputs (auditor/outputs.PendingOutputs)."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from ..engine import versions as ver
from ..outputs import PendingOutputs
from ..outputs.background import Background
from ..rules.model import Pack
from .. import speed
from ..speed import BACKGROUND_FROM, worth
from .pages import report_rows, write_pages


def start_pages(folder: Path, audited, packs: list[Pack]) -> PendingOutputs:
    """Start writing every report's page of `audited` (pipeline.auditing.Audited) into `folder`."""
    reports = audited.batch.reports
    versions = audited.batch.versions
    states = {str(k): str(v) for k, v in versions["state"].items()} if "state" in versions else {}
    rows = report_rows(audited.result.reports, states)
    findings = ver.with_superseded(audited.result.findings, audited.superseded)
    job = Background(write_pages, folder, reports, rows, findings, packs, len(reports) > speed.PAGES_ALL_UP_TO,
                     inline=not worth(BACKGROUND_FROM, len(reports)))
    return PendingOutputs(ExitStack(), [job], [])
