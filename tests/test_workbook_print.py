"""summary.xlsx as a printed and filtered document: links to files beside it, print settings on every
sheet, dates as dates, 数值 as readable text, the dated copy and the technical files' folder."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor.outputs.links import Link
from auditor.outputs.xlsx import write_sheet, _Formats
import xlsxwriter


def _one_sheet(tmp_path: Path, frame: pd.DataFrame) -> openpyxl.worksheet.worksheet.Worksheet:
    path = tmp_path / "t.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    write_sheet(workbook, _Formats(workbook), "总览", frame)
    workbook.close()
    return openpyxl.load_workbook(path)["总览"]


def test_a_link_cell_opens_a_relative_file_and_shows_its_text(tmp_path: Path) -> None:
    targets = ["核查页/某 区#1 报告-1a2b3c4d.html", "核查页/=cmd-00000000.html"]
    frame = pd.DataFrame({"单位": ["甲", "乙", "丙"],
                          "核查页": [Link("查看", targets[0]), Link("=HYPERLINK(1)", targets[1]), None]})
    ws = _one_sheet(tmp_path, frame)
    first, second, blank = ws["B2"], ws["B3"], ws["B4"]
    assert first.value == "查看" and first.hyperlink is not None
    assert first.hyperlink.target.replace("\\", "/") == "核查页/某%20区%231%20报告-1a2b3c4d.html"
    assert not first.hyperlink.location          # "#" is part of the file name, not an anchor
    assert second.value == "'=HYPERLINK(1)" and second.data_type == "s"     # escaped text, no formula
    assert blank.value is None and blank.hyperlink is None


@pytest.mark.parametrize("target", ["", "/etc/passwd", "C:\\x.html", "http://example.com/a"])
def test_a_link_is_to_a_relative_file_only(target: str) -> None:
    with pytest.raises(ValueError):
        Link("看", target)


def test_a_link_reads_as_its_text_where_it_cannot_be_a_link() -> None:
    assert str(Link("查看", "核查页/a.html")) == "查看"
