"""`auditor history 单位`: one agency's verdicts year by year (newest first) and its rectification
items with their history, from the ledger of real runs of copies of reports_in/."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from auditor.cli.history_cmd import NOT_RECORDED
from auditor.cli.width import display_width
from auditor.domain import RECTIFY_DONE, RECTIFY_OPEN
from auditor.followup import store
from auditor.ledger import Ledger

from .conftest import RULES
from .run_cli import in_process, inbox

ZIBO = "zibo-gaoxin-police-2022.txt"
ZIBO_2023 = "zibo-gaoxin-police-2023.txt"
HEADING_OK, HEADING_TYPO = "四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政诉讼情况"


def history(*args: str | Path) -> tuple[int, str, str]:
    done = in_process("history", *args)
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


@pytest.fixture(scope="module")
def ledger_out(tmp_path_factory) -> Path:
    """Month one: zibo's 2022 report with a heading typo written in, and a 2023 copy of it (the
    year changed); an item notified for the typo. Month two: the 2022 report as published."""
    root = tmp_path_factory.mktemp("history")
    box, out = inbox(root / "in", [ZIBO, "shuyang-fgj-2023.html"]), root / "out"
    original = (box / ZIBO).read_text("utf-8")
    (box / ZIBO_2023).write_text(original.replace("2022", "2023").replace("/2023-", "/2024-"), "utf-8")
    (box / ZIBO).write_text(original.replace(HEADING_OK, HEADING_TYPO), "utf-8")
    assert in_process("run", box, "--out", out, "--rules", RULES).returncode == 0
    led = Ledger(out / "ledger.sqlite")
    try:
        from auditor.review.latest import latest_run, standing

        found = latest_run(out, led).findings
        typo = found[standing(found) & found["file"].str.endswith(ZIBO) & found["message"].str.contains(HEADING_TYPO)]
        assert len(typo) == 1
        r = next(typo.itertuples())
        store.add_items(led, [store.NoticeItem(r.agency, int(r.year), r.file, r.fingerprint, r.rule_id, r.severity,
                                               r.location, r.message, r.basis, dt.date.today(),
                                               dt.date.today() + dt.timedelta(days=14), "整改通知-淄博.docx")])
    finally:
        led.close()
    (box / ZIBO).write_text(original, "utf-8")
    assert in_process("run", box, "--out", out, "--rules", RULES).returncode == 0
    return out


@pytest.mark.slow
def test_years_newest_first_with_each_runs_verdict_and_the_items(ledger_out: Path) -> None:
    code, out, err = history("淄博", "--out", ledger_out)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "单位：淄博市公安局高新区分局"
    assert lines.index("2023 年度") < lines.index("2022 年度")
    led = Ledger(ledger_out / "ledger.sqlite")
    try:
        runs = [r[0] for r in led.db.execute("SELECT id FROM runs ORDER BY id")]
        verdicts = [store.run_verdicts(led, run).set_index("file")["verdict"] for run in runs]
    finally:
        led.close()
    zibo = next(f for f in verdicts[0].index if f.endswith(ZIBO))
    year_2022 = lines[lines.index("2022 年度"):]
    rows = [line for line in year_2022 if ZIBO in line and "年度报告" not in line][:2]
    # newest first: month two's verdict (the typo gone), then month one's
    assert [row.split()[-1] for row in rows] == [verdicts[1][zibo], verdicts[0][zibo]]
    assert verdicts[1][zibo] != verdicts[0][zibo]
    assert any(f"【{RECTIFY_DONE}】" in line and HEADING_TYPO in line for line in year_2022)
    steps = [line.split()[1] for line in year_2022 if line.startswith("       2")]
    assert steps == [RECTIFY_OPEN, RECTIFY_DONE]
    assert "整改跟踪" not in out and "shuyang" not in out


@pytest.mark.slow
def test_columns_are_aligned_by_display_width(ledger_out: Path) -> None:
    _, out, _ = history("淄博市公安局高新区分局", "--out", ledger_out)
    lines = out.splitlines()
    head = lines.index("2022 年度") + 2
    table = lines[head:head + 3]
    assert table[0].split()[:2] == ["运行时间", "文件"]
    starts = {display_width(line[:line.index(word)]) for line, word in zip(table, ["结论", "合格", "基本合格"])}
    assert len(starts) == 1, table


@pytest.mark.slow
def test_the_agency_by_key_in_other_widths(ledger_out: Path) -> None:
    code, out, _ = history("淄博市公安局 高新区分局", "--out", ledger_out)
    assert code == 0 and out.startswith("单位：淄博市公安局高新区分局")


@pytest.mark.slow
def test_an_ambiguous_part_lists_the_candidates(ledger_out: Path) -> None:
    code, out, err = history("局", "--out", ledger_out)
    assert code == 2 and out == ""
    assert "对应 2 个单位" in err and "淄博市公安局高新区分局" in err and "沭阳县发展和改革局" in err


@pytest.mark.slow
def test_an_unknown_agency_and_a_missing_ledger_exit_2(ledger_out: Path, tmp_path: Path) -> None:
    code, out, err = history("不存在的单位", "--out", ledger_out)
    assert code == 2 and "没有名称含「不存在的单位」的单位" in err
    code, _, err = history("淄博", "--out", tmp_path / "nowhere")
    assert code == 2 and "不存在" in err and not (tmp_path / "nowhere").exists()


@pytest.mark.slow
def test_runs_before_verdicts_were_recorded_say_so(ledger_out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old.sqlite"
    copy.write_bytes((ledger_out / "ledger.sqlite").read_bytes())
    with sqlite3.connect(copy) as con:     # as a ledger written before this feature holds the first run
        con.execute("DELETE FROM run_verdicts WHERE run_id = (SELECT MIN(id) FROM runs)")
    code, out, _ = history("淄博", "--ledger", copy)
    assert code == 0
    year_2022 = out.splitlines()[out.splitlines().index("2022 年度"):]
    assert [line for line in year_2022 if ZIBO in line and "年度报告" not in line][1].endswith(NOT_RECORDED)
