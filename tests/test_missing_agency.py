"""A report whose agency (or year) could not be read never crashes a run (pandas 3: NaN is truthy)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from auditor.cli import EXIT_FINDINGS, EXIT_UNREADABLE, main
from auditor.engine.batch import build_batch
from auditor.engine.render import report_key
from auditor.model import Report

from .conftest import ZIBO


def test_batch_keeps_a_missing_agency_as_none() -> None:
    batch = build_batch([Report(file="a.txt"), Report(file="b.txt", meta={"title": None, "agency": "某局",
                                                                          "year": 2023, "published": None})])
    assert batch.info.loc[0, "agency"] is None
    assert batch.info.loc[0, "agency_key"] is None
    assert batch.info.loc[1, "agency_key"] == "某局"


def test_report_key_falls_back_to_the_file_name_for_nan() -> None:
    assert report_key("x/y/报告.txt", float("nan"), 2023) == "报告.txt"
    assert report_key("报告.txt", "某局", pd.NA) == "报告.txt"
    assert report_key("报告.txt", "某局", 2023) == "某局|2023"


def test_run_with_untitled_files_completes(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(ZIBO, inbox / "sample.txt")
    (inbox / "tiny.txt").write_text("随便写点东西", encoding="utf-8")
    (inbox / "junk.txt").write_bytes(bytes(range(256)) * 8)
    code = main(["run", str(inbox), "--out", str(tmp_path / "out")])
    assert code in (EXIT_FINDINGS, EXIT_UNREADABLE)
    rows = [json.loads(line) for line in (tmp_path / "out" / "latest" / "findings.jsonl").open(encoding="utf-8")]
    assert {Path(r["file"]).name for r in rows} >= {"tiny.txt"}
    assert all(r["agency"] is None or isinstance(r["agency"], str) for r in rows)
