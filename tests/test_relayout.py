"""Issue 11: a re-laid-out real report never gains a finding; the absence discipline still accuses.

Each shared real report (reports_in/) is re-laid-out as other publishing tools print it — the whole
report on one line, line breaks inside headings, spaced headings, page furniture on or inside the
heading lines, headings split into runs, numbering slips — and audited by the real engine together
with the originals. A re-layout may lose a finding (what we could not place becomes 需人工核查) but
never gains a compliance finding of error or warning level. Mutations show the discipline still
accuses: a part really deleted, or its heading deleted, is a SEC-PRESENT error; its words in a
sentence listing the parts are no heading; a spaced, split or glued heading is not a missing part.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.model import Report

from . import variants as V
from .conftest import SAMPLES

HEADER = "某某单位2023年政府信息公开工作年度报告"
TITLE_RULES = {"SEC-TITLE"}       # a numbering slip is a real title deviation, reported as such


def _layouts() -> dict[str, tuple[str, dict]]:
    """Variant name → (layout class, parameters of `relayout`)."""
    return {
        "one_line": ("one_line", {"one_line": True}),
        "break_mid": ("line_breaks", {"breaks": 0.5}),
        "break_late": ("line_breaks", {"breaks": 0.8}),
        "space_sep": ("spaced", {"spaced": "sep"}),
        "space_every": ("spaced", {"spaced": "every"}),
        "furniture_line": ("furniture", {"furniture": ("第 3 页 共 9 页", "line_before", True)}),
        "furniture_same": ("furniture", {"furniture": ("- 3 -", "same_before", False)}),
        "furniture_after": ("furniture", {"furniture": ("3/9", "same_after", False)}),
        "furniture_inside": ("furniture", {"furniture": ("— 12 —", "inside", True)}),
        "runs": ("runs", {"runs": True}),
        "number_paren": ("numbering", {"numbering": "paren"}),
        "number_arabic": ("numbering", {"numbering": "arabic"}),
        "number_wrong": ("numbering", {"numbering": "wrong"}),
        "number_none": ("numbering", {"numbering": "none"}),
        "number_bare": ("numbering", {"numbering": "bare"}),
        "one_line_spaced_furniture": ("combined", {"one_line": True, "spaced": "sep",
                                                   "furniture": ("第3页", "same_before", False)}),
    }


LAYOUTS = _layouts()


def headings_of(report: Report) -> list[str]:
    return [s.title for s in sorted(report.sections, key=lambda s: report.section_order.index(s.number))]


def relayout(name: str, report: Report, *, one_line: bool = False, breaks: float | None = None,
             spaced: str | None = None, furniture: tuple[str, str, bool] | None = None,
             runs: bool = False, numbering: str | None = None) -> tuple[str, str]:
    """The real report `name` re-laid-out: (source text, file suffix)."""
    path = SAMPLES / name
    html = path.suffix == ".html"
    source = path.read_text(encoding="utf-8")
    heads = headings_of(report)
    if numbering:
        source = V.slip_numbering(source, heads, html, numbering)
        heads = [h for h in headings_of(extract_text(source, path.suffix))]
    if spaced:
        source = V.space_headings(source, heads, html, every=spaced == "every")
    if runs:
        source = V.split_heading_runs(source, heads, html)
    if breaks is not None:
        source = V.break_headings(source, heads, html, at=breaks)
    if furniture:
        text, where, header = furniture
        source = V.furnish_headings(source, heads, html, text, where, HEADER if header else None)
    if one_line:
        if path.suffix != ".txt":     # a web page's or markdown file's text: cells apart, no markup
            source = "\n".join(V.document_lines(_write(source, path.suffix)))
        return V.one_line(source), ".txt"
    return source, path.suffix


_COUNTER = iter(range(10 ** 9))
_FOLDER: list[Path] = []


def _write(text: str, suffix: str) -> Path:
    if not _FOLDER:
        import tempfile
        _FOLDER.append(Path(tempfile.mkdtemp(prefix="relayout-")))
    path = _FOLDER[0] / f"v{next(_COUNTER)}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def extract_text(text: str, suffix: str, tag: str | None = None) -> Report:
    report = extract(read_document(_write(text, suffix)))
    if tag is not None:      # each variant its own agency: never paired with the original by agency and year
        report.meta["agency"] = f"{tag}·{report.meta.get('agency') or ''}"
    return report


def accusations(findings: pd.DataFrame, file: str, ignore: set[str] = frozenset()) -> set[tuple[str, str]]:
    f = findings[(findings["file"] == file) & (findings["category"] == "compliance")
                 & findings["severity"].isin(["error", "warning"]) & ~findings["rule_id"].isin(ignore)]
    return set(zip(f["rule_id"], f["location"]))


# ------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def originals() -> dict[str, Report]:
    return {name: extract(read_document(SAMPLES / name)) for name in V.REAL_REPORTS}


@pytest.fixture(scope="module")
def audited(originals, packs):
    """Originals and every variant of every real report, audited in one batch."""
    variants: dict[tuple[str, str], Report] = {}
    for name, report in originals.items():
        for key, (_, params) in LAYOUTS.items():
            text, suffix = relayout(name, report, **params)
            variants[(name, key)] = extract_text(text, suffix, tag=f"变体{key}")
    findings = audit(list(originals.values()) + list(variants.values()), packs).findings
    return variants, findings


# ------------------------------------------------------------------- every layout, every report

@pytest.mark.parametrize("key", list(LAYOUTS))
@pytest.mark.parametrize("name", V.REAL_REPORTS)
def test_relayout_gains_no_accusation(audited, originals, name, key):
    variants, findings = audited
    ignore = TITLE_RULES if LAYOUTS[key][0] == "numbering" else set()
    before = accusations(findings, originals[name].file, ignore)
    after = accusations(findings, variants[(name, key)].file, ignore)
    assert after - before == set()


@pytest.mark.parametrize("key", [k for k, (cls, _) in LAYOUTS.items() if cls not in ("numbering", "combined")])
@pytest.mark.parametrize("name", V.REAL_REPORTS)
def test_relayout_finds_the_same_parts(audited, originals, name, key):
    """Line breaks, spaces, runs, furniture and one-line text hide no heading: the same parts are found."""
    variants, _ = audited
    found = sorted(s.number for s in variants[(name, key)].sections)
    assert found == sorted(s.number for s in originals[name].sections)
    assert variants[(name, key)].heading_seen == {}


@pytest.mark.parametrize("name", V.REAL_REPORTS)
def test_furniture_stays_out_of_titles(audited, name):
    variants, _ = audited
    for key in ("furniture_same", "furniture_after", "furniture_inside", "furniture_line"):
        for s in variants[(name, key)].sections:
            assert not any(mark in s.title for mark in ("3/9", "- 3 -", "第 3 页", "12", "某某单位")), (key, s.title)


def test_shanghai_missing_part_five_survives_every_layout(audited):
    """Its preface lists all six names and 五 truly has no heading: the error stays in every layout."""
    variants, findings = audited
    for key in LAYOUTS:
        if key == "number_none":
            continue
        report = variants[("shanghai-stcsm-2024.md", key)]
        got = accusations(findings, report.file)
        assert ("SEC-PRESENT", "第五部分「存在的主要问题及改进情况」") in got, key


# -------------------------------------------------------------------------- the property

@st.composite
def layouts(draw):
    return draw(st.sampled_from(V.REAL_REPORTS)), {
        "one_line": draw(st.booleans()),
        "breaks": draw(st.one_of(st.none(), st.floats(0.2, 0.95))),
        "spaced": draw(st.sampled_from([None, "sep", "every"])),
        "furniture": draw(st.one_of(st.none(), st.tuples(st.sampled_from(V.FURNITURE),
                                                          st.sampled_from(["line_before", "same_before",
                                                                           "same_after", "inside"]),
                                                          st.booleans()))),
    }


@lru_cache(maxsize=1)
def _shared() -> tuple[dict[str, Report], list]:
    """Originals and packs for the property (not fixtures: hypothesis would print the packs)."""
    from auditor.rules.loader import load_packs

    from .conftest import RULES
    return {name: extract(read_document(SAMPLES / name)) for name in V.REAL_REPORTS}, load_packs(RULES)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts())
def test_any_relayout_never_gains_an_accusation(layout):
    originals, packs = _shared()
    name, params = layout
    text, suffix = relayout(name, originals[name], **params)
    variant = extract_text(text, suffix, tag="变体")
    findings = audit([originals[name], variant], packs).findings
    assert accusations(findings, variant.file) - accusations(findings, originals[name].file) == set()
    # and not by reading less: the same parts are found (a report read as nothing gains nothing)
    assert sorted(s.number for s in variant.sections) == sorted(s.number for s in originals[name].sections)


# ------------------------------------------------------------------- the discipline still accuses

ZIBO = "zibo-gaoxin-police-2022.txt"
H5, H6 = "五、存在的主要问题及改进情况", "六、其他需要报告的事项"
PART5 = "第五部分「存在的主要问题及改进情况」"
LISTING = ("本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况，"
           "存在的主要问题及改进情况以及其他需要报告的事项等六部分。")


NUMBERED_LISTING = ("本报告包括一、总体情况；二、主动公开政府信息情况；三、收到和处理政府信息公开申请情况；"
                    "四、政府信息公开行政复议、行政诉讼情况；五、存在的主要问题及改进情况；六、其他需要报告的事项。")


HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", H5, H6]


def _zibo() -> str:
    return (SAMPLES / ZIBO).read_text(encoding="utf-8")


def _mutations() -> dict[str, str]:
    text = _zibo()
    start, end = text.index(H5), text.index(H6)
    preface_end = text.index("一、总体情况")
    body5 = text[start + len(H5):end]
    return {
        "part_deleted": text[:start] + text[end:],
        "heading_deleted": text.replace(H5, ""),
        "heading_deleted_listed": text[:preface_end] + LISTING + "\n" + text[preface_end:].replace(H5, ""),
        "heading_spaced": text.replace(H5, "五 、 存 在 的 主 要 问 题 及 改 进 情 况"),
        "heading_split": text.replace(H5, "五、存在的主要问题\n及改进情况"),
        "heading_furniture": text.replace(H5, "- 7 -\n" + HEADER + "\n五、存在的主要问题及 - 7 - \n改进情况"),
        "heading_glued": text.replace(H5, "以下为五、存在的主要问题及改进情况").replace(body5, body5),
        "numbered_listing": text[:preface_end] + NUMBERED_LISTING + "\n" + text[preface_end:],
        "contents": text[:preface_end] + "目录\n" + "".join(f"{h}……{i + 1}\n" for i, h in enumerate(HEADINGS))
        + text[preface_end:],
        "heading_prefixed": text.replace(H5, "五、工作中存在的主要问题及改进情况"),
        "heading_variant": text.replace(H5, "五、工作中存在的不足及改进措施").replace(H6, "六、其他事项"),
        "merged_5_6": text.replace(H5, H5 + "和其他需要报告的事项").replace(H6, ""),
    }


@pytest.fixture(scope="module")
def mutated(originals, packs):
    reports = {key: extract_text(text, ".txt", tag=f"变体{key}") for key, text in _mutations().items()}
    findings = audit([originals[ZIBO], *reports.values()], packs).findings
    return reports, findings


def _gained(mutated, originals, key) -> set[tuple[str, str]]:
    reports, findings = mutated
    return accusations(findings, reports[key].file) - accusations(findings, originals[ZIBO].file)


def test_really_deleted_part_is_exactly_one_error(mutated, originals):
    reports, findings = mutated
    assert _gained(mutated, originals, "part_deleted") == {("SEC-PRESENT", PART5)}
    f = findings[(findings["file"] == reports["part_deleted"].file) & (findings["rule_id"] == "SEC-PRESENT")]
    assert list(f["severity"]) == ["error"] and list(f["message"]) == [f"未找到{PART5}。"]


def test_deleted_heading_with_its_text_left_is_still_an_error(mutated, originals):
    assert _gained(mutated, originals, "heading_deleted") == {("SEC-PRESENT", PART5)}


def test_heading_words_listed_in_the_preface_are_no_heading(mutated, originals):
    assert ("SEC-PRESENT", PART5) in _gained(mutated, originals, "heading_deleted_listed")
    assert mutated[0]["heading_deleted_listed"].heading_seen == {}


@pytest.mark.parametrize("key", ["heading_spaced", "heading_split", "heading_furniture"])
def test_spaced_or_split_heading_is_no_missing_part(mutated, originals, key):
    assert _gained(mutated, originals, key) == set()
    assert 5 in {s.number for s in mutated[0][key].sections}


def test_heading_glued_to_a_sentence_is_set_aside_for_review(mutated, originals):
    """A numbered title glued to running text is not placed, but it is evidence: 需人工核查, no error."""
    reports, findings = mutated
    assert _gained(mutated, originals, "heading_glued") == set()
    assert reports["heading_glued"].heading_seen == {5: H5}
    f = findings[(findings["file"] == reports["heading_glued"].file) & (findings["rule_id"] == "SEC-PRESENT")]
    assert list(f["category"]) == ["extraction"]
    assert list(f["message"]) == [f"无法核对「六个部分齐全」：正文中出现「{H5}」字样，但未能确定该部分的起止位置，需人工核查。"]


def test_stored_report_without_evidence_field_still_loads(originals):
    """Ledger records written before `heading_seen` existed load with an empty one."""
    data = originals[ZIBO].to_store()
    data.pop("heading_seen")
    assert Report.from_store(data).heading_seen == {}
    glued = extract_text(_mutations()["heading_glued"], ".txt")
    assert Report.from_store(glued.to_store()).heading_seen == {5: H5}


def test_numbered_list_of_the_parts_in_the_preface_is_no_heading(mutated, originals):
    """A preface listing 一、总体情况；二、…: each part starts at its real heading, not in the list."""
    reports, _ = mutated
    listed = reports["numbered_listing"]
    assert _gained(mutated, originals, "numbered_listing") == set()
    assert {s.number: s.text for s in listed.sections} == {s.number: s.text for s in originals[ZIBO].sections}
    assert NUMBERED_LISTING in listed.preface


def test_words_between_numeral_and_title_still_make_the_heading(mutated, originals):
    # the title as written differs from the format's: a title warning, never a missing part
    assert _gained(mutated, originals, "heading_prefixed") == {("SEC-TITLE", PART5)}
    assert mutated[0]["heading_prefixed"].section(5).title == "五、工作中存在的主要问题及改进情况"


def test_title_variant_under_the_right_numeral_is_the_heading(mutated, originals):
    """五、工作中存在的不足及改进措施 and 六、其他事项 are no known title, but numbered as the part and on
    its topic, alone on their lines in order: the parts are there (their titles deviate: SEC-TITLE)."""
    reports, _ = mutated
    assert _gained(mutated, originals, "heading_variant") == {
        ("SEC-TITLE", PART5), ("SEC-TITLE", "第六部分「其他需要报告的事项」")}
    assert reports["heading_variant"].section(5).title == "五、工作中存在的不足及改进措施"
    assert reports["heading_variant"].section(6).title == "六、其他事项"
    # placed on a guess: the parts' bounds count as unsure (absence rules then look elsewhere first)
    assert reports["heading_variant"].heading_seen == {5: "五、工作中存在的不足及改进措施", 6: "六、其他事项"}


@pytest.mark.parametrize("key", [k for k, (cls, _) in LAYOUTS.items() if cls == "numbering"])
@pytest.mark.parametrize("name", V.REAL_REPORTS)
def test_numbering_slips_find_the_parts_or_say_they_were_seen(audited, originals, name, key):
    """A slipped numeral still finds each part; only a heading with no usable numeral inside one-line
    text (pingtan) cannot be placed — and then its words are evidence (需人工核查), never absence."""
    variants, _ = audited
    variant = variants[(name, key)]
    found = {s.number for s in variant.sections}
    expected = {s.number for s in originals[name].sections}
    assert found | set(variant.heading_seen) == expected
    if name != "pingtan-2022.txt":
        assert found == expected


def test_a_title_in_a_table_cell_is_no_heading_but_evidence():
    """A table cell 「四、结转下年度继续办理」 is no title; a part title inside a table (a page laid out in
    a table) is not placed as a heading, but it is evidence that the part is there."""
    from auditor.extract.sections import layout
    from auditor.model import TableBlock, TextBlock

    blocks = [TextBlock("一、总体情况"), TextBlock("正文。"),
              TableBlock([["四、结转下年度继续办理", "0"], ["四、政府信息公开行政复议、行政诉讼情况", ""]]),
              TextBlock("六、其他需要报告的事项"), TextBlock("无。")]
    lay = layout(blocks)
    assert [h.number for h in lay.headings] == [1, 6]
    assert lay.seen == {4: "四、政府信息公开行政复议、行政诉讼情况"}


def test_table_of_contents_is_no_heading(mutated, originals):
    """A contents list (一、总体情况……1 on six lines) before the text: each part starts at its heading."""
    reports, _ = mutated
    assert _gained(mutated, originals, "contents") == set()
    assert {s.number: s.text for s in reports["contents"].sections} == \
        {s.number: s.text for s in originals[ZIBO].sections}


@pytest.fixture(scope="module")
def pdf_relaid(tmp_path_factory, packs):
    """The canonical report as a ruled PDF, and as PDFs whose headings are spaced, split over two
    lines, or printed with page furniture; all audited in one batch."""
    canon = V.load_canonical()
    folder = tmp_path_factory.mktemp("pdf-relayout")
    paths = {"plain": V.render_pdf(folder / "plain.pdf", V.outline(canon), canon.title)}
    for style in ("spaced", "split", "furniture"):
        paths[style] = V.render_pdf(folder / f"{style}.pdf", V.relaid_outline(canon, style), canon.title)
    reports = {k: extract(read_document(p)) for k, p in paths.items()}
    for k, r in reports.items():
        r.meta["agency"] = f"{k}·{r.meta.get('agency') or ''}"
    return reports, audit(list(reports.values()), packs).findings


@pytest.mark.parametrize("style", ["spaced", "split", "furniture"])
def test_pdf_headings_spaced_split_or_furnished(pdf_relaid, style):
    reports, findings = pdf_relaid
    assert sorted(s.number for s in reports[style].sections) == [1, 2, 3, 4, 5, 6]
    assert accusations(findings, reports[style].file) - accusations(findings, reports["plain"].file) == set()
    assert reports[style].as_json()["tables"] == reports["plain"].as_json()["tables"]


def test_two_parts_merged_under_one_heading_are_set_aside(mutated, originals):
    """五、存在的主要问题及改进情况和其他需要报告的事项: part 6 is there, merged into 5 — 需人工核查, no error."""
    reports, findings = mutated
    merged = reports["merged_5_6"]
    assert 6 in merged.heading_seen and 6 not in {s.number for s in merged.sections}
    f = findings[(findings["file"] == merged.file) & (findings["rule_id"] == "SEC-PRESENT")]
    assert list(f["category"]) == ["extraction"]
    assert not {r for r, _ in _gained(mutated, originals, "merged_5_6")} - {"SEC-TITLE"}
