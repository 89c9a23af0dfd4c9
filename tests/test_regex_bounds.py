"""No rule regex can hang a run, and a local `claim` rule cannot crash one (issue 12).

Through the real CLI: the issue's `(?:\\d+[,，]?)+件` (and `(?:\\d|\\d\\d)+件`) are refused by the
static screen at their file:line, by `rules check` and by `run` alike. A regex the screen misses
(`(?:\\d(?=\\d)|\\d)+件`: two alternatives for every digit, which even the regex module's guards
cannot prune) does not hang a run: it finishes with its normal exit code, and the report with a
40-digit number gets one 需人工核查 finding naming the rule, the other report its usual findings.
A local cross_year `claim` rule whose optional named group does not take part does not crash.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.engine import bounded_regex
from auditor.engine.bounded_regex import RegexTimeout, compile_bounded
from auditor.engine.search import finder

from .conftest import RULES, ZIBO
from .run_cli import in_process
from .test_monthly import zibo

ROOT = Path(__file__).resolve().parent.parent
WALL = 300          # seconds: the failure condition of a hang, far above a normal run
SCREENED = {"LOCAL-ISSUE": r"(?:\d+[,，]?)+件", "LOCAL-ALTS": r"(?:\d|\d\d)+件"}
UNSCREENED = r"(?:\d(?=\d)|\d)+件"     # passes the screen, backtracks 2^40 ways on 40 digits

PACK = """id: local-bounds
title: 本地规则包（测试）
extends: national-2021
templates: ["2021", "unknown"]
"""

PATTERN_RULE = """id: {id}
title: 正文写明件数
severity: warning
kind: text_pattern
basis: 本地要求
message: 正文未写明件数。
params:
  scope: report
  require: any
  patterns:
    - name: 件数
      regex: '{regex}'
"""

CLAIM_RULE = """id: LOCAL-CLAIM
title: 较上年增减的说法（本地）
severity: warning
kind: cross_year
basis: 本地要求
message: 正文称「{quote}」，但本年新收 {now} 件、{prev_year} 年度新收 {before} 件，实际变化为 {change} 件。
params:
  check: claim
  scope: report
  regex: '申请较上年(?P<dir>减少)?(?:增加)?(?P<n>\\d+)件'
"""


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`auditor …` in this process (tests/run_cli.py)."""
    return in_process(*args, cwd=cwd)


