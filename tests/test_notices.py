"""`auditor notices` on a real run: the real reports, one mutated for a definite error (第五部分 removed),
one whose headings carry Jinja text, one whose agency cannot be read, one corrected to have no finding
at all (合格) and one that cannot be read (无法审核); decisions through Ledger.decide; the notices and
审核结果单 read back with python-docx, 通知清单.xlsx with openpyxl. Plus the selection, the working days
and the file names on their own."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import orjson
import pandas as pd
import pytest
from docx import Document

from auditor.followup.store import open_items
from auditor.ledger import Ledger
from auditor.notices.names import MAX_PART, safe_name
from auditor.notices.workdays import add_working_days

from .conftest import RULES, SAMPLES

NOTICE_DAY = dt.date(2026, 9, 25)            # a Friday before the 2026 National Day holiday
NOTICE_DAY_TEXT = "2026-09-25"
DEADLINE_10 = "2026年10月15日"                # 10 working days: 3 in September, Oct 8, 9, 10 (调休), 12–15
WAIVERS = """waivers:
  - rule: SEC-TITLE
    agency: 沭阳县发展和改革局
    year: 2023
    reason: 标题用语已与单位核实
    approved_by: 张三
    expires: "2099-12-31"
"""
WINDOWS_BAD = set('<>:"/\\|?*')


def _inbox(folder: Path) -> Path:
    """The real reports: 淄博 without its 第五部分 (a definite SEC-PRESENT error), 平潭 with Jinja text in
    a heading, a copy of 淄博 whose agency name cannot be read (no addressee), a copy of 淄博 under
    another agency's name that says what its one 提示 missed (no finding at all), and a page of that
    agency's site in place of its report (not readable)."""
    folder.mkdir(parents=True)
    for name in ("shanghai-stcsm-2024.md", "shuyang-fgj-2023.html"):
        shutil.copy2(SAMPLES / name, folder / name)
    zibo = (SAMPLES / "zibo-gaoxin-police-2022.txt").read_text("utf-8")
    assert "五、存在的主要问题及改进情况\n" in zibo
    zibo = zibo.replace("五、存在的主要问题及改进情况\n", "", 1)
    (folder / "zibo-gaoxin-police-2022.txt").write_text(zibo, "utf-8")
    nameless = zibo.replace("淄博市公安局高新区分局", "淄博/市:公安*局").replace("高新区公安分局", "淄博/市:公安*局")
    (folder / "nameless-2022.txt").write_text(nameless, "utf-8")
    clean = (SAMPLES / "zibo-gaoxin-police-2022.txt").read_text("utf-8")
    for old in ("淄博市公安局高新技术产业开发区分局", "淄博市公安局高新区分局", "高新区公安分局"):
        clean = clean.replace(old, CLEAN)
    fee = "(一)本年度依申请公开,均未收取任何信息处理费。"
    assert fee in clean
    clean = clean.replace(fee, fee + "(三)本年度承办人大代表建议和政协提案3件，办理结果均已公开。", 1)
    (folder / "zhangdian-2022.txt").write_text(clean, "utf-8")
    (folder / "linzi-2022.txt").write_text(f"{UNREAD}2022年政府信息公开工作年度报告\n\n发文日期: 2023-01-19\n\n"
                                           "本页面正在维护，请稍后访问。\n", "utf-8")
    pingtan = (SAMPLES / "pingtan-2022.txt").read_text("utf-8")
    heading = "四、政府信息公开行政法复议、行政诉讼情况"
    assert heading in pingtan
    (folder / "pingtan-2022.txt").write_text(
        pingtan.replace(heading, "四、政府信息公开行政法复议{{7*7}}、行政{%if 1%}诉讼{%endif%}情况"), "utf-8")
    return folder


@pytest.fixture(scope="module")
def base_run(tmp_path_factory) -> Path:
    from .run_cli import in_process

    root = tmp_path_factory.mktemp("notices")
    inbox = _inbox(root / "in")
    (root / "waivers.yaml").write_text(WAIVERS, "utf-8")
    done = in_process("run", "--rules", RULES, inbox, "--out", root / "out", "--waivers", root / "waivers.yaml")
    assert done.returncode in (0, 1, 3), done.stderr.decode()
    return root / "out"


