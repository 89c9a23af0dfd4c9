"""Exit codes: one home, shared by every command, the help text and the README."""
from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_ENGINE = 4
EXIT_LOCKED = 5
EXIT_WRITE = 6
EXIT_INTERNAL = 7      # a defect of ours, never 1: cron must not read a crash as "findings"
EXIT_LEDGER = 8
EXIT_INPUT = 9         # a missing, empty or unreadable input path: refused, nothing touched
EXIT_CLUSTER = 10      # the Dask cluster unreachable, without workers, of another version, or lost mid-run

EPILOG = """退出码：
  0  运行完成
  1  运行完成，且存在 --fail-on 指定级别及以上的合规问题
  2  用法错误或规则文件无效（未运行审核）
  3  运行完成，但有文件无法读取（见 需人工核查）
  4  引擎错误（校验执行出错），本次未写出结果
  5  另一个审核任务正在运行（结果目录被锁定），本次未运行
  6  写入结果失败（如磁盘已满、没有写权限）；之前的结果和账本保持不变
  7  内部错误（程序缺陷），本次未写出结果；之前的结果和账本保持不变，详情见日志 auditor.log
  8  账本已损坏，本次未运行；损坏的文件保持原样，按提示改名后再运行即全部重新审核
  9  输入目录不存在、为空或无法读取，本次未运行；之前的结果和账本保持不变
  10  无法使用 Dask 集群（无法连接、没有工作节点、节点版本不一致或运行中断开），本次未记录结果；之前的结果和账本保持不变"""


def exit_words(code: int) -> str:
    """What an exit code means, in the words of the help text (EPILOG), for the log's summary line."""
    for line in EPILOG.splitlines()[1:]:
        number, _, text = line.strip().partition("  ")
        if number == str(code):
            return text.strip()
    return "未知"
