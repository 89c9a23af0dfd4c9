"""An expectation that errors is an engine error: exit code 4, earlier outputs untouched."""
from __future__ import annotations

import shutil

import pytest

from auditor import cli
from auditor.engine import EngineError
from auditor.verdicts import audit
from auditor.engine.gx_backend import ExpectationSpec
from auditor.engine.kinds import KINDS, identity
from auditor.extract import extract
from auditor.ingest import read_document

from .conftest import RULES, ZIBO


def broken_plan(rules, batch, rids_by_rule):
    plan = ORIGINAL_PLAN(rules, batch, rids_by_rule)
    plan.expectations.append(ExpectationSpec(key="identity:BROKEN", frame=identity.FRAME, column="no_such_column",
                                             kind="between", min_value=0, max_value=0))
    return plan


ORIGINAL_PLAN = KINDS["identity"].plan


def test_erroring_expectation_raises(monkeypatch, packs):
    monkeypatch.setattr(KINDS["identity"], "plan", broken_plan)
    with pytest.raises(EngineError):
        audit([extract(read_document(ZIBO))], packs)


def test_cli_exit_code_4_keeps_previous_outputs(monkeypatch, tmp_path, capsys):
    shutil.copy(ZIBO, tmp_path / "a.txt")
    out = tmp_path / "out"
    args = ["run", str(tmp_path / "a.txt"), "--out", str(out), "--rules", str(RULES)]
    assert cli.main(args) == 0
    before = {p.name: p.read_bytes() for p in (out / "latest").iterdir() if p.suffix in {".jsonl", ".csv", ".xlsx"}}
    monkeypatch.setattr(KINDS["identity"], "plan", broken_plan)
    assert cli.main(args + ["--full"]) == 4
    assert "引擎错误" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in (out / "latest").iterdir() if p.suffix in {".jsonl", ".csv", ".xlsx"}}
    assert not list((out / "runs").glob("*.partial"))  # the failed run's folder does not linger
    assert after == before


# ------------------------------------------------------------------ GX in its own process (large runs)

def test_gx_process_gives_the_same_findings(monkeypatch, tmp_path):
    """A large run validates in a helper process: same findings and GX results as in-process."""
    from auditor.pipeline import reading

    from .mutate import set_t4_cell

    shutil.copy(ZIBO, tmp_path / "a.txt")
    (tmp_path / "b.txt").write_text(set_t4_cell(ZIBO.read_text(encoding="utf-8"), 0, "9"), encoding="utf-8")
    args = ["run", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--rules", str(RULES), "--full"]
    assert cli.main(args + ["--out", str(tmp_path / "local")]) == 0
    monkeypatch.setattr(reading, "GX_PROCESS_FROM", 0)
    assert cli.main(args + ["--out", str(tmp_path / "proc")]) == 0
    local, proc = tmp_path / "local" / "latest", tmp_path / "proc" / "latest"
    assert (proc / "findings.jsonl").read_bytes() == (local / "findings.jsonl").read_bytes()
    assert b'"rule_id": "T4-A4"' in (proc / "findings.jsonl").read_bytes()     # a GX-judged finding
    assert (proc / "技术文件" / "gx_validation.json").stat().st_size > 1000


def test_gx_process_engine_error_exits_4(monkeypatch, tmp_path, capsys):
    from auditor.pipeline import reading
    from auditor.engine import gx_process

    shutil.copy(ZIBO, tmp_path / "a.txt")
    monkeypatch.setattr(reading, "GX_PROCESS_FROM", 0)
    monkeypatch.setattr(KINDS["identity"], "plan", broken_plan)
    started = []
    real = gx_process.GXProcess.__init__
    monkeypatch.setattr(gx_process.GXProcess, "__init__", lambda self: (started.append(1), real(self))[1])
    out = tmp_path / "out"
    assert cli.main(["run", str(tmp_path / "a.txt"), "--out", str(out), "--rules", str(RULES)]) == 4
    assert started and "引擎错误" in capsys.readouterr().err
    assert not list((out / "runs").glob("*.partial"))


def test_engine_error_keeps_its_keys_across_processes():
    import pickle

    err = pickle.loads(pickle.dumps(EngineError("坏了", ["identity:X", "cell:Y"])))
    assert str(err) == "坏了" and err.keys == ("identity:X", "cell:Y")


def test_data_csv_started_before_the_rules_is_identical_and_aborted_with_them(monkeypatch, tmp_path, capsys):
    """Large runs start data.csv before the rules stage: same file; an engine error discards it."""
    import auditor.datasheet as datasheet

    shutil.copy(ZIBO, tmp_path / "a.txt")
    args = ["run", str(tmp_path / "a.txt"), "--rules", str(RULES), "--full"]
    assert cli.main(args + ["--out", str(tmp_path / "small")]) == 0
    monkeypatch.setattr(datasheet, "SHEET_MAX_REPORTS", 0)          # "large": data.csv starts early
    assert cli.main(args + ["--out", str(tmp_path / "large")]) == 0
    small, large = tmp_path / "small" / "latest", tmp_path / "large" / "latest"
    assert (large / "data.csv").read_bytes() == (small / "data.csv").read_bytes()
    monkeypatch.setattr(KINDS["identity"], "plan", broken_plan)
    assert cli.main(args + ["--out", str(tmp_path / "large")]) == 4
    assert not list((tmp_path / "large" / "runs").glob("*.partial"))
    assert (tmp_path / "large" / "latest").resolve() == large.resolve()
