"""Issue 15, acceptance: the whole rectification cycle through the commands, as an office runs it,
without retyping anything.

Month one: an inbox of the real reports, zibo's with a table-4 total broken; `auditor run`; a copy of
the workbook filled in with openpyxl (two findings 确认属实, one 不予采纳 with its 说明) and imported;
`auditor notices`, read back with python-docx. Month two: zibo as published, everything else as it
was; `auditor run`, the 整改跟踪 sheet, the terminal, `auditor history`. Month three: nothing new, a day
past the deadline. Beside month two, the corrected zibo re-laid out (one line of text, or a web page
in a layout table) must not reopen or add anything.

All commands run in this process (tests/run_cli.py), from the office's folder with relative paths
and the rule packs shipped with the program; one scenario for the whole module."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import chinese_calendar
import openpyxl
import pytest
from docx import Document

from auditor.domain import TODAY_ENV

from .layout_variants import write_variants
from .mutate import set_t4_cell
from .run_cli import in_process, inbox
from .variants import one_line

pytestmark = pytest.mark.slow

ZIBO, SHANGHAI, SHUYANG = "zibo-gaoxin-police-2022.txt", "shanghai-stcsm-2024.md", "shuyang-fgj-2023.html"
NOTICE_DAY, MONTH_TWO = dt.date(2026, 12, 1), dt.date(2026, 12, 8)
DAYS = 10
ISSUER, CONTACT = "某市政务公开办公室", "李四，0533-1234567"
DISMISS_REASON = "该标题用语经与单位核实，属地方通行写法"
TRACKING = "整改跟踪"


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day`, straight from chinesecalendar (weekends, holidays, 调休)."""
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


DEADLINE = working_days_after(NOTICE_DAY, DAYS)
MONTH_THREE = DEADLINE + dt.timedelta(days=1)
LATER = MONTH_THREE + dt.timedelta(days=7)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- the office, month by month

