"""What each rule kind is, in one place: its typed parameters with their defaults, the message
placeholders it fills, its Chinese name, and whether it is a text kind (run in the text workers of
a large batch, the costliest first).

The loader parses every rule's `params` into its kind's dataclass once (after the JSON Schema has
checked them), reports the kind's own checks and any unknown `{placeholder}` at their YAML line.
The evaluators (auditor/engine/kinds/) read the typed parameters (`rule.args`) and register
against these declarations; this module never imports the engine. The schema's per-kind part
(auditor/schema/rule.v1.json) and the kind table in docs/internals.md are checked against
`KINDS` by tests/test_kind_registry.py.
"""
from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

# `{name}` as the renderer fills it (auditor/engine/render.py): no attribute access, no format spec.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Path = tuple[Any, ...]          # keys from a rule's `params` down to a value (for its YAML line)


@dataclass(frozen=True)
class Params:
    """A kind's parameters as written, with every default filled in. Subclasses are the kinds."""

    def regexes(self) -> list[tuple[Path, str]]:
        """(where under `params`, regex) of every regular expression the rule runs."""
        return []

    def problems(self) -> list[tuple[Path, str]]:
        """(where under `params`, what is wrong there in Chinese): what the schema cannot say."""
        return []


@dataclass(frozen=True)
class Sections(Params):
    check: str                       # present / order / titles
    sections: list[dict[str, Any]]   # [{number, titles}], first title the canonical one


@dataclass(frozen=True)
class TextPattern(Params):
    scope: str
    require: str                     # any / all / none
    patterns: list[dict[str, Any]]   # [{name, regex, clause?}]

    def regexes(self) -> list[tuple[Path, str]]:
        return [(("patterns", i, "regex"), p["regex"]) for i, p in enumerate(self.patterns)]


@dataclass(frozen=True)
class Statement(Params):
    scope: str
    phrasings: list[str]
    topic: str | None = None         # None: the rule's title names the topic

    def regexes(self) -> list[tuple[Path, str]]:
        return [(("phrasings", i), p) for i, p in enumerate(self.phrasings)]


@dataclass(frozen=True)
class TextLength(Params):
    scope: str
    min_chars: int


def _needs_group_n(regex: str | None) -> list[tuple[Path, str]]:
    if regex is not None and "(?P<n>" not in regex:
        return [(("regex",), "须含命名分组 (?P<n>…) 以取出文中的数字")]
    return []


@dataclass(frozen=True)
class TextNumber(Params):
    scope: str
    regex: str
    compare: dict[str, Any]          # one of cells (+label), readings, meta, multiple_of; unit
    clause: dict[str, Any] | None = None
    subject: str = "文中数字"

    def regexes(self) -> list[tuple[Path, str]]:
        return [(("regex",), self.regex)]

    def problems(self) -> list[tuple[Path, str]]:
        return _needs_group_n(self.regex)


@dataclass(frozen=True)
class Identity(Params):
    table: str
    per: str                         # column / row
    lhs: dict[str, Any]              # {label, terms}
    rhs: dict[str, Any]
    over: list[str] | None = None    # None: every line
    tolerance: float = 0
    relation: str = "eq"             # eq / le / ge


@dataclass(frozen=True)
class CellDomain(Params):
    tables: list[str]
    domain: str
    rows: list[str] | None = None
    exclude_rows: list[str] | None = None
    cols: list[str] | None = None
    exclude_cols: list[str] | None = None
    group_by: str = "cell"           # cell / row / table
    max_value: float | None = None

    def problems(self) -> list[tuple[Path, str]]:
        if self.domain == "at_most" and self.max_value is None:
            return [(("domain",), "为 at_most 时须给出 params.max_value")]
        return []


@dataclass(frozen=True)
class Publication(Params):
    check: str                       # deadline / not_early
    deadline: str | None = None      # "MM-DD" of the next year; the schema requires it for `deadline`


@dataclass(frozen=True)
class ReportFact(Params):
    note: str | None = None


@dataclass(frozen=True)
class TableRows(Params):
    table: str
    min_share: float = 0.8


@dataclass(frozen=True)
class CrossYear(Params):
    check: str                       # carry_over / stock / similarity / claim
    scope: str | None = None         # None: section_1 for similarity, the whole report otherwise
    threshold: float = 0.8
    min_chars: int = 100
    regex: str | None = None

    def __post_init__(self) -> None:
        if self.scope is None:
            object.__setattr__(self, "scope", "section_1" if self.check == "similarity" else "report")

    def regexes(self) -> list[tuple[Path, str]]:
        return [(("regex",), self.regex)] if self.regex is not None else []

    def problems(self) -> list[tuple[Path, str]]:
        if self.check == "claim" and self.regex is None:
            return [(("check",), "为 claim 时须给出 params.regex")]
        return _needs_group_n(self.regex)


