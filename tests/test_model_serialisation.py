"""The report model's one serialisation (msgspec, from the field declarations in auditor/model.py):
what the reading processes send back and the ledger stores. Every field travels, earlier ledgers'
JSON blobs still read, and the pool's reports equal the ones read in the main process."""
from __future__ import annotations

import dataclasses
import json
import zlib

import orjson
import pytest
import zstandard

from auditor.extract import extract
from auditor.ingest import read_document
from auditor.ledger import pack_report, unpack_report
from auditor.model import Cell, Report, Section
from auditor.pipeline import reading

from .conftest import SAMPLES, ZIBO


def _every_field_set() -> Report:
    """A report in which no field holds its default, and numbers keep their type (1 vs 1.0)."""
    report = Report(file="x.txt", template="2021", meta={"title": "标题", "agency": "某局", "year": 2022,
                                                          "published": "2023-01-20"},
                    preface="前言", sections=[Section(1, "一、总体情况", "正文")], section_order=[1],
                    cells=[Cell("t3", "new_received", "total", "3", 3), Cell("t4", "review", "upheld", "1.0", 1.0, True),
                           Cell("t2", "rules", "made", None, None)],
                    status="partial", problems=["表三未找到"], truncated_after=5, heading_seen={5: "五、存在的主要问题"})
    defaults = Report(file="")
    assert all(getattr(report, f.name) != getattr(defaults, f.name) for f in dataclasses.fields(Report))
    return report


def _old_store(report: Report) -> dict:
    """The ledger's record as versions before msgspec wrote it (Report.to_store, by hand)."""
    return {"file": report.file, "template": report.template, "meta": dict(report.meta), "preface": report.preface,
            "sections": [[s.number, s.title, s.text] for s in report.sections],
            "section_order": list(report.section_order),
            "cells": [[c.table, c.row, c.col, c.raw, c.value, c.derived] for c in report.cells],
            "status": report.status, "problems": list(report.problems), "truncated_after": report.truncated_after,
            "heading_seen": {str(n): w for n, w in report.heading_seen.items()}}


def test_every_field_travels_with_its_type() -> None:
    report = _every_field_set()
    again = unpack_report(pack_report(report))
    assert again == report
    assert [type(c.value) for c in again.cells] == [int, float, type(None)]


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir()))
def test_sample_reports_round_trip(sample: str) -> None:
    report = extract(read_document(SAMPLES / sample))
    assert unpack_report(pack_report(report)) == report


@pytest.mark.parametrize("written", ["zstd+orjson", "zlib+json", "zstd+orjson, before truncated_after"])
def test_blobs_of_earlier_versions_still_read(written: str) -> None:
    """Last year's reports for the cross-year rules come from ledgers written before this format."""
    for report in (_every_field_set(), extract(read_document(ZIBO))):
        old = _old_store(report)
        if "before" in written:
            del old["truncated_after"], old["heading_seen"]
            report = dataclasses.replace(report, truncated_after=None, heading_seen={})
        if written.startswith("zstd"):
            blob = zstandard.ZstdCompressor(level=1).compress(orjson.dumps(old))
        else:
            blob = zlib.compress(json.dumps(old, ensure_ascii=False).encode("utf-8"), 3)
        assert unpack_report(blob) == report


def test_unpacked_reports_share_their_cell_keys() -> None:
    """Each decoded string is a new object: the keys are shared so that a batch's cells take half
    the memory."""
    zibo = extract(read_document(ZIBO))
    one, two = unpack_report(pack_report(zibo)), unpack_report(pack_report(zibo))
    assert all(a.row is b.row and a.col is b.col and a.table is b.table for a, b in zip(one.cells, two.cells))


def test_reading_pool_gives_the_reports_read_here(monkeypatch) -> None:
    """The pool sends back only the packed report; what the main process unpacks equals the file
    read and extracted in place, and the ledger stores those same bytes."""
    files = sorted(SAMPLES.iterdir())
    monkeypatch.setattr(reading, "PARALLEL_FROM", 1)
    pooled = reading.read_reports(files, workers=2)
    assert pooled.reports == [reading.read_one(p) for p in files]
    assert all(unpack_report(pooled.stored[r.file]) == r for r in pooled.reports)
