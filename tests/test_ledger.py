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