def _process(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`auditor …` as a process: a run that hangs fails the test after WALL seconds instead of hanging it."""
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], capture_output=True, cwd=cwd,
                          timeout=WALL)


def _pack(root: Path, rules: dict[str, str]) -> Path:
    pack = root / "local"
    pack.mkdir()
    (pack / "pack.yaml").write_text(PACK, encoding="utf-8")
    for name, text in rules.items():
        (pack / name).write_text(text, encoding="utf-8")
    return pack


def _findings(out: Path) -> list[dict]:
    text = (out / "latest" / "findings.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


LONG_NUMBER = "8" * 40


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """Two reports, one with a 40-digit number in its prose; a local regex that backtracks on it."""
    root = tmp_path_factory.mktemp("bounds")
    inbox = root / "in"
    inbox.mkdir()
    text = ZIBO.read_text(encoding="utf-8")
    cut = text.index("(一)多渠道依法主动公开")     # before the first count in 件 (a search stops there)
    assert "件" not in text[:cut]
    (inbox / "long-number.txt").write_text(
        text[:cut] + f"档案编号{LONG_NUMBER}号。\n" + text[cut:], encoding="utf-8")
    (inbox / "plain.txt").write_text(text.replace("淄博市公安局高新区分局", "淄博市公安局张店分局"),
                                     encoding="utf-8")
    pack = _pack(root, {"LOCAL-HANG.yaml": PATTERN_RULE.format(id="LOCAL-HANG", regex=UNSCREENED)})
    proc = _process(root, "run", str(inbox), "--out", str(root / "out"), "--rules", str(RULES),
                    "--local", str(pack), "--year", "2022")
    return root, proc


def test_a_backtracking_regex_does_not_hang_the_run(hostile_run):
    root, proc = hostile_run
    assert proc.returncode in (0, 3), proc.stderr.decode("utf-8")   # finished, with findings or without
    assert "Traceback" not in proc.stderr.decode("utf-8")


def test_the_report_it_ran_too_long_on_gets_an_extraction_finding(hostile_run):
    root, _ = hostile_run
    found = _findings(root / "out")
    slow = [f for f in found if f["rule_id"] == "LOCAL-HANG"]
    assert [(Path(f["file"]).name, f["category"]) for f in slow] == [("long-number.txt", "extraction")]
    message = slow[0]["message"]
    assert "正文写明件数" in message and "LOCAL-HANG" in message and "超过" in message and "需人工核查" in message
    assert slow[0]["values"]["正则表达式"] == UNSCREENED


def test_other_reports_and_rules_are_unaffected(hostile_run):
    root, _ = hostile_run
    found = _findings(root / "out")
    plain = {f["rule_id"] for f in found if Path(f["file"]).name == "plain.txt"}
    long = {f["rule_id"] for f in found if Path(f["file"]).name == "long-number.txt"}
    assert plain == long - {"LOCAL-HANG"}


@pytest.mark.parametrize("command", ["check", "run"])
def test_the_screen_refuses_the_issues_regexes_at_their_line(tmp_path, command):
    pack = _pack(tmp_path, {f"{rid}.yaml": PATTERN_RULE.format(id=rid, regex=regex) for rid, regex in SCREENED.items()})
    if command == "check":
        proc = _cli(tmp_path, "rules", "--rules", str(RULES), "--local", str(pack), "check")
    else:
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "r.txt").write_text(ZIBO.read_text(encoding="utf-8"), encoding="utf-8")
        proc = _cli(tmp_path, "run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--rules", str(RULES),
                    "--local", str(pack))
    out = proc.stdout.decode("utf-8") + proc.stderr.decode("utf-8")
    assert proc.returncode == 2, out
    for rid in SCREENED:
        assert f"{pack / rid}.yaml:12: params.patterns[0].regex 的正则表达式含嵌套重复" in out, out
    assert "Traceback" not in out


def test_the_screen_passes_every_shipped_regex_and_catches_the_known_shapes():
    from auditor.rules.regex_screen import backtracking_risk

    from .test_search import RULE_REGEXES

    assert not [r for r, _ in RULE_REGEXES if backtracking_risk(r)]
    for bad in [*SCREENED.values(), r"(a+)+$", r"(\w*)*", r"(?:\d+\d)+", r"(?:x+x+)+y", r"(?:.+?，)+X",
                r"(?:\s*\w+)*$", r"(?:[0-9]+|\d+)+件", r"(?:\d{1,3},?)+件", r"(a|aa)+$", r"(?:(\d)|\d)+件"]:
        assert backtracking_risk(bad), bad
    for good in [r"(?:\d+,)+", r"(?:收到|收取)+", r"(?:[^。]+。)+", r"(?:\d+年)+", r"(?:\d+\.)*\d+",
                 r"(?:年|年度)+", r"(?:收到了?)+", r"(?:\d+[,，])*\d+", r"(?:(?!x)[^。；]){0,40}?收到"]:
        assert backtracking_risk(good) is None, good


def test_the_issues_regex_runs_to_its_result_at_run_time():
    """Past the screen (a rule loaded another way), `(?:\\d+[,，]?)+件` is no hang either: the regex
    module prunes its repeats, and the result is re's."""
    import re

    text = "共" + "1234567890" * 4 + "个，收到3件，办结12,5件"
    f = finder(SCREENED["LOCAL-ISSUE"])
    expected = [m.group(0) for m in re.finditer(SCREENED["LOCAL-ISSUE"], "收到3件，办结12,5件")]
    assert [q for q, _ in f.finditer(text)] == expected == ["3件", "12,5件"]


def test_claim_rule_with_an_optional_group_that_does_not_take_part(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "gaoxin-2021.txt").write_text(zibo(2021, "2022-01-20"), encoding="utf-8")
    text = zibo(2022, "2023-01-19")
    cut = text.index("二、主动公开政府信息情况")
    # 减少 takes part in one mention, not in the other (pandas then holds NaN, not None, for it)
    claims = "本年度收到申请较上年增加3件，其中依申请公开申请较上年减少2件。\n"
    (inbox / "gaoxin-2022.txt").write_text(text[:cut] + claims + text[cut:], encoding="utf-8")
    pack = _pack(tmp_path, {"LOCAL-CLAIM.yaml": CLAIM_RULE})
    proc = _cli(tmp_path, "run", str(inbox), "--out", str(tmp_path / "out"), "--rules", str(RULES),
                "--local", str(pack), "--year", "2022")
    assert proc.returncode in (0, 3), proc.stderr.decode("utf-8")
    claims = [f for f in _findings(tmp_path / "out") if f["rule_id"] == "LOCAL-CLAIM"]
    # both years received 4: neither the stated increase of 3 nor the decrease of 2 is right
    assert sorted((Path(f["file"]).name, f["category"], f["values"]["原文"]) for f in claims) == [
        ("gaoxin-2022.txt", "compliance", "申请较上年减少2件"), ("gaoxin-2022.txt", "compliance", "申请较上年增加3件")]
    assert all("实际变化为 0 件" in f["message"] for f in claims)


# ------------------------------------------------------------------ the bound itself, in process

def test_a_search_that_runs_out_of_time_raises(monkeypatch):
    monkeypatch.setattr(bounded_regex, "LIMIT", 0.2)
    text = "共" + LONG_NUMBER + "个，收到3件"
    f = finder(UNSCREENED)
    for search in (f.contains, f.first, lambda t: list(f.finditer(t))):
        with pytest.raises(RegexTimeout):
            search(text)
    clause = finder(UNSCREENED, {"max_chars": 60})
    with pytest.raises(RegexTimeout):
        clause.first(text)


@pytest.mark.parametrize("pattern", [r"\w+", r"\b\w\b", r"\B.", r"[^\d\s]+", r"[a\D]", r"[^a\W]", r"\s",
                                     r"(?i)ab", r"(?P<n>\d+)(?P=n)", r"(a)?(?(1)b|c)", r"(?a)\w+", r"x*"])
def test_bounded_regexes_mean_what_re_means(pattern):
    """re's classes where the regex module's differ: ① ² are \\w to re, \\x1c is \\s, 𐵀 is no digit."""
    import re

    text = "a①²\u0301\x1c 1٣\U00010d40_b\u3000abab11c x"
    expected = [(m.span(), m.groups()) for m in re.finditer(pattern, text)]
    assert [(m.span(), m.groups()) for m in compile_bounded(pattern).finditer(text)] == expected


@pytest.mark.parametrize("parallel", [False, True])
def test_the_bound_holds_in_the_rule_workers_too(tmp_path, monkeypatch, parallel):
    """Large batches run the text rules in forked workers: the same finding comes back from there."""
    from auditor import engine
    from auditor.extract import extract
    from auditor.ingest import read_document
    from auditor.rules.loader import load_packs

    monkeypatch.setattr(bounded_regex, "LIMIT", 0.5)
    monkeypatch.setattr(engine, "PARALLEL_TEXT_FROM", 1 if parallel else 10**9)
    text = ZIBO.read_text(encoding="utf-8")
    cut = text.index("(一)多渠道依法主动公开")
    (tmp_path / "long.txt").write_text(text[:cut] + f"档案编号{LONG_NUMBER}号。\n" + text[cut:], encoding="utf-8")
    (tmp_path / "plain.txt").write_text(text.replace("淄博市公安局高新区分局", "淄博市公安局张店分局"), encoding="utf-8")
    reports = [extract(read_document(tmp_path / name)) for name in ("long.txt", "plain.txt")]
    packs = load_packs(RULES, [_pack(tmp_path, {"LOCAL-HANG.yaml": PATTERN_RULE.format(id="LOCAL-HANG", regex=UNSCREENED)})])
    found = engine.evaluate(reports, packs)
    slow = found[found["rule_id"] == "LOCAL-HANG"]
    assert [(Path(f).name, c, k) for f, c, k in zip(slow["file"], slow["category"], slow["location"])] == [
        ("long.txt", "extraction", "全文")]


def test_an_override_cannot_bring_in_a_regex_the_screen_refuses(tmp_path):
    pack = tmp_path / "local"
    pack.mkdir()
    (pack / "pack.yaml").write_text(PACK + f"""overrides:
  FMT-CITE:
    params:
      patterns:
        - name: 件数
          regex: '{SCREENED["LOCAL-ISSUE"]}'
""", encoding="utf-8")
    proc = _cli(tmp_path, "rules", "--rules", str(RULES), "--local", str(pack), "check")
    out = proc.stdout.decode("utf-8") + proc.stderr.decode("utf-8")
    assert proc.returncode == 2, out
    assert f"{pack / 'pack.yaml'}:10: overrides.FMT-CITE.params.patterns[0].regex 的正则表达式含嵌套重复" in out, out
