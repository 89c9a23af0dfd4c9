"""Kind `statement`: a part must say something in one of the accepted phrasings (the fee sentence,
whether fees were charged or not). Found anywhere else in the report, it is never reported missing."""
from __future__ import annotations

import pandas as pd

from ...rules.kinds import Statement
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit
from .base import ByRule, register
from .scope import absence, contains, missing_scope, rejoined_texts, scope_name, scope_texts


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    args: Statement = rule.args
    scope = args.scope
    texts, absent = scope_texts(batch, rids, scope)
    joined = "|".join(f"(?:{p})" for p in args.phrasings)
    ok = contains(texts, joined, rejoined=rejoined_texts(batch, scope))   # a phrase a line wrap cut in two
    topic = args.topic if args.topic is not None else rule.title
    hits = missing_scope(rule, absent, scope, batch)
    hits += [absence(rule, batch, int(rid), scope,
                     Hit(int(rid), rule, scope_name(scope), f"scope:{scope}",
                         fields={"scope": scope_name(scope), "topic": topic}, values={"缺少表述": topic}),
                     [(joined, None)], always_elsewhere=True, topic=topic)
             for rid in ok.index[~ok]]
    return hits


register(ByRule("statement", evaluate))
