"""Reviewers' decisions (`auditor decide`) applied to a run's findings, before anything is counted.

A decision is shown beside its finding as long as the values behind the finding are those the
reviewer saw: 问题清单's 处理意见 holds its word (a reviewer may change it there and import the
workbook, auditor/review/workbook_import.py), 说明 its comment, 处理记录 who decided and when. 不予采纳 (dismissed) then takes the finding out of every count
and verdict, exactly as a waiver does: the reviewer has found that it does not stand. 确认属实
changes nothing in the counts. A decision whose values have changed since is void (the text says
so, in 处理记录) and the finding counts again until someone looks at it anew.
"""
from __future__ import annotations

import unicodedata

import pandas as pd

from .ledger import DECISION_WORDS, values_hash

DISMISSED = {"dismissed", "不予采纳"}
# The decision in force split for the review form (问题清单 and findings.csv): its word, its
# comment and who/when (or the notice that it is void). Re-computed every run, never cached.
DECISION_DETAIL_COLUMNS = ["decision_word", "decision_comment", "decision_record"]
# What a reviewer may write for a decision (the workbook's words, the stored codes) → the stored code.
DECISION_INPUTS = {**{code: code for code in DECISION_WORDS}, **{word: code for code, word in DECISION_WORDS.items()}}


def decision_code(text: str) -> str | None:
    """The stored code (confirmed/dismissed) of a decision written in Chinese or English, or None."""
    return DECISION_INPUTS.get(unicodedata.normalize("NFKC", text).strip().lower())


def void_notice(word: str) -> str:
    """处理记录 of a decision whose finding's values have changed since it was made."""
    return f"数值已变化，原处理意见（{word}）失效，请重新核查"


def apply_decisions(findings: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """`findings` with `decision` (Chinese text or ""), `dismissed` (bool) and the
    DECISION_DETAIL_COLUMNS (text or "").

    The values a finding carries are compared by hash with those recorded with the decision; a
    finding carried over from an earlier run (a report not provided this time, auditor/absent.py)
    brings the hash it was recorded with (`values_hash` column), since its values may be partial."""
    findings = findings.copy()
    findings["decision"] = ""
    findings["dismissed"] = False
    for column in DECISION_DETAIL_COLUMNS:
        findings[column] = ""
    if findings.empty or decisions is None or decisions.empty:
        return findings
    by_fp = decisions.drop_duplicates("fingerprint", keep="last").set_index("fingerprint")
    known = findings.index[findings["fingerprint"].isin(by_fp.index)]
    if not len(known):
        return findings
    stored = findings["values_hash"] if "values_hash" in findings.columns else None
    for i in known:
        d = by_fp.loc[findings.at[i, "fingerprint"]]
        word = DECISION_WORDS.get(d["decision"], d["decision"])
        own = stored.at[i] if stored is not None and isinstance(stored.at[i], str) else None
        current = own or values_hash(findings.at[i, "values"])
        if d["values_hash"] == current:
            record = f"{d['who']}，{str(d['at'])[:10]}"
            findings.at[i, "decision"] = f"{word}（{record}）{d['comment'] or ''}"
            findings.at[i, "dismissed"] = d["decision"] in DISMISSED
            findings.at[i, "decision_word"] = word
            findings.at[i, "decision_comment"] = d["comment"] or ""
            findings.at[i, "decision_record"] = record
        else:
            findings.at[i, "decision"] = findings.at[i, "decision_record"] = void_notice(word)
    return findings


def not_counted(findings: pd.DataFrame) -> pd.Series:
    """Findings that count in no total and no verdict: waived, or dismissed by a reviewer."""
    out = pd.Series(False, index=findings.index)
    for column in ("waived", "dismissed"):
        if column in findings.columns:
            col = findings[column]
            out |= col.where(col.notna(), False).astype(bool)
    return out
