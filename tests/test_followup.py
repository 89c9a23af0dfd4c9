"""Issue 15, follow-up: the status of a rectification item month to month (a pure function, every
transition), the store (notices added twice a day, an earlier open item kept, history rows), and
real runs of copies of reports_in/ — a corrected report turns its item 已整改, an unchanged one
stays 待整改, a new version read only in part leaves it open, a passed deadline makes 逾期未整改
even when the inputs are the same, a 不予采纳 decision closes it — read back from 整改跟踪."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from auditor.cli.exits import EXIT_WRITE
from auditor.domain import (RECTIFY_DISMISSED, RECTIFY_DONE, RECTIFY_OPEN, RECTIFY_OVERDUE, RECTIFY_WAIVED,
                            TODAY_ENV)
from auditor.followup import store
from auditor.followup.follow import SHEET_NAME, key_part, summary_line, FollowUp
from auditor.followup.sheet import HEADERS, days_left, tracking_sheet
from auditor.followup.status import NOTE_LATE_FIX, NOTE_UNREAD, Change, OpenItem, Seen, next_status
from auditor.ledger import Ledger

from .conftest import RULES
from .run_cli import in_process, inbox, sheet

DEADLINE = dt.date(2026, 12, 15)
BEFORE, ON, AFTER = dt.date(2026, 12, 10), DEADLINE, dt.date(2026, 12, 20)
NOTICED = OpenItem(RECTIFY_OPEN, "v1", DEADLINE)


def new_version(**kw) -> Seen:
    return Seen(**{"provided": True, "version_hash": "v2", "read_status": "complete", "file": "b.txt",
                   "run": "2026-12-10T030000", **kw})


# ---------------------------------------------------------------- the status function

def test_unchanged_report_stays_open_until_the_deadline_passes() -> None:
    same = Seen(provided=True, version_hash="v1", read_status="complete", standing=True, file="a.txt")
    assert next_status(NOTICED, same, BEFORE) is None
    assert next_status(NOTICED, same, ON) is None            # the deadline day itself is still in time
    late = next_status(NOTICED, same, AFTER)
    assert late == Change(RECTIFY_OVERDUE, "整改期限 2026-12-15 已过")
    assert next_status(OpenItem(late.status, "v1", DEADLINE, late.note), same, AFTER) is None   # only changes


def test_unchanged_report_is_never_taken_for_rectified_even_without_the_finding() -> None:
    # the same bytes no longer giving the finding (other rules) is not the agency's doing
    same = Seen(provided=True, version_hash="v1", read_status="complete", standing=False)
    assert next_status(NOTICED, same, BEFORE) is None


def test_report_not_provided_changes_nothing_but_the_deadline() -> None:
    assert next_status(NOTICED, Seen(), BEFORE) is None
    assert next_status(NOTICED, Seen(), AFTER).status == RECTIFY_OVERDUE


def test_new_complete_version_without_the_finding_is_rectified_and_says_where() -> None:
    done = next_status(NOTICED, new_version(standing=False), BEFORE)
    assert done.status == RECTIFY_DONE
    assert "b.txt" in done.note and "2026-12-10T030000" in done.note and NOTE_LATE_FIX not in done.note


def test_a_fix_after_the_deadline_is_rectified_late() -> None:
    for item, today in ((NOTICED, AFTER), (OpenItem(RECTIFY_OVERDUE, "v1", DEADLINE, "x"), AFTER),
                        (OpenItem(RECTIFY_OVERDUE, "v1", DEADLINE, "x"), BEFORE)):
        done = next_status(item, new_version(standing=False), today)
        assert done.status == RECTIFY_DONE and NOTE_LATE_FIX in done.note


def test_new_version_still_with_the_finding_stays_open() -> None:
    still = next_status(NOTICED, new_version(standing=True), BEFORE)
    assert still.status == RECTIFY_OPEN and "仍有此问题" in still.note
    assert next_status(OpenItem(RECTIFY_OPEN, "v1", DEADLINE, still.note), new_version(standing=True), BEFORE) is None
    assert next_status(NOTICED, new_version(standing=True), AFTER).status == RECTIFY_OVERDUE


@pytest.mark.parametrize("read", ["partial", "failed"])
def test_new_version_not_read_completely_stays_open_for_a_person_to_check(read: str) -> None:
    for today, status in ((BEFORE, RECTIFY_OPEN), (AFTER, RECTIFY_OVERDUE)):
        change = next_status(NOTICED, new_version(read_status=read, standing=False), today)
        assert change.status == status and change.note.endswith(NOTE_UNREAD) and "b.txt" in change.note


def test_dismissed_and_waived_close_the_item_whatever_the_report() -> None:
    for seen in (Seen(dismissed=True), new_version(dismissed=True, standing=False)):
        assert next_status(NOTICED, seen, AFTER).status == RECTIFY_DISMISSED
    assert next_status(NOTICED, Seen(waived=True), BEFORE).status == RECTIFY_WAIVED
    assert next_status(OpenItem(RECTIFY_OVERDUE, "v1", DEADLINE), Seen(waived=True), AFTER).status == RECTIFY_WAIVED


def test_days_left_in_calendar_days_and_blank_once_closed() -> None:
    assert days_left(RECTIFY_OPEN, DEADLINE, BEFORE) == "剩余 5 天"
    assert days_left(RECTIFY_OPEN, DEADLINE, ON) == "今日到期"
    assert days_left(RECTIFY_OVERDUE, DEADLINE, AFTER) == "逾期 5 天"
    assert days_left(RECTIFY_DONE, DEADLINE, AFTER) == ""


# ---------------------------------------------------------------- the store

def item(fingerprint: str, day: dt.date, agency: str = "淄博市公安局高新区分局", file: str = "a.txt") -> store.NoticeItem:
    return store.NoticeItem(agency, 2022, file, fingerprint, "SEC-TITLE", "warning", "第四部分", "标题有误。", "格式",
                            day, day + dt.timedelta(days=14), f"整改通知-{day}.docx")


@pytest.fixture
def ledger(tmp_path: Path):
    led = Ledger(tmp_path / "ledger.sqlite")
    with led.db:     # a version of a.txt, as a run records it
        led.db.execute("INSERT INTO versions(hash, file, agency, year, last_seen) VALUES('h-old', 'a.txt', 'x', 2022, "
                       "'2026-11-01T00:00:00'), ('h-new', 'a.txt', 'x', 2022, '2026-12-01T00:00:00')")
    yield led
    led.close()


def test_adding_the_same_days_notices_twice_gives_the_same_items(ledger: Ledger) -> None:
    day = dt.date(2026, 12, 1)
    first = store.add_items(ledger, [item("fp1", day), item("fp2", day)])
    assert len(first.added) == 2 and first.kept == [] and first.replaced == 0
    again = store.add_items(ledger, [item("fp1", day), item("fp2", day)])
    assert len(again.added) == 2 and again.replaced == 2
    items = store.open_items(ledger)
    assert sorted(items["fingerprint"]) == ["fp1", "fp2"] and set(items["status"]) == {RECTIFY_OPEN}
    assert set(items["version_hash"]) == {"h-new"}          # the version seen last
    hist = store.history(ledger)
    assert len(hist) == 2 and set(hist["status"]) == {RECTIFY_OPEN} and hist["run_id"].isna().all()
    assert sorted(hist["item_id"]) == sorted(items["id"])


def test_a_full_rerun_the_same_day_drops_an_agency_no_longer_notified(ledger: Ledger) -> None:
    """Notices for every agency re-run the same day (one agency's finding dismissed in between): its
    item of that day goes with its notice; without replace_day (a run for some agencies) it stays."""
    day = dt.date(2026, 12, 1)
    store.add_items(ledger, [item("fp1", day), item("fp2", day, agency="沭阳县发展和改革局")])
    store.add_items(ledger, [item("fp1", day)], replace_day=None)
    assert sorted(store.open_items(ledger)["fingerprint"]) == ["fp1", "fp2"]
    again = store.add_items(ledger, [item("fp1", day)], replace_day=day)
    assert again.replaced == 2 and sorted(store.open_items(ledger)["fingerprint"]) == ["fp1"]
    store.add_items(ledger, [item("fp9", dt.date(2026, 11, 2))])     # another day's items are not touched
    store.add_items(ledger, [item("fp1", day)], replace_day=day)
    assert sorted(store.open_items(ledger)["fingerprint"]) == ["fp1", "fp9"]


def test_a_finding_still_open_from_an_earlier_notice_is_kept_not_added(ledger: Ledger) -> None:
    store.add_items(ledger, [item("fp1", dt.date(2026, 11, 1))])
    later = store.add_items(ledger, [item("fp1", dt.date(2026, 12, 1)), item("fp3", dt.date(2026, 12, 1))])
    assert [i.fingerprint for i in later.kept] == ["fp1"] and [i.fingerprint for i in later.added] == ["fp3"]
    items = store.open_items(ledger)
    assert sorted(zip(items["fingerprint"], items["notice_date"])) == [("fp1", "2026-11-01"), ("fp3", "2026-12-01")]


def test_a_closed_item_does_not_stop_a_new_notice_of_the_same_finding(ledger: Ledger) -> None:
    store.add_items(ledger, [item("fp1", dt.date(2026, 11, 1))])
    with ledger.db:
        ledger.db.execute("UPDATE rectify_items SET status = ?", (RECTIFY_DONE,))
    assert len(store.add_items(ledger, [item("fp1", dt.date(2026, 12, 1))]).added) == 1
    assert len(store.all_items(ledger)) == 2 and len(store.open_items(ledger)) == 1


def test_an_item_without_a_known_version_is_stored_with_none(ledger: Ledger) -> None:
    store.add_items(ledger, [item("fp9", dt.date(2026, 12, 1), file="elsewhere.txt")])
    assert store.open_items(ledger)["version_hash"].isna().all()


def test_the_tables_are_created_on_an_earlier_ledger(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.sqlite")
    try:
        assert store.open_items(led).empty and store.run_verdicts(led, 1).empty and not store.has_items(led)
        tables = {r[0] for r in led.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"rectify_items", "rectify_history", "run_verdicts"} <= tables
    finally:
        led.close()


def test_key_part_changes_with_a_new_item_and_a_passing_deadline(ledger: Ledger) -> None:
    assert key_part(store.all_items(ledger), BEFORE) == ""
    store.add_items(ledger, [item("fp1", dt.date(2026, 12, 1))])      # deadline 12-15
    items = store.all_items(ledger)
    assert key_part(items, BEFORE) == key_part(items, ON) != key_part(items, AFTER)
    closed = items.assign(status=RECTIFY_DONE)
    assert key_part(closed, ON) == key_part(closed, AFTER)      # a closed item's deadline changes nothing


def test_tracking_sheet_lists_overdue_first_and_the_summary_counts() -> None:
    led_items = [
        {"id": 1, "agency": "甲", "year": 2022, "location": "L", "message": "M", "rule_id": "R", "notice_date": "2026-12-01",
         "deadline": "2026-12-25", "status": RECTIFY_OPEN, "changed_at": "2026-12-01T09:00:00", "note": "发出整改通知",
         "notice_file": "n.docx", "fingerprint": "a"},
        {"id": 2, "agency": "乙", "year": 2022, "location": "L", "message": "M", "rule_id": "R", "notice_date": "2026-12-01",
         "deadline": "2026-12-15", "status": RECTIFY_DONE, "changed_at": "2026-12-10T09:00:00", "note": "新版本已无此问题",
         "notice_file": "n.docx", "fingerprint": "b"},
        {"id": 3, "agency": "丙", "year": 2023, "location": "L", "message": "=1+1", "rule_id": "R",
         "notice_date": "2026-11-01", "deadline": "2026-11-15", "status": RECTIFY_OVERDUE,
         "changed_at": "2026-11-16T09:00:00", "note": "整改期限已过", "notice_file": "n.docx", "fingerprint": "c"},
    ]
    import pandas as pd

    items = pd.DataFrame(led_items)
    frame = tracking_sheet(items, AFTER)
    assert list(frame.columns) == HEADERS
    assert list(frame["单位"]) == ["丙", "甲", "乙"]
    assert list(frame["剩余天数"]) == ["逾期 35 天", "剩余 5 天", ""]
    assert frame["整改期限"][0] == dt.date(2026, 11, 15) and frame["最近变化"][0] == "2026-11-16 整改期限已过"
    line = summary_line(FollowUp(items, [(2, Change(RECTIFY_DONE, "x"))]))
    assert line == f"{SHEET_NAME}：待整改 1，已整改 1，逾期未整改 1（本次变化 1 项，见工作簿「{SHEET_NAME}」表）。"
    assert summary_line(FollowUp(items.iloc[:0])) is None


# ---------------------------------------------------------------- real runs, month to month

ZIBO, SHUYANG, PINGTAN = "zibo-gaoxin-police-2022.txt", "shuyang-fgj-2023.html", "pingtan-2022.txt"
HEADING_OK, HEADING_TYPO = "四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政诉讼情况"
NOTICE_DAY = dt.date(2026, 12, 1)
ITEM_DEADLINE = dt.date(2026, 12, 15)


def run_as_of(day: dt.date, inbox_dir: Path, out: Path):
    old = os.environ.get(TODAY_ENV)
    os.environ[TODAY_ENV] = day.isoformat()
    try:
        done = in_process("run", inbox_dir, "--out", out, "--rules", RULES)
    finally:
        if old is None:
            os.environ.pop(TODAY_ENV)
        else:
            os.environ[TODAY_ENV] = old
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8")


def notify(out: Path, files: list[str]) -> dict[str, str]:
    """Items for the standing compliance findings (errors and warnings) of these files, as a notice
    run would add them; file name → one of its fingerprints."""
    from auditor.review.latest import latest_run, standing

    led = Ledger(out / "ledger.sqlite")
    try:
        found = latest_run(out, led).findings
        found = found[standing(found) & found["severity"].isin(["error", "warning"])
                      & found["file"].map(lambda f: Path(f).name).isin(files)]
        items = [store.NoticeItem(r.agency, int(r.year), r.file, r.fingerprint, r.rule_id, r.severity, r.location,
                                  r.message, r.basis, NOTICE_DAY, ITEM_DEADLINE, "整改通知.docx")
                 for r in found.itertuples()]
        assert len(store.add_items(led, items).added) == len(items)
    finally:
        led.close()
    return {Path(r.file).name: r.fingerprint for r in items}


def tracking(out: Path) -> dict[str, dict]:
    return {row["指纹"]: row for row in sheet(out, SHEET_NAME)}


@pytest.fixture(scope="module")
def months(tmp_path_factory) -> dict:
    """Month one: the four real reports, zibo with a heading typo written in; notices for zibo,
    shuyang and pingtan. Month two: zibo as published (the typo gone), shuyang unchanged, pingtan
    with its own heading typo corrected (a new version, read only in part); a rerun the same day.
    Month three: nothing new, past the deadline. Month four: shuyang's finding dismissed."""
    root = tmp_path_factory.mktemp("followup")
    box, out = inbox(root / "in"), root / "out"
    original = (box / ZIBO).read_text("utf-8")
    assert HEADING_OK in original
    (box / ZIBO).write_text(original.replace(HEADING_OK, HEADING_TYPO), "utf-8")
    got: dict = {"out": out}
    got["printed1"] = run_as_of(NOTICE_DAY, box, out)
    assert sheet(out, SHEET_NAME) == []                        # no items yet: no sheet
    got["fp"] = notify(out, [ZIBO, SHUYANG, PINGTAN])
    assert set(got["fp"]) == {ZIBO, SHUYANG, PINGTAN}

    (box / ZIBO).write_text(original, "utf-8")
    pingtan = (box / PINGTAN).read_text("utf-8")
    assert HEADING_TYPO in pingtan
    (box / PINGTAN).write_text(pingtan.replace(HEADING_TYPO, HEADING_OK), "utf-8")
    got["printed2"] = run_as_of(dt.date(2026, 12, 10), box, out)
    got["month2"] = tracking(out)
    got["rerun"] = run_as_of(dt.date(2026, 12, 10), box, out)
    got["printed3"] = run_as_of(dt.date(2026, 12, 20), box, out)
    got["month3"] = tracking(out)
    got["overview3"] = sheet(out, "总览")
    import openpyxl

    got["sheets3"] = openpyxl.load_workbook(out / "latest" / "summary.xlsx", read_only=True).sheetnames
    got["log"] = (out / "auditor.log").read_text("utf-8")

    led = Ledger(out / "ledger.sqlite")
    try:
        got["runs"] = [r[0] for r in led.db.execute("SELECT id FROM runs ORDER BY id")]
        got["verdicts"] = {run: store.run_verdicts(led, run) for run in got["runs"]}
        got["history"] = store.history(led)
        got["items"] = store.all_items(led)
        led.decide(got["fp"][SHUYANG], "dismissed", "系格式问题，不予采纳", "张三")
    finally:
        led.close()
    got["printed4"] = run_as_of(dt.date(2026, 12, 21), box, out)
    got["month4"] = tracking(out)
    return got


@pytest.mark.slow
def test_month_two_corrected_is_rectified_unchanged_stays_open(months) -> None:
    rows = months["month2"]
    fp = months["fp"]
    assert rows[fp[ZIBO]]["状态"] == RECTIFY_DONE and rows[fp[ZIBO]]["剩余天数"] is None
    assert ZIBO in rows[fp[ZIBO]]["最近变化"] and "已无此问题" in rows[fp[ZIBO]]["最近变化"]
    assert rows[fp[SHUYANG]]["状态"] == RECTIFY_OPEN and rows[fp[SHUYANG]]["剩余天数"] == "剩余 5 天"
    # pingtan's corrected version is read only in part: we say no more than that
    assert rows[fp[PINGTAN]]["状态"] == RECTIFY_OPEN and rows[fp[PINGTAN]]["最近变化"].endswith(NOTE_UNREAD)
    # real date cells (Excel sorts and filters them as dates), not text
    assert rows[fp[ZIBO]]["通知日期"] == dt.datetime(2026, 12, 1) and rows[fp[ZIBO]]["整改期限"] == dt.datetime(2026, 12, 15)
    assert "整改跟踪：待整改 2，已整改 1，逾期未整改 0（本次变化 2 项" in months["log"]


@pytest.mark.slow
def test_the_same_inputs_the_same_day_stand_on_the_last_run(months) -> None:
    assert "结果与上次相同" in months["rerun"]


@pytest.mark.slow
def test_month_three_past_the_deadline_is_overdue_though_nothing_else_changed(months) -> None:
    assert "结果与上次相同" not in months["printed3"]        # the passing deadline made a real run
    rows, fp = months["month3"], months["fp"]
    assert rows[fp[SHUYANG]]["状态"] == RECTIFY_OVERDUE and rows[fp[SHUYANG]]["剩余天数"] == "逾期 5 天"
    assert rows[fp[PINGTAN]]["状态"] == RECTIFY_OVERDUE
    assert rows[fp[ZIBO]]["状态"] == RECTIFY_DONE
    order = [r["状态"] for r in sheet(months["out"], SHEET_NAME)]
    assert order == sorted(order, key=lambda s: {RECTIFY_OVERDUE: 0, RECTIFY_OPEN: 1}.get(s, 2))
    names = months["sheets3"]
    assert names[names.index("变化") + 1] == SHEET_NAME


@pytest.mark.slow
def test_month_four_a_dismissal_closes_the_item(months) -> None:
    rows, fp = months["month4"], months["fp"]
    assert rows[fp[SHUYANG]]["状态"] == RECTIFY_DISMISSED and rows[fp[PINGTAN]]["状态"] == RECTIFY_OVERDUE


@pytest.mark.slow
def test_history_rows_are_the_changes_only_with_their_runs(months) -> None:
    hist, items, fp = months["history"], months["items"], months["fp"]
    by_fp = dict(zip(items["fingerprint"], items["id"]))
    steps = {name: list(hist.loc[hist["item_id"] == by_fp[f], "status"]) for name, f in fp.items()}
    assert steps == {ZIBO: [RECTIFY_OPEN, RECTIFY_DONE], SHUYANG: [RECTIFY_OPEN, RECTIFY_OVERDUE],
                     PINGTAN: [RECTIFY_OPEN, RECTIFY_OPEN, RECTIFY_OVERDUE]}
    runs = months["runs"]
    assert hist["run_id"].dropna().astype(int).isin(runs).all()
    assert hist.loc[hist["status"] == RECTIFY_OVERDUE, "at"].str.startswith("2026-12-20").all()


@pytest.mark.slow
def test_every_run_records_its_verdicts_the_unchanged_one_too(months) -> None:
    verdicts = months["verdicts"]
    runs = months["runs"]
    assert len(runs) == 4 and all(len(verdicts[r]) == 4 for r in runs)
    first = verdicts[runs[0]].set_index("file")
    zibo = next(f for f in first.index if f.endswith(ZIBO))
    assert first.at[zibo, "verdict"] != verdicts[runs[1]].set_index("file").at[zibo, "verdict"]
    assert verdicts[runs[2]].equals(verdicts[runs[1]])        # the rerun stood on month two
    overview = {Path(r["文件"]).name: r["审核结论"] for r in months["overview3"]}
    assert {Path(f).name: v for f, v in zip(verdicts[runs[3]]["file"], verdicts[runs[3]]["verdict"])} == overview


@pytest.mark.slow
def test_a_failed_run_changes_no_item(tmp_path: Path, monkeypatch) -> None:
    """The outputs failing at the very end (inside the run's transaction) leave items and verdicts as they were."""
    from auditor import outputs

    box, out = inbox(tmp_path / "in", [SHUYANG]), tmp_path / "out"
    run_as_of(NOTICE_DAY, box, out)
    fp = notify(out, [SHUYANG])
    db = out / "ledger.sqlite"

    def tables() -> list:
        with sqlite3.connect(db) as con:
            return [con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                    for t in ("rectify_items", "rectify_history", "run_verdicts")]

    before = tables()
    real = outputs.PendingOutputs.finish

    def broken(self):
        real(self)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.PendingOutputs, "finish", broken)
    monkeypatch.setenv(TODAY_ENV, AFTER.isoformat())
    done = in_process("run", box, "--out", out, "--rules", RULES)
    assert done.returncode == EXIT_WRITE, done.stderr.decode()
    assert tables() == before and fp
