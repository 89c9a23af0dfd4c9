"""The command line's grammar: every command, option and help text, all in Chinese.

argparse writes its own words (usage:, options:, invalid choice, the following arguments are
required, ...) through the module's gettext hook `argparse._`; while our parser builds, parses or
formats, that hook answers from the catalogue below, so every message argparse can produce comes
out in Chinese, on any Python version, without copying argparse's code. The help formatter measures
display width, since a CJK character takes two terminal columns."""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NoReturn

from .decide_cmd import _cmd_decide, decision_code
from .decisions_cmd import _cmd_decisions_import
from .exits import EPILOG, EXIT_OK, EXIT_USAGE
from .extract_cmd import _cmd_extract
from .history_cmd import _cmd_history
from .notices_cmd import _cmd_notices
from .rules_cmd import _cmd_rules_check, _cmd_rules_explain, _cmd_rules_list, _cmd_rules_test
from .run_cmd import _cmd_run
from .width import display_width, pad, wrap

# argparse's message ids (Python 3.9-3.13) → Chinese. %r becomes 「%s」: a Chinese reader's quotes.
ZH: dict[str, str] = {
    "usage: ": "用法：",
    "options": "选项",
    "optional arguments": "选项",
    "positional arguments": "参数",
    "subcommands": "子命令",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：用法错误：%(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s：提示：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必须给出的参数：%s",
    "one of the arguments %s is required": "须给出以下参数之一：%s",
    "expected one argument": "后面须跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面至少跟一个值",
    "expected %s argument": "后面须跟 %s 个值",
    "expected %s arguments": "后面须跟 %s 个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "「%(value)s」无效，可选：%(choices)s",
    "invalid %(type)s value: %(value)r": "「%(value)s」无效（应为 %(type)s）",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与 %s 同时使用",
    "ignored explicit argument %r": "此选项不带取值，「%s」无效",
    "unexpected option string: %s": "不应出现的选项：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有「%(parser_name)s」这个命令（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开「%(filename)s」：%(error)s",
    "option %(option)s is deprecated": "选项 %(option)s 已停用",
    "argument %(argument_name)s is deprecated": "参数 %(argument_name)s 已停用",
    "command %(parser_name)r is deprecated": "命令「%(parser_name)s」已停用",
}


def _gettext(message: str) -> str:
    return ZH.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return ZH.get(singular if n == 1 else plural, singular if n == 1 else plural)


@contextmanager
def chinese_argparse() -> Iterator[None]:
    """argparse's gettext hook answers in Chinese for the duration (re-entrant; restored after)."""
    saved = {name: getattr(argparse, name) for name in ("_", "ngettext") if hasattr(argparse, name)}
    argparse._ = _gettext                    # type: ignore[attr-defined]
    if "ngettext" in saved:
        argparse.ngettext = _ngettext        # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(argparse, name, value)


_USAGE_PART = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]|\((?:[^()]|\([^()]*\))*\)|\S+")   # [..[..]..], (..), word


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help laid out by display width: option names with Chinese metavars stay aligned with the
    others, and Chinese help text wraps at the terminal's width (textwrap counts characters)."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _format_usage(self, usage, actions, groups, prefix):  # type: ignore[no-untyped-def]
        """argparse's usage, re-wrapped by display width (it wraps by characters): the parts after
        the program name, each kept whole, with continuation lines under the first part."""
        text = super()._format_usage(usage, actions, groups, prefix)
        prefix = prefix or ""
        body = " ".join(text[len(prefix):].split())
        if not body.startswith(self._prog):
            return text
        parts = _USAGE_PART.findall(body[len(self._prog):])
        width = max(self._width - self._current_indent, 20)
        indent = display_width(prefix) + display_width(self._prog) + 1
        lines: list[str] = []
        line = prefix + self._prog
        if indent > width * 3 // 4:        # a long program name: the parts start on the next line
            lines.append(line)
            indent = display_width(prefix)
            line = " " * indent
        has_part = False
        for part in parts:
            candidate = f"{line} {part}" if line.strip() else line + part
            if has_part and display_width(candidate) > width:
                lines.append(line)
                candidate = " " * indent + part
            line, has_part = candidate, True
        lines.append(line)
        return "\n".join(lines) + "\n\n"

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is argparse.SUPPRESS:
            return
        widest = display_width(self._format_action_invocation(action)) + self._current_indent
        for sub in self._iter_indented_subactions(action):
            widest = max(widest, display_width(self._format_action_invocation(sub)) + self._current_indent)
        self._action_max_length = max(self._action_max_length, widest)

    def format_help(self) -> str:
        # section headings end in a full-width colon, as Chinese text does (argparse adds ':')
        return re.sub(r"(?m)^(\S[^\n]*?):$", "\\1：", super().format_help())

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _format_action(self, action: argparse.Action) -> str:
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        if not action.help:
            parts = [f"{indent}{header}\n"]
        elif display_width(header) <= action_width:
            parts = [f"{indent}{pad(header, action_width)}  "]
            first_indent = 0
        else:
            parts = [f"{indent}{header}\n"]
            first_indent = help_position
        if action.help and action.help.strip():
            lines = self._split_lines(self._expand_help(action), help_width)
            parts.append(" " * first_indent + lines[0] + "\n")
            parts.extend(" " * help_position + line + "\n" for line in lines[1:])
        elif not parts[0].endswith("\n"):
            parts.append("\n")
        for sub in self._iter_indented_subactions(action):
            parts.append(self._format_action(sub))
        return self._join_parts(parts)


