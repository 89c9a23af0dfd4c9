"""Output writers: findings.jsonl (data), findings.csv and summary.xlsx (for Excel/WPS users), and
data.csv (every extracted table value) when the pipeline passes the data table. summary.xlsx keeps its
stable name (scripts, tests, the README) and has a twin named for people, 年报审核汇总-YYYY-MM.xlsx.

All files are written to temporary names first and only swapped in after all of them were
written, so a failed run leaves the previous set untouched instead of a mixed or half-written one.
For large batches the workbook is written by a child process on the other core meanwhile
(`start_outputs` … `PendingOutputs.finish`).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from ..domain import today
from ..speed import BACKGROUND_FROM, worth
from .atomic import atomic_path
from .background import Background
from .csv_out import write_csv, write_data_csv
from .jsonl import write_jsonl
from .tables import FINDING_COLUMNS, REPORT_COLUMNS, require_columns
from .xlsx import write_xlsx

__all__ = ["write_outputs", "start_outputs", "start_data_csv", "PendingOutputs", "DATA_CSV_NAME",
           "XLSX_NAME", "dated_xlsx_name"]

JSONL_NAME = "findings.jsonl"
CSV_NAME = "findings.csv"
XLSX_NAME = "summary.xlsx"
DATA_CSV_NAME = "data.csv"
DATED_XLSX = "年报审核汇总-{month}.xlsx"


def dated_xlsx_name(day: dt.date) -> str:
    """The workbook's name for people, of the month the audit is made in (domain.today(), which
    AUDITOR_TODAY sets for a backfill): 年报审核汇总-2026-12.xlsx."""
    return DATED_XLSX.format(month=day.strftime("%Y-%m"))


def _twin(source: Path, twin: Path) -> None:
    """`twin` holding the same bytes as `source`: a hard link where the file system allows one
    (no second copy on disk), else a copy."""
    twin.unlink(missing_ok=True)
    try:
        os.link(source, twin)
    except OSError:
        shutil.copyfile(source, twin)


class PendingOutputs:
    """Files written to temporary names, the workbook possibly still being written by a child."""

    def __init__(self, stack: ExitStack, jobs: list[Background], targets: list[Path],
                 then: list[Callable[[], None]] | None = None) -> None:
        self._stack, self._jobs, self.targets = stack, jobs, targets
        self._then = then or []      # steps once the children are done, before the files are put in place

    def join(self, other: PendingOutputs) -> PendingOutputs:
        """One set of outputs with another (started earlier): finished or aborted together."""
        self._stack.push(other._stack)
        self._jobs += other._jobs
        self.targets += other.targets
        self._then += other._then
        return self

    def finish(self) -> list[Path]:
        """Wait for the workbook (and data.csv), then put every file in place; on any error none is."""
        try:
            for job in self._jobs:
                job.wait()
            for step in self._then:
                step()
        except BaseException:
            self._cancel()
            self._stack.__exit__(*sys.exc_info())
            raise
        self._stack.close()
        return self.targets

    def _cancel(self) -> None:
        for job in self._jobs:
            job.cancel()

    def abort(self) -> None:
        """Discard everything (the run failed after the outputs were started)."""
        self._cancel()
        try:
            raise RuntimeError("run aborted")
        except RuntimeError:
            self._stack.__exit__(*sys.exc_info())


def start_data_csv(out_dir: Path, make: Callable[[], pd.DataFrame]) -> PendingOutputs:
    """data.csv alone, in a child process from now on: a large run starts it before its rules stage,
    whose batch building leaves the other core idle. Join it to `start_outputs`'s result."""
    stack = ExitStack()
    try:
        tmp = stack.enter_context(atomic_path(Path(out_dir) / DATA_CSV_NAME))
        job = Background(_write_data, tmp, make)
    except BaseException:
        stack.__exit__(*sys.exc_info())
        raise
    return PendingOutputs(stack, [job], [Path(out_dir) / DATA_CSV_NAME])


def start_outputs(out_dir: Path, findings: pd.DataFrame, reports: pd.DataFrame,
                  extra_sheets: dict[str, pd.DataFrame] | None = None,
                  data: pd.DataFrame | Callable[[], pd.DataFrame] | None = None) -> PendingOutputs:
    """Start writing the outputs into out_dir; `finish()` on the result completes them. `data` (the
    table for data.csv) may be a function: for a large batch it is then called in its own child
    process while the workbook is being written."""
    require_columns(findings, FINDING_COLUMNS, "findings")
    require_columns(reports, REPORT_COLUMNS, "reports")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / JSONL_NAME, out_dir / CSV_NAME, out_dir / XLSX_NAME]
    if data is not None:
        targets.append(out_dir / DATA_CSV_NAME)
    targets.append(out_dir / dated_xlsx_name(today()))
    stack = ExitStack()
    jobs: list[Background] = []
    inline = not worth(BACKGROUND_FROM, len(reports))
    try:
        tmps = [stack.enter_context(atomic_path(p)) for p in targets]
        jobs.append(Background(write_xlsx, tmps[2], findings, reports, extra_sheets, inline=inline))
        if data is not None:    # a second child: the data table is as costly as the workbook
            jobs.append(Background(_write_data, tmps[3], data, inline=inline))
        write_jsonl(tmps[0], findings)
        write_csv(tmps[1], findings)
    except BaseException:
        for job in jobs:
            job.cancel()
        stack.__exit__(*sys.exc_info())
        raise
    # the dated twin: made from the finished workbook's temporary file, put in place with the others
    return PendingOutputs(stack, jobs, targets, [lambda: _twin(tmps[2], tmps[-1])])


def _write_data(path: Path, data: pd.DataFrame | Callable[[], pd.DataFrame]) -> None:
    write_data_csv(path, data() if callable(data) else data)


def write_outputs(out_dir: Path, findings: pd.DataFrame, reports: pd.DataFrame,
                  extra_sheets: dict[str, pd.DataFrame] | None = None,
                  data: pd.DataFrame | Callable[[], pd.DataFrame] | None = None) -> list[Path]:
    """Write findings.jsonl, findings.csv, summary.xlsx and its dated twin (and data.csv) into out_dir;
    return the paths."""
    return start_outputs(out_dir, findings, reports, extra_sheets, data).finish()
