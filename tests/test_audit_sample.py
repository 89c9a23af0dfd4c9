"""The sample audits clean; each mutation of it produces exactly the expected findings.

All variants are audited in one batch, as the engine is meant to be used.
"""
from __future__ import annotations

import pandas as pd
import pytest

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document

from . import mutate as m

CONTACT = ("如对本报告有任何疑问,请与淄博市公安局高新技术产业开发区分局(以下简称高新区公安分局)联系(地址:淄博高新区万杰路127号;"
           "邮编:255000;联系电话:0533-2189585邮箱:zbgxzhzx@zb.shandong.cn)。")
FEE = "(一)本年度依申请公开,均未收取任何信息处理费。"


def variants(text: str) -> dict[str, str]:
    return {
        "original": text,
        "granted_np": m.set_t3_cell(text, "(一)予以公开", 0, "3"),
        "new_np": m.set_t3_cell(text, "一、本年新收政府信息公开申请数量", 0, "5"),
        "no_section5": m.drop_section(text, "五、存在的主要问题及改进情况", "六、其他需要报告的事项"),
        "no_contact": m.remove(text, CONTACT),
        "no_fee": m.remove(text, FEE),
        "t4_total": m.set_t4_cell(text, 4, "1"),
        "text_cell": m.set_t3_cell(text, "2.重复申请", 2, "abc"),
        "dash_cell": m.set_t3_cell(text, "2.重复申请", 2, "-"),
        "negative_cell": m.set_t3_cell(text, "3.其他", 3, "-1"),
        "fullwidth": m.set_t3_cell(text, "(一)予以公开", 0, "２"),
    }


@pytest.fixture(scope="module")
def findings(tmp_path_factory, packs, zibo_text) -> dict[str, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("variants")
    reports = []
    for name, text in variants(zibo_text).items():
        path = folder / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        reports.append(extract(read_document(path)))
    result = audit(reports, packs)
    f = result.findings
    return {name: f[f["file"].str.endswith(f"/{name}.txt")] for name in variants(zibo_text)}


def all_compliance(df: pd.DataFrame) -> list[tuple[str, str, str]]:
    c = df[df["category"] == "compliance"]
    return sorted(zip(c["rule_id"], c["location"], c["message"]))


@pytest.fixture(scope="module")
def compliance(findings):
    """What a mutation adds to the sample's own findings: exactly what the mutation broke."""
    baseline = set(all_compliance(findings["original"]))

    def added(df: pd.DataFrame) -> list[tuple[str, str, str]]:
        got = all_compliance(df)
        assert baseline <= set(got), "a mutation must not hide the sample's own findings"
        return sorted(set(got) - baseline)
    return added


def test_sample_has_no_error_and_nothing_unread(findings):
    f = findings["original"]
    assert not (f["severity"] == "error").any()
    assert not (f["category"] == "extraction").any()


def test_changed_granted_cell_breaks_column_and_row_sums(findings, compliance):
    got = compliance(findings["granted_np"])
    a2_rhs = "+".join(["3", "0", "0", "0", "0", "0", "0", "0", "1", "1"] + ["0"] * 11)
    assert got == [
        ("T3-A2", "表三「自然人」列", f"（七）总计为 4，而（一）至（六）各项之和为 {a2_rhs}=5（相差 1）。"),
        ("T3-A3", "表三「（一）予以公开」行", "总计为 2，而各类申请人之和为 3+0+0+0+0+0=3（相差 1）。"),
    ]
    row = findings["granted_np"].query("rule_id == 'T3-A3'").iloc[0]
    assert row["severity"] == "error"
    assert row["values"]["自然人"] == 3 and row["values"]["总计"] == 2
    assert "30号" in row["basis"]


def test_changed_new_received_cell_breaks_a1_and_a3(findings, compliance):
    assert compliance(findings["new_np"]) == [
        ("T3-A1", "表三「自然人」列", "第一项加第二项之和 5+0=5，与第三项加第四项之和 4+0=4 不相等（相差 1）。"),
        ("T3-A3", "表三「一、本年新收政府信息公开申请数量」行", "总计为 4，而各类申请人之和为 5+0+0+0+0+0=5（相差 1）。"),
    ]


def test_removed_section(findings, compliance):
    assert compliance(findings["no_section5"]) == [
        ("SEC-PRESENT", "第五部分「存在的主要问题及改进情况」", "未找到第五部分「存在的主要问题及改进情况」。"),
    ]


def test_removed_contact(findings, compliance):
    assert compliance(findings["no_contact"]) == [
        ("TXT-CONTACT", "报告开头（第一部分之前）", "报告开头未提供联系方式（电话、电子邮箱或地址）。"),
    ]


def test_removed_fee_sentence(findings, compliance):
    assert compliance(findings["no_fee"]) == [
        ("TXT-FEE-STMT", "第六部分「其他需要报告的事项」",
         "第六部分未说明信息处理费的收取情况（收取金额，或未收取/未发生收费）。"),
    ]


def test_changed_table4_total(findings, compliance):
    assert compliance(findings["t4_total"]) == [
        ("T4-A4", "表四「行政复议」", "总计为 1，而结果维持、结果纠正、其他结果、尚未审结之和为 0+0+0+0=0（相差 1）。"),
        # the prose says 行政复议0宗: the changed table now contradicts it
        ("TXT-TABLE-CONSIST-REVIEW", "全文", "正文写行政复议 0（原文「行政复议0宗」），表四「行政复议」总计为 1，二者不一致。"),
    ]


def test_text_in_a_cell_is_a_domain_error_and_blocks_the_sums(findings, compliance):
    f = findings["text_cell"]
    assert compliance(f) == [
        ("NUM-COUNT", "表三「（五）不予处理 2.重复申请」行「科研机构」列", "应填写非负整数，实际填写「abc」。"),
    ]
    unchecked = f[f["category"] == "extraction"]
    assert sorted(unchecked["rule_id"]) == ["T3-A2", "T3-A3"]
    assert all("科研机构" in msg and "需人工核查" in msg for msg in unchecked["message"])


def test_dash_cell_counts_as_zero_with_a_warning(findings, compliance):
    assert compliance(findings["dash_cell"]) == [
        ("NUM-BLANK", "表三", "有 1 个单元格为空白或填写“-”“/”等（如表三「（五）不予处理 2.重复申请」行「科研机构」列），"
                             "核算时按 0 处理；数量为零应填写 0。"),
    ]


def test_negative_cell(findings, compliance):
    got = compliance(findings["negative_cell"])
    assert ("NUM-COUNT", "表三「（六）其他处理 3.其他」行「社会公益组织」列", "应填写非负整数，实际填写「-1」。") in got
    assert {g[0] for g in got} == {"NUM-COUNT", "T3-A2", "T3-A3"}


def test_fullwidth_digit_reads_as_number(findings, compliance):
    assert compliance(findings["fullwidth"]) == []


def test_findings_carry_no_internal_keys(findings):
    everything = pd.concat(findings.values())
    for text in list(everything["location"]) + list(everything["message"]):
        assert "natural_person" not in text and "t3" not in text and "_" not in text, text


def test_fingerprints_are_stable_and_distinct(findings, packs, tmp_path, zibo_text):
    f = findings["granted_np"]
    assert f["fingerprint"].is_unique
    path = tmp_path / "granted_np.txt"
    path.write_text(variants(zibo_text)["granted_np"], encoding="utf-8")
    again = audit([extract(read_document(path))], packs).findings
    assert sorted(again["fingerprint"]) == sorted(f["fingerprint"])
