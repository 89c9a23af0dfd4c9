"""A rule whose regex runs out of time on a report: 需人工核查 for that report, never a hang.

Every rule regex runs with a time bound per text (engine/bounded_regex.py). The text kinds name the
report each text belongs to, so a search that runs out of time is noted for that report and the
rule goes on with the others; afterwards the rule's result for a noted report (whatever the
unfinished search made of it) is replaced by one finding of category "extraction".
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import pandas as pd

from ...rules.model import Rule
from ..batch import Batch
from ..bounded_regex import LIMIT, watching
from ..hits import Hit, not_evaluated

Evaluate = Callable[[Rule, Batch, pd.Index], list[Hit]]


def bounded(evaluate: Evaluate) -> Evaluate:
    """`evaluate` with the reports its regexes ran out of time on reported as not evaluated."""
    @wraps(evaluate)
    def run(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
        hits, slow = watching(lambda: evaluate(rule, batch, rids))
        if not slow:
            return hits
        return [h for h in hits if h.rid not in slow] + [timed_out(rule, rid, slow[rid]) for rid in sorted(slow)]
    return run


def timed_out(rule: Rule, rid: int, pattern: str) -> Hit:
    from .scope import scope_name

    scope = getattr(rule.args, "scope", None) or "report"
    what = (f"规则 {rule.id} 的正则表达式在本报告上运行超过 {LIMIT:g} 秒仍未完成（写法可能导致回溯失控），"
            "已中止，未对本报告作出判定")
    return not_evaluated(rid, rule, scope_name(scope), "regex-timeout", what,
                         values={"正则表达式": pattern, "时限（秒）": LIMIT})
