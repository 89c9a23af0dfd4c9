"""Chinese throughout (issue 13, point 6): help, usage errors and file errors in Chinese, --version,
decisions typed as the workbook writes them, fingerprint prefixes, an aligned `rules list`, and rule
ids in any case. Every test drives the real command line; the decide tests use the ledger of a real
run on copies of reports_in/."""
from __future__ import annotations

import argparse
import gettext
import re
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from auditor import cli
from auditor.cli.width import display_width, wrap
from auditor.ledger import Ledger

from .conftest import RULES, SAMPLES

# argparse's own English words; an option name such as --help is not prose and is allowed
ENGLISH = re.compile(r"(?<![-\w])(usage|options?|optional|positional|arguments?|show|help|message|exit|required|"
                     r"invalid|choice|choose|expected|unrecognized|ambiguous|error:)(?![-\w])", re.I)
RAW = re.compile(r"Errno|No such file|Is a directory|Permission denied|while parsing|while scanning|"
                 r"expected ','|could not find|Traceback")


def call(capsys, *argv: str) -> tuple[int, str, str]:
    """`auditor argv…` in this process: (exit code, stdout, stderr)."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


# ------------------------------------------------------------------------------------------ help

HELPS = [(), ("-h",), ("run", "-h"), ("decide", "-h"), ("extract", "-h"), ("rules", "-h"), ("rules",),
         ("rules", "explain", "-h"), ("rules", "list", "-h")]


@pytest.mark.parametrize("argv", HELPS, ids=lambda a: " ".join(a) or "auditor")
def test_help_is_chinese(capsys, argv):
    code, out, err = call(capsys, *argv)
    assert code in (0, 2) and not err
    assert out.startswith("用法：auditor")
    assert not ENGLISH.search(out), ENGLISH.search(out)
    assert "选项：" in out and ("显示本帮助并退出" in out)
    assert gettext.gettext is argparse._, "argparse's gettext hook is restored after use"


def test_run_help_lists_every_option_aligned_and_wrapped_by_display_width(capsys):
    code, out, _ = call(capsys, "run", "-h")
    assert code == 0 and "参数：" in out and "报告路径" in out
    body = out.split("退出码：")[0]              # the exit-code table is the shared text of exits.py
    starts = set()
    for line in body.splitlines():
        assert display_width(line) <= 80, line
        found = re.match(r"^  (-\S.*?|\S+)\s{2,}(\S.*)$", line)
        if found and not line.startswith("用法"):
            starts.add(display_width(line[:found.start(2)]))
    # --local 目录 (a CJK metavar) and --full start their help in the same terminal column
    assert len(starts) == 1, starts
    usage = out.split("\n\n")[0].splitlines()
    assert all(display_width(u) <= 80 for u in usage) and len(usage) > 1
    assert {display_width(u) - display_width(u.lstrip()) for u in usage[1:]} == {display_width("用法：auditor run ")}


def test_wrap_never_starts_a_line_with_closing_punctuation():
    text = "问题指纹（问题清单的「指纹」列）；可只写开头几位（至少 6 位），只要能唯一确定" * 3
    for width in range(10, 40):
        lines = wrap(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(display_width(line) <= width for line in lines)
        assert not any(line[0] in "，。、；：）」" for line in lines)


def test_version(capsys):
    from auditor import __version__
    from auditor.pipeline import engine_version

    code, out, _ = call(capsys, "--version")
    assert code == 0
    assert len(out.splitlines()) == 1 and re.search(r"，Python 3\.\d+\.\d+\S*）$", out.strip())
    assert out.startswith(f"gov-report-auditor {__version__}（引擎版本 {engine_version()}，Python ")


# ------------------------------------------------------------------------------------- usage errors

USAGE_ERRORS = [
    (("decide", "abcdef", "确认", "--by", "张三"), "处理意见：「确认」不是可用的处理意见，请写 确认属实 或 不予采纳"),
    (("decide",), "缺少必须给出的参数：指纹, 处理意见, --by"),
    (("run", "--year", "abc"), "--year：「abc」不是年度"),
    (("run", "--year", "24"), "--year：「24」不是年度"),
    (("run", "--wait", "soon"), "--wait：「soon」不是秒数"),
    (("run", "--fail-on", "all"), "--fail-on：「all」无效，可选："),
    (("run", "--bogus"), "无法识别的参数：--bogus"),
    (("run", "--roster"), "--roster：后面须跟一个值"),
    (("audit",), "命令：「audit」无效，可选："),
    (("rules", "explain"), "缺少必须给出的参数：规则编号"),
    (("rules", "lsit"), "子命令：「lsit」无效"),
    (("extract",), "缺少必须给出的参数：报告文件"),
]


@pytest.mark.parametrize("argv, words", USAGE_ERRORS, ids=lambda a: " ".join(a) if isinstance(a, tuple) else "")
def test_usage_errors_are_chinese_with_exit_2(capsys, argv, words):
    code, out, err = call(capsys, *argv)
    assert code == cli.EXIT_USAGE and not out
    assert err.startswith("用法：auditor")
    assert words in err and "用法错误" in err and "-h" in err
    assert not ENGLISH.search(err.replace("confirmed", "").replace("dismissed", "")), err


# ---------------------------------------------------------------------------------------- decide

@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    """The results folder of a real run on copies of reports_in/."""
    root = tmp_path_factory.mktemp("month")
    inbox = root / "reports_in"
    shutil.copytree(SAMPLES, inbox)
    out = root / "out"
    assert cli.main(["run", str(inbox), "--out", str(out), "--rules", str(RULES)]) in (0, 1)
    return out


@pytest.fixture()
def ledger_copy(audited, tmp_path) -> Path:
    path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(audited / "ledger.sqlite") as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return path


def _fingerprints(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT DISTINCT fingerprint FROM findings WHERE run_id = "
                                         "(SELECT MAX(id) FROM runs) ORDER BY fingerprint")]


def _decisions(path: Path) -> list[tuple[str, str]]:
    ledger = Ledger(path)
    try:
        return [(r.fingerprint, r.decision) for r in ledger.decisions().itertuples()]
    finally:
        ledger.close()


@pytest.mark.parametrize("word, code", [("确认属实", "confirmed"), ("不予采纳", "dismissed"), ("confirmed", "confirmed"),
                                        ("dismissed", "dismissed"), (" Dismissed ", "dismissed"), ("不予采纳\u3000", "dismissed")])
def test_decide_accepts_the_workbook_words(capsys, ledger_copy, word, code):
    fp = _fingerprints(ledger_copy)[0]
    status, out, err = call(capsys, "decide", fp, word, "--by", "张三", "--ledger", ledger_copy)
    assert status == 0, err
    assert _decisions(ledger_copy) == [(fp, code)]
    assert f"指纹 {fp}" in out and ("确认属实" if code == "confirmed" else "不予采纳") in out


def test_decide_by_a_unique_prefix_records_the_full_fingerprint(capsys, ledger_copy):
    fps = _fingerprints(ledger_copy)
    unique = next(fp for fp in fps if sum(f.startswith(fp[:6]) for f in fps) == 1)
    status, _, err = call(capsys, "decide", unique[:6].upper(), "不予采纳", "--by", "张三", "--ledger", ledger_copy)
    assert status == 0, err
    assert _decisions(ledger_copy) == [(unique, "dismissed")]


def test_decide_refuses_a_short_prefix(capsys, ledger_copy):
    fp = _fingerprints(ledger_copy)[0]
    status, _, err = call(capsys, "decide", fp[:5], "确认属实", "--by", "张三", "--ledger", ledger_copy)
    assert status == cli.EXIT_USAGE and "太短" in err and "至少" in err and "6 位" in err
    assert _decisions(ledger_copy) == []


def test_decide_lists_the_candidates_of_an_ambiguous_prefix(capsys, ledger_copy):
    fp = _fingerprints(ledger_copy)[0]
    twin = fp[:7] + ("0" if fp[7] != "0" else "1") + fp[8:]
    with sqlite3.connect(ledger_copy) as db:     # a second finding whose fingerprint shares 7 characters
        db.execute("INSERT INTO findings SELECT run_id, ?, values_hash, file, agency, year, rule_id, severity, "
                   "category, location, message || '（另一条）' FROM findings WHERE fingerprint = ? "
                   "AND run_id = (SELECT MAX(id) FROM runs)", (twin, fp))
    status, _, err = call(capsys, "decide", fp[:7], "确认属实", "--by", "张三", "--ledger", ledger_copy)
    assert status == cli.EXIT_USAGE
    assert f"指纹开头「{fp[:7]}」对应 2 条问题" in err and fp in err and twin in err and "（另一条）" in err
    assert _decisions(ledger_copy) == []
    status, _, err = call(capsys, "decide", fp[:8], "确认属实", "--by", "张三", "--ledger", ledger_copy)
    assert status == 0, err
    assert _decisions(ledger_copy) == [(fp, "confirmed")]


@pytest.mark.parametrize("typed, words", [("0123456789abcdef", "最近一次审核中没有指纹为 0123456789abcdef 的问题"),
                                          ("指纹一二三四五六", "不是问题指纹")])
def test_decide_on_an_unknown_fingerprint(capsys, ledger_copy, typed, words):
    status, _, err = call(capsys, "decide", typed, "确认属实", "--by", "张三", "--ledger", ledger_copy)
    assert status == cli.EXIT_USAGE and words in err
    assert _decisions(ledger_copy) == []


def test_decide_never_creates_a_ledger_at_a_mistyped_path(capsys, tmp_path):
    status, _, err = call(capsys, "decide", "abcdef", "确认属实", "--by", "张三", "--out", tmp_path / "ouy")
    assert status == cli.EXIT_USAGE and "账本" in err and "不存在" in err
    assert not (tmp_path / "ouy").exists()


def test_a_decision_by_prefix_and_chinese_word_shows_in_the_next_workbook(capsys, tmp_path):
    inbox = tmp_path / "reports_in"
    shutil.copytree(SAMPLES, inbox)
    out = tmp_path / "out"
    assert cli.main(["run", str(inbox), "--out", str(out), "--rules", str(RULES)]) in (0, 1)
    fps = _fingerprints(out / "ledger.sqlite")
    with sqlite3.connect(out / "ledger.sqlite") as db:
        compliance = {r[0] for r in db.execute("SELECT fingerprint FROM findings WHERE category = 'compliance'")}
    fp = next(fp for fp in fps if fp in compliance and sum(f.startswith(fp[:6]) for f in fps) == 1)
    capsys.readouterr()
    assert call(capsys, "decide", fp[:6], "不予采纳", "--by", "张三", "--comment", "已核实", "--out", out)[0] == 0
    assert cli.main(["run", str(inbox), "--out", str(out), "--rules", str(RULES)]) in (0, 1)
    rows = list(openpyxl.load_workbook(out / "latest" / "summary.xlsx")["问题清单"].iter_rows(values_only=True))
    col, decision, comment = rows[0].index("指纹"), rows[0].index("处理意见"), rows[0].index("说明")
    row = [r for r in rows[1:] if r[col] == fp][0]
    assert (row[decision], row[comment]) == ("不予采纳", "已核实")


# -------------------------------------------------------------------------------------- rules list

def _local_pack(tmp_path: Path) -> Path:
    """A local pack adding a rule with a long id and a kind whose Chinese name is five characters."""
    pack = tmp_path / "local"
    pack.mkdir()
    (pack / "pack.yaml").write_text("id: local-test\ntitle: 本地测试规则包\nextends: national-2021\n"
                                    "templates: [\"2021\"]\n", encoding="utf-8")
    rule = (RULES / "national-2021" / "cells" / "NUM-BLANK.yaml").read_text(encoding="utf-8")
    rule = re.sub(r"(?m)^id: .*$", "id: LOCAL-A-VERY-LONG-RULE-IDENTIFIER-FOR-COLUMNS", rule)
    (pack / "LOCAL-LONG.yaml").write_text(rule, encoding="utf-8")
    return pack


def test_rules_list_columns_line_up_by_display_width(capsys, tmp_path):
    from auditor.rules.loader import load_all_packs
    from auditor.rules.model import KIND_ZH, SEVERITY_ZH

    local = _local_pack(tmp_path)
    code, out, _ = call(capsys, "rules", "--rules", RULES, "--local", local, "list")
    assert code == 0
    rules = {r.id: r for p in load_all_packs(RULES, [local]) for r in p.rules}
    assert "LOCAL-A-VERY-LONG-RULE-IDENTIFIER-FOR-COLUMNS" in rules
    severity_at, kind_at, title_at = set(), set(), set()
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        rid = line.split()[0]
        rule = rules[rid]
        sev, kind = SEVERITY_ZH[rule.severity], KIND_ZH[rule.kind]
        assert line.endswith(rule.title)
        severity_at.add(display_width(line[:line.index(sev, len(rid))]))
        kind_at.add(display_width(line[:line.index(kind, len(rid) + 1)]))
        title_at.add(display_width(line[:len(line) - len(rule.title)]))
    assert len(severity_at) == len(kind_at) == len(title_at) == 1, (severity_at, kind_at, title_at)
    # the columns come from the data: the longest id and the widest kind (单元格取值) still leave a gap
    assert severity_at.pop() == max(map(display_width, rules)) + 2
    assert title_at.pop() - kind_at.pop() == max(display_width(k) for k in KIND_ZH.values() if k in
                                                 {KIND_ZH[r.kind] for r in rules.values()}) + 2


# ------------------------------------------------------------------------------------- rule ids

@pytest.mark.parametrize("typed", ["t3-a1", " T3-a1 ", "Ｔ３－Ａ１"])
def test_rules_explain_in_any_case(capsys, typed):
    code, out, err = call(capsys, "rules", "--rules", RULES, "explain", typed)
    assert code == 0, err
    assert out.startswith("T3-A1：")


def test_rules_explain_unknown_suggests_close_ids(capsys):
    code, _, err = call(capsys, "rules", "--rules", RULES, "explain", "t3-a")
    assert code == cli.EXIT_USAGE and "未找到规则「t3-a」" in err and "T3-A1" in err


def test_waiver_rule_ids_in_any_case(capsys, tmp_path):
    from . import mutate as m
    from .conftest import ZIBO

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "broken.txt").write_text(m.set_t4_cell(ZIBO.read_text(encoding="utf-8"), 4, "1"), encoding="utf-8")
    (tmp_path / "w.yaml").write_text("waivers:\n  - rule: t4-a4\n    agency: 淄博市公安局高新区分局\n    year: 2022\n"
                                     "    reason: 已与单位核实\n    approved_by: 张三\n    expires: \"2099-12-31\"\n",
                                     encoding="utf-8")
    out = tmp_path / "out"
    code, printed, err = call(capsys, "run", inbox, "--out", out, "--rules", RULES, "--waivers", tmp_path / "w.yaml")
    assert code in (0, 1) and "不在所用规则包中" not in err
    assert "豁免 1 条：有效 1" in printed
    rows = list(openpyxl.load_workbook(out / "latest" / "summary.xlsx")["豁免"].iter_rows(values_only=True))
    assert rows[1][0] == "T4-A4" and rows[1][8] == "有效"


# ------------------------------------------------------------------------------------- file errors

@pytest.fixture()
def inbox(tmp_path) -> Path:
    folder = tmp_path / "reports_in"
    shutil.copytree(SAMPLES, folder)
    return folder


def _refused(capsys, tmp_path, inbox, *options) -> str:
    out = tmp_path / "out"
    code, printed, err = call(capsys, "run", inbox, "--out", out, "--rules", RULES, *options)
    assert code == cli.EXIT_USAGE, (code, err)
    assert not out.exists(), "nothing is written when a side file cannot be used"
    assert not RAW.search(err), err
    return err


@pytest.mark.parametrize("option, what", [("--roster", "名册"), ("--waivers", "豁免清单"), ("--agency-types", "单位类型文件")])
@pytest.mark.parametrize("state, why", [("missing", "文件不存在"), ("folder", "这是一个文件夹，不是文件")])
def test_a_side_file_that_cannot_be_read_is_one_chinese_sentence(capsys, tmp_path, inbox, option, what, state, why):
    path = tmp_path / ("名单.csv" if option == "--roster" else "清单.yaml")
    if state == "folder":
        path.mkdir()
    err = _refused(capsys, tmp_path, inbox, option, path)
    assert err.strip() == err.strip().splitlines()[0], "one sentence"
    assert err.startswith(f"{what} {path} 无法读取：{why}")


@pytest.mark.parametrize("option, what", [("--waivers", "豁免清单"), ("--agency-types", "单位类型文件")])
def test_a_side_file_not_in_utf8(capsys, tmp_path, inbox, option, what):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("甲局: 政府部门\n".encode("gbk"))
    err = _refused(capsys, tmp_path, inbox, option, path)
    assert err.startswith(f"{what} {path} 不是 UTF-8 编码")


def test_waivers_yaml_syntax_error_names_the_line(capsys, tmp_path, inbox):
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers:\n  - rule: T4-A4\n    reason: [已核实\n    approved_by: 张三\n", encoding="utf-8")
    err = _refused(capsys, tmp_path, inbox, "--waivers", path)
    assert err.startswith(f"豁免清单 {path} 第 3 行：YAML 格式错误：方括号 [ ] 未闭合")


def test_waivers_with_a_tab_and_a_bad_date(capsys, tmp_path, inbox):
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers:\n\t- rule: T4-A4\n", encoding="utf-8")
    assert "第 2 行：YAML 格式错误：含制表符（Tab）" in _refused(capsys, tmp_path, inbox, "--waivers", path)
    path.write_text("waivers:\n  - rule: T4-A4\n    fingerprint: 0123456789abcdef\n    reason: 已核实\n"
                    "    approved_by: 张三\n    expires: \"2026-02-30\"\n", encoding="utf-8")
    err = _refused(capsys, tmp_path, inbox, "--waivers", path)
    assert "第 1 条豁免的有效期「2026-02-30」不是有效日期" in err


def test_agency_types_yaml_error_is_refused_not_a_crash(capsys, tmp_path, inbox):
    path = tmp_path / "types.yaml"
    path.write_text("淄博市公安局高新区分局: department\n沭阳县发展和改革局: [department\n", encoding="utf-8")
    err = _refused(capsys, tmp_path, inbox, "--agency-types", path)
    assert err.startswith(f"单位类型文件 {path} 第 2 行：YAML 格式错误")
    path.write_text("淄博市公安局高新区分局: 部委\n", encoding="utf-8")
    assert "单位类型无法识别：淄博市公安局高新区分局「部委」" in _refused(capsys, tmp_path, inbox, "--agency-types", path)


@pytest.mark.parametrize("option, what", [("--rules", "规则目录"), ("--local", "本地规则包目录")])
def test_a_missing_rules_folder(capsys, tmp_path, inbox, option, what):
    missing = tmp_path / "规则"
    out = tmp_path / "out"
    args = ["run", inbox, "--out", out] + ([option, missing] if option == "--rules" else ["--rules", RULES, option, missing])
    code, _, err = call(capsys, *args)
    assert code == cli.EXIT_USAGE and not out.exists()
    assert f"{what} {missing} 不存在，请检查 {option} 给出的路径" in err
    code, _, err = call(capsys, "rules", *args[4:], "list")        # listing, too, says so (it listed nothing)
    assert code == cli.EXIT_USAGE and f"{what} {missing} 不存在" in err


def test_a_rule_file_with_a_yaml_error(capsys, tmp_path, inbox):
    local = _local_pack(tmp_path)
    (local / "LOCAL-LONG.yaml").write_text("id: LOCAL-X\ntitle: 测试\nseverity: error\nbasis: \"未闭合\n",
                                          encoding="utf-8")
    code, _, err = call(capsys, "rules", "--rules", RULES, "--local", local, "check")
    assert code == cli.EXIT_USAGE and not RAW.search(err)
    assert f"{local / 'LOCAL-LONG.yaml'}:4: YAML 格式错误：引号未闭合" in err


def test_a_roster_that_is_not_a_spreadsheet(capsys, tmp_path, inbox):
    path = tmp_path / "名册.xlsx"
    path.write_text("不是表格", encoding="utf-8")
    err = _refused(capsys, tmp_path, inbox, "--roster", path)
    assert err.startswith(f"名册 {path} 无法读取：文件损坏或不是所说的格式")


def test_extract_of_a_missing_file(capsys, tmp_path):
    code, out, _ = call(capsys, "extract", "--json", tmp_path / "没有.docx")
    assert code == cli.EXIT_UNREADABLE
    assert "文件无法读取：文件不存在" in out and not RAW.search(out)
