"""What a rule kind returns: hits, turned into findings by the engine in one place."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..rules.model import Rule


@dataclass
class Hit:
    rid: int
    rule: Rule
    location: str                 # Chinese, shown to the user
    location_key: str             # stable internal key, only for the fingerprint
    fields: dict[str, Any] = field(default_factory=dict)   # placeholders of the rule's message
    values: dict[str, Any] = field(default_factory=dict)   # the values behind the finding
    category: str = "compliance"
    message: str | None = None    # set for "could not be evaluated" hits instead of the template


def not_evaluated(rid: int, rule: Rule, location: str, location_key: str, what: str,
                  values: dict[str, Any] | None = None) -> Hit:
    """Our reading failed: say so, never accuse the agency."""
    return Hit(rid, rule, location, location_key, values=values or {}, category="extraction",
               message=f"无法核对「{rule.title}」：{what}，需人工核查。")


def fmt_number(value: Any) -> str:
    if value is None:
        return "（未读取）"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if f != f:  # NaN
        return "（未读取）"
    return str(int(f)) if f.is_integer() else f"{f:.6f}".rstrip("0").rstrip(".")


def plain(v: Any) -> int | float | None:
    """A value for the JSON `values` field: whole numbers as int, NaN as None."""
    if v is None or v != v:
        return None
    f = float(v)
    return int(f) if f.is_integer() else f
