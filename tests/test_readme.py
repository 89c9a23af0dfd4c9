"""The README is the office's manual: it must say what the program does, today.

Each check is a small function returning the problems it found, so the same function is run on the
real README (no problems) and on a spoiled copy (the problem is found): a check that cannot fail
proves nothing. Everything is read at test time (the CLI grammar, the exit codes, the module tree),
so a new option, exit code or module is checked without editing this file.
"""
from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from auditor.cli import exits
from auditor.cli.parser import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs" / "internals.md"
CI = ROOT / ".ci" / "run"

USAGE = "使用说明"
# the office part's subsections (issue 13: install, routine, roster, workbook, decisions, waivers, cron)
OFFICE_SECTIONS = ("安装", "每月例行", "名册", "读懂工作簿", "处理意见", "豁免", "定时运行")
# headings that belong to the internals document, never to the README
INTERNALS_HEADINGS = ("标准结构", "单位名称与发布日期", "读取的可靠性", "规则怎么写", "规则用例", "不冤枉单位",
                      "异常输入与安全", "性能", "目录")
# pip's options, which the install notes may name in prose; everything else starting with -- is ours
PIP_OPTIONS = {"--no-index", "--find-links", "--upgrade", "--only-binary", "--require-hashes", "--no-deps",
               "--constraint", "--requirement", "--editable", "--dest", "--wheel-dir", "--prefer-binary"}
# `dask scheduler` and `dask worker`'s options, which 多台机器 names (Dask's commands, not ours)
DASK_OPTIONS = {"--host", "--port", "--nworkers", "--nthreads", "--memory-limit", "--lifetime", "--lifetime-stagger",
                "--lifetime-restart", "--dashboard-address", "--no-dashboard"}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _headings(text: str) -> list[tuple[int, str]]:
    """(level, title) of every markdown heading outside fenced code blocks."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if m and not fenced:
            out.append((len(m.group(1)), m.group(2).strip()))
    return out


def _section(text: str, title: str) -> str:
    """The text under the first `## title…` heading up to the next heading of the same or higher level."""
    lines = text.splitlines()
    fenced, start, level = False, None, 0
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if not m or fenced:
            continue
        if start is None and m.group(2).strip().startswith(title):
            start, level = i + 1, len(m.group(1))
        elif start is not None and len(m.group(1)) <= level:
            return "\n".join(lines[start:i])
    return "\n".join(lines[start:]) if start is not None else ""


# --- install commands ---------------------------------------------------------------------------

def readme_commands(text: str) -> dict[str, str]:
    """The numbered commands of the install block: `# 1. …` comment, then the command line."""
    install = _section(text, "安装")
    block = re.search(r"```bash\n(.*?)```", install, re.S)
    commands, number = {}, None
    for line in (block.group(1) if block else "").splitlines():
        m = re.match(r"#\s*(\d+)\.", line.strip())
        if m:
            number = m.group(1)
        elif line.strip() and number and number not in commands:
            commands[number] = line.strip()
    return commands


def ci_commands(script: str) -> list[str]:
    """What .ci/run executes, without its shebang, comments, `set` and the `cd` to the checkout."""
    out = []
    for line in script.splitlines():
        s = line.strip()
        if not s or s.startswith("#") or s.startswith("set ") or re.fullmatch(r'cd "\$\(dirname "\$0"\)/\.\."', s):
            continue
        out.append(s)
    return out


def install_problems(readme: str, script: str) -> list[str]:
    commands = readme_commands(readme)
    if "2" not in commands:
        return ["README 的「安装」中没有第 2 条命令"]
    ci = ci_commands(script)
    if ci != [commands["2"]]:
        return [f".ci/run 执行 {ci}，README 第 2 条命令是 {commands['2']!r}"]
    return []


def test_readme_install_commands_are_what_ci_runs() -> None:
    commands = readme_commands(_read(README))
    assert set(commands) >= {"1", "2"}, commands
    assert commands["1"].startswith("python3 -m venv"), commands["1"]
    assert install_problems(_read(README), _read(CI)) == []


def test_install_check_catches_a_drift() -> None:
    readme = _read(README)
    second = readme_commands(readme)["2"]
    assert install_problems(readme, _read(CI).replace(second, second + " -x"))
    assert install_problems(readme.replace(second, second.replace("pytest", "pytest -q")), _read(CI))


# --- order: the office part first ---------------------------------------------------------------

def order_problems(readme: str) -> list[str]:
    problems = []
    second = [title for level, title in _headings(readme) if level == 2]
    if not second or not second[0].startswith(USAGE):
        problems.append(f"README 的第一个二级标题应是「{USAGE}」，实为 {second[:1]}")
    usage = _section(readme, USAGE)
    subsections = [title for level, title in _headings(usage) if level == 3]
    for name in OFFICE_SECTIONS:
        if not any(t.startswith(name) for t in subsections):
            problems.append(f"「{USAGE}」中缺少「{name}」")
    for level, title in _headings(readme):
        if any(title.startswith(h) for h in INTERNALS_HEADINGS):
            problems.append(f"README 中有引擎说明的标题「{title}」（应在 docs/internals.md）")
    head = readme.split("## ", 1)[0] + usage
    if "docs/internals.md" not in head:
        problems.append("README 开头或「使用说明」中没有链接 docs/internals.md")
    return problems


def test_readme_starts_with_the_office_manual() -> None:
    assert order_problems(_read(README)) == []


def test_internals_document_keeps_every_internals_section() -> None:
    titles = [title for _, title in _headings(_read(DOCS))]
    for heading in INTERNALS_HEADINGS:
        assert any(t.startswith(heading) for t in titles), heading


def test_order_check_catches_internals_first() -> None:
    readme = _read(README)
    assert order_problems(readme.replace(f"## {USAGE}", "## 规则怎么写\n\n## " + USAGE, 1))
    assert order_problems(readme.replace("### 豁免", "### 其他", 1))
    assert order_problems(readme.replace("docs/internals.md", "docs/x.md"))


# --- relative links -----------------------------------------------------------------------------

def link_problems(path: Path, text: str) -> list[str]:
    problems = []
    for target in re.findall(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
        if re.match(r"[a-z][a-z+.-]*:", target) or target.startswith("#"):
            continue                              # web and mail links, anchors
        file = target.split("#", 1)[0]
        if not (path.parent / file).exists():
            problems.append(f"{path.name}: 链接 {target} 指向不存在的文件")
    return problems


@pytest.mark.parametrize("path", [README, DOCS], ids=["README", "internals"])
def test_relative_links_point_to_files(path: Path) -> None:
    text = _read(path)
    assert re.search(r"\]\((?!https?:)", text), "no relative link at all"
    assert link_problems(path, text) == []


def test_link_check_catches_a_broken_link() -> None:
    assert link_problems(README, "见 [说明](docs/no-such-file.md)")
    assert link_problems(DOCS, "见 [README](README.md)")          # relative to docs/: wrong
    assert not link_problems(DOCS, "见 [README](../README.md#使用说明)")


# --- commands and options -----------------------------------------------------------------------

def cli_grammar() -> dict[tuple[str, ...], set[str]]:
    """Every command path (("run",), ("rules", "list"), …) → the options valid there (its ancestors' too)."""
    grammar: dict[tuple[str, ...], set[str]] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...], inherited: set[str]) -> None:
        options = inherited | {o for a in parser._actions for o in a.option_strings}
        grammar[path] = options
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, path + (name,), options)

    walk(build_parser(), (), set())
    return grammar


