"""Bad rule files stop the run with one line per problem: file:line: what is wrong."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.rules.loader import RuleError, load_packs

from .conftest import RULES
from .run_cli import in_process

GOOD = """id: TST-ONE
title: 测试规则
severity: warning
kind: statement
basis: 测试依据
message: 测试说明
params:
  scope: section_6
  phrasings: ['信息处理费']
"""


def make_pack(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "rules"
    (root / "p").mkdir(parents=True)
    (root / "p" / "pack.yaml").write_text('id: p\ntitle: 测试\ntemplates: ["2021"]\n', encoding="utf-8")
    for name, text in files.items():
        (root / "p" / name).write_text(text, encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(RuleError) as err:
        load_packs(root)
    return err.value.problems


def test_shipped_rules_are_valid(packs):
    ids = [r.id for p in packs for r in p.rules]
    assert {"SEC-PRESENT", "SEC-ORDER", "T3-A1", "T3-A2", "T3-A3", "T4-A4", "NUM-COUNT", "TXT-CONTACT",
            "TXT-FEE-STMT"} <= set(ids)
    assert all(r.basis for p in packs for r in p.rules)


def test_unknown_key(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD + "colour: red\n"})
    assert problems(root) == [f"{root}/p/a.yaml:1: 未知的键：「colour」"]


def test_unknown_param_key_has_its_line(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD + "  scop: section_1\n"})
    assert problems(root) == [f"{root}/p/a.yaml:8: params: 未知的键：「scop」"]


def test_wrong_type(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD.replace("phrasings: ['信息处理费']", "phrasings: 信息处理费")})
    assert problems(root) == [f"{root}/p/a.yaml:9: params.phrasings: 类型错误：应为列表，实际为「'信息处理费'」"]


def test_wrong_enum(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD.replace("severity: warning", "severity: fatal")})
    assert problems(root) == [f"{root}/p/a.yaml:3: severity: 取值「fatal」无效，可选：error、warning、info"]


def test_duplicate_id_across_files(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD, "b.yaml": GOOD})
    assert problems(root) == [f"{root}/p/b.yaml:1: 规则编号「TST-ONE」重复（已在 {root}/p/a.yaml 中定义）"]


def test_duplicate_key_in_one_file(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD + "severity: error\n"})
    assert problems(root) == [f"{root}/p/a.yaml:10: 键「severity」重复（第 3 行已出现）"]


def test_yes_no_and_dates_stay_strings(tmp_path):
    """`no` is not turned into False, nor 2024-12-31 into a date: the schema then rejects them."""
    root = make_pack(tmp_path, {"a.yaml": GOOD.replace("title: 测试规则", "title: 2024-12-31")
                                .replace("severity: warning", "severity: no")})
    got = problems(root)
    assert got == [f"{root}/p/a.yaml:3: severity: 取值「no」无效，可选：error、warning、info"]


def test_bad_regex(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD.replace("['信息处理费']", "['(未关闭']")})
    assert len(problems(root)) == 1 and "正则表达式无效" in problems(root)[0]


def test_aliases_refused(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD.replace("title: 测试规则", "title: &t 测试规则\ndescription: *t")})
    assert problems(root) == [f"{root}/p/a.yaml:2: 不允许使用 YAML 别名（&/*）"]


def test_all_problems_reported_at_once(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD + "colour: red\n", "b.yaml": GOOD.replace("TST-ONE", "tst")})
    assert len(problems(root)) == 2


def test_bad_rule_file_stops_the_run(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    bad = rules / "national-2021" / "tables" / "T3-A1.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("per: column", "per: diagonal"), encoding="utf-8")
    out = in_process("run", "--rules", str(rules), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert out.returncode == 2
    err = out.stderr.decode("utf-8").splitlines()
    assert err[0] == f"{bad}:11: params.per: 取值「diagonal」无效，可选：column、row"
    assert not (tmp_path / "out").exists()
