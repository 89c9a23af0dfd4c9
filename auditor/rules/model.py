"""Rules and packs as loaded from YAML (already validated against the schema)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..domain import SEVERITY_WORDS as SEVERITY_ZH  # noqa: F401  (one home: auditor/domain.py)
from .kinds import KINDS, Params, parse

KIND_ZH = {name: spec.zh for name, spec in KINDS.items()}   # one home: auditor/rules/kinds.py


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    basis: str
    message: str
    kind: str
    params: dict[str, Any]
    description: str = ""
    pack: str = ""
    source: str = ""          # file the rule came from, for error messages
    when: dict[str, Any] = field(default_factory=dict)   # which reports the rule applies to

    @cached_property
    def args(self) -> Params | None:
        """The kind's typed parameters, defaults filled in (auditor/rules/kinds.py); parsed once,
        when the loader first asks (a rule of no registered kind, such as `extraction`: None)."""
        return parse(self.kind, self.params)

    @property
    def key(self) -> str:
        """Unique within a run: packs for different templates may carry the same rule id."""
        return f"{self.pack}/{self.id}"


@dataclass
class Pack:
    id: str
    title: str
    templates: list[str]
    description: str = ""
    path: str = ""
    rules: list[Rule] = field(default_factory=list)
    extends: str | None = None
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    fixture: str | None = None

    def applies_to(self, template: str | None) -> bool:
        return (template or "unknown") in self.templates