class Office:
    """The office's folder: inbox/ and out/, commands run from there as of a given day."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.box = inbox(root / "inbox")

    def command(self, day: dt.date, *args: str | Path, out: str = "out") -> tuple[int, str, str]:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(TODAY_ENV, day.isoformat())
            done = in_process(*args, *(["--out", out] if out else []), cwd=self.root)
        return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")

    def run(self, day: dt.date, out: str = "out") -> str:
        code, printed, err = self.command(day, "run", "inbox", out=out)
        assert code in (0, 1), err
        return printed

    def findings(self, out: str = "out") -> list[dict]:
        text = (self.root / out / "latest" / "findings.jsonl").read_text("utf-8")
        return [json.loads(line) for line in text.splitlines()]

    def sheet(self, name: str, out: str = "out") -> list[dict]:
        book = openpyxl.load_workbook(self.root / out / "latest" / "summary.xlsx", read_only=True)
        if name not in book.sheetnames:
            return []
        rows = list(book[name].iter_rows(values_only=True))
        return [dict(zip(rows[0], r)) for r in rows[1:]]


def of_file(findings: list[dict], name: str) -> list[dict]:
    return [f for f in findings if Path(f["file"]).name == name and f["category"] == "compliance"]


def fill_in(source: Path, copy: Path, opinions: dict[str, tuple[str, str | None]]) -> None:
    """What a person does in Excel: opens a copy of the workbook and types 处理意见 (and 说明) into
    the rows of some findings, found by their 指纹 cell."""
    shutil.copy(source, copy)
    book = openpyxl.load_workbook(copy)
    ws = book["问题清单"]
    col = {cell.value: cell.column for cell in ws[1]}
    typed = set()
    for row in range(2, ws.max_row + 1):
        fp = ws.cell(row, col["指纹"]).value
        if fp in opinions:
            word, why = opinions[fp]
            ws.cell(row, col["处理意见"], word)
            if why:
                ws.cell(row, col["说明"], why)
            typed.add(fp)
    assert typed == set(opinions)
    book.save(copy)


def notice_text(doc: Document) -> str:
    """Every word of a notice: its paragraphs and every cell of its tables."""
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> dict:
    """The office's months, run once for the module: what each command printed and wrote. The
    re-laid-out corrections run on copies of the results folder, from the same inbox path."""
    office = Office(tmp_path_factory.mktemp("office"))
    root, got = office.root, {"office": office}
    original = (office.box / ZIBO).read_text("utf-8")
    broken = set_t4_cell(original, 4, "9")            # 行政复议 总计 9, its parts still 0
    assert broken != original
    (office.box / ZIBO).write_text(broken, "utf-8")

    # month one
    got["printed1"] = office.run(NOTICE_DAY)
    got["findings1"] = office.findings()
    got["overview1"] = {Path(r["文件"]).name: r for r in office.sheet("总览")}
    zibo_errors = [f for f in of_file(got["findings1"], ZIBO) if f["severity"] == "error"]
    got["zibo_error"] = next(f for f in zibo_errors if f["rule_id"].startswith("T4"))
    got["shanghai_error"] = next(f for f in of_file(got["findings1"], SHANGHAI)
                                 if f["severity"] == "error" and "第五部分" in f["location"])
    got["dismissed"] = next(f for f in of_file(got["findings1"], SHUYANG) if f["severity"] == "warning")
    got["zibo_unconfirmed"] = [f for f in zibo_errors if f is not got["zibo_error"]]

    # the workbook, filled in and imported
    fill_in(root / "out" / "latest" / "summary.xlsx", root / "审核意见.xlsx", {
        got["zibo_error"]["fingerprint"]: ("确认属实", None),
        got["shanghai_error"]["fingerprint"]: ("确认属实", None),
        got["dismissed"]["fingerprint"]: ("不予采纳", DISMISS_REASON)})
    got["import"] = office.command(NOTICE_DAY, "decisions", "import", "审核意见.xlsx", "--by", "张三")

    # the notices
    got["notices"] = office.command(NOTICE_DAY, "notices", "--days", str(DAYS), "--issuer", ISSUER,
                                    "--contact", CONTACT)
    folders = sorted((root / "out" / "latest").resolve().glob("整改通知-*"))
    assert len(folders) == 1, folders
    got["folder"] = folders[0]
    got["notice_docs"] = {p.name: Document(p) for p in sorted(folders[0].glob("整改通知-*.docx"))}

    # beside month two: the corrected zibo re-laid out, on a copy of the results as they stand now
    shutil.copytree(root / "out", root / "out-oneline", symlinks=True)
    shutil.copytree(root / "out", root / "out-page", symlinks=True)
    (office.box / ZIBO).write_text(one_line(original), "utf-8")
    got["oneline"] = office.run(MONTH_TWO, out="out-oneline")
    (office.box / ZIBO).write_text(original, "utf-8")
    page = write_variants(office.box / ZIBO, root / "pages")
    page = next(p for p in page if p.stem.endswith("two_columns"))
    (office.box / ZIBO).unlink()
    shutil.copy(page, office.box / page.name)
    got["page_name"] = page.name
    got["page"] = office.run(MONTH_TWO, out="out-page")
    (office.box / page.name).unlink()

    # month two: zibo as published, everything else as it was
    (office.box / ZIBO).write_text(original, "utf-8")
    got["printed2"] = office.run(MONTH_TWO)
    got["findings2"] = office.findings()
    got["tracking2"] = {r["指纹"]: r for r in office.sheet(TRACKING)}
    got["overview2"] = {Path(r["文件"]).name: r for r in office.sheet("总览")}
    got["history_zibo"] = office.command(MONTH_TWO, "history", "淄博市公安局高新区分局")
    got["history_shanghai"] = office.command(MONTH_TWO, "history", "上海市科委")

    # month three: nothing new, a day past the deadline
    got["printed3"] = office.run(MONTH_THREE)
    got["tracking3"] = {r["指纹"]: r for r in office.sheet(TRACKING)}

    # later, on a copy: the rectified report comes again, re-laid out as one line of text
    shutil.copytree(root / "out", root / "out-later", symlinks=True)
    (office.box / ZIBO).write_text(one_line(original), "utf-8")
    got["later"] = office.run(LATER, out="out-later")
    got["later_notices"] = office.command(LATER, "notices", "--include-unreviewed", "--agency",
                                          got["zibo_error"]["agency"], out="out-later")
    got["later_folders"] = sorted((root / "out-later" / "latest").resolve().glob("整改通知-*"))
    return got


# ---------------------------------------------------------------- month one

def test_the_broken_total_is_a_definite_error_of_the_mutated_report_only(cycle) -> None:
    error = cycle["zibo_error"]
    assert error["agency"] == "淄博市公安局高新区分局" and "表四" in error["location"]
    assert "9" in error["message"]
    # the report as published (month two) has no such finding
    assert error["fingerprint"] not in {f["fingerprint"] for f in cycle["findings2"]}
    assert [f for f in of_file(cycle["findings2"], ZIBO) if f["severity"] == "error"] == []


def test_the_filled_in_workbook_is_imported_with_its_counts(cycle) -> None:
    code, printed, err = cycle["import"]
    assert code == 0, err
    assert "已导入 3 条" in printed and "确认属实 2 条" in printed and "不予采纳 1 条" in printed


def test_notices_go_to_the_two_agencies_with_confirmed_findings(cycle) -> None:
    code, printed, err = cycle["notices"]
    assert code == 0, err
    docs = cycle["notice_docs"]
    expected = {cycle["zibo_error"]["agency"]: cycle["zibo_error"],
                cycle["shanghai_error"]["agency"]: cycle["shanghai_error"]}
    addressees = {}
    for name, doc in docs.items():
        paragraphs = [p.text.strip() for p in doc.paragraphs]
        to = [a for a in expected if f"{a}：" in paragraphs]          # 主送单位, alone on its line
        assert len(to) == 1, (name, paragraphs[:12])
        addressees[to[0]] = doc
    assert set(addressees) == set(expected) and len(docs) == 2
    for agency, doc in addressees.items():
        finding = expected[agency]
        rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
        assert len(rows) == 2, rows                                   # the one confirmed problem
        assert finding["message"] in rows[1] and finding["basis"] in rows[1]
        assert finding["location"] in rows[1]
        text = notice_text(doc)
        assert chinese_date(DEADLINE) in text and ISSUER in text and CONTACT in text
    assert chinese_date(DEADLINE) in printed


def test_no_dismissed_or_unconfirmed_finding_is_put_before_an_agency(cycle) -> None:
    text = "\n".join(notice_text(d) for d in cycle["notice_docs"].values())
    assert cycle["dismissed"]["message"] not in text
    assert cycle["zibo_unconfirmed"], "the broken total should also contradict the text"
    for f in cycle["zibo_unconfirmed"]:
        assert f["message"] not in text
    names = [p.name for p in cycle["folder"].iterdir()]
    assert not any(cycle["dismissed"]["agency"] in n and n.startswith("整改通知") for n in names)


# ---------------------------------------------------------------- month two

def test_month_two_the_corrected_report_is_rectified_the_unchanged_one_open(cycle) -> None:
    rows = cycle["tracking2"]
    zibo, shanghai = rows[cycle["zibo_error"]["fingerprint"]], rows[cycle["shanghai_error"]["fingerprint"]]
    assert zibo["状态"] == "已整改" and ZIBO in zibo["最近变化"]
    assert shanghai["状态"] == "待整改"
    assert shanghai["剩余天数"] == f"剩余 {(DEADLINE - MONTH_TWO).days} 天"
    for row in (zibo, shanghai):
        assert row["通知日期"].date() == NOTICE_DAY and row["整改期限"].date() == DEADLINE
    assert cycle["dismissed"]["fingerprint"] not in rows and len(rows) == 2
    assert "整改跟踪：待整改 1，已整改 1，逾期未整改 0（本次变化 1 项" in cycle["printed2"]


def test_month_two_the_dismissed_finding_counts_nowhere_in_the_overview(cycle) -> None:
    before, after = cycle["overview1"][SHUYANG], cycle["overview2"][SHUYANG]
    assert after["警告"] == before["警告"] - 1
    if before["警告"] == 1 and not before["错误"]:
        assert "警告" not in after["审核结论"] and "警告" in before["审核结论"]
    counted = re.search(r"警告 (\d+)", cycle["printed2"]).group(1)
    assert sum(r["警告"] for r in cycle["overview2"].values()) == int(counted)
    assert "不予采纳 1" in cycle["printed2"]


def verdict_rows(printed: str) -> list[list[str]]:
    """The 审核结论 table of a one-year history printout: [运行时间, 文件, 结论] per line."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if "审核结论" in line) + 2        # its header row skipped
    end = next(i for i, line in enumerate(lines) if "整改事项" in line)
    return [re.split(r"\s{2,}", line.strip()) for line in lines[start:end]]