@pytest.fixture
def out(base_run: Path, tmp_path: Path) -> Path:
    """A copy of the run's results, for a test to decide and notify in."""
    target = tmp_path / "out"
    shutil.copytree(base_run, target, symlinks=True)
    return target


def _findings(out: Path) -> list[dict]:
    return [orjson.loads(line) for line in (out / "latest" / "findings.jsonl").read_bytes().splitlines()]


def _one(out: Path, agency: str, rule_id: str) -> dict:
    got = [f for f in _findings(out) if f["agency"] == agency and f["rule_id"] == rule_id]
    assert got, (agency, rule_id)
    return got[0]


def _decide(out: Path, finding: dict, decision: str) -> None:
    ledger = Ledger(out / "ledger.sqlite")
    try:
        ledger.decide(finding["fingerprint"], decision, "核实", "张三")
    finally:
        ledger.close()


def _notices(auditor_main, out: Path, *extra: str):
    return auditor_main("notices", "--out", out, "--date", NOTICE_DAY_TEXT, *extra)


def _folder(out: Path) -> Path:
    return (out / "latest").resolve() / "整改通知-20260925"


def _docs(folder: Path, kind: str) -> dict[str, Document]:
    return {p.name: Document(p) for p in sorted(folder.glob(f"{kind}-*.docx"))}


def _text(doc: Document) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _rows(doc: Document, table: int = 0) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in doc.tables[table].rows]


def _items(out: Path) -> pd.DataFrame:
    ledger = Ledger(out / "ledger.sqlite")
    try:
        return open_items(ledger)
    finally:
        ledger.close()


def _verdicts(out: Path) -> pd.DataFrame:
    from auditor.followup.store import run_verdicts

    ledger = Ledger(out / "ledger.sqlite")
    try:
        return run_verdicts(ledger, ledger.last_run()["id"])
    finally:
        ledger.close()


def _verdict(out: Path, agency: str) -> str:
    verdicts = _verdicts(out)
    return "；".join(verdicts[verdicts["agency"] == agency]["verdict"])


def _agency_years(out: Path) -> set[tuple[str, int]]:
    """(单位, 年度) of every report of the run as 通知清单 names it: a report without an agency name
    under the listing's word for that."""
    from auditor.notices.content import UNKNOWN_AGENCY

    return {(a if isinstance(a, str) and a else UNKNOWN_AGENCY, int(y)) for a, y in
            _verdicts(out)[["agency", "year"]].itertuples(index=False)}


