"""The sample report extracts exactly: every table cell, the sections and the metadata."""
from __future__ import annotations

import json

import pytest

from auditor.catalog import T3_ROWS_2021, cols_for
from auditor.extract import extract
from auditor.ingest import read_document

from .conftest import ZIBO
from .run_cli import in_process

T3_COLS = cols_for("t3")
# keys.yaml names rows by their printed label; map them to our keys.
KEY_ROWS = {"一": "new_received", "二": "carried_over", "三(七)": "total_processed", "四": "carried_forward",
            "（一）予以公开": "granted", "（三）7.属于行政执法案卷": "denied_enforcement_files",
            "（三）8.属于行政查询事项": "denied_admin_query"}


@pytest.fixture(scope="module")
def report():
    return extract(read_document(ZIBO)).as_json()


def expected_t3(key: dict) -> dict[str, list[int]]:
    """Every row is zero except those the answer key lists."""
    rows = {r.key: [0] * 7 for r in T3_ROWS_2021}
    for label, values in {**key["table3"]["columns_read"], **key["table3"]["nonzero_detail_rows"]}.items():
        rows[KEY_ROWS[label]] = values
    return rows


def test_all_175_table3_cells(report, keys):
    expected = expected_t3(keys["zibo-gaoxin-police-2022.txt"])
    cells = [c for c in report["cells"] if c["table"] == "t3"]
    assert len(cells) == 175
    got = {(c["row"], c["col"]): c["value"] for c in cells}
    for row, values in expected.items():
        for col, value in zip(T3_COLS, values):
            assert got[(row, col)] == value, (row, col)
    assert all(c["raw"] is not None and not c["derived"] for c in cells)
    assert report["tables"]["t3"]["granted"] == dict(zip(T3_COLS, [2, 0, 0, 0, 0, 0, 2]))


def test_all_15_table4_cells(report, keys):
    rows = keys["zibo-gaoxin-police-2022.txt"]["table4"]["rows_read"]
    names = {"行政复议": "review", "未经复议直接起诉": "litigation_direct", "复议后起诉": "litigation_after_review"}
    cells = [c for c in report["cells"] if c["table"] == "t4"]
    assert len(cells) == 15
    for label, values in rows.items():
        assert report["tables"]["t4"][names[label]] == dict(zip(cols_for("t4"), values))


def test_all_10_table2_cells(report, keys):
    t2 = keys["zibo-gaoxin-police-2022.txt"]["table2"]
    assert len([c for c in report["cells"] if c["table"] == "t2"]) == 10
    got = report["tables"]["t2"]
    assert got["regulations"] == dict(zip(["issued", "repealed", "in_force"], t2["regulations"]))
    assert got["normative_documents"] == dict(zip(["issued", "repealed", "in_force"], t2["normative_documents"]))
    assert got["licensing"] == {"decisions": t2["licensing"]}
    assert got["penalties"] == {"decisions": t2["penalties"]}
    assert got["coercion"] == {"decisions": t2["coercion"]}
    assert got["admin_fees"] == {"amount_10k_yuan": t2["admin_fees_10k_yuan"]}


def test_sections_and_metadata(report, keys):
    key = keys["zibo-gaoxin-police-2022.txt"]
    assert [s["number"] for s in report["sections"]] == [1, 2, 3, 4, 5, 6]
    assert [s["title"] for s in report["sections"]] == key["section_headings"]
    assert report["sections"][5]["text"].startswith("(一)本年度依申请公开,均未收取任何信息处理费。")
    assert "分局政府信息公开工作虽然取得了一点成绩" in report["sections"][4]["text"]
    assert report["meta"] == {"title": "淄博市公安局高新区分局2022年政府信息公开工作年度报告",
                              "agency": key["agency"], "year": key["year"], "published": key["published"]}
    assert report["template"] == "2021"
    assert report["extraction"] == {"status": "complete", "problems": []}


def test_json_contract_keys(report):
    assert list(report) == ["file", "template", "meta", "sections", "tables", "cells", "extraction"]
    assert set(report["tables"]) == {"t2", "t3", "t4"}
    assert set(report["cells"][0]) >= {"table", "row", "col", "raw", "value"}


def test_cli_extract_json_matches(report):
    out = in_process("extract", str(ZIBO), "--json")
    assert out.returncode == 0, out.stderr.decode("utf-8")
    data = json.loads(out.stdout.decode("utf-8"))
    assert data["tables"] == report["tables"]
    assert data["meta"] == report["meta"]


def test_cli_extract_several_files_is_json_lines(tmp_path):
    other = tmp_path / "copy.txt"
    other.write_bytes(ZIBO.read_bytes())
    out = in_process("extract", str(ZIBO), str(other), "--json")
    assert out.returncode == 0, out.stderr.decode("utf-8")
    lines = out.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["file"] for line in lines] == [str(ZIBO), str(other)]
