"""For a text finding, the paragraph of the report it quotes, with the quoted words marked.

A finding carries what it matched in `values` (「出现」 of a forbidden pattern, 「原文」 of a stated
number); the report keeps the text of its parts, so the paragraph holding those words is shown.
If the words are not found again in the kept text, the quote is shown as the finding gives it."""
from __future__ import annotations

from typing import Any

from ..model import Report

QUOTED_KEYS = ("原文", "出现")
AROUND = 160            # characters shown on each side of the match in a long paragraph


def _paragraphs(report: Report) -> list[str]:
    texts = [report.preface] + [s.text for s in sorted(report.sections, key=lambda s: s.number)]
    return [p for t in texts for p in t.split("\n") if p.strip()]


def _cut(paragraph: str, start: int, end: int) -> dict[str, str]:
    before, after = paragraph[:start], paragraph[end:]
    if len(before) > AROUND:
        before = "…" + before[-AROUND:]
    if len(after) > AROUND:
        after = after[:AROUND] + "…"
    return {"before": before, "match": paragraph[start:end], "after": after}


def quotes(report: Report, finding: dict[str, Any]) -> list[dict[str, str]]:
    """The quoted paragraphs (before, match, after) of a finding; none when it quotes nothing."""
    values = finding.get("values")
    if not isinstance(values, dict):
        return []
    wanted = [w.strip() for k in QUOTED_KEYS if isinstance(values.get(k), str)
              for w in values[k].split("；") if w.strip()]
    if not wanted:
        return []
    paragraphs = _paragraphs(report)
    out = []
    for words in dict.fromkeys(wanted):
        where = next(((p, p.find(words)) for p in paragraphs if words in p), None)
        if where is None:
            out.append({"before": "（报告保留的文本中未能再次找到，按问题所引）", "match": words, "after": ""})
        else:
            p, at = where
            out.append(_cut(p, at, at + len(words)))
    return out
