"""The ledger's stored reports: round trip, and blobs written by earlier versions still read."""
from __future__ import annotations

import json
import zlib

from auditor.extract import extract
from auditor.ingest import read_document
from auditor.ledger import _unpack, pack_report
from auditor.model import Report

from .conftest import ZIBO


def test_report_round_trip() -> None:
    report = extract(read_document(ZIBO))
    blob = pack_report(report)
    assert len(blob) < len(json.dumps(report.to_store(), ensure_ascii=False).encode()) / 2   # compressed
    again = Report.from_store(_unpack(blob))
    assert again.to_store() == report.to_store()
    assert again.cells == report.cells and again.sections == report.sections


def test_blob_of_an_earlier_version_still_reads() -> None:
    report = extract(read_document(ZIBO))
    old = zlib.compress(json.dumps(report.to_store(), ensure_ascii=False, default=str).encode("utf-8"), 3)
    assert Report.from_store(_unpack(old)).to_store() == report.to_store()


def test_a_first_run_hashes_while_reading_and_the_next_run_reuses(tmp_path) -> None:
    """A run with nothing to reuse hashes the files in the reading processes; the rows it records
    let the next run recognise every file as unchanged without reading it."""
    import shutil
    import sqlite3

    from auditor.ledger import content_hash
    from auditor.pipeline import run
    from auditor.rules.loader import load_all_packs

    from .conftest import RULES, SAMPLES

    inbox = tmp_path / "in"
    shutil.copytree(SAMPLES, inbox)
    packs = load_all_packs(RULES)
    first = run([inbox], packs, tmp_path / "out")
    assert first.audited == len(list(inbox.iterdir())) and not first.unchanged
    with sqlite3.connect(tmp_path / "out" / "ledger.sqlite") as db:
        rows = dict(db.execute("SELECT path, hash FROM files"))
    assert rows == {str(p): content_hash(p.read_bytes()) for p in inbox.iterdir()}
    again = run([inbox], packs, tmp_path / "out")
    assert again.unchanged and again.reused == len(rows)
