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
from .rules.ids import rule_id_key
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
    """Read and validate a waivers file; each problem is one Chinese sentence naming the file and
    its line (「豁免清单 waivers.yaml 第 3 行：…」). Rule ids are compared as typed in any case."""
    from .fileerrors import read_text_zh

    try:
        read_text_zh(path, "豁免清单")         # missing, a folder, unreadable, not UTF-8: said in Chinese
    except ValueError as exc:
        raise RuleError([str(exc)]) from None
    try:
        data = load_checked(path, "waivers.v1.json", where=_waiver_line)
    except (OSError, ValueError) as exc:      # changed under us since: still name the file
        raise RuleError([f"豁免清单 {path} 无法读取（{type(exc).__name__}）。"]) from None
    out = []
    for i, w in enumerate(data["waivers"]):
        try:
            dt.date.fromisoformat(w["expires"])
        except ValueError:
            raise RuleError([f"豁免清单 {path}：第 {i + 1} 条豁免的有效期「{w['expires']}」不是有效日期"
                             "（应写作 YYYY-MM-DD，如 \"2026-12-31\"）。"]) from None
        out.append(Waiver(**{**w, "rule": rule_id_key(w["rule"])}))
    return out


def _waiver_line(path: Path, line: int) -> str:
    return f"豁免清单 {path} 第 {line} 行："


UNKNOWN_RULE_STATUS = "规则编号不存在"


def unknown_rule_warnings(waivers: list[Waiver], known: set[str], source: Path | str | None = None) -> list[str]:
    """One Chinese warning per waiver whose rule id is in none of the rule packs used: such a
    waiver can never match (a typo, or a rule renamed since), and must not rot unnoticed."""
    where = f"豁免清单 {source}" if source else "豁免清单"
    return [f"{where}：第 {i + 1} 条豁免（{w.reason}，批准人 {w.approved_by}）的规则编号「{w.rule}」"
            "不在所用规则包中，这条豁免不会匹配任何问题，请核对规则编号（auditor rules list）。"
            for i, w in enumerate(waivers) if w.rule not in known]


def apply_waivers(findings: pd.DataFrame, waivers: list[Waiver], today: dt.date | None = None,
                  known_rules: set[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark waived findings; return the findings and one status row per waiver (`known_rules`: the
    rule ids in force, so that a waiver naming another is marked 规则编号不存在)."""
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
        if known_rules is not None and w.rule not in known_rules:
            status = UNKNOWN_RULE_STATUS
        rows.append({"rule": w.rule, "agency": w.agency, "year": w.year, "location": w.location,
                     "fingerprint": w.fingerprint, "reason": w.reason, "approved_by": w.approved_by,
                     "expires": w.expires, "status": status, "matched": int(mask.sum())})
    return findings, pd.DataFrame(rows, columns=WAIVER_COLUMNS)
