"""`auditor rules check|test|list|explain`: the rule packs, for their authors and for staff."""
from __future__ import annotations

import argparse
import json
import sys

from .common import _load_all, _load_packs, default_rules_dir
from .exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


def _cmd_rules_check(args: argparse.Namespace) -> int:
    packs = _load_packs(args.rules, args.local)
    if packs is None:
        return EXIT_USAGE
    n = sum(len(p.rules) for p in packs)
    print(f"规则文件校验通过：{len(packs)} 个规则包，{n} 条规则。")
    return EXIT_OK


def _cmd_rules_test(args: argparse.Namespace) -> int:
    from ..rules.cases import counts, run_all

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    summaries = run_all(packs, (args.rules or default_rules_dir()) / "fixtures")
    for s in summaries:
        mark = "通过" if s.passed else "未通过"
        print(f"{mark}  {s.rule_id:<26}{len(s.results)} 个用例")
        if s.required and not s.has_ok:
            print("      缺少通过的用例（expect: []）")
        if s.required and not s.has_fail:
            print("      缺少不通过的用例（expect 中至少一条合规问题）")
        for r in s.results:
            if r.passed:
                continue
            print(f"      用例「{r.name}」：" + (r.error or ""))
            if not r.error:
                print(f"        期望：{r.expected}")
                print(f"        实际：{r.actual}")
    c = counts(summaries)
    ok = c["failed_cases"] == 0 and c["incomplete_rules"] == 0
    print(f"共 {c['rules']} 条规则、{c['cases']} 个用例；未通过用例 {c['failed_cases']} 个，缺少用例的规则 "
          f"{c['incomplete_rules']} 条。{'全部通过。' if ok else ''}")
    return EXIT_OK if ok else EXIT_FINDINGS


def _cmd_rules_list(args: argparse.Namespace) -> int:
    from ..rules.model import KIND_ZH, SEVERITY_ZH

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    for pack in packs:
        print(f"# {pack.title}（{pack.id}{'，继承 ' + pack.extends if pack.extends else ''}；"
              f"适用格式：{'、'.join(pack.templates)}）")
        for r in sorted(pack.rules, key=lambda r: r.id):
            print(f"{r.id:<26}{SEVERITY_ZH[r.severity]}  {KIND_ZH[r.kind]:<6}{r.title}")
    return EXIT_OK


def _cmd_rules_explain(args: argparse.Namespace) -> int:
    from ..rules.cases import case_files
    from ..rules.model import KIND_ZH, SEVERITY_ZH
    from ..rules.strict_yaml import compose, construct

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    found = False
    for pack in packs:
        rule = next((r for r in pack.rules if r.id == args.rule_id), None)
        if rule is None:
            continue
        found = True
        print(f"{rule.id}：{rule.title}\n规则包：{pack.title}（{pack.id}）\n严重程度：{SEVERITY_ZH[rule.severity]}\n"
              f"类型：{KIND_ZH[rule.kind]}（{rule.kind}）\n依据：{rule.basis}\n说明：{rule.description}\n"
              f"问题说明模板：{rule.message}")
        if rule.when:
            print("适用范围：" + json.dumps(rule.when, ensure_ascii=False))
        print("参数：\n" + json.dumps(rule.params, ensure_ascii=False, indent=2))
        print(f"规则文件：{rule.source}")
        for path in case_files(pack, rule):
            data = construct(compose(path.read_text(encoding="utf-8")))
            print(f"示例（{path.name}）：")
            for case in data.get("cases", []):
                if not case.get("expect"):
                    print(f"  ✓ {case['name']}：不报告问题")
                for e in case.get("expect", []):
                    where = f"{e['location']}：" if e.get("location") else ""
                    tag = "（无法核对）" if e.get("category") == "extraction" else ""
                    print(f"  ✗ {case['name']}：{where}{e['message']}{tag}")
        print()
    if not found:
        print(f"未找到规则「{args.rule_id}」", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
