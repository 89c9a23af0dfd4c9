"""The synthetic corpus (bench/corpus.py): the shipped rules find exactly its ground truth, and the
same seed gives the same files.

60 reports in every form (text, HTML grid and merged, markdown, one-line archiver text, 2 DOCX,
2 PDF) are generated with a fixed seed and audited in one `auditor run`; precision and recall of
the compliance findings against ground_truth.jsonl must both be 1.0.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import corpus as C
from bench.score import load_findings, load_truth, score

from .run_cli import in_process

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240131
N = 60
FORMATS = ["txt", "html", "md", "oneline", "docx"]


def _generate(out: Path) -> dict:
    return C.write_corpus(out, N, SEED, FORMATS, pdf=2, docx=2, jobs=1, defect_share=0.4)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    _generate(out)
    return out


@pytest.fixture(scope="module")
def audited(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit")
    proc = in_process("run", str(corpus / "reports"), "--out", str(out), "--rules", str(ROOT / "rules"), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return out / "latest" / "findings.jsonl"


def test_manifest_counts_every_form(corpus):
    m = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert m["seed"] == SEED and m["n"] == N
    assert m["formats"]["pdf"] == 2 and m["formats"]["docx"] == 2
    assert set(m["formats"]) == {"txt", "html", "md", "oneline", "docx", "pdf"}
    assert sum(m["formats"].values()) == sum(m["layouts"].values()) == N
    assert len(list((corpus / "reports").iterdir())) == N
    assert m["reports_with_defects"] == round(N * 0.4) == sum(m["defects"].values())
    assert set(m["defects"]) == set(C.TEXT_DEFECTS) | set(C.TABLE_DEFECTS)   # every kind of defect occurs
    truth = (corpus / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(truth) == m["ground_truth_findings"] > m["reports_with_defects"] / 2
    assert all(set(json.loads(line)) == {"file", "rule_id", "location"} for line in truth)


def test_shipped_rules_find_exactly_the_ground_truth(corpus, audited):
    truth = load_truth(corpus)
    s = score(truth, load_findings(audited))
    assert s["tp"] == len(truth) > 0
    assert (s["precision"], s["recall"]) == (1.0, 1.0), (s["false_positives"], s["false_negatives"])


def test_score_command_prints_precision_and_recall(corpus, audited):
    proc = subprocess.run([sys.executable, "-m", "bench.score", str(corpus), str(audited)], capture_output=True,
                          cwd=ROOT)
    assert proc.returncode == 0
    out = proc.stdout.decode("utf-8")
    assert "精确率 precision 1.0000" in out and "召回率 recall 1.0000" in out and "假阳性 FP 0" in out


def _text_of(path: Path) -> dict:
    from auditor.extract import extract
    from auditor.ingest import read_document

    data = extract(read_document(path)).as_json()
    data.pop("file")
    return data


def test_same_seed_same_files(corpus, tmp_path):
    _generate(tmp_path)
    for name in ("ground_truth.jsonl", "reports.jsonl", "manifest.json"):
        assert (tmp_path / name).read_bytes() == (corpus / name).read_bytes(), name
    files = sorted(p.name for p in (corpus / "reports").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "reports").iterdir())
    for name in files:
        a, b = corpus / "reports" / name, tmp_path / "reports" / name
        if a.suffix in (".pdf", ".docx"):   # binary containers: compare what they say
            assert _text_of(a) == _text_of(b), name
        else:
            assert a.read_bytes() == b.read_bytes(), name


def test_another_seed_gives_another_corpus(tmp_path):
    a = C.plan_corpus(30, 1, C.DEFAULT_SHARES)
    b = C.plan_corpus(30, 2, C.DEFAULT_SHARES)
    assert [p.file for p in a] != [p.file for p in b]


def test_agency_types_are_the_ones_the_rules_infer():
    """Deadlines in the ground truth assume the type by construction; the auditor infers it from the name."""
    import pandas as pd

    from auditor.agency import infer_types

    pool = C.agency_pool(SEED)
    assert len({a.name for a in pool}) == len(pool) > 3000
    inferred = infer_types(pd.Series([a.name for a in pool]))
    assert list(inferred) == [a.kind for a in pool]


def test_clean_reports_keep_the_identities_and_last_years_figures():
    plans = C.plan_corpus(200, SEED, C.DEFAULT_SHARES, defect_share=0.0)
    assert sum(p.prev is not None for p in plans) > 50
    for p in plans:
        t3 = p.t3
        assert not p.truth and not p.printed
        if p.prev is not None:
            q = plans[p.prev]
            assert (q.agency.code, q.year) == (p.agency.code, p.year - 1)
            assert t3["carried_over"] == q.t3["carried_forward"]
            docs = p.t2["normative_documents"]
            assert int(docs["in_force"]) == int(q.t2["normative_documents"]["in_force"]) + int(docs["issued"]) \
                - int(docs["repealed"])
        for c in range(7):
            assert t3["new_received"][c] + t3["carried_over"][c] == t3["total_processed"][c] + t3["carried_forward"][c]
            assert t3["total_processed"][c] == sum(t3[k][c] for k in C.OUTCOMES)
        assert all(v[6] == sum(v[:6]) for v in t3.values())
        assert all(v[4] == sum(v[:4]) for v in p.t4.values())
