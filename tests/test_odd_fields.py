"""Missing or odd values in every report field go through a real batch (pandas 3: NaN is truthy).

Each report field the engine and the outputs use — agency, year, publication date, template,
title — is given None, NaN, pd.NA, an empty or blank string, and values of the wrong type; the
batch is audited, summarised and written, and nothing prints as nan/None/NaT to a reader."""
from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, main
from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.outputs import write_outputs

from .conftest import ZIBO

ODD = [None, float("nan"), pd.NA, "", "   ", 0, 2023.0]
FIELDS = ["agency", "year", "published", "title"]
LEAKS = ("nan", "None", "NaT", "<NA>")


def _variants(base):
    out = []
    for field in FIELDS:
        for i, value in enumerate(ODD):
            r = copy.deepcopy(base)
            r.file = f"{field}-{i}.txt"
            r.meta[field] = value
            out.append(r)
    for i, value in enumerate([None, float("nan"), "", "1999"]):
        r = copy.deepcopy(base)
        r.file = f"template-{i}.txt"
        r.template = value
        out.append(r)
    return out


@pytest.fixture(scope="module")
def result(packs):
    base = extract(read_document(ZIBO))
    return audit(_variants(base), packs)


def test_batch_with_odd_fields_is_audited(result):
    assert not result.findings.empty
    files = set(result.findings["file"])
    assert {"agency-1.txt", "year-1.txt", "published-1.txt", "template-1.txt"} <= files


def test_messages_never_show_missing_markers(result):
    for message in result.findings["message"]:
        assert not any(leak in message for leak in LEAKS), message


def test_agency_column_holds_text_or_nothing(result):
    for value in result.findings["agency"]:
        assert value is None or (isinstance(value, str) and value.strip()) or \
            (isinstance(value, float) and math.isnan(value)), repr(value)


def test_outputs_written_and_readable(result, tmp_path):
    write_outputs(tmp_path, result.findings, result.reports)
    rows = [json.loads(line) for line in (tmp_path / "findings.jsonl").open(encoding="utf-8")]
    assert rows
    for row in rows:
        assert row["agency"] is None or isinstance(row["agency"], str)
        assert row["year"] is None or isinstance(row["year"], int)
    book = openpyxl.load_workbook(tmp_path / "summary.xlsx", read_only=True)
    for sheet in book.worksheets:
        for line in sheet.iter_rows(values_only=True):
            for cell in line:
                assert cell not in ("nan", "NaN", "NaT", "<NA>", "None"), (sheet.title, line)


def test_cli_batch_of_files_missing_their_fields(tmp_path):
    """Through the real CLI: a report without title lines, one with an impossible date, a text
    without tables or headings, and a tiny file, beside a good report."""
    text = ZIBO.read_text(encoding="utf-8")
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(ZIBO, inbox / "good.txt")
    untitled = "\n".join(line for line in text.splitlines() if "年度报告" not in line and "标题" not in line)
    (inbox / "untitled.txt").write_text(untitled, encoding="utf-8")
    (inbox / "bad-date.txt").write_text(text.replace("2023-01-19", "2023-02-30"), encoding="utf-8")
    (inbox / "prose.txt").write_text("关于做好政务公开工作的通知\n各单位：请认真做好政务公开工作。", encoding="utf-8")
    (inbox / "tiny.txt").write_text("年报", encoding="utf-8")
    code = main(["run", str(inbox), "--out", str(tmp_path / "out")])
    assert code in (EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE)
    latest = tmp_path / "out" / "latest"
    rows = [json.loads(line) for line in (latest / "findings.jsonl").open(encoding="utf-8")]
    for row in rows:
        assert "nan" not in row["message"] and "NaT" not in row["message"], row["message"]
    book = openpyxl.load_workbook(latest / "summary.xlsx", read_only=True)
    overview = list(book["总览"].iter_rows(values_only=True))
    head = overview[0]
    on_time = head.index("按期发布")
    by_file = {Path(str(r[head.index("文件")])).name: r for r in overview[1:] if r[head.index("文件")]}
    assert by_file["bad-date.txt"][on_time] != "按期"
    assert "无法判断" in str(by_file["bad-date.txt"][on_time])
