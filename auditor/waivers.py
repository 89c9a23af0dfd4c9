"""Waivers: the office accepts a specific finding of a specific report, for a limited time.

A waived finding stays in every output, marked as waived; it no longer counts against the
report. An expired waiver no longer applies, and both expired and unused waivers are reported so
that the list does not silently rot.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .catalog import normalize_label
from .rules.loader import RuleError, load_checked

WAIVER_COLUMNS = ["rule", "agency", "year", "location", "fingerprint", "reason", "approved_by", "expires",
                  "status", "matched"]


@dataclass(frozen=True)
class Waiver:
    rule: str
    reason: str
    approved_by: str
    expires: str
    fingerprint: str | None = None
    agency: str | None = None
    year: int | None = None
    location: str | None = None

    def note(self) -> str:
        return f"{self.reason}（批准人：{self.approved_by}，有效期至 {self.expires}）"


def load_waivers(path: Path) -> list[Waiver]:
    """Read and validate a waivers file; problems are reported as file:line: message."""
    data = load_checked(path, "waivers.v1.json")
    out = []
    for i, w in enumerate(data["waivers"]):
        try:
            dt.date.fromisoformat(w["expires"])
        except ValueError:
            raise RuleError([f"{path}: waivers[{i}].expires: 日期「{w['expires']}」无效"]) from None
        out.append(Waiver(**w))
    return out


def apply_waivers(findings: pd.DataFrame, waivers: list[Waiver], today: dt.date | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark waived findings; return the findings and one status row per waiver."""
    today = today or dt.date.today()
    findings = findings.copy()
    findings["waived"] = False
    findings["waiver"] = ""
    rows = []
    agency_norm = findings["agency"].fillna("").map(normalize_label) if len(findings) else findings["agency"]
    for w in waivers:
        if w.fingerprint:
            mask = findings["fingerprint"] == w.fingerprint
        else:
            mask = (findings["rule_id"] == w.rule) & (agency_norm == normalize_label(w.agency or "")) & \
                (findings["year"] == w.year)
            if w.location:
                mask &= findings["location"] == w.location
        mask &= findings["category"] == "compliance"
        expired = dt.date.fromisoformat(w.expires) < today
        if expired:
            findings.loc[mask, "waiver"] = "豁免已过期：" + w.note()
            status = "已过期"
        else:
            findings.loc[mask, "waived"] = True
            findings.loc[mask, "waiver"] = "已豁免：" + w.note()
            status = "有效" if mask.any() else "未使用"
        rows.append({"rule": w.rule, "agency": w.agency, "year": w.year, "location": w.location,
                     "fingerprint": w.fingerprint, "reason": w.reason, "approved_by": w.approved_by,
                     "expires": w.expires, "status": status, "matched": int(mask.sum())})
    return findings, pd.DataFrame(rows, columns=WAIVER_COLUMNS)