class ChineseArgumentParser(argparse.ArgumentParser):
    """ArgumentParser whose own texts are Chinese and whose usage errors exit with EXIT_USAGE."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        with chinese_argparse():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs):  # type: ignore[no-untyped-def]
        with chinese_argparse():
            return super().add_subparsers(**kwargs)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        with chinese_argparse():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        with chinese_argparse():
            return super().parse_args(args, namespace)

    def format_usage(self) -> str:
        with chinese_argparse():
            return super().format_usage()

    def format_help(self) -> str:
        with chinese_argparse():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        """The usage line, then one Chinese sentence on stderr; exit 2 (nothing was run)."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}：用法错误：{message}。\n查看用法：{self.prog} -h\n")


class VersionAction(argparse.Action):
    """`--version`: the package version and the engine version (the one stored with every run)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str = "显示版本号并退出") -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> NoReturn:  # type: ignore[no-untyped-def]
        print(version_text())
        parser.exit(EXIT_OK)


def version_text() -> str:
    import platform

    from .. import __version__
    from ..pipeline import engine_version

    return f"gov-report-auditor {__version__}（引擎版本 {engine_version()}，Python {platform.python_version()}）"


def _year(text: str) -> int:
    value = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"\d{4}", value):
        raise argparse.ArgumentTypeError(f"「{text}」不是年度，应为四位数字，例如 2024")
    return int(value)


def _seconds(text: str) -> float:
    try:
        value = float(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        value = -1.0
    if not value >= 0:      # also NaN
        raise argparse.ArgumentTypeError(f"「{text}」不是秒数，应为不小于 0 的数字，例如 60")
    return value


def _date(text: str) -> dt.date:
    """A date typed as 2026-12-31, 2026/12/31, 20261231 or 2026年12月31日."""
    value = unicodedata.normalize("NFKC", text).strip()
    m = re.fullmatch(r"(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))", value)
    try:
        if not m:
            raise ValueError
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
        return dt.date(int(m.group(1)), int(month), int(day))
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是日期，应写作 2026-12-31") from None


def _working_days(text: str) -> int:
    value = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"\d{1,3}", value) or not 1 <= int(value) <= 365:
        raise argparse.ArgumentTypeError(f"「{text}」不是工作日数，应为 1 到 365 的整数，例如 10")
    return int(value)


def _results_options(p: argparse.ArgumentParser) -> None:
    """--out and --ledger, as every command that reads a run's results has them."""
    p.add_argument("--out", type=Path, default=Path("audit_out"), metavar="目录", help="结果目录（默认 audit_out/）")
    p.add_argument("--ledger", type=Path, default=None, metavar="文件", help="账本路径（默认 结果目录/ledger.sqlite）")