def test_history_shows_both_months(cycle) -> None:
    code, printed, err = cycle["history_zibo"]
    assert code == 0, err
    verdicts = [cycle["overview1"][ZIBO]["审核结论"], cycle["overview2"][ZIBO]["审核结论"]]
    assert verdicts[0] != verdicts[1]
    rows = verdict_rows(printed)
    assert [(r[1], r[2]) for r in rows] == [(ZIBO, verdicts[1]), (ZIBO, verdicts[0])]      # newest first
    assert "【已整改】" in printed and cycle["zibo_error"]["message"] in printed
    assert re.search(rf"{NOTICE_DAY}\s+待整改", printed) and re.search(rf"{MONTH_TWO}\s+已整改", printed)

    code, printed, err = cycle["history_shanghai"]
    assert code == 0, err
    assert "【待整改】" in printed and cycle["shanghai_error"]["message"] in printed
    [(when, file, verdict)] = verdict_rows(printed)     # the same verdict both months: one line, two runs
    assert file == SHANGHAI and verdict.startswith(cycle["overview2"][SHANGHAI]["审核结论"] + "（")
    assert verdict.endswith("共 2 次运行）")


# ---------------------------------------------------------------- month three

def test_month_three_past_the_deadline_is_overdue(cycle) -> None:
    assert "结果与上次相同" not in cycle["printed3"]     # the passing deadline makes a real run
    rows = cycle["tracking3"]
    shanghai = rows[cycle["shanghai_error"]["fingerprint"]]
    assert shanghai["状态"] == "逾期未整改" and shanghai["剩余天数"] == "逾期 1 天"
    assert rows[cycle["zibo_error"]["fingerprint"]]["状态"] == "已整改"
    assert "整改跟踪：待整改 0，已整改 1，逾期未整改 1" in cycle["printed3"]


