"""Ingest: turn a file into a `Document`, whatever its format. Readers never interpret content."""
from __future__ import annotations

from itertools import repeat
from pathlib import Path

from ..limits import MAX_BINARY_BYTES as MAX_FILE_BYTES
from ..limits import MAX_TABLES, MAX_TEXT_BYTES
from ..model import Document, TableBlock
from .encoding import DecodeError, decode_bytes
from .docx import read_docx
from .html import read_html
from .office_convert import (LEGACY_SUFFIXES, OLE_MAGIC, ConversionError, find_soffice, refusal, sniff,
                             to_docx)
from .pdf import read_pdf
from .text import read_text

# Real reports are tens of KB (HTML, text) to a few MB (PDF, DOCX): limits in auditor/limits.py.

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
BINARY_READERS = {".docx": read_docx, ".pdf": read_pdf}
# .doc/.wps: converted by LibreOffice where installed (office_convert.py), else refused with advice;
# .et: refused with advice. Collected all the same, so that the refusal is listed for the office.
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | set(BINARY_READERS) | LEGACY_SUFFIXES


class ReadError(Exception):
    """The file could not be read; the message is Chinese and shown to the user."""


def read_document(path: Path, data: bytes | None = None) -> Document:
    """Read one report file (`data`: its bytes, if the caller already read them). Raises ReadError
    with a Chinese message for anything unreadable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(f"不支持的文件类型「{suffix or '无扩展名'}」")
    size = len(data) if data is not None else path.stat().st_size
    limit = MAX_FILE_BYTES if suffix in BINARY_READERS or suffix in LEGACY_SUFFIXES else MAX_TEXT_BYTES
    if size > limit:
        raise ReadError(f"文件过大（{size / (1024 * 1024):.1f} MB，此类文件上限 {limit // (1024 * 1024)} MB）")
    if data is None:
        data = path.read_bytes()
    if not data or data.isspace():  # (`not data.strip()` without copying the file)
        raise ReadError("文件为空")
    if suffix in LEGACY_SUFFIXES:
        return _bounded(_read_legacy(path, suffix, data))
    if suffix == ".docx" and data.startswith(OLE_MAGIC) and find_soffice():   # a .doc renamed .docx
        return _bounded(_read_legacy(path, ".doc", data))
    try:
        if suffix in HTML_SUFFIXES:
            return _bounded(read_html(str(path), data))
        if suffix in BINARY_READERS:
            return _bounded(BINARY_READERS[suffix](str(path), data))
    except (DecodeError, ValueError) as exc:
        raise ReadError(str(exc)) from exc
    try:
        text, encoding = decode_bytes(data)
    except DecodeError as exc:
        raise ReadError(str(exc)) from exc
    return _bounded(read_text(str(path), text, encoding))


def _read_legacy(path: Path, suffix: str, data: bytes) -> Document:
    """An old office file: read for what it really holds (a .docx or a web page under an old
    suffix), else converted to .docx by LibreOffice; refused with advice where it cannot be."""
    kind = sniff(data) if suffix != ".et" else "binary"
    try:
        if kind == "docx":
            return read_docx(str(path), data)
        if kind == "html":
            return read_html(str(path), data)
        reason = refusal(suffix)
        if reason is not None:
            raise ReadError(reason)
        return read_docx(str(path), to_docx(data, suffix))
    except ConversionError as exc:
        raise ReadError(str(exc)) from exc
    except (DecodeError, ValueError) as exc:
        raise ReadError(str(exc)) from exc


def _bounded(doc: Document) -> Document:
    """A report has a handful of tables; thousands upon thousands mean a hostile or broken file."""
    tables = sum(map(isinstance, doc.blocks, repeat(TableBlock)))  # (no Python loop per block)
    if tables > MAX_TABLES:
        raise ReadError(f"表格数量过多（{tables} 个，上限 {MAX_TABLES} 个，可用 AUDITOR_MAX_TABLES 调整）")
    return doc


__all__ = ["ReadError", "read_document", "SUPPORTED_SUFFIXES", "Document"]