def build_parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(prog="auditor", description="政府信息公开工作年度报告合规审核工具", epilog=EPILOG)
    p.add_argument("--version", action=VersionAction)
    sub = p.add_subparsers(title="子命令", metavar="命令")

    run = sub.add_parser("run", help="审核报告并写出结果", epilog=EPILOG)
    run.add_argument("paths", nargs="*", type=Path, metavar="报告路径", help="报告文件或目录（默认 reports_in/）")
    run.add_argument("--out", type=Path, default=Path("audit_out"), metavar="目录", help="结果目录（默认 audit_out/）")
    run.add_argument("--rules", type=Path, default=None, metavar="目录", help="规则目录（默认：随程序安装的全国规则包）")
    run.add_argument("--local", type=Path, action="append", default=[], metavar="目录",
                     help="本地规则包目录（可多次给出），继承并覆盖全国规则包")
    run.add_argument("--waivers", type=Path, default=None, metavar="文件",
                     help="豁免清单 YAML（默认使用当前目录下的 waivers.yaml，如存在）")
    run.add_argument("--agency-types", type=Path, default=None, metavar="文件",
                     help="单位类型覆盖 YAML（单位名称: government/department/township）")
    run.add_argument("--roster", type=Path, default=None, metavar="文件",
                     help="应发布单位名册（CSV 或 XLSX：单位名称、别名、地区、单位类型、上级单位）")
    run.add_argument("--year", type=_year, default=None, metavar="年度",
                     help="覆盖情况统计的报告年度（默认为所审报告中有相当数量报告的最新年度，"
                          "不计尚未结束的年度和个别报告的年度）")
    run.add_argument("--ledger", type=Path, default=None, metavar="文件",
                     help="账本（SQLite）路径（默认 结果目录/ledger.sqlite）")
    run.add_argument("--full", action="store_true", help="不沿用上次结果，全部重新读取和审核")
    run.add_argument("--wait", type=_seconds, default=0, metavar="秒",
                     help="结果目录被另一任务占用时最多等待的秒数（默认不等待，退出码 5）")
    run.add_argument("--fail-on", choices=["error", "warning", "never"], default="never", metavar="级别",
                     help="存在该级别及以上的合规问题时以退出码 1 结束：error 错误，warning 警告及以上，"
                          "never 从不（默认 never）")
    where = run.add_argument_group("多台机器（Dask 集群，见 README「多台机器」）")
    where.add_argument("--executor", choices=["local", "dask"], default=None, metavar="方式",
                       help="读取报告的方式：local 本机各核（默认），dask 在 Dask 集群上读取；"
                            "审核规则、工作簿和账本始终在本机")
    where.add_argument("--scheduler", default=None, metavar="地址",
                       help="Dask 调度器地址，例如 tcp://10.0.0.5:8786（默认取环境变量 DASK_SCHEDULER_ADDRESS；"
                            "给出本项即使用 dask）")
    where.add_argument("--send-files", action="store_true",
                       help="由本机读取报告文件并随任务发给各节点（各节点无法访问同一共享存储时使用）")
    run.set_defaults(func=_cmd_run)

    dec = sub.add_parser("decide", help="记录对某条问题的处理意见（确认属实 / 不予采纳）")
    dec.add_argument("fingerprint", metavar="指纹",
                     help="问题指纹（问题清单的「指纹」列）；可只写开头几位（至少 6 位），只要能唯一确定")
    dec.add_argument("decision", type=decision_code, metavar="处理意见",
                     help="确认属实 或 不予采纳（也可写 confirmed、dismissed）")
    dec.add_argument("--by", required=True, metavar="姓名", help="处理人")
    dec.add_argument("--comment", default="", metavar="说明", help="说明")
    _results_options(dec)
    dec.set_defaults(func=_cmd_decide)

    decs = sub.add_parser("decisions", help="成批处理意见：import 从工作簿「问题清单」导入")
    decs.set_defaults(help_parser=decs)
    dsub = decs.add_subparsers(title="处理意见子命令", metavar="子命令")
    imp = dsub.add_parser("import", help="读取工作簿「问题清单」中填写的「处理意见」和「说明」，记入账本")
    imp.add_argument("workbook", type=Path, metavar="工作簿",
                     help="填写了处理意见的审核工作簿（.xlsx，可用 Excel 或 WPS 编辑后保存）")
    imp.add_argument("--by", required=True, metavar="姓名", help="处理人")
    _results_options(imp)
    imp.set_defaults(func=_cmd_decisions_import)

    notes = sub.add_parser("notices", help="为有待整改问题的单位生成整改通知和审核结果单（DOCX）")
    _results_options(notes)
    notes.add_argument("--to", type=Path, default=None, metavar="目录",
                       help="通知写入的目录（默认 最近一次运行目录下的「整改通知-日期」）")
    when = notes.add_mutually_exclusive_group()
    when.add_argument("--deadline", type=_date, default=None, metavar="日期", help="整改期限，例如 2026-12-31")
    when.add_argument("--days", type=_working_days, default=None, metavar="工作日数",
                      help="整改期限为通知日期后的若干个工作日（不含周末和法定节假日，默认 10）")
    notes.add_argument("--date", type=_date, default=None, metavar="日期", help="通知日期（默认今天）")
    notes.add_argument("--template", type=Path, default=None, metavar="模板",
                       help="整改通知模板（.docx，占位符见 README「整改通知」；默认使用内置模板）")
    notes.add_argument("--include-unreviewed", action="store_true",
                       help="也通知尚未处理的问题（默认只通知处理意见为「确认属实」的问题）")
    notes.add_argument("--issuer", default=None, metavar="发文机关", help="落款的发文机关名称")
    notes.add_argument("--contact", default=None, metavar="联系人", help="联系人及联系电话，例如「张三，010-12345678」")
    notes.add_argument("--agency", action="append", default=[], metavar="单位",
                       help="只为该单位生成（可多次给出；默认所有有待整改问题的单位）")
    notes.set_defaults(func=_cmd_notices)

    hist = sub.add_parser("history", help="查看一个单位历年的审核结论和整改情况")
    hist.add_argument("agency", metavar="单位", help="单位名称（全称或能唯一确定的一部分）")
    _results_options(hist)
    hist.set_defaults(func=_cmd_history)

    ext = sub.add_parser("extract", help="读取报告并输出标准结构（JSON）")
    ext.add_argument("files", nargs="+", type=Path, metavar="报告文件", help="报告文件")
    ext.add_argument("--json", action="store_true", help="输出 JSON（多个文件时每行一个 JSON 对象）")
    ext.set_defaults(func=_cmd_extract)

    rules = sub.add_parser("rules", help="规则管理：check 校验、test 用例、list 列出、explain 说明")
    rules.add_argument("--rules", type=Path, default=None, metavar="目录", help="规则目录（默认：随程序安装的全国规则包）")
    rules.add_argument("--local", type=Path, action="append", default=[], metavar="目录", help="本地规则包目录")
    rules.set_defaults(help_parser=rules)   # `auditor rules` alone shows this command's help
    rsub = rules.add_subparsers(title="规则子命令", metavar="子命令")
    rsub.add_parser("check", help="按 JSON Schema 校验全部规则文件").set_defaults(func=_cmd_rules_check)
    rsub.add_parser("list", help="列出全部规则").set_defaults(func=_cmd_rules_list)
    rsub.add_parser("test", help="运行全部规则用例（每条规则须有通过和不通过的用例）").set_defaults(func=_cmd_rules_test)
    exp = rsub.add_parser("explain", help="说明一条规则")
    exp.add_argument("rule_id", metavar="规则编号", help="规则编号，例如 T3-A1（大小写均可）")
    exp.set_defaults(func=_cmd_rules_explain)
    return p
