"""Property-based tests (hypothesis): readers never crash, table identities hold exactly when they should.

Settings: derandomized (the same examples every run, so CI is reproducible) and no example
database (nothing is written into the work tree). Known failing inputs are pinned with
@example and the test is marked xfail(strict=True) with the bug described; a companion test
keeps the property live on the inputs that do not hit the bug.
"""
from __future__ import annotations

import atexit
import codecs
import copy
import random
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from auditor.catalog import col_label, cols_for, row_label, rows_for
from auditor.extract import extract
from auditor.ingest import ReadError, read_document
from auditor.ingest.text import read_text
from auditor.model import Report

from .conftest import RULES, ZIBO

FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                       HealthCheck.function_scoped_fixture])

CJK = re.compile(r"[\u4e00-\u9fff]")
BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]
SUFFIXES = [".txt", ".md", ".html"]

_TMP = Path(tempfile.mkdtemp(prefix="auditor-props-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _read_and_extract(data: bytes, suffix: str) -> None:
    """read_document + extract on `data`; only ReadError (with a Chinese message) may escape."""
    path = _TMP / f"doc{suffix}"
    path.write_bytes(data)
    try:
        doc = read_document(path)
    except ReadError as exc:
        assert CJK.search(str(exc)), f"ReadError message is not Chinese: {exc!r}"
        return
    report = extract(doc)
    assert report.status in ("complete", "partial", "failed")
    report.as_json()


# ------------------------------------------------------------------ readers never crash

def _sample_bytes() -> bytes:
    return ZIBO.read_bytes()


# Bytes that look a bit like reports: fragments of the sample mixed with noise.
report_like = st.lists(
    st.one_of(
        st.binary(max_size=64),
        st.sampled_from([l.encode("utf-8") for l in _sample_bytes().decode("utf-8").splitlines() if l.strip()]),
        st.sampled_from([b"<table><tr><td>", b"</td><td>", b"</tr></table>", b"<p>", b"</p>", b"<br>",
                         b"<td rowspan=\"0\" colspan=\"99999999\">", b"<meta charset=\"gbk\">", b"| a | b |",
                         b"|---|---|", b"\x00", b"\r\n", "（七）总计".encode("gbk")]),
    ),
    max_size=40,
).map(lambda parts: b"\n".join(parts))


@FAST
@given(data=st.one_of(st.binary(max_size=2048), report_like), suffix=st.sampled_from(SUFFIXES))
def test_readers_never_crash_on_bytes_without_bom(data, suffix):
    """Arbitrary bytes (not starting with a BOM) → a Document or ReadError, never another exception."""
    if any(data.startswith(b) for b in BOMS):
        data = b"x" + data
    _read_and_extract(data, suffix)


@FAST
@example(data=codecs.BOM_UTF16_LE + b"abc", suffix=".txt")
@example(data=codecs.BOM_UTF8 + "中文".encode("gbk"), suffix=".md")
@example(data=codecs.BOM_UTF8 + "中文".encode("gbk"), suffix=".html")
@given(data=st.tuples(st.sampled_from(BOMS), st.binary(max_size=512)).map(lambda t: t[0] + t[1]),
       suffix=st.sampled_from(SUFFIXES))
def test_readers_never_crash_on_bom_prefixed_bytes(data, suffix):
    _read_and_extract(data, suffix)


@FAST
@given(text=st.text(max_size=3000), suffix=st.sampled_from(SUFFIXES),
       encoding=st.sampled_from(["utf-8", "utf-16", "gb18030"]))
def test_readers_never_crash_on_any_text(text, suffix, encoding):
    """Any Unicode text, saved in any supported encoding, reads or is refused cleanly."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates cannot be saved in any encoding
        data = text.encode("utf-8", "replace")
    _read_and_extract(data, suffix)


_SAMPLE_LINES = ZIBO.read_text(encoding="utf-8").split("\n")


@FAST
@given(st.lists(st.one_of(st.sampled_from(_SAMPLE_LINES), st.text(max_size=20),
                          st.integers(-5, 10 ** 12).map(str)), max_size=400))
def test_extract_never_crashes_on_shuffled_report_lines(lines):
    """Lines of a real report (headings, labels, numbers) in any order and mixed with noise."""
    report = extract(read_text("shuffled.txt", "\n".join(lines), "utf-8"))
    data = report.as_json()
    assert set(data) == {"file", "template", "meta", "sections", "tables", "cells", "extraction"}
    for cell in data["cells"]:
        assert cell["value"] is None or isinstance(cell["value"], (int, float))


@lru_cache(maxsize=1)
def _real_binaries() -> dict[str, bytes]:
    """A DOCX and a PDF rendering of the sample report (tests/variants.py via tests/hostile.py)."""
    from . import hostile as H

    folder = Path(tempfile.mkdtemp(dir=_TMP))
    return {".docx": H._docx_bytes(folder), ".pdf": H._pdf_bytes(folder)}


_EDIT = st.tuples(st.sampled_from(["set", "delete", "insert"]), st.floats(0, 1, exclude_max=True),
                  st.binary(min_size=1, max_size=20))


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from([".docx", ".pdf"]), edits=st.lists(_EDIT, min_size=1, max_size=8))
def test_damaged_docx_and_pdf_never_crash_the_readers(suffix, edits):
    """A real DOCX / PDF with a few bytes overwritten, deleted or inserted: Document or ReadError."""
    import time

    data = bytearray(_real_binaries()[suffix])
    for op, where, chunk in edits:
        pos = int(where * len(data))
        if op == "set":
            data[pos:pos + len(chunk)] = chunk
        elif op == "delete":
            del data[pos:pos + len(chunk) * 3]
        else:
            data[pos:pos] = chunk
    t0 = time.monotonic()
    _read_and_extract(bytes(data), suffix)
    assert time.monotonic() - t0 < 10


# ------------------------------------------------------------------ table identities

T3_ROWS = rows_for("t3", "2021")
T3_COLS = cols_for("t3")                    # six applicant columns, then total
T3_DETAIL = T3_ROWS[T3_ROWS.index("granted"):T3_ROWS.index("total_processed")]
T4_GROUPS = rows_for("t4", "2021")
T4_COLS = cols_for("t4")
IDENTITY_RULES = {"T3-A1", "T3-A2", "T3-A3", "T4-A4"}


def _balanced(rnd) -> dict[tuple[str, str, str], int]:
    """A random table 3 and table 4 on which T3-A1/A2/A3 and T4-A4 all hold.

    Detail cells are mostly 0 (as in real reports) or up to 30; the 总计 row and column and the
    carried-over / newly-received split are computed so that every identity holds."""
    def small() -> int:
        return 0 if rnd.random() < 0.5 else rnd.randint(0, 30)

    t3: dict[tuple[str, str], int] = {}
    for c in T3_COLS[:-1]:
        for r in T3_DETAIL:
            t3[(r, c)] = small()
        t3[("total_processed", c)] = sum(t3[(r, c)] for r in T3_DETAIL)
        t3[("carried_forward", c)] = small()
        room = t3[("total_processed", c)] + t3[("carried_forward", c)]
        t3[("carried_over", c)] = rnd.randint(0, room)
        t3[("new_received", c)] = room - t3[("carried_over", c)]
    for r in T3_ROWS:
        t3[(r, "total")] = sum(t3[(r, c)] for c in T3_COLS[:-1])
    t4: dict[tuple[str, str], int] = {}
    for g in T4_GROUPS:
        for c in T4_COLS[:-1]:
            t4[(g, c)] = small()
        t4[(g, "total")] = sum(t4[(g, c)] for c in T4_COLS[:-1])
    out = {("t3", r, c): v for (r, c), v in t3.items()}
    out.update({("t4", g, c): v for (g, c), v in t4.items()})
    return out


def balanced_tables():
    # One hypothesis draw per table (the seed of a Random): 50 tables × 190 cells would overflow
    # hypothesis's buffer if every cell were its own draw.
    return st.integers(0, 2 ** 32 - 1).map(lambda seed: _balanced(random.Random(seed)))


ALL_CELLS = [("t3", r, c) for r in T3_ROWS for c in T3_COLS] + [("t4", g, c) for g in T4_GROUPS for c in T4_COLS]


@lru_cache(maxsize=1)
def _base_report() -> Report:
    report = extract(read_document(ZIBO))
    assert report.status == "complete" and report.template == "2021"
    keys = {(c.table, c.row, c.col) for c in report.cells}
    assert set(ALL_CELLS) <= keys
    return report


@lru_cache(maxsize=1)
def _packs():
    from auditor.rules.loader import load_packs

    return load_packs(RULES)


def _report(name: str, values: dict[tuple[str, str, str], int]) -> Report:
    report = copy.deepcopy(_base_report())
    report.file = name
    report.meta["agency"] = f"属性测试单位{name}"   # one agency per report: no cross-report rules
    for cell in report.cells:
        key = (cell.table, cell.row, cell.col)
        if key in values:
            cell.raw, cell.value, cell.derived = str(values[key]), values[key], False
    return report


def _audit(reports: list[Report]):
    from auditor.verdicts import audit

    return audit(reports, _packs()).findings


def _identity(findings):
    return findings[findings["rule_id"].isin(IDENTITY_RULES)]


def _names_cell(location: str, cell: tuple[str, str, str]) -> bool:
    table, row, col = cell
    short = {"t3": "表三", "t4": "表四"}[table]
    return location.startswith(short) and (f"「{row_label(table, row)}」" in location
                                           or f"「{col_label(table, col)}」" in location)


@SLOW
@given(st.data())
def test_balanced_tables_pass_and_any_single_change_is_caught(data):
    """50 balanced tables pass every identity; the same tables with ONE cell moved by ±k each
    get a compliance identity finding whose location names that cell's row or column."""
    tables = data.draw(st.lists(balanced_tables(), min_size=50, max_size=50), label="tables")
    changes = []
    reports = []
    for i, values in enumerate(tables):
        reports.append(_report(f"ok-{i}", values))
        cell = data.draw(st.sampled_from(ALL_CELLS), label=f"cell {i}")
        k = data.draw(st.integers(1, 40), label=f"k {i}")
        sign = data.draw(st.sampled_from([1, -1]), label=f"sign {i}")
        if values[cell] - k < 0:
            sign = 1   # negative counts are NUM-COUNT's business; keep identities about sums
        changed = dict(values)
        changed[cell] = values[cell] + sign * k
        changes.append((cell, sign * k))
        reports.append(_report(f"bad-{i}", changed))
    findings = _identity(_audit(reports))
    ok = findings[findings["file"].str.startswith("ok-")]
    assert ok.empty, ok[["file", "rule_id", "location", "message"]].to_string()
    for i, (cell, delta) in enumerate(changes):
        mine = findings[findings["file"] == f"bad-{i}"]
        assert len(mine), f"no identity finding after changing {cell} by {delta}"
        assert (mine["category"] == "compliance").all(), mine[["rule_id", "category", "message"]].to_string()
        assert any(_names_cell(loc, cell) for loc in mine["location"]), \
            f"{cell} changed by {delta}; locations: {list(mine['location'])}"


@SLOW
@given(st.data())
def test_negative_counts_still_break_the_identity(data):
    """A cell pushed below zero is both a NUM-COUNT error and an identity finding (the sum moved)."""
    tables = data.draw(st.lists(balanced_tables(), min_size=20, max_size=20), label="tables")
    reports, changes = [], []
    for i, values in enumerate(tables):
        cell = data.draw(st.sampled_from(ALL_CELLS), label=f"cell {i}")
        changed = dict(values)
        changed[cell] = -(values[cell] + data.draw(st.integers(1, 9), label=f"k {i}"))
        changes.append(cell)
        reports.append(_report(f"neg-{i}", changed))
    findings = _audit(reports)
    for i, cell in enumerate(changes):
        mine = findings[findings["file"] == f"neg-{i}"]
        ident = _identity(mine)
        assert any(_names_cell(loc, cell) for loc in ident["location"]), (cell, list(ident["location"]))
        assert "NUM-COUNT" in set(mine["rule_id"])


# --- the same through the text: values written into the sample report, read back by extraction

_LINES = ZIBO.read_text(encoding="utf-8").split("\n")
_NUMERIC = re.compile(r"\s*\d+\s*")


def _number_lines(start: str, stop: str, count: int) -> list[int]:
    s = next(i for i, line in enumerate(_LINES) if line.startswith(start))
    e = next(i for i, line in enumerate(_LINES) if line.startswith(stop))
    found = [i for i in range(s, e) if _NUMERIC.fullmatch(_LINES[i])]
    assert len(found) == count, (start, len(found))
    return found


# Table 3 is printed row by row (25 rows × 7 columns), table 4 group by group (3 × 5).
_T3_LINES = _number_lines("一、本年新收", "四、政府信息公开行政复议", 175)
_T4_LINES = _number_lines("四、政府信息公开行政复议", "五、", 15)
_LINE_OF = dict(zip([("t3", r, c) for r in T3_ROWS for c in T3_COLS], _T3_LINES))
_LINE_OF.update(zip([("t4", g, c) for g in T4_GROUPS for c in T4_COLS], _T4_LINES))


def _text_with(values: dict[tuple[str, str, str], int]) -> str:
    lines = list(_LINES)
    for cell, line in _LINE_OF.items():
        lines[line] = str(values[cell])
    return "\n".join(lines)


@SLOW
@given(st.data())
def test_tables_written_into_the_sample_text_round_trip(data):
    """Random balanced tables typed into the sample report are extracted exactly and pass;
    one cell changed in the text is caught, naming its row or column."""
    tables = data.draw(st.lists(balanced_tables(), min_size=15, max_size=15), label="tables")
    reports, changes = [], []
    for i, values in enumerate(tables):
        report = extract(read_text(f"text-ok-{i}.txt", _text_with(values), "utf-8"))
        got = {(c.table, c.row, c.col): c.value for c in report.cells if (c.table, c.row, c.col) in values}
        assert got == values
        report.meta["agency"] = f"文本测试单位{i}"
        reports.append(report)
        cell = data.draw(st.sampled_from(ALL_CELLS), label=f"cell {i}")
        changed = dict(values)
        changed[cell] = values[cell] + data.draw(st.integers(1, 99), label=f"k {i}")
        bad = extract(read_text(f"text-bad-{i}.txt", _text_with(changed), "utf-8"))
        bad.meta["agency"] = f"文本测试单位坏{i}"
        reports.append(bad)
        changes.append(cell)
    findings = _identity(_audit(reports))
    ok = findings[findings["file"].str.startswith("text-ok-")]
    assert ok.empty, ok[["file", "rule_id", "location", "message"]].to_string()
    for i, cell in enumerate(changes):
        mine = findings[findings["file"] == f"text-bad-{i}.txt"]
        assert (mine["category"] == "compliance").all() and len(mine), (cell, mine.to_string())
        assert any(_names_cell(loc, cell) for loc in mine["location"]), (cell, list(mine["location"]))


# ------------------------------------------------------------------ outputs never hold a live formula

_DANGEROUS = st.sampled_from(["=", "+", "-", "@", " =", "\t", "\r", "\n=", "\u3000=", "\x0b+", "'", "",
                              "=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"])
_CELL_TEXT = st.tuples(_DANGEROUS, st.text(max_size=30)).map(lambda t: t[0] + t[1])
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(_CELL_TEXT, _CELL_TEXT, _CELL_TEXT, _CELL_TEXT), min_size=1, max_size=6))
def test_csv_and_xlsx_never_hold_a_live_formula(rows):
    """Whatever text the agency, file, location and message hold, no CSV or XLSX cell can run."""
    import csv

    import openpyxl
    import pandas as pd

    from auditor.outputs import write_outputs
    from auditor.outputs.tables import FINDING_COLUMNS, REPORT_COLUMNS

    findings = pd.DataFrame([{
        "file": file, "agency": agency, "year": 2023, "rule_id": "T3-A1", "rule_kind": "identity",
        "title": "标题", "severity": "error", "category": "compliance", "location": location,
        "message": message, "basis": "依据", "values": {"k": message}, "fingerprint": f"f{i}"}
        for i, (agency, file, location, message) in enumerate(rows)], columns=FINDING_COLUMNS)
    reports = pd.DataFrame([{
        "file": file, "agency": agency, "year": 2023, "template": "2021", "published": None,
        "status": "partial", "problems": [message], "n_error": 1, "n_warning": 0, "n_info": 0,
        "n_extraction": 0} for agency, file, _, message in rows], columns=REPORT_COLUMNS)
    out = Path(tempfile.mkdtemp(dir=_TMP))
    jsonl, csv_path, xlsx = write_outputs(out, findings, reports)[:3]     # then the workbook's dated twin
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                assert not cell.lstrip().startswith(_FORMULA_START), repr(cell)
    wb = openpyxl.load_workbook(xlsx)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.lstrip().startswith(_FORMULA_START), (ws.title, repr(c.value))
