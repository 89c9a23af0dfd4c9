"""Hostile inputs: malformed report files, hostile rule files, and output safety.

The hostile corpus (tests/hostile.py) is built once in a temporary folder and audited by the real
CLI in ONE run; the tests below inspect that run's exit code, outputs, time and memory. Smaller
tests then pin each behaviour (and each bug found) on its own.

Known bugs are marked xfail(strict=True) with the input, the expectation and where it goes wrong.
"""
from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import openpyxl
import pytest

from auditor.limits import MAX_DOCX_INFLATED_BYTES, MAX_TEXT_BYTES, MB

from auditor.extract import extract
from auditor.ingest import MAX_FILE_BYTES, ReadError, read_document
from auditor.rules.loader import RuleError, load_packs

from . import hostile as H
from .conftest import RULES, ZIBO

CJK = re.compile(r"[\u4e00-\u9fff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PROBLEM_LINE = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+): (?P<msg>\S[^\n]*)$")
TIME_BIN = Path("/usr/bin/time")

WALL_LIMIT_S = 60.0
RSS_LIMIT_KB = 1.5 * 1024 * 1024     # 1.5 GB


def _cli(*args: str, cwd: Path, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], capture_output=True, cwd=cwd,
                          timeout=timeout, env=env)


def _listing(root: Path, skip: Path) -> dict[str, tuple[bool, int, int]]:
    """Every path under root (but not under `skip`) with (is_dir, size, mtime_ns)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == skip or skip in here.parents:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = here / name
            if p == skip:
                continue
            st = p.lstat()
            out[str(p.relative_to(root))] = (p.is_dir(), 0 if p.is_dir() else st.st_size, 0 if p.is_dir() else st.st_mtime_ns)
    return out


# ================================================================ 1. the hostile corpus, one run

@dataclass
class HostileRun:
    root: Path
    inbox: Path
    out: Path
    items: list
    proc: subprocess.CompletedProcess
    wall_s: float
    max_rss_kb: float
    before: dict
    after: dict

    @property
    def latest(self) -> Path:
        return self.out / "latest"

    def findings(self) -> list[dict]:
        text = (self.latest / "findings.jsonl").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    def by_file(self, name: str) -> list[dict]:
        return [f for f in self.findings() if f["file"] == name]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> HostileRun:
    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "inbox"
    items = H.build_corpus(inbox)
    tmpdir = root / "tmp"          # the run's TMPDIR: whatever it leaves there shows in the listing
    tmpdir.mkdir()
    out = root / "out"
    before = _listing(root, out)
    names = sorted(p.name for p in inbox.iterdir())
    # Files are given one by one, relative to the inbox, so the 文件 column holds the bare names
    # (three of which are formulas). `--` keeps argparse from reading names as options.
    cmd = [sys.executable, "-m", "auditor.cli", "run", "--rules", str(RULES), "--out", str(out), "--", *names]
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    timing = root / "time.txt"
    if TIME_BIN.exists():
        cmd = [str(TIME_BIN), "-f", "%e %M", "-o", str(timing)] + cmd
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, cwd=inbox, env=env, timeout=600)
    wall = time.monotonic() - t0
    if TIME_BIN.exists() and timing.exists():
        wall_s, rss_kb = (float(x) for x in timing.read_text().split()[-2:])
        timing.unlink()
    else:  # RUSAGE_CHILDREN's max RSS is the largest child so far: an upper bound for this run
        wall_s, rss_kb = wall, float(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    after = _listing(root, out)
    print(f"\nhostile run: {len(items)} files, exit {proc.returncode}, wall {wall_s:.1f} s, "
          f"max RSS {rss_kb / 1024:.0f} MB")
    return HostileRun(root, inbox, out, items, proc, wall_s, rss_kb, before, after)


def _items(run: HostileRun, *expect: str) -> list:
    return [h for h in run.items if h.expect in expect]


def test_hostile_run_exits_3_and_counts_unreadable_files(hostile_run):
    """README 退出码: 3 = the run completed but some files could not be read at all."""
    err = hostile_run.proc.stderr.decode("utf-8", "replace")
    assert hostile_run.proc.returncode == 3, err[-3000:]
    stdout = hostile_run.proc.stdout.decode("utf-8")
    failed = {f["file"] for f in hostile_run.findings() if f["rule_id"] == "EXT-FAILED"}
    assert f"审核报告 {len(hostile_run.items)} 份" in stdout, stdout
    assert f"无法读取 {len(failed)}" in stdout, stdout
    assert {p.name for p in hostile_run.latest.iterdir()} >= {"findings.jsonl", "findings.csv", "summary.xlsx"}


def test_hostile_run_time_and_memory_are_bounded(hostile_run):
    assert hostile_run.wall_s < WALL_LIMIT_S, f"hostile run took {hostile_run.wall_s:.1f} s"
    assert hostile_run.max_rss_kb < RSS_LIMIT_KB, f"hostile run peaked at {hostile_run.max_rss_kb / 1024:.0f} MB"


def test_refused_files_have_a_chinese_ext_failed_message(hostile_run):
    for h in _items(hostile_run, "failed"):
        mine = [f for f in hostile_run.by_file(h.name) if f["rule_id"] == "EXT-FAILED"]
        assert len(mine) == 1, (h.name, h.what, hostile_run.by_file(h.name))
        f = mine[0]
        assert f["category"] == "extraction" and f["location"] == "整个文件"
        assert f["message"].startswith("文件无法读取：") and CJK.search(f["message"][7:]), f["message"]


def test_refusals_name_the_actual_reason_not_an_internal_error(hostile_run):
    """Each refusal says why in words a civil servant understands (no Python exception names)."""
    expected = {
        "empty.txt": "文件为空", "blank.md": "文件为空", "garbage.txt": "二进制", "garbage-high.md": "编码",
        "truncated.docx": "DOCX 文件损坏", "truncated.pdf": "PDF 文件损坏", "really-a-pdf.docx": "DOCX",
        "really-html.pdf": "PDF 文件损坏", "mixed-encoding.txt": "编码", "huge.txt": "文件过大",
        "bomb.docx": "压缩炸弹", "deep-div.html": "嵌套过深",
    }
    for name, word in expected.items():
        msgs = [f["message"] for f in hostile_run.by_file(name) if f["rule_id"] == "EXT-FAILED"]
        assert msgs and word in msgs[0], (name, msgs)


def test_no_file_is_refused_with_an_internal_error(hostile_run):
    internal = [(f["file"], f["message"]) for f in hostile_run.findings()
                if f["rule_id"] == "EXT-FAILED" and "内部错误" in f["message"]]
    assert internal == []
    assert "Traceback" not in hostile_run.proc.stderr.decode("utf-8", "replace")


def test_damaged_but_readable_files_are_flagged(hostile_run):
    for h in _items(hostile_run, "flagged"):
        ext = [f for f in hostile_run.by_file(h.name) if f["rule_id"] in ("EXT-READ", "EXT-FAILED")]
        assert ext, (h.name, h.what)
        assert all(CJK.search(f["message"]) for f in ext)


def test_files_with_formulas_are_read(hostile_run):
    """Formulas in the title, a table cell and the text are content, not a reason to refuse."""
    items = _items(hostile_run, "read")
    assert len(items) == len(H.FORMULAS)
    for h in items:
        assert not [f for f in hostile_run.by_file(h.name) if f["rule_id"] == "EXT-FAILED"], h.name
        # a formula is not an agency's name: not read as one (the report's 发布机构 stands)
        assert h.agency.lstrip("-").replace(" ", "") not in {f["agency"] for f in hostile_run.by_file(h.name)}


def test_good_files_among_hostile_ones_are_read_completely(hostile_run):
    """Wrong charset declarations, 5,000 tables, formula/path-like names: read in full, no EXT-*."""
    wb = openpyxl.load_workbook(hostile_run.latest / "summary.xlsx")
    rows = list(wb["总览"].iter_rows(values_only=True))
    head = rows[0]
    status = {r[head.index("文件")]: r[head.index("读取状态")] for r in rows[1:]}
    for h in _items(hostile_run, "ok"):
        assert not [f for f in hostile_run.by_file(h.name) if f["rule_id"].startswith("EXT-")], h.name
        shown = "'" + h.name if h.name.startswith(FORMULA_START) else h.name
        assert status[shown] == "完整", (h.name, status.get(shown))
    # Decoded correctly despite the lying <meta charset>: the agency comes out right.
    for name in ("declared-gbk-is-utf8.html", "declared-utf8-is-gbk.html", "declared-nonsense.html",
                 "many-tables.html"):
        agencies = {f["agency"] for f in hostile_run.by_file(name)}
        assert agencies == {H.SAMPLE_AGENCY}, (name, agencies)


def test_every_problem_file_is_on_the_manual_review_sheet(hostile_run):
    wb = openpyxl.load_workbook(hostile_run.latest / "summary.xlsx")
    rows = list(wb["需人工核查"].iter_rows(values_only=True))
    head = rows[0]
    reasons: dict[str, list[str]] = {}
    for r in rows[1:]:
        reasons.setdefault(r[head.index("文件")], []).append(r[head.index("原因")] or "")
    for h in _items(hostile_run, "failed", "flagged"):
        assert h.name in reasons, (h.name, h.what)
        assert all(CJK.search(x) for x in reasons[h.name]), reasons[h.name]
    failed_rows = [r for r in rows[1:] if r[head.index("规则编号")] == "EXT-FAILED"]
    assert {r[head.index("读取状态")] for r in failed_rows} == {"读取失败"}


def test_nothing_is_written_outside_the_output_folder(hostile_run):
    """The corpus folder, the working directory (the inbox) and TMPDIR are unchanged."""
    added = sorted(set(hostile_run.after) - set(hostile_run.before))
    removed = sorted(set(hostile_run.before) - set(hostile_run.after))
    changed = sorted(k for k in hostile_run.before.keys() & hostile_run.after.keys()
                     if hostile_run.before[k] != hostile_run.after[k])
    assert (added, removed, changed) == ([], [], [])


def test_output_paths_never_use_agency_names(hostile_run):
    """No output file or folder is named after an agency: names are fixed or timestamps."""
    out = hostile_run.out
    fixed = {"findings.jsonl", "findings.csv", "summary.xlsx", "data.csv", "gx_validation.json", "auditor.log",
             "ledger.sqlite", ".auditor.lock", "latest", "runs", "技术文件", "核查页", "index.html"}
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}(-\d+)?$")
    dated = re.compile(r"^年报审核汇总-\d{4}-\d{2}\.xlsx$")     # the workbook's twin, named by the month
    page = re.compile(r"^.+-[0-9a-f]{8}\.html$")     # an evidence page: the report FILE's name and a hash of its path
    for p in out.rglob("*"):
        rel = p.relative_to(out)
        for i, part in enumerate(rel.parts):
            in_pages = i > 0 and rel.parts[i - 1] == "核查页"
            assert (part in fixed or stamp.match(part) or dated.match(part) or part.startswith("ledger.sqlite")
                    or (in_pages and page.match(part))), rel
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(out.resolve()), p
    assert os.readlink(out / "latest").startswith("runs" + os.sep)


def test_no_formula_survives_in_data_csv(hostile_run):
    import csv

    rows = list(csv.reader((hostile_run.latest / "data.csv").read_text("utf-8-sig").splitlines()))
    assert len(rows) > 1
    for row in rows:
        for value in row:
            assert not value.lstrip().startswith(FORMULA_START), value


def test_no_formula_survives_in_the_workbook(hostile_run):
    wb = openpyxl.load_workbook(hostile_run.latest / "summary.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.lstrip().startswith(FORMULA_START), (ws.title, c.coordinate, c.value)
    # The planted agencies and file names are there, escaped, in the 总览 sheet.
    rows = list(wb["总览"].iter_rows(values_only=True))
    head = rows[0]
    agencies = {r[head.index("单位")] for r in rows[1:]}
    files = {r[head.index("文件")] for r in rows[1:]}
    assert not {"'" + '=HYPERLINK("http://evil","x")', "'@SUM(1+1)", "'+cmd|'/Ccalc'!A0"} & agencies  # not names
    assert {"'" + h.name for h in hostile_run.items if h.name.startswith(FORMULA_START)} <= files
    # A formula in a table cell reaches a message, but not at the start of a cell.
    assert any(isinstance(c.value, str) and "「-2+3」" in c.value
               for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_no_formula_survives_in_the_csv(hostile_run):
    with open(hostile_run.latest / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    for row in rows:
        for cell in row:
            assert not cell.lstrip().startswith(FORMULA_START), cell
    agencies = {r[head.index("单位")] for r in rows[1:]}
    files = {r[head.index("文件")] for r in rows[1:]}
    assert not {"'" + '=HYPERLINK("http://evil","x")', "'@SUM(1+1)", "'+cmd|'/Ccalc'!A0"} & agencies  # not names
    assert {"'" + h.name for h in hostile_run.items if h.name.startswith(FORMULA_START)} <= files


def test_jsonl_keeps_the_raw_data_unescaped(hostile_run):
    """findings.jsonl is data: the agency is what the report says (invisible control characters dropped)."""
    agencies = {f["agency"] for f in hostile_run.findings()}
    # a formula or a path is not read as an agency's name; a name with control characters is
    assert '=HYPERLINK("http://evil","x")' not in agencies and "../../etc" not in agencies
    assert "淄博局" in agencies
    for line in (hostile_run.latest / "findings.jsonl").read_text(encoding="utf-8").splitlines():
        assert "\x00" not in line and "\x1b" not in line    # JSON escapes control characters


# ================================================================ 1b. each hostile file alone

@lru_cache(maxsize=1)
def _binary_samples() -> tuple[bytes, bytes]:
    """A DOCX and a PDF of the sample report (rendered once per session)."""
    folder = Path(tempfile.mkdtemp(prefix="auditor-hostile-"))
    try:
        return H._docx_bytes(folder), H._pdf_bytes(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SINGLE = {
    # builder name: (expected outcome, message fragment or status)
    "empty_file": ("refused", "文件为空"),
    "blank_file": ("refused", "文件为空"),
    "binary_garbage": ("refused", "二进制"),
    "binary_garbage_no_nul": ("refused", "编码"),
    "truncated_html": ("partial", "中途结束"),
    "truncated_docx": ("refused", "DOCX 文件损坏"),
    "truncated_pdf": ("refused", "PDF 文件损坏"),
    "pdf_named_docx": ("refused", "DOCX 文件损坏"),
    "html_named_pdf": ("refused", "PDF 文件损坏"),
    "mixed_encoding": ("refused", "无法识别文件编码"),
    "declared_gbk_is_utf8": ("complete", ""),
    "declared_utf8_is_gbk": ("complete", ""),
    "declared_nonsense": ("complete", ""),
    "huge_file": ("refused", "文件过大"),
    "zip_bomb": ("refused", "压缩炸弹"),
    "deep_div_html": ("refused", "嵌套过深"),
    "deep_font_html": ("partial", "嵌套过深"),
    "many_tables_html": ("complete", ""),
    "control_soup": ("complete", ""),
}


def _build_one(name: str, folder: Path):
    fn = getattr(H, name)
    if name in ("truncated_docx", "truncated_pdf", "pdf_named_docx"):
        docx, pdf = _binary_samples()
        return fn(folder, pdf if "pdf" in name else docx)
    return fn(folder)


@pytest.mark.parametrize("builder", sorted(SINGLE))
def test_each_hostile_file_read_alone(builder, tmp_path):
    """read_document + extract on one hostile file: a clean refusal or a read, within 10 s."""
    item = _build_one(builder, tmp_path)
    outcome, fragment = SINGLE[builder]
    t0 = time.monotonic()
    try:
        report = extract(read_document(tmp_path / item.name))
    except ReadError as exc:
        assert outcome == "refused", (builder, str(exc))
        assert fragment in str(exc) and CJK.search(str(exc)), str(exc)
    else:
        assert outcome == report.status, (builder, report.status, report.problems[:3])
        assert fragment in " ".join(report.problems), report.problems
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("name,data", [
    ("bom-utf8-gbk.txt", b"\xef\xbb\xbf" + "政府信息公开".encode("gbk")),
    ("utf16-odd.md", "政府信息公开".encode("utf-16") + b"\x00"),
    ("bom-utf8-gbk.html", b"\xef\xbb\xbf<p>" + "政府信息公开".encode("gbk") + b"</p>"),
], ids=["txt-utf8-bom-gbk", "md-utf16-bom-odd", "html-utf8-bom-gbk"])
def test_bom_with_invalid_body_is_a_chinese_read_error(name, data, tmp_path):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert CJK.search(str(err.value)) and "codec" not in str(err.value)


def test_oversized_file_is_refused_without_being_read(tmp_path, monkeypatch):
    from auditor.pipeline import run

    inbox = tmp_path / "in"
    inbox.mkdir()
    H.huge_file(inbox)
    big = inbox / "huge.txt"
    assert big.stat().st_size > MAX_FILE_BYTES
    reads: list[str] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        if self.stat().st_size > MAX_FILE_BYTES:
            reads.append(str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    outcome = run([inbox], load_packs(RULES), tmp_path / "out")
    assert list(outcome.result.reports["status"]) == ["failed"]
    assert reads == [], f"oversized file read into memory: {reads}"


def test_oversized_file_refusal_is_fast(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    H.huge_file(inbox)
    t0 = time.monotonic()
    with pytest.raises(ReadError, match="文件过大"):
        read_document(inbox / "huge.txt")
    assert time.monotonic() - t0 < 1


@pytest.mark.parametrize("ch", ["\u200b", "\ufeff", "\u2060", "\u00ad", "\x01"])
def test_invisible_character_in_a_number_cell_does_not_accuse_the_agency(ch, packs):
    from auditor.verdicts import audit
    from auditor.extract import extract
    from auditor.ingest.text import read_text

    from . import mutate as m

    text = m.set_t3_cell(ZIBO.read_text(encoding="utf-8"), "(一)予以公开", 1, "0" + ch)
    report = extract(read_text("invisible.txt", text, "utf-8"))
    findings = audit([report], packs).findings
    bad = findings[(findings["rule_id"] == "NUM-COUNT") & (findings["category"] == "compliance")]
    assert bad.empty, list(bad["message"])


_MEASURE = r"""
import resource, sys, time
from pathlib import Path
from auditor.extract import extract
from auditor.ingest import read_document
t = time.perf_counter()
extract(read_document(Path(sys.argv[1])))
try:   # VmHWM is this image's peak; ru_maxrss can carry the forking parent's peak over exec
    kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
