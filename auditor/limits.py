"""Limits that keep one hostile or broken file from exhausting the machine.

Each can be changed with an environment variable (whole megabytes), e.g. for an office whose
reports are unusually large PDFs: AUDITOR_MAX_BINARY_MB=120 auditor run. The defaults keep the
largest accepted file of each kind within about 1.5 GB of memory on a 2-core office machine.
"""
from __future__ import annotations

import os

MB = 1024 * 1024


def _int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        value = default
    return max(value, 1)


def _mb(name: str, default: int) -> int:
    return _int(name, default) * MB


# text, markdown and HTML: ~150 MB of memory per MB once split into blocks and tokens
MAX_TEXT_BYTES = _mb("AUDITOR_MAX_TEXT_MB", 8)
# DOCX and PDF files on disk
MAX_BINARY_BYTES = _mb("AUDITOR_MAX_BINARY_MB", 50)
# XML inside a DOCX once inflated (~25 MB of memory per MB)
MAX_DOCX_INFLATED_BYTES = _mb("AUDITOR_MAX_DOCX_INFLATED_MB", 48)
# tables in one document, rows in one table, pages of a PDF
MAX_TABLES = _int("AUDITOR_MAX_TABLES", 10_000)
MAX_TABLE_ROWS = _int("AUDITOR_MAX_TABLE_ROWS", 2_000)
MAX_PDF_PAGES = _int("AUDITOR_MAX_PDF_PAGES", 500)
