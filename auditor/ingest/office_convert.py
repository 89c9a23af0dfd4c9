"""Old office formats (.doc, .wps; .et refused): converted to .docx by LibreOffice, then read as DOCX.

Many county and township agencies publish Word 97 (.doc) or WPS 文字 (.wps) files; no Python
library reads them faithfully. Where LibreOffice is installed, `soffice --headless --convert-to
docx` makes a .docx of the file, which the DOCX reader reads as any other (the report keeps the
original file's name). Each conversion runs in a private temporary folder with its own LibreOffice
profile (concurrent conversions on the reading cores, or a LibreOffice the user has open, do not
clash), with a time limit, no shell, and the file copied under a plain name, so neither its name
nor its content reaches a command line. Without LibreOffice the file is refused with advice.

Files that only carry an old suffix are read for what they are: a .doc that is really a .docx (a
zip) or a web page saved by Word (HTML) needs no converter.

.et (WPS 表格) is a spreadsheet: the program reads no spreadsheet reports (a report in a sheet has
no reading order of headings, prose and tables to check), so it is refused with advice to save
the report as .docx or PDF.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

LEGACY_WORD = {".doc": "旧版 Word/WPS 格式（.doc）", ".wps": "WPS 文字格式（.wps）"}
SPREADSHEET = {".et": "WPS 表格文件（.et）"}
LEGACY_SUFFIXES = set(LEGACY_WORD) | set(SPREADSHEET)

SOFFICE_ENV = "AUDITOR_SOFFICE"           # path of soffice; "none" (or empty): behave as if absent
TIMEOUT_ENV = "AUDITOR_SOFFICE_TIMEOUT"   # seconds per conversion
DEFAULT_TIMEOUT = 120.0
SAVE_AS = "请用 WPS 或 Word 另存为 .docx 后重新放入"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"    # Word 97 .doc, WPS .wps, .et, an encrypted .docx
ZIP_MAGIC = b"PK\x03\x04"

log = logging.getLogger("auditor")


class ConversionError(Exception):
    """The file could not be converted; the message is Chinese and names what to do."""


def find_soffice() -> str | None:
    """LibreOffice's soffice: AUDITOR_SOFFICE if set, else on PATH, else where its installer puts it
    on Windows (not added to PATH there)."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured is not None:
        configured = configured.strip()
        if configured.lower() in ("", "none", "0", "off"):
            return None
        return shutil.which(configured) or (configured if Path(configured).is_file() else None)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for base in (os.environ.get("PROGRAMFILES"), os.environ.get("PROGRAMFILES(X86)")):
        if base:
            candidate = Path(base) / "LibreOffice" / "program" / "soffice.exe"
            if candidate.is_file():
                return str(candidate)
    return None


def converter_mark() -> str:
    """Whether legacy files can be converted here: part of what a run's results depend on (after
    LibreOffice is installed, files refused before must be read again)."""
    return "soffice" if find_soffice() else "none"


def sniff(data: bytes) -> str:
    """What an old-suffix file really holds: docx (a zip), html (a web page saved as .doc), or
    binary (an OLE document, RTF or anything else: for LibreOffice)."""
    if data.startswith(ZIP_MAGIC):
        return "docx"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html", b"<?xml")) and b"<html" in data[:65536].lower():
        return "html"
    return "binary"


def refusal(suffix: str) -> str | None:
    """The Chinese reason a legacy file cannot be read here, or None if it can be converted."""
    if suffix in SPREADSHEET:
        return (f"该文件为{SPREADSHEET[suffix]}，是电子表格而不是文字报告，本工具无法读取："
                "请用 WPS 打开原报告，另存为 .docx 或 PDF 后重新放入")
    if find_soffice() is None:
        return (f"该文件为{LEGACY_WORD.get(suffix, f'旧版 Office 格式（{suffix}）')}，本机未安装 LibreOffice，"
                f"无法读取：{SAVE_AS}（或安装 LibreOffice 后重新运行）")
    return None


def to_docx(data: bytes, suffix: str, timeout: float | None = None) -> bytes:
    """The .docx LibreOffice makes of `data` (an old Word or WPS document). Raises
    ConversionError with a Chinese message when LibreOffice is absent, fails or takes too long."""
    soffice = find_soffice()
    if soffice is None:
        raise ConversionError(refusal(suffix) or SAVE_AS)
    limit = timeout if timeout is not None else _timeout()
    # (Windows: a LibreOffice process still closing may hold a file a moment; never fail the read for it)
    with tempfile.TemporaryDirectory(prefix="auditor-convert-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        source = folder / f"report{suffix}"
        source.write_bytes(data)
        out = folder / "out"
        command = [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                   "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(source)]
        _run(command, limit, folder)
        result = out / "report.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise ConversionError(f"LibreOffice 无法转换该文件（文件可能已损坏、加密或并非 {suffix} 文档）：{SAVE_AS}")
        return result.read_bytes()


def _timeout() -> float:
    try:
        value = float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def _run(command: list[str], timeout: float, cwd: Path) -> None:
    """Run LibreOffice with no shell and no input; on timeout end it and every process it started.
    Its messages go to a file (a pipe could be held open by a process it left behind)."""
    posix = hasattr(os, "killpg")
    with open(cwd / "soffice.log", "wb") as messages:
        try:
            proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=messages,
                                    stderr=subprocess.STDOUT, start_new_session=posix)
        except OSError as exc:
            raise ConversionError(f"无法启动 LibreOffice（{exc.strerror or exc}）：{SAVE_AS}") from exc
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc, posix)
            raise ConversionError(f"LibreOffice 转换超时（超过 {timeout:g} 秒，文件可能过大或已损坏）：{SAVE_AS}") from None
        except BaseException:
            _kill_tree(proc, posix)
            raise
    if proc.returncode != 0:
        text = (cwd / "soffice.log").read_bytes()[-500:].decode("utf-8", "replace")
        log.info("LibreOffice 退出码 %s：%s", proc.returncode, text)


def _kill_tree(proc: subprocess.Popen, posix: bool) -> None:
    """soffice starts soffice.bin (and oosplash): end the whole group, not only the launcher."""
    if posix:
        try:
            os.killpg(proc.pid, 9)      # SIGKILL (os.killpg exists only where it does)
        except OSError:
            pass
    elif shutil.which("taskkill"):      # Windows: the launcher's whole process tree
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    try:
        proc.kill()
    except OSError:
        pass
    proc.wait()
