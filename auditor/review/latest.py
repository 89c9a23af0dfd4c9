"""The latest run's findings as a reviewer acts on them now: read back from its findings.jsonl, with
the decisions the ledger holds today (they may be newer than the run), each finding's values hash as
the ledger recorded it (what a decision is bound to), and whether it still stands.

One door for every command that works on results after a run (`decisions import`, `notices`):
they never re-audit, and they never see a decision the run did not yet know about differently from
how the next run will see it (auditor/decisions.py applies the same rule)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import pandas as pd

from ..decisions import apply_decisions
from ..domain import FINDING_COLUMNS, OPTIONAL_FINDING_COLUMNS
from ..ledger import Ledger

FINDINGS_FILE = "findings.jsonl"


class ReviewError(Exception):
    """Results that cannot be worked on (no run yet, its folder gone); `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class LatestRun:
    run_id: int
    started: str
    folder: Path                 # runs/<time>/ of the run (an unchanged run: the one it stood on)
    findings: pd.DataFrame       # FINDING_COLUMNS + flags, `values_hash`, current `decision`/`dismissed`


def latest_run(out_dir: Path, ledger: Ledger) -> LatestRun:
    """The ledger's last run and its findings, decisions as of now. ReviewError when there is none."""
    last = ledger.last_run()
    if last is None:
        raise ReviewError(f"账本 {ledger.path} 中还没有任何审核记录，请先运行 auditor run")
    folder = Path(out_dir) / "runs" / str(last["folder"])
    path = folder / FINDINGS_FILE
    if not path.is_file():
        raise ReviewError(f"最近一次审核的结果 {path} 不存在（结果目录可能被移动或删改）；"
                          f"请用 --out 指定正确的结果目录，或重新运行 auditor run")
    findings = read_findings(path)
    recorded = ledger.run_findings(last["id"])[["fingerprint", "values_hash"]].drop_duplicates("fingerprint")
    findings = findings.drop(columns=["decision", "dismissed", "values_hash"], errors="ignore")
    findings = findings.merge(recorded, on="fingerprint", how="left")
    findings = apply_decisions(findings, ledger.decisions())
    return LatestRun(int(last["id"]), str(last["started"]), folder, findings)


def read_findings(path: Path) -> pd.DataFrame:
    """findings.jsonl as a frame: every finding column, and each optional one (empty when absent)."""
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    frame = pd.DataFrame(rows, columns=[*FINDING_COLUMNS, *OPTIONAL_FINDING_COLUMNS], dtype=object)
    for flag in ("waived", "dismissed"):
        frame[flag] = frame[flag].map(lambda v: v is True)
    for column in ("waiver", "decision", "superseded", "absent"):
        frame[column] = frame[column].map(lambda v: v if isinstance(v, str) else "")
    return frame


def standing(findings: pd.DataFrame) -> pd.Series:
    """Compliance findings of a report provided this run that count: not superseded, not of a
    report not provided, not waived, not dismissed."""
    return ((findings["category"] == "compliance") & (findings["superseded"] == "") & (findings["absent"] == "")
            & ~findings["waived"] & ~findings["dismissed"])
