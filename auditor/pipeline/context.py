"""The one object a run passes from stage to stage: what was asked for, and what each stage adds
for the next (collect → read → audit → write → record). A stage takes the context and returns its
own product; nothing else travels between them."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..ledger import Ledger
    from ..outputs import PendingOutputs
    from ..roster import Roster
    from ..rules.model import Pack
    from ..verdicts import RunResult
    from ..waivers import Waiver
    from .collecting import Collected
    from .reading import FileRow, Reader


class Stopwatch:
    """Seconds spent per stage, for the log and the benchmark."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + now - self._last
        self._last = now

    def text(self) -> str:
        return "，".join(f"{k} {v:.2f}" for k, v in self.times.items())


@dataclass
class RunContext:
    """One run. The first group is what `auditor run` was asked (its options and the office's side
    files); `start` stamps the run; the rest is filled in by the stages, in this order."""
    paths: list[Path]
    packs: list[Pack]
    out_dir: Path
    waivers: list[Waiver] | None = None
    # the override file's types; once the reports are known, joined by the roster's (the file wins)
    agency_types: dict[str, str] | None = None
    ledger_path: Path | None = None          # default: out_dir/ledger.sqlite
    full: bool = False                       # --full: reuse nothing from the ledger
    roster: Roster | None = None
    collected: Collected | None = None       # the inputs, when the command collected them first
    reader: Reader | None = None             # where the files are read: None, here; else a cluster

    started: dt.datetime = field(default_factory=dt.datetime.now)   # names the run folder
    watch: Stopwatch = field(default_factory=Stopwatch)
    ledger: Ledger | None = None
    engine: str = ""                         # keys.engine_version
    rules_hash: str = ""                     # keys.ruleset_hash: rules, engine, roster, agency types
    previous: dict | None = None             # the ledger's last run, if any
    # content hash and ledger row per file, when the ledger may hold some of them (else the reading
    # processes hash what they read)
    hashes: dict[Path, str] | None = None
    file_rows: list[FileRow] | None = None
    key: str | None = None                   # keys.input_key: everything the results depend on
    folder: Path | None = None               # runs/<time>/, the run's folder once it is recorded
    partial: Path | None = None              # runs/<time>.partial/, where the stages write until then
    decisions: pd.DataFrame | None = None    # the latest decision per fingerprint (auditor/decisions.py)

    def start(self) -> None:
        """The run begins now (not when the context was made: a locked folder may have been waited for)."""
        self.started = dt.datetime.now()
        self.watch = Stopwatch()

    @property
    def ledger_file(self) -> Path:
        return self.ledger_path or self.out_dir / "ledger.sqlite"


@dataclass
class RunOutcome:
    result: RunResult | None
    folder: Path
    written: list[Path]
    audited: int = 0
    pending: PendingOutputs | None = None   # outputs still being completed (the workbook, by a child)
    reused: int = 0
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict[str, float] = field(default_factory=dict)
    unchanged: bool = False            # nothing new since the last run: its results stand
    counts: dict[str, int] = field(default_factory=dict)
    versions: pd.DataFrame | None = None     # per file: current, superseded or copy (engine/versions.py)
    superseded: pd.DataFrame | None = None   # findings of superseded versions (for the record only)
    first_run: bool = False            # the ledger had no run before: nothing to compare with
    failed_files: list[str] = field(default_factory=list)   # files that could not be read (or listed)
    followup_line: str | None = None   # 整改跟踪：待整改 a，已整改 b，… when the ledger has items
