"""findings.jsonl: the machine-readable record of every finding (not escaped — it is data).

Each line is one JSON object that auditor/schema/finding.v1.json describes; its first key, `schema`,
names that version (auditor/domain.py FINDING_SCHEMA), so a reader can tell which contract it holds.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..domain import FINDING_SCHEMA, FINDING_SCHEMA_FIELD
from .tables import FINDING_COLUMNS, OPTIONAL_FINDING_COLUMNS, as_int, jsonable, records, require_columns, values_object

# Line separators that str.splitlines() honours but json.dumps(ensure_ascii=False) leaves raw;
# escaping them keeps "one object per line" true for every reader.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def finding_record(row: dict[str, Any]) -> dict[str, Any]:
    """One finding as a JSON-safe dict: the schema version, then the keys in FINDING_COLUMNS order."""
    out: dict[str, Any] = {FINDING_SCHEMA_FIELD: FINDING_SCHEMA}
    for column in FINDING_COLUMNS + [c for c in OPTIONAL_FINDING_COLUMNS if c in row]:
        value = row[column]
        if column == "year":
            out[column] = as_int(value)
        elif column == "values":
            out[column] = values_object(value)
        elif column in ("waived", "dismissed"):
            out[column] = bool(value) if jsonable(value) is not None else False
        else:
            value = jsonable(value)
            out[column] = value if value is None or isinstance(value, str) else str(value)
    return out


def dumps_line(record: dict[str, Any]) -> str:
    line = json.dumps(record, ensure_ascii=False, allow_nan=False)
    for raw, escaped in _LINE_BREAKS.items():
        line = line.replace(raw, escaped)
    return line + "\n"


def write_jsonl(path: Path, findings: pd.DataFrame) -> None:
    """Write one JSON object per finding, in input order, UTF-8 without BOM."""
    require_columns(findings, FINDING_COLUMNS, "findings")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        columns = FINDING_COLUMNS + [c for c in OPTIONAL_FINDING_COLUMNS if c in findings.columns]
        for row in records(findings, columns):
            fh.write(dumps_line(finding_record(row)))
