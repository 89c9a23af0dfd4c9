"""`auditor extract` without --json prints tables 2–4 as grids with the format's Chinese labels:
each value under its column and beside its row, derived and unread cells marked, aligned by display
width; what --json says of the same report is the reference."""
from __future__ import annotations

import json

from auditor.catalog import T3_COLS, T4_COLS, T4_GROUPS, row_label, rows_for
from auditor.cli.width import display_width
from auditor.evidence.terminal import LABEL_WIDTH, LEGEND

from .conftest import SAMPLES, ZIBO
from .run_cli import in_process

PINGTAN = SAMPLES / "pingtan-2022.txt"


def _both(path) -> tuple[list[str], dict]:
    shown = in_process("extract", path)
    data = in_process("extract", "--json", path)
    assert shown.returncode == data.returncode == 0
    return shown.stdout.decode("utf-8").splitlines(), json.loads(data.stdout)


def _block(lines: list[str], title: str) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    return lines[start:end]


def _row(block: list[str], label: str) -> list[str]:
    """The values printed on the line of `label` (the label may wrap: its first LABEL_WIDTH columns)."""
    for line in block:
        cut, width = 0, 0
        while cut < len(line) and width + display_width(line[cut]) <= LABEL_WIDTH:
            width += display_width(line[cut])
            cut += 1
        if label.startswith(line[:cut].strip()) and line[:cut].strip() and line[cut:].strip():
            return line[cut:].split()
    raise AssertionError(f"{label} 不在表格中")


def _shown(cell: dict | None) -> str:
    if cell is None or cell["raw"] is None:
        return "?"
    value = cell["value"]
    text = str(int(value)) if float(value).is_integer() else str(value)
    return text + ("*" if cell["derived"] else "")


def _cells(data: dict, table: str) -> dict[tuple[str, str], dict]:
    return {(c["row"], c["col"]): c for c in data["cells"] if c["table"] == table}


def test_table_3_and_4_values_stand_at_their_labels() -> None:
    lines, data = _both(ZIBO)
    assert not any(line.startswith("表格单元格：") for line in lines)
    t3, t4 = _block(lines, "表三"), _block(lines, "表四")
    header = " ".join(t3[1:4])
    assert all(c.label[:2] in header for c in T3_COLS)
    cells = _cells(data, "t3")
    for row in rows_for("t3", data["template"]):
        assert _row(t3, row_label("t3", row)) == [_shown(cells.get((row, c.key))) for c in T3_COLS], row
    cells = _cells(data, "t4")
    for group in T4_GROUPS:
        assert _row(t4, group.label) == [_shown(cells.get((group.key, c.key))) for c in T4_COLS]
    assert lines[-1] == LEGEND


def test_derived_and_unread_cells_are_marked() -> None:
    lines, data = _both(PINGTAN)
    derived = [c for c in data["cells"] if c["table"] == "t3" and c["derived"]]
    assert derived                             # the report has numbers run together, read by inference
    t3 = _block(lines, "表三")
    for c in derived:
        assert _row(t3, row_label("t3", c["row"]))[[k.key for k in T3_COLS].index(c["col"])].endswith("*")
    # table 2's 行政规范性文件 row has digits run together: not read, shown as unread
    t2 = _block(lines, "表二")
    assert _row(t2, "第二十条第（一）项「行政规范性文件」") == ["?", "?", "?"]


def test_columns_line_up_by_display_width() -> None:
    lines, _ = _both(ZIBO)
    t4 = _block(lines, "表四")
    ends = {display_width(line) for line in t4[2:]}
    assert len(ends) == 1                        # the labels' last line and every row end at 总计
    assert t4[2].rstrip().endswith("计")
