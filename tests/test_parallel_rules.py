"""Text rules run in worker processes for large batches, and by the plain regex search with
AUDITOR_PLAIN (auditor/speed.py): the findings are exactly the same."""
from __future__ import annotations

from auditor import engine
from auditor.engine import evaluate
from auditor.extract import extract
from auditor.ingest import read_document

from . import mutate as m
from .conftest import ZIBO


def test_parallel_text_rules_give_the_same_findings(tmp_path, packs, monkeypatch):
    text = ZIBO.read_text(encoding="utf-8")
    earlier = text.replace("2022年政府信息公开工作年度报告", "2021年政府信息公开工作年度报告")
    earlier = m.set_t3_cell(m.set_t3_cell(earlier, "四、结转下年度继续办理", 0, "1"), "四、结转下年度继续办理", 6, "1")
    variants = [text, m.remove(text, "(一)本年度依申请公开,均未收取任何信息处理费。"),
                # 新收 and （七）总计 both 5: the stated 4 matches no reading the format allows
                m.set_t3_cell(m.set_t3_cell(text, "一、本年新收政府信息公开申请数量", 6, "5"), "(七)总计", 6, "5"),
                earlier]
    reports = []
    for i, v in enumerate(variants):
        path = tmp_path / f"r{i}.txt"
        path.write_text(v, encoding="utf-8")
        reports.append(extract(read_document(path)))
    serial = evaluate(reports, packs)
    monkeypatch.setattr(engine, "PARALLEL_TEXT_FROM", 1)
    parallel = evaluate(reports, packs)
    monkeypatch.setenv("AUDITOR_PLAIN", "1")
    plain = evaluate(reports, packs)
    key = ["file", "rule_id", "location", "message", "fingerprint"]

    def rows(found):
        return sorted(map(tuple, found[key].values.tolist()))
    assert rows(serial) == rows(parallel) == rows(plain)
    assert {"TXT-FEE-STMT", "TXT-TABLE-CONSIST-APPLY", "T3-XYEAR"} <= set(parallel["rule_id"])
