"""Kind `text_length`: a part shorter than `min_chars` characters (whitespace not counted)."""
from __future__ import annotations

import pandas as pd

from ...rules.kinds import TextLength
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit
from .base import ByRule, register
from .scope import absence, missing_scope, scope_name, scope_texts


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    args: TextLength = rule.args
    scope = args.scope
    texts, absent = scope_texts(batch, rids, scope)
    # str.split() and re's \s agree on what is whitespace (both use Py_UNICODE_ISSPACE)
    lengths = pd.Series([len("".join(t.split())) for t in texts.to_numpy()], index=texts.index, dtype="int64")
    short = lengths[lengths < args.min_chars]
    hits = missing_scope(rule, absent, scope, batch)
    hits += [absence(rule, batch, int(rid), scope,
                     Hit(int(rid), rule, scope_name(scope), f"scope:{scope}",
                         fields={"scope": scope_name(scope), "length": int(n), "min_chars": args.min_chars},
                         values={"字数": int(n), "最少字数": args.min_chars}))
             for rid, n in short.items()]
    return hits


register(ByRule("text_length", evaluate))