def _listing(folder: Path) -> dict[tuple[str, int], dict]:
    """通知清单.xlsx read with openpyxl: (单位, 年度) → the row's other cells (None when blank)."""
    from openpyxl import load_workbook

    rows = list(load_workbook(folder / "通知清单.xlsx", read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == ["单位", "年度", "审核结论", "问题数", "整改期限", "整改通知", "审核结果单"]
    listed = {(r[0], r[1]): dict(zip(rows[0][2:], r[2:])) for r in rows[1:]}
    assert len(listed) == len(rows) - 1
    return listed


ZIBO = "淄博市公安局高新区分局"
SHANGHAI = "上海市科委"
CLEAN = "淄博市公安局张店分局"          # 合格, no finding at all
UNREAD = "淄博市公安局临淄分局"         # its report could not be read: 无法审核


@pytest.mark.slow
def test_only_confirmed_findings_are_notified_by_default(out: Path, auditor_main) -> None:
    error = _one(out, ZIBO, "SEC-PRESENT")
    assert error["severity"] == "error"
    info = next(f for f in _findings(out) if f["agency"] == ZIBO and f["severity"] == "info"
                and f["category"] == "compliance")
    dismissed = _one(out, SHANGHAI, "SEC-PRESENT")
    _decide(out, error, "confirmed")
    _decide(out, info, "confirmed")                  # a 提示 goes in once a person confirmed it
    _decide(out, dismissed, "dismissed")
    done = _notices(auditor_main, out, "--issuer", "某市政务公开办公室", "--contact", "李四，0533-1234567")
    assert done.code == 0, done.err
    folder = _folder(out)
    notices = _docs(folder, "整改通知")
    assert list(notices) == [f"整改通知-{ZIBO}-2022年度-20260925.docx"]     # Shanghai: nothing confirmed
    doc = notices[f"整改通知-{ZIBO}-2022年度-20260925.docx"]
    text = _text(doc)
    assert f"{ZIBO}：" in [p.text for p in doc.paragraphs]                 # 主送单位
    assert "关于2022年度政府信息公开工作年度报告存在问题的整改通知" in text
    assert "第四十九条" in text and "第五十条" in text
    assert DEADLINE_10 in text and "10个工作日" in text
    assert "某市政务公开办公室" in text and "李四，0533-1234567" in text and "请填写" not in text
    rows = _rows(doc)
    assert rows[0] == ["序号", "位置", "问题", "依据", "整改要求"]
    assert len(rows) == 3
    for finding in (error, info):
        row = next(r for r in rows if r[2] == finding["message"])
        assert row[1] == finding["location"] and row[3] == finding["basis"] and row[4]
    header = doc.tables[0].rows[0]._tr.trPr
    assert header is not None and "tblHeader" in header.xml                  # repeated on every page
    items = _items(out)
    assert dismissed["fingerprint"] not in set(items["fingerprint"])
    assert sorted(items["fingerprint"]) == sorted([error["fingerprint"], info["fingerprint"]])
    assert set(items["status"]) == {"待整改"} and set(items["deadline"]) == {"2026-10-15"}
    results = _docs(folder, "审核结果单")
    sheet = results[f"审核结果单-{ZIBO}-2022年度-20260925.docx"]
    lines = _rows(sheet, 1)
    statuses = {r[4]: r[6] for r in lines[1:]}
    assert statuses[error["message"]] == "确认属实"
    reading = [f for f in _findings(out) if f["agency"] == ZIBO and f["category"] == "extraction"]
    for f in reading:
        assert statuses[f["message"]] == "需人工核查"
    listing = _listing(folder)
    assert listing[(ZIBO, 2022)] == {"审核结论": _verdict(out, ZIBO), "问题数": 2, "整改期限": "2026-10-15",
                                    "整改通知": f"整改通知-{ZIBO}-2022年度-20260925.docx",
                                    "审核结果单": f"审核结果单-{ZIBO}-2022年度-20260925.docx"}
    assert set(listing) == _agency_years(out)                       # every report's sheet, notified or not
    for key, row in listing.items():
        assert (folder / row["审核结果单"]).is_file(), key
        if key != (ZIBO, 2022):
            assert row["问题数"] is None and row["整改期限"] is None and row["整改通知"] is None, key
    assert f"已生成整改通知 1 份、审核结果单 {len(listing)} 份" in done.out


@pytest.mark.slow
def test_include_unreviewed_adds_errors_and_warnings_never_extraction_waived_dismissed_or_unconfirmed_info(
        out: Path, auditor_main) -> None:
    dismissed = _one(out, SHANGHAI, "SEC-PRESENT")
    _decide(out, dismissed, "dismissed")
    done = _notices(auditor_main, out, "--include-unreviewed")
    assert done.code == 0, done.err
    text = ""
    for doc in _docs(_folder(out), "整改通知").values():
        text += _text(doc) + "\n" + "\n".join("|".join(r) for r in _rows(doc))
        assert "（请填写发文机关）" in _text(doc) and "（请填写联系人及联系电话）" in _text(doc)
    assert "未给出 --issuer 发文机关 和 --contact 联系人" in done.out
    findings = _findings(out)
    expected = [f for f in findings if f["category"] == "compliance" and not f.get("waived") and f["agency"]
                and f["severity"] in ("error", "warning") and f["fingerprint"] != dismissed["fingerprint"]]
    assert expected and set(_items(out)["fingerprint"]) == {f["fingerprint"] for f in expected}
    notified = {f["message"] for f in expected}
    for f in findings:
        assert (f["message"] in text) == (f["message"] in notified), f
    assert any(f.get("waived") for f in findings)                           # the waiver did apply
    assert "nameless-2022.txt" in done.err and "单位名称" in done.err       # no addressee: the operator is told


@pytest.mark.slow
def test_agency_filter_and_a_findings_notified_once_until_rectified(out: Path, auditor_main) -> None:
    done = _notices(auditor_main, out, "--include-unreviewed", "--agency", "上海市科委（本级）")
    assert done.code == 0, done.err
    assert [n.split("-")[1] for n in _docs(_folder(out), "整改通知")] == [SHANGHAI]
    first = _items(out)
    again = _notices(auditor_main, out, "--include-unreviewed", "--agency", SHANGHAI)        # the same day: replaced
    assert again.code == 0 and len(_items(out)) == len(first)
    later = auditor_main("notices", "--out", out, "--date", "2026-10-09", "--include-unreviewed",
                         "--agency", SHANGHAI)
    assert later.code == 0
    assert f"有 {len(first)} 条问题已在 {NOTICE_DAY_TEXT} 起发出的整改通知中尚未整改完毕" in later.out
    assert "没有需要发出整改通知的问题" in later.out and "已生成整改通知 0 份、审核结果单 1 份" in later.out
    folder = (out / "latest").resolve() / "整改通知-20261009"
    assert sorted(p.name for p in folder.iterdir()) == [f"审核结果单-{SHANGHAI}-2024年度-20261009.docx", "通知清单.xlsx"]
    assert len(_items(out)) == len(first)


@pytest.mark.slow
def test_nothing_to_notify_still_writes_every_reports_result_sheet(out: Path, auditor_main) -> None:
    done = _notices(auditor_main, out)
    assert done.code == 0, done.err
    assert "没有需要发出整改通知的问题" in done.out and "未生成通知" in done.out
    folder = _folder(out)
    assert _docs(folder, "整改通知") == {} and _items(out).empty and "本次未记录整改事项" in done.out
    listing = _listing(folder)
    assert set(listing) == _agency_years(out)
    assert all(r["整改通知"] is None and r["问题数"] is None and r["整改期限"] is None for r in listing.values())
    sheets = _docs(folder, "审核结果单")
    assert sorted(sheets) == sorted(r["审核结果单"] for r in listing.values())
    assert f"已生成整改通知 0 份、审核结果单 {len(sheets)} 份" in done.out


@pytest.mark.slow
def test_a_report_without_findings_and_one_not_read_get_their_result_sheets(out: Path, auditor_main) -> None:
    assert not [f for f in _findings(out) if f["agency"] == CLEAN]                # the corrected copy: no finding
    unread = [f for f in _findings(out) if f["agency"] == UNREAD]
    assert unread and {f["category"] for f in unread} == {"extraction"}
    done = _notices(auditor_main, out, "--include-unreviewed")
    assert done.code == 0, done.err
    folder = _folder(out)
    sheets = _docs(folder, "审核结果单")
    verdicts = _verdicts(out)

    clean = sheets[f"审核结果单-{CLEAN}-2022年度-20260925.docx"]
    mine = verdicts[verdicts["agency"] == CLEAN].iloc[0]
    assert mine["verdict"] == "合格"
    assert f"单位：{CLEAN}" in _text(clean) and "本次审核未发现问题。" in _text(clean)
    assert _rows(clean, 0)[1][:3] == [Path(mine["file"]).name, "合格", "完整"]
    assert len(clean.tables) == 1                                                 # no empty problem table

    gone = sheets[f"审核结果单-{UNREAD}-2022年度-20260925.docx"]
    mine = verdicts[verdicts["agency"] == UNREAD].iloc[0]
    assert mine["verdict"].startswith("无法审核")
    assert "报告未能读取" in _text(gone) and "未发现问题" not in _text(gone)
    assert _rows(gone, 0)[1][:3] == [Path(mine["file"]).name, mine["verdict"], "读取失败"]
    listed = {r[4]: r[6] for r in _rows(gone, 1)[1:]}
    assert listed == {f["message"]: "需人工核查" for f in unread}                   # the reading problems

    nameless = sheets["审核结果单-nameless-2022.txt-20260925.docx"]                # named by its file
    assert "单位：（未能识别单位名称）" in _text(nameless)
    assert not any("nameless" in n for n in _docs(folder, "整改通知"))
    for agency in (CLEAN, UNREAD):
        assert not any(agency in n for n in _docs(folder, "整改通知"))
        row = _listing(folder)[(agency, 2022)]
        assert row["整改通知"] is None and row["审核结论"] == _verdict(out, agency)
    assert set(_items(out)["agency"]) == {n.split("-")[1] for n in _docs(folder, "整改通知")}


@pytest.mark.slow
def test_agency_restricts_both_kinds_of_documents(out: Path, auditor_main) -> None:
    done = _notices(auditor_main, out, "--include-unreviewed", "--agency", CLEAN, "--agency", SHANGHAI)
    assert done.code == 0, done.err
    folder = _folder(out)
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        f"审核结果单-{CLEAN}-2022年度-20260925.docx", f"审核结果单-{SHANGHAI}-2024年度-20260925.docx",
        f"整改通知-{SHANGHAI}-2024年度-20260925.docx", "通知清单.xlsx"])
    assert set(_listing(folder)) == {(CLEAN, 2022), (SHANGHAI, 2024)}
    assert "已生成整改通知 1 份、审核结果单 2 份" in done.out and "没有单位" not in done.err   # a report without findings
    assert set(_items(out)["agency"]) == {SHANGHAI}


