"""The one protocol by which the engine runs every rule kind (Soda's check: parse, then evaluate).

A kind `plan`s a group of its rules over the batch — the hits it can decide at once, and the
Great Expectations checks (frames and expectations) it leaves to GX — and, once GX has validated
every kind's checks in one run, turns the failing rows into hits in `finish`. The parameters were
parsed when the rules were loaded (`rule.args`, auditor/rules/kinds.py).

Most kinds decide everything in `plan`, rule by rule and report by report (`ByRule`): the engine may
then run each rule alone (in a text worker, or on halves of the batch after a failure). The kinds
judged by GX plan all their rules together (`WithExpectations`), since their rules share frames.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from ...rules.kinds import KINDS as SPECS, KindSpec
from ...rules.model import Rule
from ..batch import Batch
from ..gx_backend import ExpectationSpec
from ..hits import Hit
from .bounded import Evaluate, bounded

RidsByRule = dict[str, pd.Index]
Failing = dict[str, set[int]]        # expectation key → failing `_rid`s (gx_backend.run_expectations)


@dataclass
class Plan:
    """What `plan` gives: hits decided now, and the checks left to Great Expectations."""
    hits: list[Hit] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    expectations: list[ExpectationSpec] = field(default_factory=list)


class Kind(Protocol):
    spec: KindSpec
    together: bool          # True: all rules of the kind are planned at once; False: any one alone

    def plan(self, rules: list[Rule], batch: Batch, rids_by_rule: RidsByRule) -> Plan: ...

    def finish(self, rules: list[Rule], frames: dict[str, pd.DataFrame], failing: Failing) -> list[Hit]: ...


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Enter an evaluator under its kind's declared name (one per kind)."""
    if kind.spec.name in REGISTRY:
        raise ValueError(f"rule kind {kind.spec.name!r} registered twice")
    REGISTRY[kind.spec.name] = kind
    return kind


class ByRule:
    """A kind decided rule by rule, report by report, without GX: `evaluate(rule, batch, rids)`.
    Its regexes run time-bounded per report (bounded.py)."""
    together = False

    def __init__(self, name: str, evaluate: Evaluate) -> None:
        self.spec = SPECS[name]
        self.evaluate = evaluate

    def plan(self, rules: list[Rule], batch: Batch, rids_by_rule: RidsByRule) -> Plan:
        run = bounded(self.evaluate)
        return Plan(hits=[h for rule in rules for h in run(rule, batch, rids_by_rule[rule.key])])

    def finish(self, rules: list[Rule], frames: dict[str, pd.DataFrame], failing: Failing) -> list[Hit]:
        return []


PlanFn = Callable[[list[Rule], Batch, RidsByRule], Plan]
FinishFn = Callable[[list[Rule], dict[str, pd.DataFrame], Failing], list[Hit]]


class WithExpectations:
    """A kind whose rules share frames that Great Expectations validates: `plan` builds them for
    all its rules at once, `finish` reads GX's failing rows."""
    together = True

    def __init__(self, name: str, plan: PlanFn, finish: FinishFn) -> None:
        self.spec = SPECS[name]
        self.plan = plan
        self.finish = finish