except OSError:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(time.perf_counter() - t, kb)
"""


def _measure(path: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of read_document + extract on `path`, in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    seconds, rss_kb = proc.stdout.decode().split()
    return float(seconds), float(rss_kb) / 1024


# The hostile-run budget (1.5 GB) spread over the largest input each reader accepts
# (auditor/limits.py: text and HTML files, inflated XML of a DOCX).
MB_PER_MB = {"txt": 1536 * MB / MAX_TEXT_BYTES, "html": 1536 * MB / MAX_TEXT_BYTES,
             "docx": 1536 * MB / MAX_DOCX_INFLATED_BYTES}


@pytest.mark.parametrize("kind", ["txt", "html", "docx"])
def test_accepted_file_sizes_stay_within_the_memory_budget(kind, tmp_path):
    _, base_mb = _measure(ZIBO)
    if kind == "txt":
        path, size_mb = H.many_short_lines_txt(tmp_path, 4), 4.0
    elif kind == "html":
        path, size_mb = H.many_paragraphs_html(tmp_path, 4), 4.0
    else:
        path, inflated = H.inflating_docx(tmp_path, 16)
        size_mb = inflated / 2 ** 20
        read_document(path)      # accepted by the zip checks: not a "bomb"
    seconds, peak_mb = _measure(path)
    per_mb = (peak_mb - base_mb) / size_mb
    print(f"{kind}: {size_mb:.1f} MB → {seconds:.1f} s, peak {peak_mb:.0f} MB ({per_mb:.0f} MB per MB)")
    assert per_mb <= MB_PER_MB[kind], f"{per_mb:.0f} MB of memory per MB of input (budget {MB_PER_MB[kind]:.0f})"


# ================================================================ 3. rule files

def _pack(tmp_path: Path, files: dict[str, str], pack: str = "p", extends: str | None = None,
          root: Path | None = None) -> Path:
    root = root or tmp_path / "rules"
    folder = root / pack
    folder.mkdir(parents=True, exist_ok=True)
    manifest = H.PACK.format(id=pack) + (f"extends: {extends}\n" if extends else "")
    (folder / "pack.yaml").write_text(manifest, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root


def _problems(root: Path) -> list[str]:
    with pytest.raises(RuleError) as err:
        load_packs(root)
    return err.value.problems


def _assert_file_line(problems: list[str], file: Path | None = None) -> None:
    assert problems
    for line in problems:
        m = PROBLEM_LINE.match(line)
        assert m, f"not a one-line `file:line: message`: {line!r}"
        path = Path(m["file"])
        assert path.exists(), line
        if file is not None:
            assert path == file, line
        assert 1 <= int(m["line"]) <= len(path.read_text(encoding="utf-8").splitlines()) + 1, line


def test_billion_laughs_is_refused_fast(tmp_path):
    root = _pack(tmp_path, {"a.yaml": H.billion_laughs(), "b.yaml": H.billion_laughs_in_params().replace("TST-ONE", "TST-TWO")})
    t0 = time.monotonic()
    problems = _problems(root)
    assert time.monotonic() - t0 < 2
    _assert_file_line(problems)
    assert [p.split(": ", 1)[1] for p in problems] == ["不允许使用 YAML 别名（&/*）"] * 2


def test_billion_laughs_stops_the_cli_run_with_exit_2(tmp_path):
    root = _pack(tmp_path, {"a.yaml": H.billion_laughs()})
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(ZIBO, inbox / "r.txt")
    t0 = time.monotonic()
    proc = _cli("run", str(inbox), "--rules", str(root), "--out", str(tmp_path / "out"), cwd=tmp_path, timeout=60)
    assert time.monotonic() - t0 < 20
    assert proc.returncode == 2
    lines = proc.stderr.decode("utf-8").splitlines()
    _assert_file_line(lines[:-1], root / "p" / "a.yaml")
    assert lines[-1] == "规则文件有 1 处错误，未运行。"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra,fragment", [
    ("colour: red\n", "未知的键：「colour」"),
    ("when: {agency_type: [department], planet: mars}\n", "未知的键"),
])
def test_unknown_keys(tmp_path, extra, fragment):
    root = _pack(tmp_path, {"a.yaml": H.GOOD_RULE + extra})
    problems = _problems(root)
    _assert_file_line(problems)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("old,new,fragment", [
    ("severity: warning", "severity: [warning]", "取值"),
    ("phrasings: ['信息处理费']", "phrasings: 信息处理费", "类型错误"),
    ("scope: section_6", "scope: 6", "取值"),
    ("title: 测试规则", "title: 2024-12-31", None),       # a date stays a string: valid title
    ("params:\n  scope: section_6\n  phrasings: ['信息处理费']\n", "params: [1, 2]\n", "类型错误"),
])
def test_wrong_types(tmp_path, old, new, fragment):
    rule = H.GOOD_RULE.replace(old, new)
    assert rule != H.GOOD_RULE
    root = _pack(tmp_path, {"a.yaml": rule})
    if fragment is None:
        load_packs(root)
        return
    problems = _problems(root)
    _assert_file_line(problems)
    assert any(fragment in p for p in problems), problems


def test_duplicate_ids_in_a_pack_and_against_the_parent(tmp_path):
    root = _pack(tmp_path, {"a.yaml": H.GOOD_RULE, "b.yaml": H.GOOD_RULE})
    problems = _problems(root)
    _assert_file_line(problems)
    assert len(problems) == 1 and "重复" in problems[0]
    root2 = tmp_path / "r2"
    _pack(tmp_path, {"a.yaml": H.GOOD_RULE}, pack="base", root=root2)
    _pack(tmp_path, {"a.yaml": H.GOOD_RULE}, pack="child", extends="base", root=root2)
    problems = _problems(root2)
    _assert_file_line(problems)
    assert any("与所继承的规则重复" in p for p in problems), problems


@pytest.mark.parametrize("chain", [["a", "b"], ["a", "b", "c"], ["a"]])
def test_circular_pack_extension(tmp_path, chain):
    root = tmp_path / "rules"
    for i, pid in enumerate(chain):
        _pack(tmp_path, {}, pack=pid, extends=chain[(i + 1) % len(chain)], root=root)
    t0 = time.monotonic()
    problems = _problems(root)
    assert time.monotonic() - t0 < 2
    _assert_file_line(problems)
    assert all("规则包继承成环" in p for p in problems) and len(problems) == len(chain)


def test_circular_pack_extension_through_the_cli(tmp_path):
    root = tmp_path / "rules"
    _pack(tmp_path, {}, pack="a", extends="b", root=root)
    _pack(tmp_path, {}, pack="b", extends="a", root=root)
    proc = _cli("rules", "--rules", str(root), "check", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.decode("utf-8").splitlines()
    _assert_file_line(lines[:-1])
    assert lines[-1] == "规则文件有 2 处错误，未运行。"


YAML_CRASHERS = {
    "deep-flow-nesting": "description: " + "[" * 5000 + "]" * 5000 + "\n",
    "python-tag": 'description: !!python/name:os.system ""\n',
    "unknown-local-tag": "description: !foo bar\n",
    "complex-key": "? [a, b]\n: 1\n",
    "bad-explicit-int": 'description: !!int "zz"\n',
}


@pytest.mark.parametrize("case", sorted(YAML_CRASHERS))
def test_yaml_that_crashes_the_loader(tmp_path, case):
    path_root = _pack(tmp_path, {"a.yaml": H.GOOD_RULE + YAML_CRASHERS[case]})
    proc = _cli("rules", "--rules", str(path_root), "check", cwd=tmp_path, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, err[-500:]
    assert "Traceback" not in err
    _assert_file_line(err.splitlines()[:-1], path_root / "p" / "a.yaml")


def test_catastrophic_regex_is_refused_by_rules_check(tmp_path):
    """A nested repeat such as (a+)+$ is refused when the rules are loaded, with file:line."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "national-2021" / "text" / "TST-REDOS.yaml").write_text(H.backtracking_rule(), encoding="utf-8")
    proc = _cli("rules", "--rules", str(rules), "check", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "TST-REDOS.yaml:12:" in proc.stderr.decode("utf-8") and "嵌套重复" in proc.stderr.decode("utf-8")


REDOS_TIMEOUT_S = 15


def test_catastrophic_regex_does_not_hang_the_run(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "national-2021" / "text" / "TST-REDOS.yaml").write_text(H.backtracking_rule(), encoding="utf-8")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "r.txt").write_text(H.redos_report(40), encoding="utf-8")
    try:
        proc = _cli("run", str(inbox), "--rules", str(rules), "--out", str(tmp_path / "out"),
                    cwd=tmp_path, timeout=REDOS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"auditor run still running after {REDOS_TIMEOUT_S} s (killed)")
    if proc.returncode == 2:
        _assert_file_line(proc.stderr.decode("utf-8").splitlines()[:-1])
    else:
        assert proc.returncode in (0, 1), proc.stderr.decode("utf-8", "replace")[-2000:]


