"""One-line tables as real archived pages give them (issue 11, "what was seen" 2).

Built from the 2021 and 2019 samples, the real zibo report and the real pingtan one-line text
(tests/table_variants.py): cells
run together, numbers run into the next label, signed numbers glued, header words and notes
inline. Every cell is read with its printed value or left unread, never another value; the
re-layout adds no compliance finding of warning or error level.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditor.verdicts import audit
from auditor.extract import extract
from auditor.extract.tables import split_runs
from auditor.extract.tokens import split_line
from auditor.ingest import read_document

from . import table_variants as TV

SOURCES = {"zibo": TV.ZIBO, "s2021": TV.SAMPLE_2021, "s2019": TV.SAMPLE_2019}
CASES = [(s, st) for s in SOURCES for st in TV.STYLE_NAMES]
PINGTAN_CASES = [("pingtan", "tight_tables"), ("pingtan", "glued_t4")]
# Real HTML and markdown reports flattened to one line: blank cells vanish, so rows with blanks
# cannot be split; they must be left unread, never read another way.
FLAT_CASES = [(name, style) for name in ("shuyang", "shanghai") for style in ("flat_spaced", "flat_glued")]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("oneline")
    out = {}
    for name, source in SOURCES.items():
        out[(name, "original")] = source
        for style in TV.STYLES:
            path = folder / f"{name}-{style.name}.txt"
            path.write_text(TV.oneline(source.read_text(encoding="utf-8"), style), encoding="utf-8")
            out[(name, style.name)] = path
    for name, source in (("shuyang", TV.SHUYANG), ("shanghai", TV.SHANGHAI)):
        out[(name, "original")] = source
        for glue in (False, True):
            path = folder / f"{name}-flat-{glue}.txt"
            path.write_text(TV.flatten(source, glue), encoding="utf-8")
            out[(name, f"flat_{'glued' if glue else 'spaced'}")] = path
    out[("pingtan", "original")] = TV.PINGTAN
    for name, text in TV.pingtan_variants(TV.PINGTAN.read_text(encoding="utf-8")).items():
        path = folder / f"pingtan-{name}.txt"
        path.write_text(text, encoding="utf-8")
        out[("pingtan", name)] = path
    return out


@pytest.fixture(scope="module")
def reports(built):
    return {key: extract(read_document(path)) for key, path in built.items()}


@pytest.fixture(scope="module")
def findings(reports, packs) -> dict[tuple[str, str], pd.DataFrame]:
    f = audit(list(reports.values()), packs).findings
    return {key: f[f["file"] == str(r.file)] for key, r in reports.items()}


def _cells(report) -> dict:
    return {(c.table, c.row, c.col): c for c in report.cells}


def _serious(df: pd.DataFrame) -> set[tuple[str, str]]:
    c = df[(df["category"] == "compliance") & df["severity"].isin(["warning", "error"])]
    return set(zip(c["rule_id"], c["location"]))


def test_the_variants_are_one_line_with_cells_run_together(built):
    body = built[("s2021", "tight")].read_text(encoding="utf-8").splitlines()[-1]
    assert "一、本年新收政府信息公开申请数量4000004二、上年结转" in body
    assert "00000002.其他法律行政法规禁止公开" in body
    assert "行政许可12-212258" in built[("s2019", "pingtan")].read_text(encoding="utf-8")


@pytest.mark.parametrize("source,style", CASES + PINGTAN_CASES + FLAT_CASES)
def test_cells_are_exact_or_unread(reports, source, style):
    want = _cells(reports[(source, "original")])
    for key, c in _cells(reports[(source, style)]).items():
        if c.raw is not None:
            assert c.value == want[key].value, (key, c)


@pytest.mark.parametrize("source,style", CASES + PINGTAN_CASES)
def test_table3_and_table4_are_read_completely(reports, source, style):
    got = _cells(reports[(source, style)])
    want = _cells(reports[(source, "original")])
    for key, c in want.items():
        if key[0] in ("t3", "t4") and c.raw is not None:
            assert got[key].raw is not None and got[key].value == c.value, key


@pytest.mark.parametrize("source,style", CASES + PINGTAN_CASES + FLAT_CASES)
def test_no_compliance_finding_the_original_does_not_have(findings, source, style):
    extra = _serious(findings[(source, style)]) - _serious(findings[(source, "original")])
    assert not extra, extra


def test_a_glued_negative_number_is_never_read_as_a_blank_mark(reports):
    """'行政许可12-212258' (2019 format: 上一年项目数量 12, 本年增/减 -2, 处理决定数量 12258) splits
    several ways: the row is unread, never 12 | '-' | 212258."""
    assert split_line("行政许可12-212258") == ["行政许可", "12", "-212258"]
    assert split_line("2648-18538") == ["2648", "-18538"]
    assert split_line("2022-12-31") == ["2022-12-31"]
    assert split_line("行政许可12,258行政处罚297") == ["行政许可", "12258", "行政处罚", "297"]
    for style in TV.STYLE_NAMES:
        row = [c for c in reports[("s2019", style)].cells if c.table == "t2" and c.row == "licensing"]
        assert row and all(c.raw is None for c in row)
        assert any("12-212258" in p and "无法唯一拆分" in p for p in reports[("s2019", style)].problems)


def test_split_runs_respects_the_texts_separators_and_signs():
    assert split_runs(["71", "3000074"], 7, True, limit=5) == [["71", "3", "0", "0", "0", "0", "74"]]
    assert split_runs(["713000074"], 7, True, limit=5) == [["71", "3", "0", "0", "0", "0", "74"]]
    assert split_runs(["12", "-2", "12258"], 3, False, frozenset({1})) == [["12", "-2", "12258"]]
    assert split_runs(["12", "-2"], 3, False) == []            # no negative outside 本年增/减
    assert len(split_runs(["12", "-212258"], 3, False, frozenset({1}), limit=3)) == 3


def _table3_text(rows: dict[str, list[int]]) -> str:
    """Sample-2021 as one line with table 3's rows replaced (glued)."""
    text = TV.oneline(TV.SAMPLE_2021.read_text(encoding="utf-8"), TV.STYLES[0])
    for label, values in rows.items():
        start = text.index(label) + len(label)
        end = start
        while text[end].isdigit():
            end += 1
        text = text[:start] + "".join(map(str, values)) + text[end:]
    return text


