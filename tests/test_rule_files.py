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


# ------------------------------------------------------- every problem at its line (placeholders,
# regexes, the kinds' own checks, overrides and packs)

def test_placeholder_typo_in_a_rule_is_reported_at_its_line(tmp_path):
    """Before: `{topix}` passed `rules check` and printed literally in every finding."""
    root = make_pack(tmp_path, {"a.yaml": GOOD.replace("message: 测试说明", "message: 缺少{topic}（{topix}）")})
    assert problems(root) == [f"{root}/p/a.yaml:6: message 中的占位符 {{topix}} 不是 statement 类规则提供的"
                              "（可用：{scope}、{topic}），会原样出现在问题说明中"]


def test_placeholders_are_checked_per_check_where_the_kind_fills_them_per_check(tmp_path):
    rule = ("id: TST-SEC\ntitle: 测试规则\nseverity: error\nkind: sections\nbasis: 测试依据\n"
            "message: 标题「{written}」应为「{expected}」，缺少{section}\nparams:\n  check: titles\n"
            "  sections: [{number: 1, titles: [一、总体情况]}]\n")
    root = make_pack(tmp_path, {"a.yaml": rule})
    assert problems(root) == [f"{root}/p/a.yaml:6: message 中的占位符 {{section}} 不是 sections 类规则提供的"
                              "（可用：{expected}、{written}），会原样出现在问题说明中"]


def test_bad_regex_is_reported_at_its_line(tmp_path):
    """Before (issue 14): a regex error said `:1:`."""
    rule = GOOD.replace("  phrasings: ['信息处理费']", "  phrasings:\n    - 信息处理费\n    - '(未关闭'")
    root = make_pack(tmp_path, {"a.yaml": rule})
    got = problems(root)
    assert len(got) == 1 and got[0].startswith(f"{root}/p/a.yaml:11: params.phrasings[1] 的正则表达式无效："), got


NUMBER = """id: TST-NUM
title: 测试规则
severity: error
kind: text_number
basis: 测试依据
message: 正文写 {stated}（原文「{quote}」）
params:
  scope: report
  compare: {meta: year}
  regex: '(?P<x>\\d+)年'
"""


def test_missing_group_n_is_reported_at_the_regex_line(tmp_path):
    """Before: `:1:`."""
    root = make_pack(tmp_path, {"a.yaml": NUMBER})
    assert problems(root) == [f"{root}/p/a.yaml:10: params.regex 须含命名分组 (?P<n>…) 以取出文中的数字"]


def local_pack(tmp_path: Path, overrides: str, extends: str = "p") -> Path:
    local = tmp_path / "local" / "q"
    local.mkdir(parents=True)
    (local / "pack.yaml").write_text(f'id: q\ntitle: 本地\nextends: {extends}\ntemplates: ["2021"]\n'
                                     f"overrides:\n{overrides}", encoding="utf-8")
    return local.parent


def local_problems(tmp_path: Path, overrides: str, extends: str = "p") -> tuple[Path, list[str]]:
    root = make_pack(tmp_path, {"a.yaml": GOOD, "n.yaml": NUMBER.replace("P<x>", "P<n>")})
    local = local_pack(tmp_path, overrides, extends)
    with pytest.raises(RuleError) as err:
        load_packs(root, [local])
    return local / "q" / "pack.yaml", err.value.problems


def test_placeholder_typo_in_an_override_is_reported_at_its_line(tmp_path):
    manifest, got = local_problems(tmp_path, "  TST-ONE:\n    severity: error\n    message: 缺少{topic}{scpoe}\n")
    assert got == [f"{manifest}:8: overrides.TST-ONE.message 中的占位符 {{scpoe}} 不是 statement 类规则提供的"
                   "（可用：{scope}、{topic}），会原样出现在问题说明中"]


def test_bad_regex_in_an_override_is_reported_at_its_line(tmp_path):
    manifest, got = local_problems(tmp_path, "  TST-NUM:\n    params:\n      regex: '(?P<n>\\d+'\n")
    assert len(got) == 1 and got[0].startswith(f"{manifest}:8: overrides.TST-NUM.params.regex 的正则表达式无效："), got


def test_missing_group_n_in_an_override_is_reported_at_its_line(tmp_path):
    manifest, got = local_problems(tmp_path, "  TST-NUM:\n    params:\n      regex: '(?P<m>\\d+)'\n")
    assert got == [f"{manifest}:8: overrides.TST-NUM.params.regex 须含命名分组 (?P<n>…) 以取出文中的数字"]


def test_override_schema_error_is_reported_at_its_line(tmp_path):
    """Before: `:1:`."""
    manifest, got = local_problems(tmp_path, "  TST-ONE:\n    title: 改名\n    severity: fatal\n")
    assert got == [f"{manifest}:8: overrides.TST-ONE.severity: 取值「fatal」无效，可选：error、warning、info"]


def test_override_of_an_unknown_rule_is_reported_at_its_line(tmp_path):
    manifest, got = local_problems(tmp_path, "  TST-ONE:\n    severity: error\n  TST-NONE:\n    severity: info\n")
    assert got == [f"{manifest}:8: overrides 中的规则「TST-NONE」在所继承的规则包中不存在"]


def test_missing_parent_pack_is_reported_at_its_line(tmp_path):
    manifest, got = local_problems(tmp_path, "  TST-ONE:\n    severity: error\n", extends="nowhere")
    assert got == [f"{manifest}:3: 继承的规则包「nowhere」不存在"]


def test_two_unrelated_packs_for_one_template_are_reported_at_a_templates_line(tmp_path):
    root = make_pack(tmp_path, {"a.yaml": GOOD})
    other = tmp_path / "local" / "z"
    other.mkdir(parents=True)
    (other / "pack.yaml").write_text('id: z\ntitle: 另一包\n\ntemplates: ["2021"]\n', encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_packs(root, [other.parent])
    assert err.value.problems == [f"{other}/pack.yaml:4: 规则包 p、z 同时适用于「2021」格式的报告，且互不继承；"
                                  "请只保留一个本地规则包"]


SECTIONS = """id: TST-SEC
title: 测试规则
severity: error
kind: sections
basis: 测试依据
message: 缺少{section}
params:
  check: present
  sections: [{number: 1, titles: [一、总体情况]}]
"""


def test_an_override_that_leaves_the_inherited_message_unfilled_is_reported_at_the_override(tmp_path):
    """present fills {section}; order does not: the override changing `check` is where to look."""
    root = make_pack(tmp_path, {"s.yaml": SECTIONS})
    local = local_pack(tmp_path, "  TST-SEC:\n    params:\n      check: order\n")
    with pytest.raises(RuleError) as err:
        load_packs(root, [local])
    assert err.value.problems == [f"{local}/q/pack.yaml:6: overrides.TST-SEC.message 中的占位符 {{section}} "
                                  "不是 sections 类规则提供的（可用：{found_order}），会原样出现在问题说明中"]


def test_a_claim_without_its_regex_is_reported_at_its_check(tmp_path):
    rule = ("id: TST-CLAIM\ntitle: 测试规则\nseverity: error\nkind: cross_year\nbasis: 测试依据\n"
            "message: 原文「{quote}」\nparams:\n  scope: report\n  check: claim\n")
    root = make_pack(tmp_path, {"c.yaml": rule})
    assert problems(root) == [f"{root}/p/c.yaml:9: params.check 为 claim 时须给出 params.regex"]
