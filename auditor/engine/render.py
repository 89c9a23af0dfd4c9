"""Turn hits into finding rows: message from the rule's template, fingerprint, report fields."""
from __future__ import annotations

import hashlib
import re
from typing import Any

import pandas as pd

from ..catalog import normalize_label
from .batch import Batch
from .hits import Hit

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
FINDING_COLUMNS = ["file", "agency", "year", "rule_id", "rule_kind", "title", "severity", "category",
                   "location", "message", "basis", "values", "fingerprint"]


def fill(template: str, fields: dict[str, Any]) -> str:
    """`{name}` placeholders only: no attribute access or format specs, unlike str.format."""
    return _PLACEHOLDER.sub(lambda m: str(fields.get(m.group(1), m.group(0))), template)


def report_key(file: str, agency: str | None, year: Any) -> str:
    """Identity of a report across runs and corrected versions: agency and year, else the file name."""
    if agency and year is not None and year == year:
        return f"{normalize_label(agency)}|{int(year)}"
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def fingerprint(rule_id: str, key: str, location_key: str) -> str:
    return hashlib.sha1(f"{rule_id}\x1f{key}\x1f{location_key}".encode("utf-8")).hexdigest()[:16]


def findings_frame(hits: list[Hit], batch: Batch) -> pd.DataFrame:
    rows = []
    info = batch.info
    for h in hits:
        file, agency, year = info.at[h.rid, "file"], info.at[h.rid, "agency"], info.at[h.rid, "year"]
        year = None if pd.isna(year) else int(year)
        rule = h.rule
        rows.append({
            "file": file, "agency": agency, "year": year, "rule_id": rule.id, "rule_kind": rule.kind,
            "title": rule.title, "severity": _severity(h),
            "category": h.category, "location": h.location,
            "message": h.message if h.message is not None else fill(rule.message, h.fields),
            "basis": rule.basis, "values": h.values,
            "fingerprint": fingerprint(rule.id, report_key(file, agency, year), h.location_key),
        })
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _severity(hit: Hit) -> str:
    """Compliance hits carry the rule's severity; 'could not evaluate' hits ask for a manual check."""
    if hit.category == "compliance" or hit.rule.kind == "extraction":
        return hit.rule.severity
    return "warning"
