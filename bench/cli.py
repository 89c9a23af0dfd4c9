"""argparse with Chinese chrome (用法、选项、显示帮助), for the bench commands."""
from __future__ import annotations

import argparse


class ChineseHelp(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：")


def parser(prog: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=description, epilog=epilog, formatter_class=ChineseHelp,
                                 add_help=False)
    ap._positionals.title = "参数"
    ap._optionals.title = "选项"
    ap.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    return ap
