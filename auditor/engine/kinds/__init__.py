"""Rule kinds. Each kind's evaluator module runs all rules of its kind over the whole batch at once
and registers itself (`register(ByRule(...))` or `register(WithExpectations(...))`, base.py)
against the kind's declaration in auditor/rules/kinds.py (parameters, placeholders, Chinese name).

`KINDS` maps every declared kind to its evaluator, in the declarations' order; every module of
this package is imported here, so a new kind's module needs no line in this file.
"""
from importlib import import_module
from pkgutil import iter_modules

from ...rules.kinds import KINDS as SPECS
from .base import REGISTRY, ByRule, Kind, Plan, WithExpectations

for _module in iter_modules(__path__):
    import_module(f"{__name__}.{_module.name}")

if set(REGISTRY) != set(SPECS):
    raise ImportError(f"rule kinds declared without an evaluator or evaluated without a declaration: "
                      f"{sorted(set(REGISTRY) ^ set(SPECS))}")
KINDS: dict[str, Kind] = {name: REGISTRY[name] for name in SPECS}

__all__ = ["KINDS", "SPECS", "ByRule", "Kind", "Plan", "WithExpectations"]