@pytest.mark.slow
def test_a_same_day_rerun_with_nothing_to_notify_withdraws_the_days_notices(out: Path, auditor_main) -> None:
    assert _notices(auditor_main, out, "--include-unreviewed").code == 0
    assert len(_items(out)) and _docs(_folder(out), "整改通知")
    again = _notices(auditor_main, out)                       # nothing confirmed: the day's batch is none
    assert again.code == 0, again.err
    assert _docs(_folder(out), "整改通知") == {} and _items(out).empty
    assert "当天先前生成的目录已被替换" in again.out
    assert set(_listing(_folder(out))) == _agency_years(out)


@pytest.mark.slow
def test_a_batch_for_one_agency_with_nothing_to_notify_keeps_its_notice_of_the_day(out: Path, auditor_main) -> None:
    assert _notices(auditor_main, out, "--include-unreviewed").code == 0
    items = _items(out)
    notice = f"整改通知-{SHANGHAI}-2024年度-20260925.docx"
    before = (_folder(out) / notice).read_bytes()
    again = _notices(auditor_main, out, "--agency", SHANGHAI)     # nothing confirmed for it
    assert again.code == 0, again.err
    assert (_folder(out) / notice).read_bytes() == before and "保留" in again.out
    assert _listing(_folder(out))[(SHANGHAI, 2024)]["整改通知"] == notice
    assert _items(out).equals(items)


