"""Every rule's YAML cases pass, and every rule has a passing and a failing case (`auditor rules test`)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from auditor.rules.cases import run_all
from auditor.rules.loader import load_all_packs

from .conftest import RULES

LOCAL = RULES.parent / "examples" / "local-packs"


@pytest.fixture(scope="module")
def summaries():
    return {(s.rule_id, s.source): s for s in run_all(load_all_packs(RULES, [LOCAL]), RULES / "fixtures")}


def test_every_rule_has_cases_and_they_pass(summaries):
    failed = {k[0]: [(r.name, r.error or (r.expected, r.actual)) for r in s.results if not r.passed]
              for k, s in summaries.items() if not s.passed}
    assert failed == {}
    incomplete = [k[0] for k, s in summaries.items() if s.required and not (s.has_ok and s.has_fail)]
    assert incomplete == []
    assert len({k[0] for k in summaries}) >= 50


def test_local_pack_overrides_are_tested(summaries):
    local = [s for (rid, _), s in summaries.items() if rid == "PUB-DEADLINE-DEPT" and not s.required]
    assert local and all(s.passed for s in local) and sum(len(s.results) for s in local) >= 2


def test_rules_test_command_fails_when_a_case_fails(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    cases = rules / "national-2021" / "tables" / "T3-A1.cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("4+0=4 不相等", "4+0=4 不等于"), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "auditor.cli", "rules", "--rules", str(rules), "test"],
                         capture_output=True)
    assert out.returncode == 1
    text = out.stdout.decode("utf-8")
    assert "未通过  T3-A1" in text and "未通过用例 1 个" in text


def test_rules_test_command_fails_without_a_failing_case(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    cases = rules / "national-2021" / "text" / "TXT-PERIOD.cases.yaml"
    import yaml

    data = yaml.safe_load(cases.read_text(encoding="utf-8"))
    data["cases"] = [c for c in data["cases"] if not c["expect"]]
    cases.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "auditor.cli", "rules", "--rules", str(rules), "test"],
                         capture_output=True)
    assert out.returncode == 1
    assert "缺少不通过的用例" in out.stdout.decode("utf-8")
