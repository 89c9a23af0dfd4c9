"""Turn hits into finding rows: message from the rule's template, fingerprint, report fields."""
from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from ..domain import FINDING_COLUMNS, fingerprint_agency
from ..rules.kinds import PLACEHOLDER as _PLACEHOLDER     # the same placeholders the loader checks
from .batch import Batch
from .hits import Hit


MISSING_WORD = "未识别"


def fill(template: str, fields: dict[str, Any]) -> str:
    """`{name}` placeholders only: no attribute access or format specs, unlike str.format. A value
    we could not read (None, NaN, pd.NA, NaT: pandas 3 gives NaN for a missing string) reads
    未识别, never "nan" or "None" in a message an agency may be shown."""
    return _PLACEHOLDER.sub(lambda m: _shown(fields[m.group(1)]) if m.group(1) in fields else m.group(0),
                            template)


def _shown(value: Any) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return MISSING_WORD
    return str(value)


def report_key(file: str, agency: str | None, year: Any) -> str:
    """Identity of a report across runs and corrected versions: agency and year, else the file name."""
    if isinstance(agency, str) and agency and year is not None and not pd.isna(year):
        return f"{fingerprint_agency(agency)}|{int(year)}"
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def fingerprint(rule_id: str, key: str, location_key: str) -> str:
    return hashlib.sha1(f"{rule_id}\x1f{key}\x1f{location_key}".encode("utf-8")).hexdigest()[:16]


def findings_frame(hits: list[Hit], batch: Batch) -> pd.DataFrame:
    """One row per hit; report fields joined from the batch in one pass."""
    if not hits:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    rids = [h.rid for h in hits]
    info = batch.info.loc[rids, ["file", "agency", "year"]].reset_index(drop=True)
    years = [None if pd.isna(y) else int(y) for y in info["year"]]
    keys = {rid: report_key(f, a, y) for rid, f, a, y in
            zip(rids, info["file"], info["agency"], years)}
    rows = {
        "file": info["file"], "agency": info["agency"], "year": years,
        "rule_id": [h.rule.id for h in hits], "rule_kind": [h.rule.kind for h in hits],
        "title": [h.rule.title for h in hits], "severity": [_severity(h) for h in hits],
        "category": [h.category for h in hits], "location": [h.location for h in hits],
        "message": [h.message if h.message is not None else fill(h.rule.message, h.fields) for h in hits],
        "basis": [h.rule.basis for h in hits], "values": [h.values for h in hits],
        "fingerprint": [fingerprint(h.rule.id, keys[h.rid], h.location_key) for h in hits],
    }
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _severity(hit: Hit) -> str:
    """Compliance hits carry the rule's severity; 'could not evaluate' hits ask for a manual check."""
    if hit.category == "compliance" or hit.rule.kind == "extraction":
        return hit.rule.severity
    return "warning"