@pytest.mark.slow
def test_deadline_not_after_the_notice_date_is_a_usage_error(out: Path, auditor_main) -> None:
    done = _notices(auditor_main, out, "--include-unreviewed", "--deadline", NOTICE_DAY_TEXT)
    assert done.code == 2 and "整改期限 2026年9月25日 须在通知日期 2026年9月25日 之后" in done.err
    assert not _folder(out).exists() and _items(out).empty


@pytest.mark.slow
def test_a_year_without_holiday_data_is_counted_monday_to_friday_with_a_warning(out: Path, auditor_main) -> None:
    done = auditor_main("notices", "--out", out, "--date", "2026-12-25", "--include-unreviewed")
    assert done.code == 0, done.err
    assert "节假日数据未覆盖 2027 年" in done.err
    assert set(_items(out)["deadline"]) == {"2027-01-08"}       # Dec 28–31, Jan 1 (not known as a holiday), Jan 4–8


@pytest.mark.slow
def test_no_calendar_warning_when_no_deadline_is_set(out: Path, auditor_main) -> None:
    """Nothing to notify: no 整改期限 is written anywhere, so the holidays of 2027 do not matter."""
    done = auditor_main("notices", "--out", out, "--date", "2026-12-25")
    assert done.code == 0 and "没有需要发出整改通知的问题" in done.out
    assert "节假日数据未覆盖" not in done.err + done.out


@pytest.mark.slow
def test_the_items_name_their_notice_by_its_full_path(out: Path, auditor_main, tmp_path: Path, monkeypatch) -> None:
    """整改跟踪 and `auditor history` show where the notice is, whatever folder notices was run from."""
    monkeypatch.chdir(out.parent)
    done = auditor_main("notices", "--out", out.name, "--date", NOTICE_DAY_TEXT, "--include-unreviewed")
    assert done.code == 0, done.err
    files = set(_items(out)["notice_file"])
    assert files and all(Path(f).is_absolute() and Path(f).is_file() for f in files)


