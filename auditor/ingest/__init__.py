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
from .pdf import read_pdf
from .text import read_text

# Real reports are tens of KB (HTML, text) to a few MB (PDF, DOCX): limits in auditor/limits.py.

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
BINARY_READERS = {".docx": read_docx, ".pdf": read_pdf}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | set(BINARY_READERS)


class ReadError(Exception):
    """The file could not be read; the message is Chinese and shown to the user."""


def read_document(path: Path, data: bytes | None = None) -> Document:
    """Read one report file (`data`: its bytes, if the caller already read them). Raises ReadError
    with a Chinese message for anything unreadable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(f"不支持的文件类型「{suffix or '无扩展名'}」")
    size = len(data) if data is not None else path.stat().st_size
    limit = MAX_FILE_BYTES if suffix in BINARY_READERS else MAX_TEXT_BYTES
    if size > limit:
        raise ReadError(f"文件过大（{size / (1024 * 1024):.1f} MB，此类文件上限 {limit // (1024 * 1024)} MB）")
    if data is None:
        data = path.read_bytes()
    if not data or data.isspace():  # (`not data.strip()` without copying the file)
        raise ReadError("文件为空")
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


def _bounded(doc: Document) -> Document:
    """A report has a handful of tables; thousands upon thousands mean a hostile or broken file."""
    tables = sum(map(isinstance, doc.blocks, repeat(TableBlock)))  # (no Python loop per block)
    if tables > MAX_TABLES:
        raise ReadError(f"表格数量过多（{tables} 个，上限 {MAX_TABLES} 个，可用 AUDITOR_MAX_TABLES 调整）")
    return doc


__all__ = ["ReadError", "read_document", "SUPPORTED_SUFFIXES", "Document"]
