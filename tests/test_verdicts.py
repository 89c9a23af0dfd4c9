"""Verdicts are judged outside the engine (auditor/verdicts.py): the engine returns findings; what
counts in a report's totals (waivers, reviewers' decisions) and its 总览 row are built from them."""
from __future__ import annotations

import pytest

from auditor.engine import evaluate
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.verdicts import Judging, audit, summarize

from .conftest import ZIBO
from .test_layering import ROOT, offenders


def test_the_engine_leaves_verdicts_to_others():
    """Before the move the engine imported both auditor.waivers and auditor.decisions."""
    for judged in ("auditor.waivers", "auditor.decisions", "auditor.outputs", "auditor.verdicts"):
        assert offenders(ROOT / "auditor" / "engine", judged) == [], judged


def test_a_file_not_read_gets_its_row_and_counts_nowhere_else(packs):
    report = extract(read_document(ZIBO))
    name = report.file
    findings = evaluate([report], packs)
    result = summarize([report], findings, Judging(packs=packs), [("扫描件.pdf", "文件没有文字层")])
    rows = result.reports.set_index("file")
    assert list(rows.index) == [name, "扫描件.pdf"]
    assert rows.loc["扫描件.pdf", "status"] == "failed"
    assert rows.loc["扫描件.pdf", "problems"] == ["文件没有文字层"]
    assert rows.loc["扫描件.pdf", ["n_error", "n_warning", "n_info"]].tolist() == [0, 0, 0]
    assert rows.loc["扫描件.pdf", "n_extraction"] == (result.findings["file"] == "扫描件.pdf").sum() > 0
    # the report's own counts are those of its compliance findings
    own = result.findings[(result.findings["file"] == name) & (result.findings["category"] == "compliance")]
    assert rows.loc[name, "n_error"] == (own["severity"] == "error").sum()


def test_a_misspelt_setting_is_refused(packs):
    with pytest.raises(TypeError):
        audit([extract(read_document(ZIBO))], packs, waiver=[])
