"""An expectation that errors is an engine error: exit code 4, earlier outputs untouched."""
from __future__ import annotations

import shutil

import pytest

from auditor import cli
from auditor.engine import EngineError, audit
from auditor.engine.gx_backend import ExpectationSpec
from auditor.engine.kinds import identity
from auditor.extract import extract
from auditor.ingest import read_document

from .conftest import RULES, ZIBO


def broken_plan(rules, batch, rids_by_rule):
    frames, specs, hits = ORIGINAL_PLAN(rules, batch, rids_by_rule)
    specs.append(ExpectationSpec(key="identity:BROKEN", frame=identity.FRAME, column="no_such_column",
                                 kind="between", min_value=0, max_value=0))
    return frames, specs, hits


ORIGINAL_PLAN = identity.plan


def test_erroring_expectation_raises(monkeypatch, packs):
    monkeypatch.setattr(identity, "plan", broken_plan)
    with pytest.raises(EngineError):
        audit([extract(read_document(ZIBO))], packs)


def test_cli_exit_code_4_keeps_previous_outputs(monkeypatch, tmp_path, capsys):
    shutil.copy(ZIBO, tmp_path / "a.txt")
    out = tmp_path / "out"
    args = ["run", str(tmp_path / "a.txt"), "--out", str(out), "--rules", str(RULES)]
    assert cli.main(args) == 0
    before = {p.name: p.read_bytes() for p in (out / "latest").iterdir() if p.suffix in {".jsonl", ".csv", ".xlsx"}}
    monkeypatch.setattr(identity, "plan", broken_plan)
    assert cli.main(args + ["--full"]) == 4
    assert "引擎错误" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in (out / "latest").iterdir() if p.suffix in {".jsonl", ".csv", ".xlsx"}}
    assert not list((out / "runs").glob("*.partial"))  # the failed run's folder does not linger
    assert after == before
