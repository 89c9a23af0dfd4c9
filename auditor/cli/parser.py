"""The command line's grammar: every command, option and help text."""
from __future__ import annotations

import argparse
from pathlib import Path

from .decide_cmd import _cmd_decide
from .exits import EPILOG
from .extract_cmd import _cmd_extract
from .rules_cmd import _cmd_rules_check, _cmd_rules_explain, _cmd_rules_list, _cmd_rules_test
from .run_cmd import _cmd_run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="auditor", description="政府信息公开工作年度报告合规审核工具",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(title="子命令", metavar="命令")

    run = sub.add_parser("run", help="审核报告并写出结果", epilog=EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("paths", nargs="*", type=Path, help="报告文件或目录（默认 reports_in/）")
    run.add_argument("--out", type=Path, default=Path("audit_out"), help="结果目录（默认 audit_out/）")
    run.add_argument("--rules", type=Path, default=None, help="规则目录（默认 rules/）")
    run.add_argument("--local", type=Path, action="append", default=[], metavar="目录",
                     help="本地规则包目录（可多次给出），继承并覆盖全国规则包")
    run.add_argument("--waivers", type=Path, default=None, metavar="文件",
                     help="豁免清单 YAML（默认使用当前目录下的 waivers.yaml，如存在）")
    run.add_argument("--agency-types", type=Path, default=None, metavar="文件",
                     help="单位类型覆盖 YAML（单位名称: government/department/township）")
    run.add_argument("--roster", type=Path, default=None, metavar="文件",
                     help="应发布单位名册（CSV 或 XLSX：单位名称、别名、地区、单位类型、上级单位）")
    run.add_argument("--year", type=int, default=None, metavar="年度",
                     help="覆盖情况统计的报告年度（默认为所审报告中有相当数量报告的最新年度，"
                          "不计尚未结束的年度和个别报告的年度）")
    run.add_argument("--ledger", type=Path, default=None, metavar="文件",
                     help="账本（SQLite）路径（默认 结果目录/ledger.sqlite）")
    run.add_argument("--full", action="store_true", help="不沿用上次结果，全部重新读取和审核")
    run.add_argument("--wait", type=float, default=0, metavar="秒",
                     help="结果目录被另一任务占用时最多等待的秒数（默认不等待，退出码 5）")
    run.add_argument("--fail-on", choices=["error", "warning", "never"], default="never",
                     help="存在该级别及以上的合规问题时以退出码 1 结束（默认 never）")
    run.set_defaults(func=_cmd_run)

    dec = sub.add_parser("decide", help="记录对某条问题的处理意见（确认属实 / 不予采纳）")
    dec.add_argument("fingerprint", help="问题指纹（问题清单的「指纹」列）")
    dec.add_argument("decision", choices=["confirmed", "dismissed"], help="confirmed 确认属实，dismissed 不予采纳")
    dec.add_argument("--by", required=True, metavar="姓名", help="处理人")
    dec.add_argument("--comment", default="", metavar="说明", help="说明")
    dec.add_argument("--out", type=Path, default=Path("audit_out"), help="结果目录（默认 audit_out/）")
    dec.add_argument("--ledger", type=Path, default=None, metavar="文件", help="账本路径")
    dec.set_defaults(func=_cmd_decide)

    ext = sub.add_parser("extract", help="读取报告并输出标准结构（JSON）")
    ext.add_argument("files", nargs="+", type=Path, help="报告文件")
    ext.add_argument("--json", action="store_true", help="输出 JSON（多个文件时每行一个 JSON 对象）")
    ext.set_defaults(func=_cmd_extract)

    rules = sub.add_parser("rules", help="规则管理：check 校验、test 用例、list 列出、explain 说明")
    rules.add_argument("--rules", type=Path, default=None, help="规则目录（默认 rules/）")
    rules.add_argument("--local", type=Path, action="append", default=[], metavar="目录", help="本地规则包目录")
    rsub = rules.add_subparsers(title="规则子命令", metavar="子命令")
    rsub.add_parser("check", help="按 JSON Schema 校验全部规则文件").set_defaults(func=_cmd_rules_check)
    rsub.add_parser("list", help="列出全部规则").set_defaults(func=_cmd_rules_list)
    rsub.add_parser("test", help="运行全部规则用例（每条规则须有通过和不通过的用例）").set_defaults(func=_cmd_rules_test)
    exp = rsub.add_parser("explain", help="说明一条规则")
    exp.add_argument("rule_id", help="规则编号，例如 T3-A1")
    exp.set_defaults(func=_cmd_rules_explain)
    return p
