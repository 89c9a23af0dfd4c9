"""The run's stages pass one RunContext, not long parameter lists (auditor/pipeline/): a stage
that needs another value gets it from the context, so a new option touches the context and the
stage that reads it, never every signature between `auditor run` and that stage."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import auditor.pipeline as pipeline
from auditor.pipeline.context import RunContext

PIPELINE = Path(pipeline.__file__).resolve().parent
MOST_PARAMETERS = 6     # input_key: a pure hash of six values; a stage takes the context and its inputs
# Modules outside the package that the audit stage calls with the run's settings: they take a small
# dataclass (verdicts.Judging) rather than each setting as a parameter.
STAGE_HELPERS = [PIPELINE.parent / "absent.py", PIPELINE.parent / "verdicts.py"]


def parameter_counts(source: str) -> dict[str, int]:
    """Every function's name and number of parameters (self and cls not counted)."""
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs] + \
                [x.arg for x in (a.vararg, a.kwarg) if x is not None]
            out[node.name] = len([n for n in names if n not in ("self", "cls")])
    return out


def test_no_function_of_the_stages_takes_a_long_parameter_list():
    long = {f"{path.name}:{name}": n for path in sorted(PIPELINE.glob("*.py"))
            for name, n in parameter_counts(path.read_text(encoding="utf-8")).items() if n > MOST_PARAMETERS}
    assert long == {}


def test_no_function_the_audit_stage_calls_outside_the_package_takes_a_long_parameter_list():
    long = {f"{path.name}:{name}": n for path in STAGE_HELPERS
            for name, n in parameter_counts(path.read_text(encoding="utf-8")).items() if n > MOST_PARAMETERS}
    assert long == {}


def test_the_parameter_count_sees_a_long_list():
    """The check can fail: the old `_audit_and_record` (12 parameters) is counted as such."""
    old = "def _audit_and_record(inputs, packs, waivers, roster, agency_types, ledger, out_dir, started,\n" \
          "                      engine, rules_hash, key, watch):\n    pass\n"
    assert parameter_counts(old) == {"_audit_and_record": 12}
    old = "def add_absent(result, ledger, reports, years, waivers, agency_types, packs, decisions):\n    pass\n"
    assert parameter_counts(old) == {"add_absent": 8}


def test_the_door_takes_the_context_and_every_stage_starts_from_it():
    assert list(inspect.signature(pipeline.run_audit).parameters) == ["ctx"]
    from auditor.pipeline import auditing, reading, recording, writing

    for stage in (reading.read_inputs, auditing.join_reports, auditing.audit, writing.early_data_csv,
                  writing.start_writing, recording.record):
        first = next(iter(inspect.signature(stage).parameters.values()))
        assert first.annotation in ("RunContext", RunContext), stage.__name__
