"""Page chrome, Word-pasted HTML and Word files never add a finding to a real report, and never change a cell.

Each shared real report is wrapped as CMSs and Word publish it (see tests/chrome_variants.py); the
variant must read to the same cells, agency and year, and must not gain a compliance finding of
warning or error level that the original does not have."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document

from . import chrome_variants as cv
from . import relayout_checks as rc
from .conftest import SAMPLES

TEXT_FILES = ["zibo-gaoxin-police-2022.txt", "pingtan-2022.txt", "shanghai-stcsm-2024.md"]




def _variants(tmp: Path) -> list[tuple[str, Path]]:
    out = []
    for name in TEXT_FILES:
        text = (SAMPLES / name).read_text(encoding="utf-8")
        stem = Path(name).stem
        chrome = tmp / f"{stem}-chrome{Path(name).suffix}"
        chrome.write_text(cv.text_with_chrome(text), encoding="utf-8")
        out.append((name, chrome))
        if name == "zibo-gaoxin-police-2022.txt":   # web text, one cell per line: its lines are paragraphs
            word = tmp / f"{stem}-word.html"
            word.write_bytes(cv.word_pasted_html(text, f"{stem}", seed=len(name)))
            out.append((name, word))
            out.append((name, cv.word_docx(text, tmp / f"{stem}-word.docx", seed=len(name))))
    page = (SAMPLES / "shuyang-fgj-2023.html").read_text(encoding="utf-8")
    chrome = tmp / "shuyang-chrome.html"
    chrome.write_text(cv.html_with_chrome(page), encoding="utf-8")
    out.append(("shuyang-fgj-2023.html", chrome))
    return out


@pytest.fixture(scope="module")
def audited(tmp_path_factory, packs):
    tmp = tmp_path_factory.mktemp("chrome")
    originals = {name: extract(read_document(SAMPLES / name))
                 for name in [*TEXT_FILES, "shuyang-fgj-2023.html"]}
    variants = [(name, extract(read_document(path))) for name, path in _variants(tmp)]
    reports = list(originals.values()) + [r for _, r in variants]
    findings = audit(reports, packs).findings
    return originals, variants, findings


def test_variants_read_the_same_cells(audited):
    originals, variants, _ = audited
    rc.assert_same_cells(originals, variants)


def test_variants_read_the_same_agency_and_year(audited):
    originals, variants, _ = audited
    rc.assert_same_agency_and_year(originals, variants)


def test_variants_gain_no_accusation(audited):
    originals, variants, findings = audited
    rc.assert_no_accusation_gained(originals, variants, findings)
