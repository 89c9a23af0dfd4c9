"""Row labels printed apart from their numbers are never given another row's numbers.

shanghai-stcsm-2024.md (a PDF converted to text) prints several table-3 labels stacked above a
block of numbers, and a stray '1' above a row of seven zeros. The hand-read key gives, in document
order, 内部事务 1, 不掌握 4, 逾期不补正 8/2/10, 逾期未缴费 0: a reader may leave those rows unread,
but never give a row a value from its neighbour."""
from __future__ import annotations

import re

import pytest

from auditor.extract import extract
from auditor.ingest import read_document

from .conftest import SAMPLES

SHANGHAI = SAMPLES / "shanghai-stcsm-2024.md"
KEY = {   # row → the seven values the hand-read key gives (notes of keys.yaml)
    "denied_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "unable_not_held": [4, 0, 0, 0, 0, 0, 4],
    "other_no_correction": [8, 2, 0, 0, 0, 0, 10],
    "other_fee_unpaid": [0, 0, 0, 0, 0, 0, 0],
    "granted": [9, 0, 0, 0, 0, 0, 9],
    "other_other": [4, 0, 0, 0, 0, 0, 4],
}


def _plain(text: str) -> str:
    """The markdown tables as pdftotext gives them: cells separated by spaces, no pipes."""
    out = []
    for line in text.splitlines():
        if re.fullmatch(r"\|?(?:-+\|)+-*\|?", line.strip()):
            continue
        if line.startswith("|"):
            line = " ".join(c.strip() for c in line.strip("|").split("|") if c.strip())
        out.append(line)
    return "\n".join(out)


@pytest.fixture(scope="module", params=["markdown", "plain"])
def report(request, tmp_path_factory):
    if request.param == "markdown":
        return extract(read_document(SHANGHAI))
    path = tmp_path_factory.mktemp("stacked") / "shanghai-plain.txt"
    path.write_text(_plain(SHANGHAI.read_text(encoding="utf-8")), encoding="utf-8")
    return extract(read_document(path))


def test_no_row_takes_a_neighbours_numbers(report):
    for row, values in KEY.items():
        cells = [c for c in report.cells if c.table == "t3" and c.row == row]
        read = [c.value for c in cells]
        assert read == values or all(c.raw is None for c in cells), (row, read)


def test_rows_left_unread_are_present_not_missing(report):
    """A stacked label was seen: its row is unread (derived), never 'not found'."""
    for row in ("denied_internal_affairs", "unable_not_held"):
        cells = [c for c in report.cells if c.table == "t3" and c.row == row]
        assert all(c.raw is None and c.derived for c in cells), row


def test_stray_number_above_a_row_leaves_it_unread(tmp_path):
    lines = ["三、收到和处理政府信息公开申请情况", "（七）总计 1 0 0 0 0 0 1",
             "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
             "1", "0 0 0 0 0 0 0", "3.其他 1 0 0 0 0 0 1"]
    path = tmp_path / "stray.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = extract(read_document(path))
    cells = [c for c in report.cells if c.table == "t3" and c.row == "other_fee_unpaid"]
    assert all(c.raw is None for c in cells), [c.raw for c in cells]
    assert [c.value for c in report.cells if c.table == "t3" and c.row == "other_other"] == [1, 0, 0, 0, 0, 0, 1]