def test_working_days_across_national_day_2026_a_weekend_and_a_make_up_day() -> None:
    assert add_working_days(NOTICE_DAY, 10).date == dt.date(2026, 10, 15)
    assert add_working_days(dt.date(2026, 9, 30), 1).date == dt.date(2026, 10, 8)      # Oct 1–7 are holidays
    assert add_working_days(dt.date(2026, 10, 9), 1).date == dt.date(2026, 10, 10)     # Saturday, 调休上班
    assert add_working_days(dt.date(2026, 11, 6), 1).date == dt.date(2026, 11, 9)      # a plain weekend
    assert add_working_days(NOTICE_DAY, 10).uncovered_years == []
    beyond = add_working_days(dt.date(2026, 12, 30), 3)
    assert beyond.date == dt.date(2027, 1, 4) and beyond.uncovered_years == [2027]


def test_file_names_are_safe_on_windows() -> None:
    taken: set[str] = set()
    names = [safe_name(["整改通知", agency, "2024年度", "20260925"], ".docx", taken)
             for agency in ('某/局:办*公室"?<>|', "某" * 300, "CON", "x\x07y. ", "某/局:办*公室\"?<>|")]
    for name in names:
        assert not WINDOWS_BAD & set(name) and all(ord(c) >= 32 for c in name), name
        assert len(name) < 200 and name.endswith(("-2024年度-20260925.docx", "-2024年度-20260925_2.docx"))
    assert len(names[1]) <= MAX_PART + 40
    assert len({n.lower() for n in names}) == len(names)                     # the twin got its own name
    assert safe_name(["CON"], ".docx", set()) == "_CON.docx"


@pytest.mark.slow
def test_odd_agency_names_give_windows_safe_files(out: Path, tmp_path: Path) -> None:
    from auditor.notices.build import build
    from auditor.notices.content import Letterhead
    from auditor.notices.render import NOTICE_TEMPLATE, read_template
    from auditor.review.latest import latest_run

    ledger = Ledger(out / "ledger.sqlite")
    try:
        findings = latest_run(out, ledger).findings
    finally:
        ledger.close()
    picked = findings[findings["agency"] == SHANGHAI].head(2).copy()
    picked["agency"] = ["上海/市:科*委", "上" + "海" * 300]
    picked["agency_key"] = picked["agency"]
    picked["year"] = 2024
    head = Letterhead(NOTICE_DAY, dt.date(2026, 10, 15), 10, None, None)
    batch, items = build(picked, findings, pd.DataFrame(columns=["file", "agency", "year"]), head,
                         read_template(None, NOTICE_TEMPLATE), tmp_path / "to")
    assert len(batch.notices) == 2 and len(items) == 2
    for doc in batch.docs:
        for name in (doc.name, *([doc.notice.name] if doc.notice else [])):
            assert not WINDOWS_BAD & set(name) and len(name) < 120, name
            (tmp_path / name).write_bytes(doc.data)                          # the file system takes it


def _edited_template(tmp_path: Path, text: str) -> Path:
    """A copy of the shipped template with one paragraph added, edited with python-docx as an office would."""
    from auditor.notices.render import NOTICE_TEMPLATE, default_template

    doc = Document(io.BytesIO(default_template(NOTICE_TEMPLATE)))
    doc.add_paragraph(text)
    path = tmp_path / "本地模板.docx"
    doc.save(path)
    return path


@pytest.mark.slow
def test_a_replaced_template_shows_the_edit(out: Path, tmp_path: Path, auditor_main) -> None:
    template = _edited_template(tmp_path, "（本通知抄送{{发文机关}}督查室，共{{问题数}}个问题）")
    done = _notices(auditor_main, out, "--include-unreviewed", "--template", template, "--issuer", "某市政务公开办公室")
    assert done.code == 0, done.err
    for name, doc in _docs(_folder(out), "整改通知").items():
        count = len(_rows(doc)) - 1
        assert f"（本通知抄送某市政务公开办公室督查室，共{count}个问题）" in _text(doc), name


@pytest.mark.slow
@pytest.mark.parametrize("text, says", [("{{ 处分意见 }}", "未知的占位符：处分意见"),
                                        ("{% if 年度 %}未闭合", "占位符写法有误"),
                                        ("{{ 年度.__class__.__mro__ }}", "无法填写")])
def test_a_broken_template_writes_nothing(out: Path, tmp_path: Path, auditor_main, text: str, says: str) -> None:
    template = _edited_template(tmp_path, text)
    done = _notices(auditor_main, out, "--include-unreviewed", "--template", template)
    assert done.code == 2
    assert str(template) in done.err and says in done.err, done.err
    assert not _folder(out).exists() and _items(out).empty


