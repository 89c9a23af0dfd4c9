"""Rules and packs as loaded from YAML (already validated against the schema)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain import SEVERITY_WORDS as SEVERITY_ZH  # noqa: F401  (one home: auditor/domain.py)
KIND_ZH = {"sections": "章节", "text_pattern": "文字要素", "statement": "必要表述", "identity": "勾稽关系",
           "cell_domain": "单元格取值", "text_length": "篇幅", "text_number": "文表一致", "publication": "发布时间",
           "report_fact": "报告属性", "table_rows": "表格行", "cross_year": "跨年度"}


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