# ---------------------------------------------------------------- the corrected report re-laid out

NOTICE_WORTHY = ("error", "warning")


@pytest.mark.parametrize("variant, out", [("oneline", "out-oneline"), ("page", "out-page")])
def test_a_relaid_out_correction_reopens_and_adds_nothing(cycle, variant: str, out: str) -> None:
    """Read completely, the corrected zibo is rectified and accuses no more than the original does;
    read in part, it must not be called rectified. Either way, nothing else moves."""
    office = cycle["office"]
    name = ZIBO if variant == "oneline" else cycle["page_name"]
    report = next(r for r in office.sheet("总览", out=out) if Path(r["文件"]).name == name)
    rows = {r["指纹"]: r for r in office.sheet(TRACKING, out=out)}
    zibo = rows[cycle["zibo_error"]["fingerprint"]]
    if report["读取状态"] == "完整":
        assert zibo["状态"] == "已整改"
        found = office.findings(out=out)
        worthy = {(f["rule_id"], f["location"]) for f in of_file(found, name) if f["severity"] in NOTICE_WORTHY}
        published = {(f["rule_id"], f["location"]) for f in of_file(cycle["findings2"], ZIBO)
                     if f["severity"] in NOTICE_WORTHY}
        assert worthy <= published
    else:
        assert zibo["状态"] == "待整改" and "已整改 0" in cycle[variant]
    assert rows[cycle["shanghai_error"]["fingerprint"]]["状态"] == "待整改"
    assert len(rows) == 2


def test_a_rectified_report_coming_again_re_laid_out_stays_rectified_and_is_not_notified(cycle) -> None:
    office = cycle["office"]
    report = next(r for r in office.sheet("总览", out="out-later") if Path(r["文件"]).name == ZIBO)
    rows = {r["指纹"]: r for r in office.sheet(TRACKING, out="out-later")}
    assert rows[cycle["zibo_error"]["fingerprint"]]["状态"] == "已整改"         # a closed item is not reopened
    assert rows[cycle["shanghai_error"]["fingerprint"]]["状态"] == "逾期未整改" and len(rows) == 2
    code, printed, err = cycle["later_notices"]
    assert code == 0, err
    if report["读取状态"] == "完整":     # read completely: nothing the published report does not have
        found = {(f["rule_id"], f["location"]) for f in of_file(office.findings(out="out-later"), ZIBO)
                 if f["severity"] in NOTICE_WORTHY}
        assert found <= {(f["rule_id"], f["location"]) for f in of_file(cycle["findings2"], ZIBO)
                         if f["severity"] in NOTICE_WORTHY}
        if not found:
            assert "未生成通知" in printed and len(cycle["later_folders"]) == 1
    assert not list(cycle["later_folders"][0].glob("整改通知-*.docx"))
    assert len(list(cycle["later_folders"][0].glob("审核结果单-*.docx"))) == 1      # --agency: zibo's only
