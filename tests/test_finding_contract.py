"""The findings contract: every findings.jsonl line is what auditor/schema/finding.v1.json says, and
the finding columns and their headers are defined once (auditor/domain.py) for JSONL, CSV and XLSX."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import jsonschema
import openpyxl
import pandas as pd
import pytest

from auditor import domain
from auditor.cli import main
from auditor.outputs import tables, write_outputs

from .conftest import RULES, SAMPLES

SCHEMA_PATH = Path(domain.__file__).parent / "schema" / f"{domain.FINDING_SCHEMA}.json"
# the workbook's own headers, which are not finding columns
SHEET_OWN_HEADERS = {"读取状态", "原因", "发现数", "涉及报告数", "原" + domain.FINDING_HEADERS["severity"],
                     tables.COMMENT_HEADER, tables.RECORD_HEADER, tables.EVIDENCE_HEADER}


def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def line_problems(lines: list[dict], schema: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"第 {i} 行 {'/'.join(map(str, e.absolute_path))}：{e.message}"
            for i, line in enumerate(lines, 1) for e in validator.iter_errors(line)]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    """`auditor run` over the shipped sample reports, in this process: its latest results folder."""
    out = tmp_path_factory.mktemp("contract") / "out"
    reports = sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))
    code = main(["run", "--rules", str(RULES), "--out", str(out), *map(str, reports)])
    assert code in (0, 1), code
    return out / "latest"


def test_schema_is_valid_and_names_the_domain_columns() -> None:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(SCHEMA_PATH.name)
    field = domain.FINDING_SCHEMA_FIELD
    assert schema["properties"][field] == {**schema["properties"][field], "const": domain.FINDING_SCHEMA}
    assert schema["required"] == [field, *domain.FINDING_COLUMNS]
    assert list(schema["properties"]) == [field, *domain.FINDING_COLUMNS, *domain.OPTIONAL_FINDING_COLUMNS]
    assert schema["properties"]["severity"]["enum"] == list(domain.SEVERITIES)
    assert schema["properties"]["category"]["enum"] == list(domain.CATEGORY_WORDS)


def test_every_line_of_a_real_run_matches_the_schema(sample_run: Path) -> None:
    lines = _lines(sample_run / "findings.jsonl")
    assert len(lines) > 20
    assert {line["category"] for line in lines} == {"compliance", "extraction"}
    assert all(next(iter(line)) == domain.FINDING_SCHEMA_FIELD for line in lines)
    assert line_problems(lines, _schema()) == []


def test_optional_fields_as_written_match_the_schema(sample_run: Path, tmp_path: Path) -> None:
    """Waivers, decisions, superseded versions and absent reports add fields: as the writer puts them."""
    lines = _lines(sample_run / "findings.jsonl")
    frame = pd.DataFrame(lines).drop(columns=[domain.FINDING_SCHEMA_FIELD])
    n = len(frame)
    frame["waived"] = [i % 2 == 0 for i in range(n)]
    frame["waiver"] = ["已豁免：某某" if i % 2 == 0 else "" for i in range(n)]
    frame["decision"] = ["确认属实（张三，2026-12-01）" if i % 3 == 0 else "" for i in range(n)]
    frame["dismissed"] = [False] * n
    frame["superseded"] = ["已被更正版取代（由 b.txt 取代）" if i == 0 else None for i in range(n)]
    frame["absent"] = [None] * (n - 1) + ["本次未提供（最近一次审核见于 2026-11-01，按当时的结果列出）"]
    frame.loc[1, "agency"], frame.loc[1, "year"] = None, None
    reports = pd.DataFrame(columns=tables.REPORT_COLUMNS)
    written = _lines(write_outputs(tmp_path, frame, reports)[0])
    assert set(written[0]) == {domain.FINDING_SCHEMA_FIELD, *domain.FINDING_COLUMNS,
                               *domain.OPTIONAL_FINDING_COLUMNS}
    assert line_problems(written, _schema()) == []


def test_schema_check_catches_a_drift(sample_run: Path) -> None:
    lines = _lines(sample_run / "findings.jsonl")[:3]
    schema = _schema()
    assert line_problems([{**lines[0], "severity": "严重"}], schema)
    assert line_problems([{**lines[0], "new_field": 1}], schema)                # a field the contract lacks
    assert line_problems([{k: v for k, v in lines[0].items() if k != "schema"}], schema)
    assert line_problems([{**lines[0], "schema": "finding.v2"}], schema)
    assert line_problems([{**lines[0], "year": "2022"}], schema)


def test_csv_and_workbook_headers_come_from_the_one_column_definition(sample_run: Path) -> None:
    with open(sample_run / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    # a run without waivers: the decision only, as the review form shows it (处理意见, 说明, 处理记录)
    assert header == [domain.FINDING_HEADERS[c] for c in domain.FINDING_COLUMNS] + tables.REVIEW_FORM_HEADERS
    assert tables.REVIEW_FORM_HEADERS[0] == domain.FINDING_HEADERS["decision"]
    headers = set(domain.FINDING_HEADERS.values())
    workbook = openpyxl.load_workbook(sample_run / "summary.xlsx", read_only=True)
    for sheet in ("问题清单", "需人工核查", "规则统计"):
        row = next(workbook[sheet].iter_rows(max_row=1, values_only=True))
        assert set(row) <= headers | SHEET_OWN_HEADERS, (sheet, set(row) - headers - SHEET_OWN_HEADERS)
    assert tables.ISSUE_HEADERS == [domain.FINDING_HEADERS[c] for c in tables.ISSUE_COLUMNS]
    assert tables.SEVERITY_HEADER == domain.FINDING_HEADERS["severity"]


def test_one_definition_of_columns_and_severities() -> None:
    from auditor.engine import render

    assert render.FINDING_COLUMNS is domain.FINDING_COLUMNS
    assert tables.FINDING_COLUMNS is domain.FINDING_COLUMNS
    assert tables.OPTIONAL_FINDING_COLUMNS is domain.OPTIONAL_FINDING_COLUMNS
    assert tables.SEVERITY_WORDS is domain.SEVERITY_WORDS and tables.SEVERITY_ORDER is domain.SEVERITY_ORDER
    assert list(domain.SEVERITY_WORDS) == list(domain.SEVERITIES) == sorted(domain.SEVERITY_ORDER,
                                                                               key=domain.SEVERITY_ORDER.get)
    # every finding column a person reads has a header (the flags are shown through 豁免 and 处理意见)
    shown = [c for c in [*domain.FINDING_COLUMNS, *domain.OPTIONAL_FINDING_COLUMNS] if c not in ("waived", "dismissed")]
    assert sorted(domain.FINDING_HEADERS) == sorted(shown)


_COPIES = [(r'"rule_kind",\s*"title",\s*"severity"', "the finding columns"),
           (r'"rule_id":\s*"规则编号"|"location":\s*"位置"', "the finding headers"),
           (r'"finding\.v\d+"', "the findings schema version")]


@pytest.mark.parametrize("pattern, what", _COPIES, ids=[w for _, w in _COPIES])
def test_the_contract_is_written_in_one_module(pattern: str, what: str) -> None:
    root = Path(domain.__file__).parent
    copies = [str(p.relative_to(root)) for p in sorted(root.rglob("*.py"))
              if p.name != "domain.py" and re.search(pattern, p.read_text(encoding="utf-8"))]
    assert copies == [], f"{what} defined outside auditor/domain.py"
    assert re.search(pattern, (root / "domain.py").read_text(encoding="utf-8")), f"{what}: the check is stale"


def severity_enums(node: object) -> list[list[str]]:
    """Every `"severity": {"enum": […]}` in a JSON Schema, however deep."""
    if isinstance(node, dict):
        own = [node["severity"]["enum"]] if isinstance(node.get("severity"), dict) and "enum" in node["severity"] else []
        return own + [e for value in node.values() for e in severity_enums(value)]
    if isinstance(node, list):
        return [e for value in node for e in severity_enums(value)]
    return []


def test_every_schema_allows_exactly_the_domain_severities() -> None:
    """JSON cannot import auditor/domain.py: the rule, pack and finding schemas are checked against it."""
    found = {path.name: severity_enums(json.loads(path.read_text(encoding="utf-8")))
             for path in sorted(SCHEMA_PATH.parent.glob("*.json"))}
    assert {"rule.v1.json", "pack.v1.json", "finding.v1.json"} <= {name for name, enums in found.items() if enums}
    assert all(enum == list(domain.SEVERITIES) for enums in found.values() for enum in enums), found
    assert severity_enums({"a": [{"severity": {"enum": ["error"]}}]}) == [["error"]]