def test_column_identities_pick_the_one_split_of_an_ambiguous_row(tmp_path):
    """'110000011' splits as 11|0|0|0|0|0|11 or 1|10|0|0|0|0|11 by its row total; only the first
    makes 三(七)总计 (itself '110000011', fixed by 一+二 = 三(七)+四 with 一 = 10, 二 = 1) the sum of the
    outcome rows. Read, derived."""
    rows = {"一、本年新收政府信息公开申请数量": [10, 0, 0, 0, 0, 0, 10], "二、上年结转政府信息公开申请数量": [1, 0, 0, 0, 0, 0, 1],
            "(一)予以公开": [11, 0, 0, 0, 0, 0, 11], "7.属于行政执法案卷": [0] * 7, "8.属于行政查询事项": [0] * 7,
            "(七)总计": [11, 0, 0, 0, 0, 0, 11]}
    path = tmp_path / "identities.txt"
    path.write_text(_table3_text(rows), encoding="utf-8")
    cells = _cells(extract(read_document(path)))
    granted = [cells[("t3", "granted", c)] for c in ("natural_person", "commercial", "total")]
    assert [c.value for c in granted] == [11, 0, 11] and all(c.derived for c in granted)


def test_an_identity_the_report_breaks_leaves_the_row_unread(tmp_path):
    rows = {"一、本年新收政府信息公开申请数量": [11, 0, 0, 0, 0, 0, 11], "(一)予以公开": [11, 0, 0, 0, 0, 0, 11],
            "(七)总计": [13, 0, 0, 0, 0, 0, 13]}
    path = tmp_path / "broken.txt"
    path.write_text(_table3_text(rows), encoding="utf-8")
    r = extract(read_document(path))
    granted = [c for c in r.cells if c.table == "t3" and c.row == "granted"]
    assert all(c.raw is None for c in granted)
    assert any("（一）予以公开" in p and "无法唯一拆分" in p for p in r.problems)


