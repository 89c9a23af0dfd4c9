"""Old office formats (issue 13): .doc and .wps are converted by LibreOffice where it is installed
and then read as DOCX, giving the findings the .docx gives; without LibreOffice they are refused,
each with a Chinese reason and advice in 需人工核查, and the run goes on. .et is always refused.

The .doc files are made at test time by LibreOffice from a .docx of the real Zibo report (nothing
binary is committed); the tests that need LibreOffice skip, saying so, where it is absent. The
refusals, the sniffing of disguised files and the handling of a converter that hangs or fails
are tested always (a stand-in soffice script plays LibreOffice)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from auditor.cli.app import main
from auditor.ingest import ReadError, read_document
from auditor.ingest import office_convert as oc
from auditor.pipeline import collect

from . import hostile as H
from . import mutate as m
from .conftest import RULES, SAMPLES
from .variants import load_canonical, render_all

SOFFICE = oc.find_soffice() if os.environ.get(oc.SOFFICE_ENV) is None else None
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="本机未安装 LibreOffice（soffice）：.doc/.wps 转换测试跳过（Debian：apt-get install "
                            "libreoffice-writer-nogui）；拒绝读取的路径仍有测试")
OLE_DOC = oc.OLE_MAGIC + b"\0" * 1024        # the start of any Word 97 / WPS document
OTHER_AGENCY = "淄博市公安局张店分局"


@pytest.fixture
def no_soffice(monkeypatch):
    monkeypatch.setenv(oc.SOFFICE_ENV, "none")


# ----------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("suffix, label", [(".doc", "旧版 Word/WPS 格式（.doc）"), (".wps", "WPS 文字格式（.wps）")])
def test_old_word_refused_with_advice_without_libreoffice(no_soffice, tmp_path, suffix, label):
    path = tmp_path / f"某县教育局2023年报告{suffix}"
    path.write_bytes(OLE_DOC)
    with pytest.raises(ReadError) as info:
        read_document(path)
    message = str(info.value)
    assert message.startswith(f"该文件为{label}，本机未安装 LibreOffice，无法读取")
    assert "请用 WPS 或 Word 另存为 .docx 后重新放入" in message


def test_et_is_refused_as_a_spreadsheet_even_with_libreoffice(tmp_path):
    path = tmp_path / "报告.et"
    path.write_bytes(OLE_DOC)
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert "WPS 表格文件（.et）" in str(info.value) and "另存为 .docx 或 PDF" in str(info.value)


def test_old_formats_are_collected_not_skipped(tmp_path):
    for name in ("a.doc", "b.WPS", "c.et", "d.docx"):
        (tmp_path / name).write_bytes(OLE_DOC)
    collected = collect([tmp_path])
    assert [p.name for p in collected.files] == ["a.doc", "b.WPS", "c.et", "d.docx"]
    assert collected.skipped == []


def _findings(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]


def test_run_goes_on_past_a_refused_doc(no_soffice, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "zibo.txt").write_text(H.sample_text(), encoding="utf-8")
    (inbox / "乡镇报告.doc").write_bytes(OLE_DOC)
    (inbox / "统计.et").write_bytes(OLE_DOC)
    out = tmp_path / "out"
    assert main(["run", str(inbox), "--out", str(out), "--rules", str(RULES)]) == 3     # some files unreadable
    rows = _findings(out)
    failed = {Path(r["file"]).name: r["message"] for r in rows if r["rule_id"] == "EXT-FAILED"}
    assert set(failed) == {"乡镇报告.doc", "统计.et"}
    assert "本机未安装 LibreOffice" in failed["乡镇报告.doc"] and "另存为 .docx" in failed["乡镇报告.doc"]
    assert any(Path(r["file"]).name == "zibo.txt" for r in rows)          # the good report was audited
    import openpyxl

    book = openpyxl.load_workbook(out / "latest" / "summary.xlsx", read_only=True)
    manual = [c for row in book["需人工核查"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("乡镇报告.doc" in c for c in manual) and any("本机未安装 LibreOffice" in c for c in manual)


# ----------------------------------------------------------------------------- disguised files

def test_doc_that_is_really_a_docx_is_read_without_libreoffice(no_soffice, tmp_path):
    docx = render_all(load_canonical(), tmp_path / "forms", ["docx_merged"])["docx_merged"]
    disguised = tmp_path / "报告.doc"
    disguised.write_bytes(docx.read_bytes())
    assert read_document(disguised).blocks == read_document(docx).blocks


def test_doc_that_is_really_a_web_page_is_read_as_html(no_soffice, tmp_path):
    page = SAMPLES / "shuyang-fgj-2023.html"
    disguised = tmp_path / "shuyang.doc"
    disguised.write_bytes(page.read_bytes())
    assert read_document(disguised).blocks == read_document(page).blocks


# ----------------------------------------------------------------------------- a stand-in soffice

def _fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-soffice"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


posix_only = pytest.mark.skipif(not hasattr(os, "killpg"), reason="stand-in soffice is a POSIX shell script")


@posix_only
def test_converter_is_called_without_a_shell_in_a_private_folder(tmp_path, monkeypatch):
    argv_file = tmp_path / "argv.txt"
    script = _fake_soffice(tmp_path, f'for a in "$@"; do printf "%s\\n" "$a"; done > "{argv_file}"\n')
    monkeypatch.setenv(oc.SOFFICE_ENV, str(script))
    path = tmp_path / "-rf 报告 $(touch pwned) ;.doc"
    path.write_bytes(OLE_DOC)
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert "LibreOffice 无法转换该文件" in str(info.value)         # the stand-in made no .docx
    argv = argv_file.read_text("utf-8").splitlines()
    profile = next(a for a in argv if a.startswith("-env:UserInstallation=file://"))
    source = Path(argv[-1])
    assert source.name == "report.doc" and profile.endswith(f"{source.parent.name}/profile")
    assert "--headless" in argv and argv[argv.index("--convert-to") + 1].startswith("docx")
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    assert not source.parent.exists()                                # the temporary folder is removed


@posix_only
def test_a_hanging_converter_is_stopped_with_its_children(tmp_path, monkeypatch):
    pids = tmp_path / "pids"
    script = _fake_soffice(tmp_path, f'sleep 300 &\necho $! > "{pids}"\nwait\n')
    monkeypatch.setenv(oc.SOFFICE_ENV, str(script))
    monkeypatch.setenv(oc.TIMEOUT_ENV, "1")
    path = tmp_path / "报告.wps"
    path.write_bytes(OLE_DOC)
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert "LibreOffice 转换超时" in str(info.value) and "另存为 .docx" in str(info.value)
    child = int(pids.read_text().strip())
    assert _dies_soon(child)


def _dies_soon(pid: int, seconds: float = 5.0) -> bool:
    """The killed child is gone within a few seconds: on a loaded machine the signal may take a moment."""
    import time

    end = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


@posix_only
def test_a_converter_that_makes_a_broken_docx_is_a_read_error(tmp_path, monkeypatch):
    script = _fake_soffice(tmp_path, 'for a; do out=$prev; prev=$a; done\n'
                                     'mkdir -p "$out" && printf "not a zip" > "$out/report.docx"\n')
    monkeypatch.setenv(oc.SOFFICE_ENV, str(script))
    path = tmp_path / "报告.doc"
    path.write_bytes(OLE_DOC)
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert "DOCX" in str(info.value)


def test_converter_mark_follows_the_installation(monkeypatch, tmp_path):
    monkeypatch.setenv(oc.SOFFICE_ENV, "none")
    assert oc.converter_mark() == "none"
    monkeypatch.setenv(oc.SOFFICE_ENV, str(tmp_path / "missing-soffice"))
    assert oc.find_soffice() is None


# ----------------------------------------------------------------------------- real conversion

def _as_doc(docx: Path, folder: Path) -> Path:
    """The .doc LibreOffice saves of `docx` (Word 97 binary, as agencies publish)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([SOFFICE, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--norestore", "--convert-to", "doc:MS Word 97", "--outdir", str(folder), str(docx)],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=300, check=True)
    doc = folder / (docx.stem + ".doc")
    assert doc.read_bytes().startswith(oc.OLE_MAGIC)
    return doc


@pytest.fixture(scope="module")
def office_pair(tmp_path_factory):
    """Two inboxes with the same two reports (the real one and one with a broken table 4, under
    another agency): as .docx, and as the .doc/.wps LibreOffice makes of them."""
    if SOFFICE is None:
        pytest.skip("本机未安装 LibreOffice（soffice）")
    root = tmp_path_factory.mktemp("office")
    broken_text = root / "broken.txt"
    broken_text.write_text(m.set_t4_cell(H.with_agency(H.sample_text(), OTHER_AGENCY), 4, "1"), encoding="utf-8")
    docx_in, doc_in = root / "docx", root / "doc"
    docx_in.mkdir()
    doc_in.mkdir()
    for stem, source in (("zibo", H.SAMPLE), ("broken", broken_text)):
        docx = render_all(load_canonical(source), root / f"forms-{stem}", ["docx_merged"])["docx_merged"]
        (docx_in / f"{stem}.docx").write_bytes(docx.read_bytes())
        doc = _as_doc(docx, root / f"doc-{stem}")
        suffix = ".doc" if stem == "zibo" else ".wps"          # a WPS 文字 file is Word 97 binary inside
        (doc_in / f"{stem}{suffix}").write_bytes(doc.read_bytes())
    outs = {}
    for name, inbox in (("docx", docx_in), ("doc", doc_in)):
        outs[name] = root / f"out-{name}"
        assert main(["run", str(inbox), "--out", str(outs[name]), "--rules", str(RULES)]) in (0, 1)
    return outs


def _comparable(rows: list[dict]) -> list[tuple]:
    return sorted((Path(r["file"]).stem, r["rule_id"], r["location"], r["message"], r["severity"]) for r in rows)


@needs_soffice
def test_converted_doc_gives_the_docx_findings(office_pair):
    from_docx, from_doc = _findings(office_pair["docx"]), _findings(office_pair["doc"])
    assert _comparable(from_doc) == _comparable(from_docx)
    assert not [r for r in from_doc if r["rule_id"] == "EXT-FAILED"]
    # the broken table is found in the converted .wps, under the original file's name
    broken = [r for r in from_doc if r["file"].endswith("broken.wps") and r["category"] == "compliance"]
    zibo = [r for r in from_doc if r["file"].endswith("zibo.doc") and r["category"] == "compliance"]
    assert len(broken) > len(zibo)


@needs_soffice
def test_doc_renamed_docx_is_converted(tmp_path):
    docx = render_all(load_canonical(), tmp_path / "forms", ["docx_merged"])["docx_merged"]
    doc = _as_doc(docx, tmp_path / "doc")
    renamed = tmp_path / "报告.docx"
    renamed.write_bytes(doc.read_bytes())
    document = read_document(renamed)
    assert document.blocks == read_document(doc).blocks
    assert document.path == str(renamed)


def test_installing_libreoffice_changes_the_no_change_key(monkeypatch, tmp_path):
    """A month whose .doc files were refused is not 'unchanged' once LibreOffice is installed."""
    from auditor.pipeline.keys import input_key

    args = ("rules", {tmp_path / "a.doc": "h"}, [], None, 0)
    monkeypatch.setenv(oc.SOFFICE_ENV, "none")
    before = input_key(*args)
    assert input_key(*args) == before
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv(oc.SOFFICE_ENV, str(script))
    assert input_key(*args) != before