# ================================================================ 4. outputs

def test_output_code_never_builds_paths_from_agency_names():
    """Static check: the writers, the pipeline and the ledger name files by fixed names and
    timestamps only (the run test above checks the actual tree)."""
    root = Path(__file__).resolve().parent.parent / "auditor"
    sources = [*sorted((root / "pipeline").glob("*.py")), root / "ledger.py", *sorted((root / "outputs").glob("*.py"))]
    path_building = re.compile(r"(/\s*f?[\"'][^\"']*\{[^}]*agency|Path\([^)]*agency|with_name\([^)]*agency|"
                               r"mkdir\([^)]*agency|open\([^)]*agency)")
    for src in sources:
        text = src.read_text(encoding="utf-8")
        assert not path_building.search(text), src


def test_table_count_limit_is_configurable(tmp_path):
    """AUDITOR_MAX_TABLES bounds the tables of one document, with a Chinese per-file reason."""
    page = tmp_path / "tables.html"
    page.write_text("<html><body>" + "<table><tr><td>1</td></tr></table>" * 30 + "</body></html>", encoding="utf-8")
    env = {**os.environ, "AUDITOR_MAX_TABLES": "20"}
    code = ("from pathlib import Path\nfrom auditor.ingest import read_document, ReadError\n"
            f"try:\n    read_document(Path({str(page)!r}))\nexcept ReadError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=60)
    assert "表格数量过多（30 个，上限 20 个" in out.stdout.decode("utf-8")
