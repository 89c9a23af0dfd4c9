"""Tests for auditor.engine.gx_backend: GX decides pass/fail, errors are engine errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from auditor.engine.gx_backend import EngineError, ExpectationSpec, run_expectations


def _diff_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_rid": [100, 101, 102, 103, 104],
            "rule_id": ["T3-A1", "T3-A1", "T3-A1", "T3-A2", "T3-A2"],
            "diff": [0.0, 0.0, 2.0, -1.0, 0.0],
        }
    )


def _exact(key: str, rule: str) -> ExpectationSpec:
    return ExpectationSpec(
        key=key,
        frame="sums",
        column="diff",
        kind="between",
        min_value=0,
        max_value=0,
        where=(("rule_id", rule),),
        meta=(("rule_id", rule), ("basis", "《条例》第五十条")),
    )


def test_where_selects_rows_per_key():
    got = run_expectations({"sums": _diff_frame()}, [_exact("T3-A1", "T3-A1"), _exact("T3-A2", "T3-A2")])
    assert got == {"T3-A1": {102}, "T3-A2": {103}}


def test_where_with_two_conditions_and_no_match():
    df = _diff_frame().assign(table=["t3", "t3", "t4", "t3", "t3"])
    specs = [
        ExpectationSpec(
            key="K1", frame="sums", column="diff", kind="between", min_value=0, max_value=0,
            where=(("rule_id", "T3-A1"), ("table", "t3")),
        ),
        ExpectationSpec(
            key="K2", frame="sums", column="diff", kind="between", min_value=0, max_value=0,
            where=(("rule_id", "NO-SUCH-RULE"),),
        ),
    ]
    assert run_expectations({"sums": df}, specs) == {"K1": set(), "K2": set()}


def test_tolerance_between_and_one_sided_bounds():
    df = _diff_frame().assign(diff=[0.5, -1.0, 1.0, 1.5, -3.0])
    specs = [
        ExpectationSpec(key="TOL", frame="sums", column="diff", kind="between", min_value=-1, max_value=1),
        ExpectationSpec(key="MIN", frame="sums", column="diff", kind="between", min_value=0),
        ExpectationSpec(key="MAX", frame="sums", column="diff", kind="between", max_value=1),
    ]
    got = run_expectations({"sums": df}, specs)
    assert got == {"TOL": {103, 104}, "MIN": {101, 104}, "MAX": {103}}


def test_regex_full_match_over_strings():
    df = pd.DataFrame({"_rid": [1, 2, 3, 4, 5], "raw": ["12", "3.5", "x", "-2", "12\n"]})
    spec = ExpectationSpec(key="NUM-TYPE", frame="cells", column="raw", kind="regex", regex=r"\d+")
    assert run_expectations({"cells": df}, [spec]) == {"NUM-TYPE": {2, 3, 4, 5}}


def test_frames_are_validated_separately_and_repeated_calls_see_new_data():
    a = _diff_frame()
    b = pd.DataFrame({"_rid": [7, 8], "v": ["1", "a"]})
    specs = [
        _exact("T3-A1", "T3-A1"),
        ExpectationSpec(key="R", frame="other", column="v", kind="regex", regex=r"\d+"),
    ]
    assert run_expectations({"sums": a, "other": b}, specs) == {"T3-A1": {102}, "R": {8}}
    a2 = a.assign(diff=[5.0, 0.0, 0.0, 0.0, 0.0])
    assert run_expectations({"sums": a2, "other": b}, specs) == {"T3-A1": {100}, "R": {8}}


def test_missing_column_is_engine_error_not_finding():
    spec = ExpectationSpec(key="T9-X", frame="sums", column="no_such_column", kind="between", min_value=0, max_value=0)
    with pytest.raises(EngineError) as info:
        run_expectations({"sums": _diff_frame()}, [spec])
    assert "T9-X" in str(info.value)
    assert "no_such_column" in str(info.value)
    assert info.value.keys == ("T9-X",)


def test_missing_where_column_is_engine_error():
    spec = ExpectationSpec(
        key="W", frame="sums", column="diff", kind="between", min_value=0, max_value=0,
        where=(("nope", "x"),),
    )
    with pytest.raises(EngineError, match="W"):
        run_expectations({"sums": _diff_frame()}, [spec])


def test_between_on_strings_is_engine_error():
    df = pd.DataFrame({"_rid": [1, 2], "s": ["a", "b"]})
    spec = ExpectationSpec(key="S", frame="f", column="s", kind="between", min_value=0, max_value=1)
    with pytest.raises(EngineError, match="规则 S 的校验执行出错"):
        run_expectations({"f": df}, [spec])


def test_non_string_where_column_rejected():
    df = _diff_frame().assign(year=[2023] * 5)
    spec = ExpectationSpec(
        key="Y", frame="sums", column="diff", kind="between", min_value=0, max_value=0,
        where=(("year", "2023"),),
    )
    with pytest.raises(EngineError, match="year"):
        run_expectations({"sums": df}, [spec])


@pytest.mark.parametrize(
    "spec",
    [
        ExpectationSpec(key="B", frame="sums", column="diff", kind="between"),
        ExpectationSpec(key="K", frame="sums", column="diff", kind="equal"),
        ExpectationSpec(key="R", frame="sums", column="diff", kind="regex", regex="("),
        ExpectationSpec(key="F", frame="nope", column="diff", kind="between", min_value=0),
    ],
)
def test_malformed_specs_rejected(spec):
    with pytest.raises(EngineError):
        run_expectations({"sums": _diff_frame()}, [spec])


def test_duplicate_keys_rejected():
    with pytest.raises(EngineError, match="重复"):
        run_expectations({"sums": _diff_frame()}, [_exact("A", "T3-A1"), _exact("A", "T3-A2")])


def test_nulls_are_ignored_by_between():
    # documented behaviour: GX drops nulls before evaluating, so the caller must handle them
    df = pd.DataFrame({"_rid": [1, 2, 3], "diff": [0.0, None, 4.0]})
    spec = ExpectationSpec(key="N", frame="f", column="diff", kind="between", min_value=0, max_value=0)
    assert run_expectations({"f": df}, [spec]) == {"N": {3}}


def test_empty_frame_and_no_specs():
    assert run_expectations({}, []) == {}
    empty = _diff_frame().iloc[0:0]
    assert run_expectations({"sums": empty}, [_exact("T3-A1", "T3-A1")]) == {"T3-A1": set()}
    assert run_expectations({"sums": pd.DataFrame()}, [_exact("T3-A1", "T3-A1")]) == {"T3-A1": set()}


def test_results_file_written_as_json(tmp_path):
    path = tmp_path / "out" / "gx_results.json"
    run_expectations({"sums": _diff_frame()}, [_exact("T3-A1", "T3-A1"), _exact("T3-A2", "T3-A2")], results_path=path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [run["frame"] for run in data["runs"]] == ["sums"]
    results = data["runs"][0]["validation_result"]["results"]
    keys = {r["expectation_config"]["meta"]["auditor_spec_key"] for r in results}
    assert keys == {"T3-A1", "T3-A2"}
    assert "《条例》第五十条" in path.read_text(encoding="utf-8")  # UTF-8, not \u-escaped
    assert [p.name for p in path.parent.iterdir()] == ["gx_results.json"]  # no temp file left


def test_results_file_written_even_when_engine_error(tmp_path):
    path = tmp_path / "gx.json"
    bad = ExpectationSpec(key="BAD", frame="sums", column="zzz", kind="between", min_value=0)
    with pytest.raises(EngineError):
        run_expectations({"sums": _diff_frame()}, [_exact("T3-A1", "T3-A1"), bad], results_path=path)
    results = json.loads(path.read_text(encoding="utf-8"))["runs"][0]["validation_result"]["results"]
    assert any(r["exception_info"] for r in results)


def test_nothing_printed(capfd):
    run_expectations({"sums": _diff_frame()}, [_exact("T3-A1", "T3-A1")])
    with pytest.raises(EngineError):
        run_expectations(
            {"sums": _diff_frame()},
            [ExpectationSpec(key="M", frame="sums", column="gone", kind="between", min_value=0)],
        )
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_fresh_process_prints_nothing(tmp_path):
    # the first call creates the GX context; progress bars and analytics must already be off
    import subprocess
    import sys

    script = (
        "import pandas as pd\n"
        "from auditor.engine.gx_backend import ExpectationSpec, run_expectations\n"
        "df = pd.DataFrame({'_rid': range(50), 'd': [0.0] * 49 + [3.0]})\n"
        "s = ExpectationSpec(key='K', frame='f', column='d', kind='between', min_value=-1, max_value=1)\n"
        "assert run_expectations({'f': df}, [s]) == {'K': {49}}\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == ""