@dataclass(frozen=True)
class KindSpec:
    """One rule kind: its name, Chinese name, parameters and the placeholders its messages may use."""
    name: str
    zh: str
    params: type[Params]
    placeholders: frozenset[str]
    # When the placeholders depend on params.check: check → placeholders (instead of the above).
    by_check: dict[str, frozenset[str]] = field(default_factory=dict)
    # Text kinds (regexes or shingles over report text, CPU-bound Python) run in worker processes
    # for large batches; lower ranks are started first (the costliest), so the workers end together.
    text_rank: int | None = None

    def parse(self, raw: dict[str, Any]) -> Params:
        """The typed parameters of schema-checked `params` (TypeError on keys the kind lacks)."""
        return self.params(**raw)

    def placeholders_for(self, args: Params) -> frozenset[str]:
        check = getattr(args, "check", None)
        return self.by_check.get(check, self.placeholders) if self.by_check else self.placeholders

    def defaults(self) -> dict[str, Any]:
        """Parameter → default, for the parameters that have one (None: absent unless written)."""
        return {f.name: f.default for f in fields(self.params) if f.default is not MISSING}

    def required(self) -> list[str]:
        return [f.name for f in fields(self.params) if f.default is MISSING and f.default_factory is MISSING]


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


_SCOPE = _set("scope")
_STOCK = _set("name", "prev_year", "prev", "issued", "repealed", "expected", "actual")
# Order: the schema's `kind` enum and the order in which rules planned together run (identity first).
KINDS: dict[str, KindSpec] = {spec.name: spec for spec in [
    KindSpec("sections", "章节", Sections, _set("section", "found_order", "written", "expected"),
             by_check={"present": _set("section"), "order": _set("found_order"),
                       "titles": _set("written", "expected")}),
    KindSpec("text_pattern", "文字要素", TextPattern, _SCOPE | _set("missing", "present", "matched"), text_rank=2),
    KindSpec("statement", "必要表述", Statement, _SCOPE | _set("topic"), text_rank=3),
    KindSpec("identity", "勾稽关系", Identity,
             _set("lhs_label", "rhs_label", "lhs_expr", "rhs_expr", "lhs_sum", "rhs_sum", "difference", "line")),
    KindSpec("cell_domain", "单元格取值", CellDomain, _set("raw", "count", "cells")),
    KindSpec("text_length", "篇幅", TextLength, _SCOPE | _set("length", "min_chars"), text_rank=3),
    KindSpec("text_number", "文表一致", TextNumber,
             _SCOPE | _set("quote", "stated", "expected", "label", "readings", "multiple", "subject"), text_rank=1),
    KindSpec("publication", "发布时间", Publication, _set("published", "deadline", "year", "agency_type")),
    KindSpec("report_fact", "报告属性", ReportFact, _set("year", "template", "agency_type")),
    KindSpec("table_rows", "表格行", TableRows, _set("table", "row")),
    KindSpec("cross_year", "跨年度", CrossYear,
             _set("detail", "quote", "now", "before", "change", "share", "threshold", "scope") | _STOCK,
             by_check={"carry_over": _set("detail", "prev_year"), "stock": _STOCK,
                       "similarity": _set("share", "threshold", "prev_year", "scope"),
                       "claim": _set("quote", "prev_year", "now", "before", "change")},
             text_rank=0),
]}


def parse(kind: str, raw: dict[str, Any]) -> Params | None:
    """Typed parameters of a rule of `kind` (None for kinds that are not rule kinds, such as the
    engine's own `extraction`)."""
    spec = KINDS.get(kind)
    return spec.parse(raw) if spec is not None else None


def unknown_placeholders(kind: str, args: Params | None, message: str) -> list[str]:
    """The `{names}` in `message` that rules of this kind never fill (they would print literally)."""
    spec = KINDS.get(kind)
    if spec is None or args is None:
        return []
    allowed = spec.placeholders_for(args)
    return [n for n in dict.fromkeys(PLACEHOLDER.findall(message)) if n not in allowed]


def schema_dispatch() -> tuple[list[str], list[dict[str, Any]]]:
    """The `kind` enum and the `allOf` that sends each kind's `params` to `$defs/<kind>`, as
    auditor/schema/rule.v1.json must hold them (tests/test_kind_registry.py compares)."""
    return list(KINDS), [{"if": {"properties": {"kind": {"const": name}}},
                          "then": {"properties": {"params": {"$ref": f"#/$defs/{name}"}}}} for name in KINDS]