def _brute(digits: str, parts: int, group: int) -> list[list[str]]:
    from itertools import combinations

    out = []
    for cuts in combinations(range(1, len(digits)), parts - 1):
        bounds = (0, *cuts, len(digits))
        nums = [digits[a:b] for a, b in zip(bounds, bounds[1:])]
        if any(len(x) > 1 and x[0] == "0" for x in nums):
            continue
        if all(sum(map(int, nums[g:g + group - 1])) == int(nums[g + group - 1]) for g in range(0, parts, group)):
            out.append(nums)
    return out


def test_split_runs_finds_exactly_the_splits_that_add_up():
    """The search prunes (a group's total is the sum of its numbers, and must fit in the digits
    left): it finds the same splits as trying every cut."""
    import random

    rng = random.Random(11)
    for _ in range(300):
        parts, group = rng.choice([(7, 7), (10, 5), (4, 4)])
        nums = []
        for _ in range(parts // group):
            six = [rng.choice([0, 0, 1, 2, 3, 12, 40, 7]) for _ in range(group - 1)]
            nums += [*six, sum(six)]
        digits = "".join(map(str, nums))
        if rng.random() < 0.3:
            digits = digits[:-1] + str((int(digits[-1]) + 1) % 10)
        want = sorted(_brute(digits, parts, group))
        assert sorted(split_runs([digits], parts, True, limit=1000, group=group)) == want, digits


def test_table4_labelled_rows_run_together():
    """Table 4 written as labelled rows whose numbers ran together: each group splits alone (five
    numbers ending with their total); one digit a cell is read exactly, an ambiguous group leaves
    table 4 unread."""
    from auditor.extract.tables import parse_t4
    from auditor.extract.tokens import tokens_from

    head = "信息内容 结果维持 结果纠正 其他结果 尚未审结 总计 "
    r = parse_t4(tokens_from([head + "行政复议01102未经复议直接起诉10001复议后起诉00000"]))
    got = {(c.row, c.col): (c.value, c.derived) for c in r.cells}
    assert [got[("review", c)] for c in ("upheld", "corrected", "other", "pending", "total")] == \
        [(0, False), (1, False), (1, False), (0, False), (2, False)]
    assert got[("litigation_direct", "upheld")] == (1, False) and r.problems == []
    r = parse_t4(tokens_from([head + "行政复议0120012未经复议直接起诉10001复议后起诉00000"]))
    assert {(c.row, c.col): c.value for c in r.cells}[("review", "corrected")] == 12
    assert all(c.derived for c in r.cells if c.row == "review")
    r = parse_t4(tokens_from([head + "行政复议0110213未经复议直接起诉10001复议后起诉00000"]))   # 0|11|0|2|13 or 0|1|10|2|13
    assert all(c.raw is None for c in r.cells)


def test_one_digit_a_cell_with_a_matching_total_cannot_hide_a_dropped_blank():
    """Why a row such as '1000001' is read exactly, not derived: had the page dropped a blank cell,
    some cell would have two digits, and no such reading (with the 总计 cell filled) adds up."""
    from itertools import combinations, product

    from auditor.extract.tables import _forced

    def readings(s: str, k: int):
        for cuts in combinations(range(1, len(s)), k - 1):
            b = (0, *cuts, len(s))
            nums = [s[x:y] for x, y in zip(b, b[1:])]
            if all(len(n) == 1 or n[0] != "0" for n in nums):
                yield nums

    checked = 0
    for six in product(range(4), repeat=6):
        if sum(six) > 9:
            continue
        s = "".join(map(str, six)) + str(sum(six))
        assert split_runs([s], 7, True, limit=5) == [list(s)] and _forced([s], 7, True)
        for k in range(2, 7):      # k numbers in the row, 7 - k blank cells before the total
            assert not any(sum(map(int, n[:-1])) == int(n[-1]) for n in readings(s, k)), s
        checked += 1
    assert checked > 1000