SEGMENT_END = re.compile(r"&&|\|\||[|;`<>（），。、；：#\n]|\s2>")


def _mentions(text: str) -> list[list[str]]:
    """The words after each `auditor ` up to the end of that shell command or phrase."""
    out = []
    for m in re.finditer(r"(?<![\w.-])(?:[\w./-]*/)?auditor(?= )", text):
        rest = text[m.end():]
        end = SEGMENT_END.search(rest)
        segment = rest[:end.start()] if end else rest
        try:
            words = shlex.split(segment)
        except ValueError:
            words = segment.split()
        out.append(words)
    return out


def cli_problems(text: str, grammar: dict[tuple[str, ...], set[str]]) -> list[str]:
    problems = []
    every_option = set().union(*grammar.values())
    for words in _mentions(text):
        path: tuple[str, ...] = ()
        descending = True
        for word in words:
            if word.startswith("--"):
                option = word.split("=", 1)[0]
                if option not in grammar[path]:
                    problems.append(f"`auditor {' '.join(words)}`：{' '.join(path) or 'auditor'} 没有选项 {option}")
            elif descending and re.fullmatch(r"[a-z][a-z-]*", word):
                children = {p[-1] for p in grammar if len(p) == len(path) + 1 and p[:len(path)] == path}
                if not children:
                    descending = False            # a positional argument (file, rule id…)
                elif word in children:
                    path += (word,)
                else:
                    problems.append(f"`auditor {' '.join(words)}`：没有子命令 {' '.join(path + (word,))}")
                    break
            else:
                descending = False
    for span in re.findall(r"`(--[a-z][a-z-]*)[^`]*`", text):
        if span not in every_option and span not in PIP_OPTIONS | DASK_OPTIONS:
            problems.append(f"`{span}` 不是 auditor 的选项")
    return problems


