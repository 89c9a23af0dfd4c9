"""The findings of the sample reports and of every generated variant, kept as a reference file, so
that a change meant to change only how the engine is built (issue 14: rule kinds, stages, fast
paths) is proved to report exactly what the engine reported before it.

    python -m tests.findings_golden inbox DIR          # build the inbox (samples + every variant)
    python -m tests.findings_golden write OUT_DIR      # reference file from a run's results folder

The reference (tests/data/findings-golden.jsonl.gz) was written from a run of the code before the
issue-14 refactoring (commit 6d52bd7) over the inbox built here; tests/test_findings_unchanged.py
builds the same inbox, runs today's code and compares. Rewrite it only for a change that is meant
to change findings, and say in the commit which findings changed and why (the test prints them).
"""
from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "data" / "findings-golden.jsonl.gz"
# One modification time for every file: versions of one agency-year that no date tells apart are
# ordered by file time, then by name; equal times make that order the names', the same every build.
MTIME = 1_704_067_200      # 2024-01-01
# What a finding says about an agency; the file name is the inbox's, stable by construction.
KEPT = ("file", "agency", "year", "rule_id", "severity", "category", "location", "message", "fingerprint",
        "values", "waived", "superseded")


def build_inbox(folder: Path) -> list[Path]:
    """Every report the variant comparisons use, except the copies of the shared reports that exist
    only on a developer's machine (the same four are in reports_in/, copied as samples)."""
    from .test_fast_path_documents import build_variants

    made = build_variants(folder, bench_reports=20)
    for path in [p for p in made if p.name.startswith("shared-")]:
        path.unlink()
    kept = sorted(p for p in made if p.exists())
    for path in kept:
        os.utime(path, (MTIME, MTIME))
    return kept


def comparable(out: Path) -> list[str]:
    """The run's findings as sorted JSON lines of the kept fields (absent fields as null). A superseded
    version's fingerprint includes its content hash, and a built DOCX or PDF carries the time it was
    built: that fingerprint is left out (the rest of such a finding is compared)."""
    rows = []
    for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines():
        found = json.loads(line)
        if found.get("superseded"):
            found["fingerprint"] = None
        rows.append(json.dumps({k: found.get(k) for k in KEPT}, ensure_ascii=False, sort_keys=True))
    return sorted(rows)


def load_golden() -> list[str]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as fh:
        return [line for line in fh.read().splitlines() if line]


def write_golden(out: Path) -> int:
    rows = comparable(out)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    with open(GOLDEN, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(("\n".join(rows) + "\n").encode("utf-8"))
    return len(rows)


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "inbox":
        print(len(build_inbox(where)), "files")
    elif command == "write":
        print(write_golden(where), "findings")
    else:
        raise SystemExit("用法：python -m tests.findings_golden inbox 目录 | write 结果目录")