@pytest.mark.slow
def test_jinja_text_of_a_report_is_printed_literally(out: Path, auditor_main) -> None:
    from auditor.notices.content import Letterhead, notice_context
    from auditor.notices.render import NOTICE_TEMPLATE, read_template, render

    pingtan = next(f for f in _findings(out) if f["agency"] == "平潭综合实验区" and f["category"] == "compliance")
    _decide(out, pingtan, "confirmed")
    done = _notices(auditor_main, out)
    assert done.code == 0, done.err
    sheet = _docs(_folder(out), "审核结果单")["审核结果单-平潭综合实验区-2022年度-20260925.docx"]
    messages = [r[4] for r in _rows(sheet, 1)]
    jinja = [m for m in messages if "{{7*7}}" in m]
    assert jinja and all("{%if1%}" in m or "{{" in m for m in jinja)       # as the report wrote it
    assert not any("49" in m for m in jinja)
    finding = pd.DataFrame([{**_one(out, ZIBO, "SEC-PRESENT"), "message": "{{ 7*7 }}{% if 1 %}是{% endif %}<&>"}])
    head = Letterhead(NOTICE_DAY, dt.date(2026, 10, 15), 10, None, None)
    doc = Document(io.BytesIO(render(*read_template(None, NOTICE_TEMPLATE),
                                     notice_context(ZIBO, 2022, finding, head))))
    assert _rows(doc)[1][2] == "{{ 7*7 }}{% if 1 %}是{% endif %}<&>"


@pytest.mark.slow
def test_a_notice_looks_like_a_page(out: Path, tmp_path: Path, auditor_main) -> None:
    """DOCX → PDF (LibreOffice) → PNG: the rendered page is not blank. The PNG stays in the test's tmp dir."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice (LibreOffice) is not installed: the notice was not looked at as a picture")
    done = _notices(auditor_main, out, "--include-unreviewed")
    assert done.code == 0, done.err
    source = next(iter(sorted(_folder(out).glob("整改通知-*.docx"))))
    docx = tmp_path / "notice.docx"
    shutil.copy2(source, docx)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "notice.pdf"
    assert pdf.is_file()
    png = tmp_path / "notice-1.png"
    try:
        import pypdfium2

        pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().save(png)
    except ImportError:
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(pdf), str(tmp_path / "notice-1")],
                       check=True, timeout=60)
    from PIL import Image

    image = Image.open(png).convert("L")
    dark = sum(1 for v in image.tobytes() if v < 128)
    assert image.size[1] > image.size[0] and 0.002 < dark / (image.size[0] * image.size[1]) < 0.5, png


@pytest.mark.slow
def test_selection_on_its_own(out: Path) -> None:
    """select() over the run's real findings, decisions written as auditor/decisions.py writes them."""
    from auditor.notices.selection import select
    from auditor.review.latest import latest_run

    ledger = Ledger(out / "ledger.sqlite")
    try:
        findings = latest_run(out, ledger).findings
    finally:
        ledger.close()
    compliance = findings[(findings["category"] == "compliance") & findings["agency"].notna() & ~findings["waived"]]
    error = compliance[compliance["rule_id"] == "SEC-PRESENT"].index[0]
    info = compliance[compliance["severity"] == "info"].index[0]
    void = compliance[compliance["severity"] == "warning"].index[0]
    reading = findings[findings["category"] == "extraction"].index[0]
    waived = findings[findings["waived"]].index[0]
    frame = findings.copy()
    frame.loc[[error, info, reading, waived], "decision"] = "确认属实（张三，2026-09-20）"
    frame.loc[void, "decision"] = "数值已变化，原处理意见（确认属实）失效，请重新核查"
    none = pd.DataFrame(columns=["fingerprint", "notice_date"])

    def picked(**kw) -> set[int]:
        chosen = select(frame, open_items=kw.pop("open_items", none), agencies=kw.pop("agencies", []),
                        notice_date=NOTICE_DAY, **kw)
        return set(chosen.notify.index) | set(chosen.unaddressed.index) | set(chosen.already_open.index)

    assert picked(include_unreviewed=False) == {error, info}          # the voided one is no decision
    wide = picked(include_unreviewed=True)
    assert {error, info, void} <= wide and not {reading, waived} & wide
    others = frame.loc[list(wide - {error, info})]
    assert set(others["severity"]) <= {"error", "warning"}            # an unconfirmed 提示 never
    earlier = pd.DataFrame({"fingerprint": [frame.at[error, "fingerprint"]], "notice_date": ["2026-09-01"]})
    chosen = select(frame, include_unreviewed=False, open_items=earlier, agencies=[], notice_date=NOTICE_DAY)
    assert list(chosen.already_open.index) == [error] and list(chosen.notify.index) == [info]
    today = earlier.assign(notice_date=[NOTICE_DAY_TEXT])             # the same day's own items: re-notified
    assert error in select(frame, include_unreviewed=False, open_items=today, agencies=[],
                           notice_date=NOTICE_DAY).notify.index
    agency = frame.at[info, "agency"]
    assert picked(include_unreviewed=True, agencies=[f"{agency}（本级）"]) == \
        {i for i in wide if frame.at[i, "agency"] == agency}


