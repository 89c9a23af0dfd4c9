"""The month's state is never lost (issue 13): a missing, empty or unreadable input path is refused
with exit 9 and touches nothing; every option that changes the outputs is in the no-change key;
operating-system and office junk files are ignored. Driven through the real CLI on copies of the
real reports."""
from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

import auditor.pipeline as pipeline
from auditor.cli.exits import EPILOG, EXIT_INPUT, EXIT_OK, EXIT_UNREADABLE
from auditor.junk import is_junk_file, is_junk_folder

from .run_cli import REAL, findings, inbox, state

UNCHANGED = "没有新增或改动的报告"
REFUSED = "输入目录不存在、为空或无法读取，本次未运行；之前的结果和账本保持不变"


@pytest.fixture
def month(tmp_path, cli):
    """A month already audited: the inbox of real reports, and its results."""
    box = inbox(tmp_path / "in")
    out = tmp_path / "out"
    done = cli(box, "--out", out)
    assert done.code == EXIT_OK, done.err
    return box, out


# ------------------------------------------------------------------------ refused input paths

def test_exit_9_has_its_line_in_the_help():
    assert f"  {EXIT_INPUT}  {REFUSED}" in EPILOG


def test_a_mistyped_inbox_is_refused_and_touches_nothing(month, cli, tmp_path):
    """Before: audited as "1 report, 读取失败", latest switched to it, every finding 已解决."""
    box, out = month
    before = state(out)
    done = cli(tmp_path / "inbx", "--out", out)
    assert done.code == EXIT_INPUT
    assert f"找不到 {tmp_path / 'inbx'}" in done.err and REFUSED in done.err
    assert done.out == ""
    assert state(out) == before                 # no run folder, latest and the ledger as they were
    again = cli(box, "--out", out)              # and the month goes on as if nothing happened
    assert again.code == EXIT_OK and UNCHANGED in again.out and "已解决" not in again.out


def test_one_missing_path_among_several_refuses_the_run(month, cli, tmp_path):
    """A typo in one of them would silently drop its reports."""
    box, out = month
    before = state(out)
    done = cli(box, tmp_path / "archive-typo", "--out", out)
    assert done.code == EXIT_INPUT and "archive-typo" in done.err
    assert state(out) == before


def test_a_refused_first_run_creates_no_results_folder(cli, tmp_path):
    out = tmp_path / "out"
    done = cli(tmp_path / "not-mounted", "--out", out)
    assert done.code == EXIT_INPUT
    assert not out.exists()


@pytest.mark.parametrize("contents", ["nothing", "junk", "unsupported", "hidden"])
def test_an_inbox_without_reports_is_refused(cli, tmp_path, contents):
    """Before: a silent 0-report run, exit 0. An unmounted share is an empty mount point; a folder
    of junk or of files of no supported type holds no report either."""
    box = tmp_path / "in"
    box.mkdir()
    if contents == "junk":
        (box / "Thumbs.db").write_bytes(b"\0" * 64)
        (box / "desktop.ini").write_text("[.ShellClassInfo]\n", encoding="utf-8")
        (box / "~$报告.docx").write_bytes(b"\0owner")
    elif contents == "unsupported":
        (box / "说明.xyz").write_text("?", encoding="utf-8")
    elif contents == "hidden":
        (box / ".archive").mkdir()
        (box / ".archive" / REAL[0].name).write_bytes(REAL[0].read_bytes())
    out = tmp_path / "out"
    done = cli(box, "--out", out)
    assert done.code == EXIT_INPUT, done.out
    assert f"文件夹 {box} 中没有可审核的报告文件" in done.err
    if contents == "unsupported":
        assert "只有不支持的文件：说明.xyz" in done.err
    assert not out.exists()


def test_an_empty_inbox_after_a_month_touches_nothing(month, cli, tmp_path):
    """The share's mount point without the share: every report would have been 已解决 / 未发布."""
    _, out = month
    before = state(out)
    empty = tmp_path / "mnt"
    empty.mkdir()
    done = cli(empty, "--out", out)
    assert done.code == EXIT_INPUT and state(out) == before


