"""`auditor run` end to end, as the office runs it: folders in, three outputs, exit codes."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from . import mutate as m
from .conftest import ZIBO
from .run_cli import in_process


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`auditor run` from the office folder, in this process (what it writes, not how a process ends)."""
    return in_process("run", *args, cwd=cwd)


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """An office folder with the sample, a broken copy of it, and two files that cannot be read."""
    root = tmp_path_factory.mktemp("office")
    inbox = root / "reports_in"
    inbox.mkdir()
    text = ZIBO.read_text(encoding="utf-8")
    # another agency: two reports of one agency and year would be an original and its 更正版
    (inbox / "sample.txt").write_text(text.replace("淄博市公安局高新区分局", "淄博市公安局张店分局"), encoding="utf-8")
    (inbox / "broken.txt").write_text(m.set_t4_cell(text, 4, "1"), encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "notes.xyz").write_text("?", encoding="utf-8")
    shutil.copytree(Path(__file__).resolve().parent.parent / "rules", root / "rules")
    return root


@pytest.fixture(scope="module")
def result(office):
    return run(office)


def test_run_writes_outputs_and_reports_unreadable_files(result, office):
    assert result.returncode == 3, result.stderr.decode()
    out = office / "audit_out" / "latest"
    assert {p.name for p in out.iterdir()} >= {"findings.jsonl", "findings.csv", "summary.xlsx", "技术文件"}
    assert (out / "技术文件" / "gx_validation.json").is_file()
    stdout = result.stdout.decode("utf-8")
    assert "审核报告 4 份" in stdout and "无法读取 2" in stdout
    assert result.stderr.decode("utf-8") == ""


def test_jsonl_findings(result, office):
    rows = [json.loads(line) for line in (office / "audit_out" / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]
    keys = ["schema", "file", "agency", "year", "rule_id", "rule_kind", "title", "severity", "category", "location",
            "message", "basis", "values", "fingerprint"]
    assert all(list(r)[:len(keys)] == keys for r in rows)
    compliance = [r for r in rows if r["category"] == "compliance"]
    broken = {(r["rule_id"], r["location"]) for r in compliance if Path(r["file"]).name == "broken.txt"}
    sample = {(r["rule_id"], r["location"]) for r in compliance if Path(r["file"]).name == "sample.txt"}
    assert broken - sample == {("T4-A4", "表四「行政复议」"), ("TXT-TABLE-CONSIST-REVIEW", "全文")}
    assert not any(r["severity"] == "error" for r in compliance if Path(r["file"]).name == "sample.txt")
    t4 = next(r for r in compliance if r["rule_id"] == "T4-A4")
    assert t4["agency"] == "淄博市公安局高新区分局" and t4["year"] == 2022
    unreadable = {Path(r["file"]).name: r["message"] for r in rows if r["rule_id"] == "EXT-FAILED"}
    assert unreadable == {"empty.txt": "文件无法读取：文件为空。未进行任何合规审核，需人工核查。",
                          "notes.xyz": "文件无法读取：不支持的文件类型「.xyz」。未进行任何合规审核，需人工核查。"}


def test_csv_has_bom_and_chinese_header(result, office):
    data = (office / "audit_out" / "latest" / "findings.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0].startswith("文件,单位,年度,规则编号")


def test_workbook(result, office):
    wb = openpyxl.load_workbook(office / "audit_out" / "latest" / "summary.xlsx")
    assert wb.sheetnames[:5] == ["汇总", "总览", "问题清单", "需人工核查", "规则统计"]
    overview = {row[-1]: row for row in wb["总览"].iter_rows(min_row=2, values_only=True)}    # 文件 last
    sample = next(v for k, v in overview.items() if k.endswith("sample.txt"))
    broken = next(v for k, v in overview.items() if k.endswith("broken.txt"))
    header = next(wb["总览"].iter_rows(max_row=1, values_only=True))
    verdict, on_time = header.index("审核结论"), header.index("按期发布")
    assert sample[verdict] in ("合格", "基本合格（有警告）") and "不合格" == broken[verdict]
    assert sample[on_time] == "按期" and sample[header.index("发布期限")] == dt.datetime(2023, 1, 31)   # a date cell
    issues = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert sum("T4-A4" in row for row in issues) == 1
    review = [r for r in wb["需人工核查"].iter_rows(min_row=2, values_only=True)]
    assert any(r[0].endswith("empty.txt") for r in review)


def test_fail_on_error_exit_code(office, tmp_path):
    (tmp_path / "in").mkdir()
    shutil.copy(office / "reports_in" / "broken.txt", tmp_path / "in" / "broken.txt")
    out = run(office, str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--fail-on", "error")
    assert out.returncode == 1
    clean = run(office, str(ZIBO), "--out", str(tmp_path / "out2"), "--fail-on", "error")
    assert clean.returncode == 0


class _ClosedPipe:
    """A standard output whose reader has gone (`auditor run | head -1` after the first line)."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        if self.lines > 1:
            raise BrokenPipeError(32, "Broken pipe")
        return len(text)

    def flush(self) -> None:
        if self.lines > 1:
            raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_stops_early_gets_the_runs_exit_code_not_an_internal_error(tmp_path, monkeypatch):
    """The summary is printed after the run is recorded: a closed pipe then is no crash (exit 7
    would tell cron that nothing was written, which is false)."""
    import contextlib
    import io

    from auditor.cli import main

    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(ZIBO, inbox / "zibo.txt")
    monkeypatch.chdir(tmp_path)
    pipe, err = _ClosedPipe(), io.StringIO()
    with contextlib.redirect_stdout(pipe), contextlib.redirect_stderr(err):
        code = main(["run", str(inbox), "--out", str(tmp_path / "out")])
    assert pipe.lines > 1, "the summary was not printed at all: the test proves nothing"
    assert code == 0 and "内部错误" not in err.getvalue()
    assert (tmp_path / "out" / "latest" / "summary.xlsx").is_file()
