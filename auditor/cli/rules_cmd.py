"""`auditor rules check|test|list|explain`: the rule packs, for their authors and for staff."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from .common import _load_all, _load_packs, default_rules_dir
from .exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from .width import display_width, pad


def _cmd_rules_check(args: argparse.Namespace) -> int:
    packs = _load_packs(args.rules, args.local)
    if packs is None:
        return EXIT_USAGE
    n = sum(len(p.rules) for p in packs)
    print(f"规则文件校验通过：{len(packs)} 个规则包，{n} 条规则。")
    return EXIT_OK


def _cmd_rules_test(args: argparse.Namespace) -> int:
    from ..rulecases import counts, run_all

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    summaries = run_all(packs, (args.rules or default_rules_dir()) / "fixtures")
    id_width = max((display_width(s.rule_id) for s in summaries), default=0) + 2
    for s in summaries:
        mark = pad("通过" if s.passed else "未通过", 8)
        print(f"{mark}{pad(s.rule_id, id_width)}{len(s.results)} 个用例")
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
    rows = [[[r.id, SEVERITY_ZH[r.severity], KIND_ZH[r.kind], r.title] for r in sorted(p.rules, key=lambda r: r.id)]
            for p in packs]
    for pack, lines in zip(packs, rows):
        print(f"# {pack.title}（{pack.id}{'，继承 ' + pack.extends if pack.extends else ''}；"
              f"适用格式：{'、'.join(pack.templates)}）")
        for line in aligned([row for pack_rows in rows for row in pack_rows], lines):
            print(line)
    return EXIT_OK


def aligned(all_rows: list[list[str]], rows: list[list[str]], gap: int = 2) -> list[str]:
    """`rows` as text columns, each as wide (in terminal columns: CJK characters count two) as its
    widest cell in `all_rows` plus `gap`, so that every pack's table lines up the same way."""
    widths = [max(display_width(row[i]) for row in all_rows) + gap for i in range(len(all_rows[0]) - 1)] \
        if all_rows else []
    return ["".join(pad(cell, w) for cell, w in zip(row, widths)) + row[-1] for row in rows]


def _cmd_rules_explain(args: argparse.Namespace) -> int:
    from ..rulecases import case_files
    from ..rules.ids import rule_id_key
    from ..rules.model import KIND_ZH, SEVERITY_ZH
    from ..rules.strict_yaml import compose, construct

    packs = _load_all(args)
    if packs is None:
        return EXIT_USAGE
    wanted = rule_id_key(args.rule_id)
    found = False
    for pack in packs:
        rule = next((r for r in pack.rules if r.id == wanted), None)
        if rule is None:
            continue
        found = True
        print(f"{rule.id}：{rule.title}\n规则包：{pack.title}（{pack.id}）\n严重程度：{SEVERITY_ZH[rule.severity]}\n"
              f"类型：{KIND_ZH[rule.kind]}（{rule.kind}）\n依据：{rule.basis}\n说明：{rule.description}\n"
              f"问题说明模板：{rule.message}")
        if rule.when:
            print("适用范围：" + json.dumps(rule.when, ensure_ascii=False))
        # the parameters in effect: those written in the rule and the kind's defaults (auditor/rules/kinds.py)
        effective = rule.params if rule.args is None else \
            {k: v for k, v in dataclasses.asdict(rule.args).items() if v is not None}
        print("参数（含缺省值）：\n" + json.dumps(effective, ensure_ascii=False, indent=2, default=str))
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
        close = sorted(r.id for p in packs for r in p.rules if wanted and wanted in r.id)
        hint = f"；相近的规则：{'、'.join(dict.fromkeys(close[:10]))}" if close else "；全部规则见 auditor rules list"
        print(f"未找到规则「{args.rule_id}」{hint}。", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