@pytest.mark.parametrize("path", [README, DOCS], ids=["README", "internals"])
def test_every_command_and_option_mentioned_exists(path: Path) -> None:
    text = _read(path)
    assert _mentions(text), "no `auditor <command>` mentioned"
    assert cli_problems(text, cli_grammar()) == []


def test_readme_mentions_every_office_command() -> None:
    paths = set()
    grammar = cli_grammar()
    for words in _mentions(_read(README)):
        path: tuple[str, ...] = ()
        for word in words:
            if path + (word,) in grammar:
                path += (word,)
        paths.add(path)
    assert {("run",), ("decide",)} <= paths, paths


def test_cli_check_catches_unknown_commands_and_options() -> None:
    grammar = cli_grammar()
    assert cli_problems("运行 `.venv/bin/auditor run --no-such-option 1`", grammar)
    assert cli_problems("`auditor audit`", grammar)
    assert cli_problems("`auditor rules lst`", grammar)
    assert cli_problems("`auditor decide abc confirmed --roster x.csv`", grammar)   # run's, not decide's
    assert cli_problems("或用 `--no-such-option 秒数`", grammar)
    assert not cli_problems("cd x && .venv/bin/auditor run --roster 名册.xlsx >> cron.log 2>&1", grammar)
    assert not cli_problems("`auditor rules --local 目录 explain T3-A1`", grammar)


# --- exit codes ---------------------------------------------------------------------------------

def exit_codes() -> dict[str, int]:
    return {name: value for name, value in vars(exits).items() if name.startswith("EXIT_") and isinstance(value, int)}


def exit_table(text: str) -> dict[int, str]:
    """The rows of the `| 码 | 含义 |` table in the README's 使用说明."""
    usage = _section(text, USAGE)
    m = re.search(r"^\|\s*码\s*\|\s*含义\s*\|\n\|[-| :]+\|\n((?:\|.*\|\n?)+)", usage, re.M)
    rows = m.group(1).splitlines() if m else []
    return {int(r.group(1)): r.group(2).strip() for r in (re.match(r"\|\s*(\d+)\s*\|(.*)\|", row) for row in rows) if r}


def exit_problems(text: str, codes: dict[str, int]) -> list[str]:
    table = exit_table(text)
    problems = [f"退出码 {value}（{name}）不在 README「{USAGE}」的退出码表中"
                for name, value in sorted(codes.items(), key=lambda kv: kv[1]) if value not in table]
    problems += [f"README 退出码表中的 {code} 在 auditor/cli/exits.py 中没有定义" for code in table
                 if code not in codes.values()]
    problems += [f"退出码 {code} 没有说明" for code, meaning in table.items() if not meaning]
    return problems


def test_every_exit_code_is_explained_in_the_office_manual() -> None:
    codes = exit_codes()
    assert {"EXIT_OK", "EXIT_USAGE", "EXIT_INTERNAL"} <= set(codes)
    assert exit_problems(_read(README), codes) == []


def test_exit_check_catches_a_new_code() -> None:
    codes = exit_codes()
    assert exit_problems(_read(README), {**codes, "EXIT_NEW": max(codes.values()) + 1})
    assert exit_problems(_read(README).replace("| 5 |", "| 55 |"), codes)


# --- module layout ------------------------------------------------------------------------------

def modules(root: Path = ROOT) -> set[str]:
    """Every module and package directory under auditor/, as repository paths."""
    out = {"auditor/"}
    for path in (root / "auditor").rglob("*"):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        if path.is_dir():
            out.add(rel + "/")
        elif path.suffix == ".py":
            out.add(rel)
    return out


def layout(text: str) -> set[str]:
    """The paths of the nested list in 「目录」: `- `name`` items, two spaces per level."""
    stack: list[str] = []
    out = set()
    for line in _section(text, "目录").splitlines():
        m = re.match(r"( *)- `([^`]+)`", line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        stack[depth:] = [m.group(2)]
        out.add("".join(stack))
    return out


def layout_problems(text: str, present: set[str]) -> list[str]:
    listed = layout(text)
    problems = [f"模块 {p} 不在 docs/internals.md「目录」中" for p in sorted(present - listed)]
    problems += [f"「目录」列出的 {p} 不存在" for p in sorted(listed) if p.startswith("auditor/") and p not in present]
    return problems


def test_layout_lists_every_module() -> None:
    present = modules()
    assert "auditor/cli/parser.py" in present and "auditor/engine/kinds/" in present
    assert layout_problems(_read(DOCS), present) == []


def test_layout_check_catches_a_missing_or_stale_module() -> None:
    present = modules()
    text = _read(DOCS)
    assert layout_problems(text, present | {"auditor/cli/new_cmd.py"})
    assert layout_problems(text.replace("    - `parser.py`", "    - `grammar.py`"), present)