def test_an_inbox_that_cannot_be_listed_is_refused(month, cli, monkeypatch):
    """Root lists any folder: the listing is made to fail as it does for an ordinary user."""
    box, out = month
    before = state(out)
    real = os.scandir

    def denied(path="."):
        if Path(path) == box:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(os, "scandir", denied)
    done = cli(box, "--out", out)
    assert done.code == EXIT_INPUT
    assert f"无法读取文件夹 {box}" in done.err and REFUSED in done.err
    assert state(out) == before


def test_a_given_file_that_cannot_be_opened_is_refused(month, cli, monkeypatch):
    box, out = month
    before = state(out)
    target = box / REAL[0].name

    def denied(path, *args, **kwargs):
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, *args, **kwargs)
    monkeypatch.setattr(pipeline.collecting, "open", denied, raising=False)
    done = cli(target, "--out", out)
    assert done.code == EXIT_INPUT and f"无法读取文件 {target}" in done.err
    assert state(out) == before


def test_a_locked_sub_folder_is_still_reported_not_refused(month, cli, monkeypatch):
    """Only the given path refuses the run; a sub-folder that cannot be listed is one unreadable
    entry (exit 3), as before, and the reports beside it are audited."""
    box, out = month
    (box / "locked").mkdir()
    real = os.scandir

    def denied(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(os, "scandir", denied)
    done = cli(box, "--out", out)
    assert done.code == EXIT_UNREADABLE and "无法读取 1" in done.out


def test_collect_raises_before_the_results_folder_exists(tmp_path, packs):
    """The API refuses as the CLI does: nothing created for a missing path."""
    with pytest.raises(pipeline.InputError) as caught:
        pipeline.run([tmp_path / "none"], packs, tmp_path / "out")
    assert "找不到" in caught.value.problems[0]
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------ the no-change key

ROSTER = "单位名称,单位类型\n淄博市公安局高新区分局,department\n"


def _unpublished(out: Path) -> set[str]:
    rows = list(openpyxl.load_workbook(out / "latest" / "summary.xlsx")["覆盖情况"].iter_rows(values_only=True))
    head = rows[0]
    return {r[head.index("单位")] for r in rows[1:] if r[head.index("类别")] == "未发布"}


def test_changing_the_year_is_a_change_and_coverage_follows_it(cli, tmp_path):
    """Before: --year was not in the no-change key; changing it kept last run's coverage year."""
    box = inbox(tmp_path / "in")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "out"
    first = cli(box, "--out", out, "--roster", roster, "--year", "2022")
    assert first.code == EXIT_OK, first.err
    assert "淄博市公安局高新区分局" not in _unpublished(out)       # its 2022 report is in the inbox
    moved = cli(box, "--out", out, "--roster", roster, "--year", "2023")
    assert moved.code == EXIT_OK and UNCHANGED not in moved.out
    assert "淄博市公安局高新区分局" in _unpublished(out)           # no 2023 report of it
    assert "覆盖情况统计年度：2023" in (out / "auditor.log").read_text("utf-8")
    same = cli(box, "--out", out, "--roster", roster, "--year", "2023")
    assert UNCHANGED in same.out and "淄博市公安局高新区分局" in _unpublished(out)


def _waivers(path: Path, reason: str) -> Path:
    path.write_text(f"waivers:\n  - rule: T4-A4\n    agency: 淄博市公安局高新区分局\n    year: 2022\n"
                    f"    reason: {reason}\n    approved_by: 张三\n    expires: '2099-12-31'\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("option", ["roster", "waivers", "agency-types", "local"])
def test_every_option_that_changes_the_outputs_is_in_the_no_change_key(cli, tmp_path, option):
    """The same option file twice: unchanged. Its content changed (or the option added): a new run."""
    box = inbox(tmp_path / "in")
    out = tmp_path / "out"
    side = tmp_path / "side.file"
    if option == "roster":
        side = tmp_path / "roster.csv"
        side.write_text(ROSTER, encoding="utf-8")
        given, changed = ["--roster", side], lambda: side.write_text(ROSTER + "淄博市公安局张店分局,department\n",
                                                                     encoding="utf-8")
    elif option == "waivers":
        side = _waivers(tmp_path / "w.yaml", "已核实")
        given, changed = ["--waivers", side], lambda: _waivers(side, "已另行核实")
    elif option == "agency-types":
        side = tmp_path / "types.yaml"
        side.write_text("淄博市公安局高新区分局: department\n", encoding="utf-8")
        given, changed = ["--agency-types", side], lambda: side.write_text("淄博市公安局高新区分局: government\n",
                                                                           encoding="utf-8")
    else:
        from .conftest import ROOT

        given, changed = [], None
        local = ["--local", ROOT / "examples" / "local-packs" / "huaihua-2021"]
    assert cli(box, "--out", out, *given).code in (0, 1)
    assert UNCHANGED in cli(box, "--out", out, *given).out
    if changed is not None:
        changed()
        again = cli(box, "--out", out, *given)
    else:
        again = cli(box, "--out", out, *local)
    assert again.code in (0, 1) and UNCHANGED not in again.out


# ------------------------------------------------------------------------ junk files

JUNK_FILES = ["Thumbs.db", "desktop.ini", ".DS_Store", "~$zibo-gaoxin-police-2022.docx", "~$统计表.xlsx",
              ".~lock.报告.docx#", "._pingtan-2022.txt", "~WRL0001.tmp", "报告.pdf.crdownload", "报告.pdf.part",
              "ehthumbs.db"]


def test_junk_names_and_real_report_names():
    assert all(is_junk_file(name) for name in JUNK_FILES)
    assert all(is_junk_file(name.upper()) for name in ["Thumbs.db", "desktop.ini"])
    assert all(is_junk_folder(name) for name in ["__MACOSX", ".git", "$RECYCLE.BIN", "报告.pdf.download"])
    real = [p.name for p in REAL] + ["2023年度报告.docx", "part-2.pdf", "tmp-报告.pdf", "Thumbs.db.txt", "桌面.ini.pdf"]
    assert not any(is_junk_file(name) for name in real)
    assert not any(is_junk_folder(name) for name in ["2023", "archive", "MACOSX"])


def _add_junk(box: Path) -> None:
    report = REAL[0].read_bytes()
    for name in JUNK_FILES:
        # lock and partial files get a real report's bytes: audited, they would add findings
        (box / name).write_bytes(report if name.startswith(("~$", "._")) or name.endswith(".part") else b"\0junk")
    for folder in ("__MACOSX", ".hidden"):
        (box / folder).mkdir()
        (box / folder / REAL[0].name).write_bytes(report)


def _by_name(rows: list[dict]) -> list[tuple]:
    return sorted((Path(r["file"]).name, r["rule_id"], r["location"], r["message"]) for r in rows)


def test_junk_files_are_ignored_exit_0_and_the_same_findings(cli, tmp_path):
    """Before: Thumbs.db and desktop.ini counted as unreadable reports (exit 3 every month), ~$
    lock files were audited as reports."""
    clean_out = tmp_path / "clean-out"
    clean = cli(inbox(tmp_path / "clean"), "--out", clean_out)
    box = inbox(tmp_path / "in")
    _add_junk(box)
    out = tmp_path / "out"
    done = cli(box, "--out", out)
    assert done.code == EXIT_OK == clean.code, done.out
    assert "无法读取 0" in done.out and done.err == ""
    assert _by_name(findings(out)) == _by_name(findings(clean_out))
    assert f"审核报告 {len(REAL)} 份" in done.out


def test_junk_arriving_later_changes_nothing(month, cli):
    box, out = month
    _add_junk(box)
    done = cli(box, "--out", out)
    assert done.code == EXIT_OK and UNCHANGED in done.out


def test_junk_expanded_by_the_shell_is_ignored_too(cli, tmp_path):
    """`auditor run inbox/*` names Thumbs.db explicitly."""
    box = inbox(tmp_path / "in")
    _add_junk(box)
    done = cli(*sorted(p for p in box.iterdir() if p.is_file()), "--out", tmp_path / "out")
    assert done.code == EXIT_OK and f"审核报告 {len(REAL)} 份" in done.out
