"""Kind `text_pattern`: words that must (any or all of them) or must not stand in a scope of the report
(a telephone number, an e-mail address, a placeholder left in the template …). Each pattern may be
anchored at the start of its clause (`clause`, see scope.py)."""
from __future__ import annotations

import pandas as pd

from ...rules.kinds import TextPattern
from ...rules.model import Rule
from ..batch import Batch
from ..hits import Hit
from ..search import finder
from .base import ByRule, register
from .scope import absence, contains, missing_scope, rejoined_texts, scope_name, scope_texts


def evaluate(rule: Rule, batch: Batch, rids: pd.Index) -> list[Hit]:
    args: TextPattern = rule.args
    scope = args.scope
    texts, absent = scope_texts(batch, rids, scope)
    patterns = args.patterns
    mode = args.require
    # what must be present may stand cut in two by a line wrap; what must not, only as it is
    rejoined = rejoined_texts(batch, scope) if mode in ("any", "all") else None
    found = pd.DataFrame({p["name"]: contains(texts, p["regex"], p.get("clause"), rejoined) for p in patterns},
                         index=texts.index)
    if mode == "any":
        bad = found.index[~found.any(axis=1)] if len(found.columns) else found.index
    elif mode == "all":
        bad = found.index[~found.all(axis=1)]
    else:
        bad = found.index[found.any(axis=1)]
    hits = missing_scope(rule, absent, scope, batch)
    for rid in bad:
        row = found.loc[rid]
        present = [n for n in found.columns if row[n]]
        missing = [n for n in found.columns if not row[n]]
        matched = _first_matches(texts.loc[rid], [p for p in patterns if p["name"] in present], int(rid))
        hit = Hit(int(rid), rule, scope_name(scope), f"scope:{scope}",
                  fields={"scope": scope_name(scope), "missing": "、".join(missing),
                          "present": "、".join(present), "matched": "；".join(matched)},
                  values={"未出现": "、".join(missing)} if mode != "none" else {"出现": "；".join(matched)})
        if mode == "none":
            hits.append(hit)
            continue
        wanted = [(p["regex"], p.get("clause")) for p in patterns if p["name"] in missing]
        hits.append(absence(rule, batch, int(rid), scope, hit, wanted, topic=("或" if mode == "any" else "、").join(missing)))
    return hits


def _first_matches(text: str, patterns: list[dict], rid: int | None = None) -> list[str]:
    out = []
    for p in patterns:
        m = finder(p["regex"], p.get("clause")).first(text, rid)
        if m is not None:
            out.append(m)
    return out


register(ByRule("text_pattern", evaluate))
