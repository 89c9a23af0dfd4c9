"""Rule test cases: `<RULE>.cases.yaml` beside each rule, run by `auditor rules test`.

A case starts from a sample report in rules/fixtures/ (real text, read by the real extraction),
optionally replaces words in its text, optionally edits the extracted structure, and lists the
exact findings the rule must give on it (an empty list: the rule must stay silent). All cases of a
pack are audited in one batch, like a real run.
"""
from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .extract import extract
from .extract.numbers import parse_number
from .ingest.text import read_text
from .model import Cell, Report, Section
from .rules.loader import RuleError, load_checked
from .rules.model import Pack, Rule

DEFAULT_FIXTURE = "sample-2021"


@dataclass
class CaseResult:
    rule_id: str
    name: str
    passed: bool
    expected: list[tuple[str, str | None, str]] = field(default_factory=list)
    actual: list[tuple[str, str, str]] = field(default_factory=list)
    error: str | None = None


@dataclass
class RuleSummary:
    rule_id: str
    source: str
    results: list[CaseResult] = field(default_factory=list)
    has_ok: bool = False
    has_fail: bool = False
    required: bool = True     # a rule the pack defines (overridden rules may go without cases)

    @property
    def passed(self) -> bool:
        complete = (self.has_ok and self.has_fail) or not self.required
        return complete and all(r.passed for r in self.results)


def case_files(pack: Pack, rule: Rule) -> list[Path]:
    """Cases beside the rule's own file, and cases a deriving pack keeps for its overrides."""
    own = Path(rule.source).with_name(f"{Path(rule.source).stem}.cases.yaml")
    files = [own] if own.exists() and Path(pack.path) in own.parents else []
    if rule.id in pack.overrides:
        files += sorted(Path(pack.path).rglob(f"{rule.id}.cases.yaml"))
    return list(dict.fromkeys(files))


def run_pack_cases(pack: Pack, fixtures: Path) -> list[RuleSummary]:
    from .verdicts import audit

    summaries: list[RuleSummary] = []
    reports: list[Report] = []
    history: list[Report] = []
    pending: list[tuple[RuleSummary, CaseResult, str]] = []
    for rule in sorted(pack.rules, key=lambda r: r.id):
        files = case_files(pack, rule)
        defined_here = Path(pack.path) in Path(rule.source).parents
        if not files and not defined_here:
            continue
        summary = RuleSummary(rule.id, rule.source, required=defined_here)
        summaries.append(summary)
        for path in files:
            try:
                data = _load_cases(path)
            except RuleError as exc:
                summary.results.append(CaseResult(rule.id, path.name, False, error="；".join(exc.problems)))
                continue
            if data["rule"] != rule.id:
                summary.results.append(CaseResult(rule.id, path.name, False,
                                                  error=f"{path}: rule 应为「{rule.id}」"))
                continue
            for case in data["cases"]:
                result = CaseResult(rule.id, case["name"], False)
                summary.results.append(result)
                expected = [(e.get("category", "compliance"), e.get("location"), e["message"]) for e in case["expect"]]
                result.expected = expected
                if any(e[0] == "compliance" for e in expected):
                    summary.has_fail = True
                if not case["expect"]:
                    summary.has_ok = True
                try:
                    report = build_case_report(case, fixtures, pack.fixture or DEFAULT_FIXTURE)
                    earlier = build_case_report(case["previous"], fixtures, pack.fixture or DEFAULT_FIXTURE) \
                        if "previous" in case else None
                except (ValueError, KeyError, OSError) as exc:
                    result.error = f"用例构造失败：{exc}"
                    continue
                report.file = f"{rule.id}::{len(reports)}"
                # Each case is its own agency, so cross-year rules pair a case with its own `previous`.
                tag = f"用例{len(reports)}·"
                report.meta["agency"] = tag + (report.meta.get("agency") or "")
                if earlier is not None:
                    earlier.file = report.file + "::previous"
                    earlier.meta["agency"] = report.meta["agency"]
                    history.append(earlier)
                reports.append(report)
                pending.append((summary, result, report.file))
    if reports:
        every_template = replace_pack_templates(pack)
        findings = audit(reports, [every_template], history=history).findings
        for summary, result, file in pending:
            mine = findings[(findings["file"] == file) & (findings["rule_id"] == summary.rule_id)]
            result.actual = sorted(zip(mine["category"], mine["location"], mine["message"]))
            result.passed = _matches(result.expected, result.actual)
    return summaries


def replace_pack_templates(pack: Pack) -> Pack:
    """Cases may set any template: run the pack's rules on all of them (`when` still applies)."""
    clone = copy.copy(pack)
    clone.templates = ["2021", "2019", "unknown"]
    return clone


def _matches(expected: list[tuple[str, str | None, str]], actual: list[tuple[str, str, str]]) -> bool:
    if len(expected) != len(actual):
        return False
    left = list(actual)
    for cat, loc, msg in expected:
        hit = next((a for a in left if a[0] == cat and a[2] == msg and (loc is None or a[1] == loc)), None)
        if hit is None:
            return False
        left.remove(hit)
    return True


def _load_cases(path: Path) -> dict[str, Any]:
    return load_checked(path, "cases.v1.json")


@lru_cache(maxsize=64)
def _base(fixtures: str, name: str, replacements: tuple[tuple[str, str], ...]) -> Report:
    path = Path(fixtures) / f"{name}.txt"
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        if old not in text:
            raise ValueError(f"样例报告 {name} 中没有要替换的文字「{old[:30]}」")
        text = text.replace(old, new)
    return extract(read_text(str(path), text, "utf-8"))


def build_case_report(case: dict[str, Any], fixtures: Path, default_base: str) -> Report:
    replacements = tuple((r["old"], r["new"]) for r in case.get("replace", []))
    report = copy.deepcopy(_base(str(fixtures), case.get("base", default_base), replacements))
    edits = case.get("set", {})
    if "preface" in edits:
        report.preface = edits["preface"]
    for number, text in edits.get("sections", {}).items():
        n = int(number)
        existing = report.section(n)
        if text is None:
            report.sections = [s for s in report.sections if s.number != n]
            report.section_order = [x for x in report.section_order if x != n]
        elif existing is not None:
            existing.text = text
        else:
            report.sections.append(Section(n, "一二三四五六"[n - 1] + "、", text))
            report.section_order.append(n)
    for number, title in edits.get("titles", {}).items():
        section = report.section(int(number))
        if section is None:
            raise ValueError(f"第{number}部分不存在，不能修改标题")
        section.title = title
    if "order" in edits:
        report.section_order = list(edits["order"])
    report.meta.update(edits.get("meta", {}))
    if "template" in edits:
        report.template = edits["template"]
    for c in edits.get("cells", []):
        cell = next((x for x in report.cells if (x.table, x.row, x.col) == (c["table"], c["row"], c["col"])), None)
        if cell is None:
            cell = Cell(c["table"], c["row"], c["col"], None, None)
            report.cells.append(cell)
        cell.raw = c["raw"]
        cell.value = parse_number(c["raw"]) if c["raw"] is not None else None
        cell.derived = bool(c.get("derived", False))
    return report


def run_all(packs: list[Pack], fixtures: Path) -> list[RuleSummary]:
    return [s for pack in packs for s in run_pack_cases(pack, fixtures)]


def counts(summaries: list[RuleSummary]) -> Counter:
    c: Counter = Counter()
    for s in summaries:
        c["rules"] += 1
        c["cases"] += len(s.results)
        c["failed_cases"] += sum(not r.passed for r in s.results)
        c["incomplete_rules"] += int(s.required and not (s.has_ok and s.has_fail))
    return c