@pytest.mark.slow
def test_a_batch_for_one_agency_keeps_the_days_other_notices(out: Path, auditor_main) -> None:
    assert _notices(auditor_main, out, "--include-unreviewed").code == 0
    before = sorted(p.name for p in _folder(out).iterdir())
    again = _notices(auditor_main, out, "--include-unreviewed", "--agency", SHANGHAI, "--agency", "不存在的单位")
    assert again.code == 0 and "没有单位「不存在的单位」的报告" in again.err
    assert sorted(p.name for p in _folder(out).iterdir()) == before
    listing = _listing(_folder(out))
    assert set(listing) == _agency_years(out)
    assert {k[0] for k, r in listing.items() if r["整改通知"]} == {n.split("-")[1] for n in before
                                                                  if n.startswith("整改通知-")}


@pytest.mark.slow
def test_the_result_sheet_shows_each_reports_verdict(out: Path, auditor_main) -> None:
    from auditor.followup.store import run_verdicts

    assert _notices(auditor_main, out, "--include-unreviewed").code == 0
    ledger = Ledger(out / "ledger.sqlite")
    try:
        verdicts = run_verdicts(ledger, ledger.last_run()["id"])
    finally:
        ledger.close()
    sheet = _docs(_folder(out), "审核结果单")[f"审核结果单-{SHANGHAI}-2024年度-20260925.docx"]
    mine = verdicts[verdicts["agency"] == SHANGHAI].iloc[0]
    assert _rows(sheet, 0)[1][:3] == [Path(mine["file"]).name, mine["verdict"], "部分读取"]
    assert _rows(sheet, 0)[0] == ["文件", "审核结论", "读取情况", "按期发布", "发布日期"]


@pytest.mark.slow
def test_a_foreign_folder_is_never_replaced(out: Path, tmp_path: Path, auditor_main) -> None:
    mine = tmp_path / "办公室文件"
    mine.mkdir()
    (mine / "工作计划.txt").write_text("保留", "utf-8")
    done = _notices(auditor_main, out, "--include-unreviewed", "--to", mine)
    assert done.code == 2 and "含有其他文件" in done.err
    assert [p.name for p in mine.iterdir()] == ["工作计划.txt"] and _items(out).empty


@pytest.mark.slow
def test_a_ledger_that_refuses_the_items_leaves_no_folder(out: Path, auditor_main, monkeypatch) -> None:
    import sqlite3

    import auditor.followup.store as store

    def refuse(ledger, items, replace_day=None):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "add_items", refuse)
    done = _notices(auditor_main, out, "--include-unreviewed")
    assert done.code == 8 and "写入整改事项失败" in done.err
    assert not _folder(out).exists() and not any(p.name.startswith(".整改通知") for p in _folder(out).parent.iterdir())


def test_the_signature_never_stands_alone_on_a_page() -> None:
    """GB/T 9704: 落款 and date stand with the last lines of the text. In the default template every
    paragraph from the request to rectify down to the issuer is kept with the next one."""
    import io

    from auditor.notices.render import NOTICE_TEMPLATE, default_template

    paras = Document(io.BytesIO(default_template(NOTICE_TEMPLATE))).paragraphs
    first = next(i for i, p in enumerate(paras) if "请你单位对照上述问题" in p.text)
    issuer = next(i for i, p in enumerate(paras) if "{{发文机关}}" in p.text)
    assert first < issuer
    assert all(p.paragraph_format.keep_with_next for p in paras[first:issuer + 1])
