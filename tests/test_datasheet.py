"""The 数据 sheet: one row per report, one column per table cell, in the format's order."""
from __future__ import annotations

import copy

import pytest

from auditor.datasheet import META_COLUMNS, column_catalog, data_frame
from auditor.extract import extract
from auditor.ingest import read_document
from auditor.model import Cell, Report

from .conftest import ZIBO
from .test_template_2019 import to_2019

T2_LICENSING = "表二·行政许可·本年处理决定数量"
T2_FEES = "表二·行政事业性收费·本年收费金额（单位：万元）"
T3_NEW = "表三·一、本年新收政府信息公开申请数量·自然人"
T3_TOTAL = "表三·（七）总计·总计"
T3_OTHER_2021 = "表三·（六）其他处理 3.其他·总计"
T3_OTHER_2019 = "表三·（六）其他处理·总计"
T4_UPHELD = "表四·行政复议·结果维持"
T2_2019_LICENSING = "表二（2019版）·行政许可·处理决定数量"
T2_2019_CHANGE = "表二（2019版）·行政许可·本年增/减"
T2_2019_AMOUNT = "表二（2019版）·政府集中采购·采购总金额"


def _set(report: Report, table: str, row: str, col: str, **changes: object) -> None:
    cell = next(c for c in report.cells if (c.table, c.row, c.col) == (table, row, col))
    for name, value in changes.items():
        setattr(cell, name, value)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Report]:
    zibo = extract(read_document(ZIBO))
    changed = copy.deepcopy(zibo)
    changed.file = "changed.txt"
    _set(changed, "t3", "new_received", "natural_person", raw="7", value=7)
    _set(changed, "t4", "review", "upheld", raw="2", value=2, derived=True)   # derived still shows its value
    _set(changed, "t2", "admin_fees", "amount_10k_yuan", raw=None, value=None)  # unread → blank
    path = tmp_path_factory.mktemp("ds") / "report-2019.txt"
    path.write_text(to_2019(ZIBO.read_text(encoding="utf-8")), encoding="utf-8")
    old = extract(read_document(path))
    assert old.template == "2019"
    return [zibo, changed, old]


@pytest.fixture(scope="module")
def frame(reports):
    return data_frame(reports)


def test_columns_in_catalog_order(frame):
    cols = list(frame.columns)
    assert cols[:5] == META_COLUMNS
    assert cols[5:8] == ["表二·规章·本年制发件数", "表二·规章·本年废止件数", "表二·规章·现行有效件数"]
    assert cols.index(T2_FEES) < cols.index(T3_NEW) < cols.index(T4_UPHELD) < cols.index(T2_2019_LICENSING)
    assert cols.index(T2_2019_AMOUNT) < cols.index(T3_OTHER_2019)
    assert len(cols) == 5 + len(column_catalog()) == 5 + 10 + 25 * 7 + 3 * 5 + 22 + 7


def test_meta_columns(frame):
    assert frame[META_COLUMNS].values.tolist() == [
        [str(ZIBO), "淄博市公安局高新区分局", 2022, "2021版", "完整"],
        ["changed.txt", "淄博市公安局高新区分局", 2022, "2021版", "完整"],
        [frame["文件"][2], "淄博市公安局高新区分局", 2022, "2019版", "完整"],
    ]


def test_values_per_report(frame):
    assert frame[T2_LICENSING].tolist() == [12258, 12258, None]
    assert frame[T2_FEES].tolist() == [57.8374, None, None]
    assert frame[T3_NEW].tolist() == [4, 7, 4]
    assert frame[T3_TOTAL].tolist() == [4, 4, 4]
    assert frame[T4_UPHELD].tolist() == [0, 2, 0]
    # ints stay Python ints (the workbook writer only writes int/float as numbers)
    assert type(frame[T2_LICENSING][0]) is int and type(frame[T2_FEES][0]) is float


def test_2019_report_fills_its_own_columns(frame):
    assert frame[T2_2019_LICENSING].tolist() == [None, None, 12258]
    assert frame[T2_2019_CHANGE].tolist() == [None, None, -2]
    assert frame[T2_2019_AMOUNT].tolist() == [None, None, 251000]
    assert frame["表二（2019版）·规范性文件·对外公开总数量"].tolist() == [None, None, 5]
    assert frame[T3_OTHER_2019].tolist() == [None, None, 0]
    assert frame[T3_OTHER_2021].tolist() == [0, 0, None]
    t2_2021 = [c for c in frame.columns if c.startswith("表二·")]
    assert len(t2_2021) == 10 and frame.loc[2, t2_2021].isna().all()


def test_empty_and_unknown_keys():
    empty = data_frame([])
    assert empty.empty and list(empty.columns[:5]) == META_COLUMNS
    odd = Report(file="odd.txt", cells=[Cell("t3", "new_received", "total", "3", 3),
                                         Cell("t9", "x", "y", "1", 1)])
    got = data_frame([odd])
    assert got[META_COLUMNS].values.tolist() == [["odd.txt", None, None, "未识别", "完整"]]
    assert got["表三·一、本年新收政府信息公开申请数量·总计"].tolist() == [3]
    assert got.columns[-1] == "t9·x·y（未列入格式）" and got.iloc[0, -1] == 1
    assert got[T3_NEW].tolist() == [None]


def test_duplicate_cell_keeps_last():
    rep = Report(file="dup.txt", cells=[Cell("t4", "review", "upheld", "1", 1), Cell("t4", "review", "upheld", "5", 5)])
    assert data_frame([rep])[T4_UPHELD].tolist() == [5]


def test_large_batches_point_to_data_csv(reports, monkeypatch) -> None:
    import auditor.datasheet as datasheet

    assert datasheet.sheet_or_note(reports).equals(data_frame(reports))
    monkeypatch.setattr(datasheet, "SHEET_MAX_REPORTS", len(reports) - 1)
    note = datasheet.sheet_or_note(reports)
    assert list(note.columns) == ["说明"] and f"本次共 {len(reports)} 份报告" in note.iloc[0, 0]
    assert "data.csv" in note.iloc[0, 0]
