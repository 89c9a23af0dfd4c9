"""Issue 15, review in the workbook: 问题清单 is a review form (处理意见 with a drop-down, 说明,
处理记录), and `auditor decisions import` reads back what staff filled in — after sorting it, moving
and hiding columns — checks every row against the latest run, and stores all rows or none.

Real reports from reports_in/, real runs and the real command line in process; the workbook edited
with openpyxl as a person edits it in Excel or WPS."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor.review.workbook_import import FilledRow, cell_text, plan_import

from .conftest import RULES
from .run_cli import inbox, sheet

SHANGHAI = "shanghai-stcsm-2024.md"
PINGTAN = "pingtan-2022.txt"
# A title that stays wrong in another way: the finding keeps its fingerprint, its values change.
TITLE, OTHER_TITLE = "五、其他需要报告的事项", "五、其他需报告的事项"
CHOICES = '"确认属实,不予采纳"'


def run(auditor_main, reports: Path, out: Path):
    done = auditor_main("run", reports, "--out", out, "--rules", RULES)
    assert done.code in (0, 1), done.err
    return done


def import_(auditor_main, book: Path, out: Path, *extra: str | Path):
    return auditor_main("decisions", "import", book, "--by", "张三", "--out", out, *extra)


def findings(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]


def compliance(out: Path) -> list[dict]:
    return [f for f in findings(out) if f["category"] == "compliance" and not f.get("absent")]


def decisions(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "ledger.sqlite") as db:
        return db.execute("SELECT fingerprint, values_hash, decision, comment, who FROM decisions ORDER BY id").fetchall()


def recorded_hashes(out: Path) -> dict[str, str]:
    with sqlite3.connect(out / "ledger.sqlite") as db:
        last = db.execute("SELECT MAX(id) FROM runs").fetchone()[0]
        return dict(db.execute("SELECT fingerprint, values_hash FROM findings WHERE run_id = ?", (last,)))


def ledger_bytes(out: Path) -> str:
    return hashlib.sha256((out / "ledger.sqlite").read_bytes()).hexdigest()


def edit(source: Path, dest: Path, fill: dict[str, tuple[str, str]], *, reshape: bool = True,
         cells: dict[str, dict[str, str]] | None = None, extra_rows: list[dict[str, str]] | None = None
         ) -> dict[str, list[int]]:
    """A copy of a workbook with 处理意见/说明 filled in for some fingerprints, as a person would:
    with `reshape`, 问题清单 sorted by 指纹 from the last, 指纹 moved to the first column, a column
    of their own (备注) added and 依据 hidden. `cells` overwrites other cells of a fingerprint's
    row, `extra_rows` are typed at the end. Returns the Excel rows of each fingerprint, as it was
    written by the run (or typed)."""
    shutil.copy(source, dest)
    book = openpyxl.load_workbook(dest)
    ws = book["问题清单"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    headers, body = rows[0], rows[1:]
    if reshape:
        order = [headers.index("指纹")] + [i for i, h in enumerate(headers) if h != "指纹"]
        headers = [headers[i] for i in order[:1]] + ["备注"] + [headers[i] for i in order[1:]]
        body = [[r[i] for i in order[:1]] + [None] + [r[i] for i in order[1:]]
                for r in sorted(body, key=lambda r: r[rows[0].index("指纹")], reverse=True)]
        ws.delete_rows(1, ws.max_row)
        ws.append(headers)
        for r in body:
            ws.append(r)
        ws.column_dimensions[openpyxl.utils.get_column_letter(headers.index("依据") + 1)].hidden = True
    col = {h: headers.index(h) + 1 for h in headers}
    where: dict[str, list[int]] = {}
    for number in range(2, ws.max_row + 1):
        fp = ws.cell(number, col["指纹"]).value
        where.setdefault(fp, []).append(number)
        if fp in fill:
            ws.cell(number, col["处理意见"], fill[fp][0])
            ws.cell(number, col["说明"], fill[fp][1] or None)
        for header, value in (cells or {}).get(fp, {}).items():
            ws.cell(number, col[header], value)
    for extra in extra_rows or []:
        number = ws.max_row + 1
        for header, value in extra.items():
            ws.cell(number, col[header], value)
        where.setdefault(extra["指纹"], []).append(number)
    book.save(dest)
    return where


@pytest.fixture(scope="module")
def month1(tmp_path_factory) -> tuple[Path, Path]:
    """The real reports audited once (nothing decided yet): the inbox and the results folder.
    Tests copy the results folder before they change its ledger."""
    from .run_cli import in_process

    root = tmp_path_factory.mktemp("review")
    reports, out = inbox(root / "in"), root / "out"
    done = in_process("run", reports, "--out", out, "--rules", RULES)
    assert done.returncode in (0, 1), done.stderr.decode()
    return reports, out


@pytest.fixture
def results(month1, tmp_path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(month1[1], out, symlinks=True)
    return out


# ---------------------------------------------------------------- the review form

@pytest.mark.slow
def test_the_issue_list_is_a_review_form(month1):
    out = month1[1]
    ws = openpyxl.load_workbook(out / "latest" / "summary.xlsx")["问题清单"]
    rows = list(ws.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[-6:] == ["数值", "处理意见", "说明", "处理记录", "核查页", "指纹"]
    assert len(rows) - 1 == len(compliance(out)) > 0
    assert {r[headers.index(h)] for r in rows[1:] for h in ("处理意见", "说明", "处理记录")} == {None}
    (rule,) = ws.data_validations.dataValidation
    decision = openpyxl.utils.get_column_letter(headers.index("处理意见") + 1)
    assert str(rule.sqref) == f"{decision}2:{decision}{len(rows)}"         # every data row
    assert (rule.type, rule.formula1, rule.allow_blank) == ("list", CHOICES, True)
    assert rule.showInputMessage and "不予采纳须在「说明」中写明理由" in rule.prompt
    fills = {h: ws.cell(1, headers.index(h) + 1).fill.fgColor.rgb for h in headers}
    assert fills["处理意见"] == fills["说明"] != fills["指纹"] == fills["单位"]
    comment = openpyxl.utils.get_column_letter(headers.index("说明") + 1)
    assert ws.column_dimensions[decision].width >= 16 and ws.column_dimensions[comment].width >= 40
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}{len(rows)}"
    with open(out / "latest" / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh))[-3:] == ["处理意见", "说明", "处理记录"]


# ---------------------------------------------------------------- import, then the next run

@pytest.mark.slow
def test_imported_decisions_count_in_the_next_run(month1, results, tmp_path, auditor_main):
    reports, out = month1[0], results
    listed = compliance(out)
    error = next(f for f in listed if f["severity"] == "error")
    warning = next(f for f in listed if f["severity"] == "warning")
    info = next(f for f in listed if f["severity"] == "info")
    told = next(f for f in listed if f["severity"] == "info" and f is not info)
    reason = "已在网站补充公开第五部分，见更正说明"
    # one decision by the command line, its comment starting with a formula character
    assert auditor_main("decide", told["fingerprint"], "确认属实", "--by", "李四", "--comment", "+已电话核实",
                        "--out", out).code == 0
    book = tmp_path / "审核结果（已填写）.xlsx"
    edit(out / "latest" / "summary.xlsx", book, {error["fingerprint"]: (" 不予采纳 ", reason),
                                                  warning["fingerprint"]: ("确认属实", ""),
                                                  info["fingerprint"]: ("ｃｏｎｆｉｒｍｅｄ", "已核实")})
    before_overview = {Path(r["文件"]).name: r for r in sheet(out, "总览")}

    done = import_(auditor_main, book, out)
    assert done.code == 0, done.err
    assert done.out.strip() == "已导入 3 条：确认属实 2 条、不予采纳 1 条；未变化 0 条；下次运行 auditor run 起计入。"
    hashes = recorded_hashes(out)
    stored = {fp: (h, d, c, who) for fp, h, d, c, who in decisions(out)}
    assert stored[error["fingerprint"]] == (hashes[error["fingerprint"]], "dismissed", reason, "张三")
    assert stored[warning["fingerprint"]] == (hashes[warning["fingerprint"]], "confirmed", "", "张三")
    assert stored[info["fingerprint"]] == (hashes[info["fingerprint"]], "confirmed", "已核实", "张三")

    printed = run(auditor_main, reports, out).out
    assert "不予采纳 1" in printed
    name = Path(error["file"]).name
    before, after = before_overview[name], {Path(r["文件"]).name: r for r in sheet(out, "总览")}[name]
    assert after["错误"] == before["错误"] - 1 and after["警告"] == before["警告"]
    if after["错误"] == 0:
        assert before["审核结论"].startswith("不合格") and not after["审核结论"].startswith("不合格")
    stats = json.loads(sqlite3.connect(out / "ledger.sqlite").execute(
        "SELECT counts FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert stats["open/error"] == sum(1 for f in listed if f["severity"] == "error") - 1

    # the next workbook shows the decisions in force, ready to be changed, with its drop-down
    ws = openpyxl.load_workbook(out / "latest" / "summary.xlsx")["问题清单"]
    rows = list(ws.iter_rows(values_only=True))
    by_fp = {r[rows[0].index("指纹")]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert (by_fp[error["fingerprint"]]["处理意见"], by_fp[error["fingerprint"]]["说明"]) == ("不予采纳", reason)
    assert by_fp[error["fingerprint"]]["处理记录"].startswith("张三，")
    assert (by_fp[warning["fingerprint"]]["处理意见"], by_fp[warning["fingerprint"]]["说明"]) == ("确认属实", None)
    assert by_fp[info["fingerprint"]]["处理意见"] == "确认属实"
    assert by_fp[told["fingerprint"]]["说明"] == "'+已电话核实"         # escaped in the workbook
    assert by_fp[told["fingerprint"]]["处理记录"].startswith("李四，")
    (rule,) = ws.data_validations.dataValidation
    assert rule.formula1 == CHOICES and str(rule.sqref).endswith(str(len(rows)))
    with open(out / "latest" / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    row = next(r for r in table if r["指纹"] == error["fingerprint"])
    assert (row["处理意见"], row["说明"]) == ("不予采纳", reason) and row["处理记录"].startswith("张三，")

    # importing again, or importing the prefilled workbook, records nothing new
    count = len(decisions(out))
    done = import_(auditor_main, out / "latest" / "summary.xlsx", out)
    assert done.code == 0 and "未变化 4 条" in done.out and "账本未改动" in done.out, done.out + done.err
    done = import_(auditor_main, book, out)
    assert done.code == 0 and "未变化 3 条" in done.out, done.out + done.err
    assert len(decisions(out)) == count


@pytest.mark.slow
def test_changing_a_decision_in_the_workbook_records_the_new_one(month1, results, tmp_path, auditor_main):
    out = results
    target = next(f for f in compliance(out) if f["severity"] == "warning")
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    edit(out / "latest" / "summary.xlsx", first, {target["fingerprint"]: ("不予采纳", "格式要求不适用")})
    assert import_(auditor_main, first, out).code == 0
    edit(out / "latest" / "summary.xlsx", second, {target["fingerprint"]: ("确认属实", "复核后确认")}, reshape=False)
    done = import_(auditor_main, second, out)
    assert done.code == 0 and "确认属实 1 条、不予采纳 0 条；未变化 0 条" in done.out
    assert [d[2:4] for d in decisions(out)] == [("dismissed", "格式要求不适用"), ("confirmed", "复核后确认")]


# ---------------------------------------------------------------- errors: per row, nothing imported

@pytest.mark.slow
def test_every_wrong_row_is_named_and_nothing_is_imported(results, tmp_path, auditor_main):
    out = results
    listed = compliance(out)
    unknown, changed, no_reason, odd_word, twice, good = listed[:6]
    extraction = next(f for f in findings(out) if f["category"] == "extraction")
    book = tmp_path / "填写有误.xlsx"
    where = edit(out / "latest" / "summary.xlsx", book,
                 {unknown["fingerprint"]: ("确认属实", ""), changed["fingerprint"]: ("确认属实", ""),
                  no_reason["fingerprint"]: ("不予采纳", ""), odd_word["fingerprint"]: ("同意", ""),
                  twice["fingerprint"]: ("确认属实", ""), good["fingerprint"]: ("确认属实", "")},
                 cells={unknown["fingerprint"]: {"指纹": "0123456789abcdef"},
                        changed["fingerprint"]: {"数值": '{"单元格数":0}'}},
                 extra_rows=[{"指纹": extraction["fingerprint"], "处理意见": "确认属实",
                              "数值": json.dumps(extraction["values"], ensure_ascii=False)},
                             {"指纹": twice["fingerprint"], "处理意见": "不予采纳", "说明": "重复",
                              "数值": json.dumps(twice["values"], ensure_ascii=False)}])
    before = ledger_bytes(out)

    done = import_(auditor_main, book, out)
    assert done.code == 2 and done.out == ""
    assert "中有 6 处错误，未导入任何处理意见（账本未改动）" in done.err

    def line(finding: dict, number: int | None = None) -> str:
        number = number or where[finding["fingerprint"]][0]
        return f"第 {number} 行（{finding['agency']}，{finding['location']}）："

    typed = where[unknown["fingerprint"]][0]         # an unknown fingerprint: the row's own 单位 and 位置
    assert line(unknown, typed) + "指纹 0123456789abcdef 不在最近一次审核的结果中" in done.err
    assert (line(changed) + '数值与最近一次审核不一致：工作簿中为「{"单元格数":0}」，'
            f"最近一次审核为「{json.dumps(changed['values'], ensure_ascii=False, separators=(',', ':'))}」") in done.err
    assert line(no_reason) + "不予采纳须在「说明」中写明理由" in done.err
    assert line(odd_word) + "处理意见「同意」无法识别" in done.err
    assert line(extraction) + "这是读取问题（需人工核查），不是合规问题" in done.err
    first, again = where[twice["fingerprint"]]
    assert line(twice, again) + f"指纹 {twice['fingerprint']} 在第 {first} 行也出现，处理意见或说明与该行不同" in done.err
    assert good["fingerprint"] not in done.err
    assert decisions(out) == [] and ledger_bytes(out) == before


@pytest.mark.slow
def test_a_workbook_from_an_older_run(tmp_path, auditor_main):
    """The values behind a finding changed since the workbook was written (the report was
    corrected in another way), and another report was not provided this time: both rows refused."""
    reports, out = inbox(tmp_path / "in"), tmp_path / "out"
    run(auditor_main, reports, out)
    old = tmp_path / "上月.xlsx"
    shutil.copy(out / "latest" / "summary.xlsx", old)
    report = reports / SHANGHAI
    report.write_text(report.read_text("utf-8").replace(TITLE, OTHER_TITLE), "utf-8")
    (reports / PINGTAN).unlink()
    run(auditor_main, reports, out)
    now = {f["fingerprint"]: f for f in findings(out)}
    title = next(f for f in now.values() if Path(f["file"]).name == SHANGHAI and f["rule_id"] == "SEC-TITLE"
                 and TITLE[2:] in f["location"])
    assert OTHER_TITLE in json.dumps(title["values"], ensure_ascii=False)
    away = next(f for f in now.values() if Path(f["file"]).name == PINGTAN and f["category"] == "compliance")
    assert away["absent"]
    where = edit(old, tmp_path / "filled.xlsx", {title["fingerprint"]: ("确认属实", ""),
                                                 away["fingerprint"]: ("确认属实", "")})
    done = import_(auditor_main, tmp_path / "filled.xlsx", out)
    assert done.code == 2 and "中有 2 处错误" in done.err
    mismatch = next(line for line in done.err.splitlines() if f"第 {where[title['fingerprint']][0]} 行" in line)
    assert "数值与最近一次审核不一致" in mismatch and TITLE in mismatch and OTHER_TITLE in mismatch
    assert f"第 {where[away['fingerprint']][0]} 行（平潭综合实验区，" in done.err and "该报告本次未提供" in done.err
    assert decisions(out) == []
    # the same finding filled in this month's workbook is taken
    edit(out / "latest" / "summary.xlsx", tmp_path / "this.xlsx", {title["fingerprint"]: ("确认属实", "")})
    done = import_(auditor_main, tmp_path / "this.xlsx", out)
    assert done.code == 0 and "确认属实 1 条" in done.out
    assert decisions(out)[0][:2] == (title["fingerprint"], recorded_hashes(out)[title["fingerprint"]])


@pytest.mark.slow
def test_a_workbook_that_cannot_be_imported(results, tmp_path, auditor_main):
    out = results
    latest = out / "latest" / "summary.xlsx"
    before = ledger_bytes(out)
    expected = {}
    expected[tmp_path / "没有.xlsx"] = "不存在"
    for suffix in (".xls", ".et", ".csv"):
        path = tmp_path / f"工作簿{suffix}"
        path.write_bytes(b"x")
        expected[path] = "请在 Excel 或 WPS 中「另存为」Excel 工作簿（.xlsx）后再导入"
    damaged = tmp_path / "损坏.xlsx"
    damaged.write_bytes(latest.read_bytes()[:2000])
    expected[damaged] = "无法读取（文件已损坏"
    renamed = tmp_path / "改名.xlsx"
    book = openpyxl.load_workbook(latest)
    book["问题清单"].title = "问题"
    book.save(renamed)
    expected[renamed] = "中没有「问题清单」工作表"
    cut = tmp_path / "删列.xlsx"
    book = openpyxl.load_workbook(latest)
    ws = book["问题清单"]
    ws.delete_cols([c.value for c in ws[1]].index("说明") + 1)
    book.save(cut)
    expected[cut] = "中没有找到表头列 「说明」"
    for path, words in expected.items():
        done = import_(auditor_main, path, out)
        assert done.code == 2 and words in done.err, (path.name, done.err)
    done = import_(auditor_main, latest, out, "--ledger", tmp_path / "无此账本.sqlite")
    assert done.code == 2 and "无此账本.sqlite 不存在" in done.err
    assert decisions(out) == [] and ledger_bytes(out) == before


# ---------------------------------------------------------------- the checks alone (no run)

def _latest(**decided: str) -> pd.DataFrame:
    base = {"agency": "某局", "location": "全文", "values": {"未出现": "x"}, "values_hash": "h", "category": "compliance",
            "superseded": "", "absent": "", "waived": False, "waiver": "", "decision_word": "", "decision_comment": ""}
    return pd.DataFrame([{**base, "fingerprint": "a" * 16, **decided}, {**base, "fingerprint": "b" * 16}])


def _row(number: int, fp: str, word: str, comment: str = "", values: str = '{"未出现":"x"}') -> FilledRow:
    return FilledRow(number=number, fingerprint=fp, word=word, comment=comment, values=values)


def test_a_dismissal_in_force_without_a_reason_reimports_unchanged():
    """`auditor decide … 不予采纳` takes no reason; its prefilled row must not be refused for that."""
    latest = _latest(decision_word="不予采纳", decision_comment="")
    plan = plan_import([_row(2, "a" * 16, "不予采纳"), _row(3, "b" * 16, "不予采纳")], latest)
    assert plan.unchanged == 1 and plan.record == []
    assert plan.errors == ["第 3 行（某局，全文）：不予采纳须在「说明」中写明理由"]


def test_the_same_decision_twice_is_recorded_once():
    plan = plan_import([_row(2, "b" * 16, "确认属实", "好"), _row(9, "b" * 16, "confirmed", "好")], _latest())
    assert plan.errors == [] and plan.record == [("b" * 16, "h", "confirmed", "好")]


def test_cells_are_read_as_the_reviewer_sees_them():
    assert cell_text("'=SUM(A1)") == "=SUM(A1)" and cell_text("'-1") == "-1"
    assert cell_text("'引号开头") == "'引号开头"            # not our escaping: kept
    assert cell_text(None) == "" and cell_text(12.0) == "12" and cell_text("  确认属实\n") == "确认属实"


def test_findings_no_reviewer_decides_on_are_refused():
    latest = _latest(superseded="已被更正版取代（由 b.txt 取代）")
    latest.loc[1, ["waived", "waiver"]] = [True, "省办同意暂缓"]
    plan = plan_import([_row(2, "a" * 16, "确认属实"), _row(3, "b" * 16, "确认属实")], latest)
    assert plan.record == [] and plan.errors == [
        "第 2 行（某局，全文）：这条问题属于已被更正版取代的报告版本，不再成立，不能填写处理意见",
        "第 3 行（某局，全文）：该问题已豁免（省办同意暂缓），不计入任何统计，无需处理意见"]
