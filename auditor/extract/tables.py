"""Map table cells to fixed keys by their row and column labels.

The parsers read a token stream (see tokens.py). A row label starts a row; the values after it
fill the columns in the order the header gives. A row that does not yield exactly the expected
number of values is never shifted into place: its cells are marked unreadable and a problem is
recorded, so no rule can accuse the agency on the strength of our guess.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

from ..catalog import (T2_ROWS_2019, T2_ROWS_2021, T3_COLS, T3_GROUP_HEADERS, T3_ROWS_2019, T3_ROWS_2021, T4_COLS,
                       T4_GROUPS, Label, normalize_label, normalize_text)
from ..model import Cell
from .numbers import is_blank_mark, is_value, parse_number
from .tokens import Token

MAX_LABEL_LEN = 80


@dataclass
class TableResult:
    cells: list[Cell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    found: bool = False
    template_hint: str | None = None


def _cell(table: str, row: str, col: str, raw: str | None) -> Cell:
    value = parse_number(raw) if raw is not None else None
    return Cell(table, row, col, raw, value)


def _read_cells(table: str, row: str, cols: list[str], raws: list[str]) -> list[Cell]:
    """A row's values under its columns (the hot path: one call per row, not per cell)."""
    return [Cell(table, row, col, raw, parse_number(raw)) for col, raw in zip(cols, raws)]


def _unread_cells(table: str, row: str, cols: list[str]) -> list[Cell]:
    return [Cell(table, row, col, None, None) for col in cols]


_SENTENCE = re.compile(r"[。；]")


@lru_cache(maxsize=1 << 16)
def _classify(text: str) -> tuple[bool, str | None]:
    """(is the text a cell value, its normalised form if it can be a row label, else None).

    Decided once per distinct text: the same numbers and labels recur in every report."""
    if is_value(text):
        return True, None
    if text and len(text) <= MAX_LABEL_LEN and not _SENTENCE.search(text):
        return False, normalize_label(text)
    return False, None


def _label_norm(tok: Token) -> str | None:
    """The normalised text of a token that can be a row label, else None."""
    return None if tok.kind == "row_end" else _classify(tok.text)[1]



@dataclass
class _Row:
    key: str
    label: str
    values: list[str] = field(default_factory=list)
    grid: bool = False
    label_row: int | None = None   # grid row the label stood in (None: a text line)
    inferred: bool = False         # values taken from a grid row that did not hold the label


def _read_rows(tokens: list[Token], labels: list[Label], ncols: dict[str, int],
               group_headers: list[str]) -> tuple[list[_Row], str, list[str]]:
    """Walk the stream; return rows in order, the header text before the first row, problems."""
    rows: list[_Row] = []
    header: list[str] = []
    problems: list[str] = []
    current: _Row | None = None
    groups = tuple(group_headers)
    match = _index(labels)

    def close() -> None:
        nonlocal current
        if current is not None and current.values:
            rows.append(current)
        current = None

    i = 0
    n = len(tokens)
    grid_row = 0
    while i < n:
        tok = tokens[i]
        i += 1
        kind, text = tok.kind, tok.text
        if kind == "row_end":
            grid_row += 1
            if current is not None and current.grid:
                close()
            continue
        value, norm = _classify(text)
        if value and not (kind == "line" and text == ""):
            if current is None:
                continue
            if kind == "cell":
                current.grid = True
                if current.label_row != grid_row:
                    current.inferred = True
            current.values.append(text)
            if not current.grid and len(current.values) >= ncols[current.key]:
                close()
            continue
        if kind == "cell" and not text:
            if current is not None:
                current.grid = True
                if current.label_row != grid_row:
                    current.inferred = True
                current.values.append("")
            continue
        if norm is None:
            continue
        if not rows and (current is None or not current.values):
            header.append(norm)
        label = match[norm]
        if label is None and not _is_group_header(norm, groups):
            # A label broken over two lines: try it joined with the next text token.
            if i < n and (next_norm := _label_norm(tokens[i])) is not None:
                joined = match[norm + next_norm]
                if joined is not None and (current is None or joined.key != current.key):
                    label = joined
                    i += 1
        if label is None:
            # Text between the values of an open row is that row's cell (e.g. '不详'), not a label.
            if current is not None and not current.grid and 0 < len(current.values) < ncols[current.key] \
                    and len(text) <= 6 and i < n and is_value(tokens[i].text):
                current.values.append(text)
            continue
        # A label followed directly by another row label is a group header (2021: （六）其他处理).
        if i < n and (next_norm := _label_norm(tokens[i])) is not None \
                and match[next_norm] not in (None, label):
            continue
        if current is not None and current.key == label.key and not current.values:
            continue
        if current is not None and current.values:
            close()
        elif current is not None:
            current = None
        current = _Row(label.key, label.label, grid=kind == "cell",
                       label_row=grid_row if kind == "cell" else None)
    close()
    return rows, "".join(header), problems


class _LabelIndex(dict):
    """Normalised text → first label whose pattern fits (or None), decided on first sight: the
    same labels recur in every report, and a dict lookup is far cheaper than the patterns."""

    def __init__(self, labels: list[Label]) -> None:
        super().__init__()
        self.labels = labels      # kept alive, so its id cannot be reused by another list

    def __missing__(self, norm: str) -> Label | None:
        if len(self) > 200_000:
            self.clear()
        hit = self[norm] = next((lab for lab in self.labels if lab.matches(norm)), None)
        return hit


_INDEXES: dict[int, _LabelIndex] = {}


def _index(labels: list[Label]) -> _LabelIndex:
    index = _INDEXES.get(id(labels))
    if index is None:
        index = _INDEXES[id(labels)] = _LabelIndex(labels)
    return index


def _match(norm: str, labels: list[Label]) -> Label | None:
    """First label whose pattern fits."""
    return _index(labels)[norm]


@lru_cache(maxsize=1 << 14)
def _is_group_header(norm: str, patterns: tuple[str, ...]) -> bool:
    return any(re.search(g, norm) for g in patterns)


def _column_order(header: str, cols: list[Label], fixed_first: str | None, fixed_last: str | None,
                  mask: tuple[str, ...] = ()) -> list[str] | None:
    """Order columns by where their labels appear in the header; None if any is missing."""
    text = re.sub(r"\([^()]*勾稽[^()]*\)", "", header)
    for m in mask:
        text = text.replace(m, "#" * len(m))
    positions = {}
    for col in cols:
        m = re.search(col.pattern, text)
        if m is None:
            return None
        positions[col.key] = m.start()
    middle = [c.key for c in cols if c.key not in (fixed_first, fixed_last)]
    middle.sort(key=lambda k: positions[k])
    return ([fixed_first] if fixed_first else []) + middle + ([fixed_last] if fixed_last else [])


def _fill(table: str, row: _Row, cols: list[str], where: str, problems: list[str],
          checksum: bool = False) -> list[Cell]:
    """Place a row's values under its columns, or mark the row unreadable; never shift silently.

    `checksum`: the last column is the total of the others, which lets run-together digits
    ('713000074') be split when exactly one split adds up (the cells are then marked derived).
    """
    values = list(row.values)
    while len(values) > len(cols) and values and values[-1].strip() == "":
        values.pop()      # trailing empty grid cells beyond the table's width
    if len(values) == len(cols):
        cells = _read_cells(table, row.key, cols, values)
        if row.inferred:
            # The label was printed apart from its numbers (PDF conversions): order is a guess.
            problems.append(f"{DERIVED_MARK}{where}「{row.label}」")
            for c in cells:
                c.derived = True
        return cells
    if not row.grid and values and len(values) < len(cols) and all(_DIGITS.fullmatch(v) for v in values):
        splits = split_digits("".join(values), len(cols), checksum)
        if len(splits) == 1:
            problems.append(f"{DERIVED_MARK}{where}「{row.label}」")
            cells = _read_cells(table, row.key, cols, splits[0])
            for c in cells:
                c.derived = True
            return cells
        if len(splits) > 1:
            problems.append(f"{where}「{row.label}」行数字粘连（{''.join(values)}），无法唯一拆分，该行未读取")
            return _unread_cells(table, row.key, cols)
    problems.append(f"{where}「{row.label}」行识别到 {len(values)} 个数值，应为 {len(cols)} 个，该行未读取")
    return _unread_cells(table, row.key, cols)


DERIVED_MARK = "\x00derived:"
_DIGITS = re.compile(r"\d+")


def summarize_derived(problems: list[str]) -> list[str]:
    """One line per table for rows whose run-together digits were split, instead of one per row."""
    marked = [p[len(DERIVED_MARK):] for p in problems if p.startswith(DERIVED_MARK)]
    rest = [p for p in problems if not p.startswith(DERIVED_MARK)]
    if marked:
        shown = "、".join(marked[:3]) + (f"等 {len(marked)} 行" if len(marked) > 3 else "")
        rest.insert(0, f"{shown}的数值无法直接对应（数字粘连，或行名与数值分离），已推断读取，"
                       "这些单元格标为推断，不作为判定依据")
    return rest


def split_digits(digits: str, parts: int, checksum: bool, limit: int = 2) -> list[list[str]]:
    """Ways to cut a digit string into `parts` numbers (no leading zeros); with `checksum`, only
    cuts whose last number is the sum of the others. Stops after `limit` solutions."""
    if len(digits) < parts or len(digits) > 40:
        return []
    out: list[list[str]] = []

    def walk(pos: int, acc: list[str]) -> None:
        if len(out) >= limit:
            return
        left = parts - len(acc)
        if left == 0:
            if pos == len(digits) and (not checksum or sum(map(int, acc[:-1])) == int(acc[-1])):
                out.append(list(acc))
            return
        remaining = len(digits) - pos
        if remaining < left:
            return
        max_len = 1 if digits[pos] == "0" else remaining - (left - 1)
        for size in range(1, max_len + 1):
            acc.append(digits[pos:pos + size])
            walk(pos + size, acc)
            acc.pop()

    walk(0, [])
    return out


_T3_ALL = T3_ROWS_2021 + [r for r in T3_ROWS_2019 if r.key == "other"]


def parse_t3(tokens: list[Token]) -> TableResult:
    result = TableResult()
    all_labels = _T3_ALL
    ncols = {lab.key: len(T3_COLS) for lab in all_labels}
    rows, header, result.problems = _read_rows(tokens, all_labels, ncols, T3_GROUP_HEADERS)
    if not rows:
        return result
    result.found = True
    keys = {r.key for r in rows}
    template = "2019" if "other" in keys and not keys & {"other_no_correction", "other_fee_unpaid"} else "2021"
    result.template_hint = template
    order = _column_order(header, T3_COLS, "natural_person", "total", mask=("法人或其他组织",))
    cols = order or [c.key for c in T3_COLS]
    expected = T3_ROWS_2019 if template == "2019" else T3_ROWS_2021
    result.cells = _assemble("t3", "表三", rows, expected, cols, result.problems)
    result.problems = summarize_derived(result.problems)
    if order is None:
        result.problems.append("表三表头未能完整识别，按格式规定的列序（自然人…总计）读取，读出的数值标为推断")
        _mark_derived(result.cells)
    return result


def _assemble(table: str, short: str, rows: list[_Row], expected: list[Label], cols: list[str],
              problems: list[str]) -> list[Cell]:
    by_key: dict[str, _Row] = {}
    for row in rows:
        if row.key in by_key:
            if by_key[row.key].values != row.values:
                problems.append(f"{short}「{row.label}」行出现两次且数值不同，该行未读取")
                by_key[row.key] = _Row(row.key, row.label, values=[])
            continue
        by_key[row.key] = row
    cells: list[Cell] = []
    for lab in expected:
        row = by_key.get(lab.key)
        if row is None:
            problems.append(f"{short}未找到「{lab.label}」行")
            cells.extend(_unread_cells(table, lab.key, cols))
        else:
            cells.extend(_fill(table, row, cols, short, problems, checksum=True))
    return cells


_PROSE_MARK = re.compile(r"[，。；]")


def parse_t4(tokens: list[Token]) -> TableResult:
    result = TableResult()
    header_parts: list[str] = []
    values: list[str] = []
    per_group: dict[str, list[str]] = {}
    current_group: str | None = None
    stream = [t for t in tokens if t.kind != "row_end"]
    for i, tok in enumerate(stream):
        if values and tok.kind == "line" and _PROSE_MARK.search(tok.text):
            break         # prose after the table (e.g. the next part when its heading is missing)
        if is_value(tok.text) or (tok.kind == "cell" and not tok.text):
            if tok.kind == "cell" and not tok.text and not values and current_group is None:
                continue      # empty header cell
            values.append(tok.text)
            if current_group is not None:
                per_group.setdefault(current_group, []).append(tok.text)
            continue
        norm = _label_norm(tok)
        if norm is None:
            continue
        group = _match(norm, T4_GROUPS)
        nxt = stream[i + 1] if i + 1 < len(stream) else None
        if group is not None and nxt is not None and is_value(nxt.text) and nxt.text:
            current_group = group.key       # a row label: the table is written as labelled rows
        elif not values:
            header_parts.append(norm)
        elif len(values) >= 5 and not any(c.matches(norm) for c in T4_COLS):
            break                           # text after the numbers: the table has ended
    header = "".join(header_parts)
    if not values and not header:
        return result
    result.found = True
    found_cols = _column_order(header, T4_COLS, None, None)
    found_groups = _group_order(header)
    col_order = found_cols or [c.key for c in T4_COLS]
    group_order = found_groups or [g.key for g in T4_GROUPS]
    derived = False
    if per_group and len(per_group) == 3 and all(len(v) == 5 for v in per_group.values()) \
            and sum(map(len, per_group.values())) == len(values):
        seqs = {g: per_group[g] for g in per_group}
    elif per_group:
        result.problems.append("表四按行填写，但未能把每组的 5 个数值与行名一一对应，表四未读取")
        seqs = {}
    elif len(values) == 15:
        seqs = {g: values[i * 5:(i + 1) * 5] for i, g in enumerate(group_order)}
    elif 0 < len(values) < 15 and all(_DIGITS.fullmatch(v) for v in values) and \
            len(splits := _split_t4("".join(values))) == 1:
        seqs = {g: splits[0][i * 5:(i + 1) * 5] for i, g in enumerate(group_order)}
        derived = True
        result.problems.append(f"表四数字粘连（{''.join(values)}），已按与各组总计相符的唯一拆分读取，标为推断")
    elif values and all(_DIGITS.fullmatch(v) for v in values) and len(values) < 15:
        result.problems.append(f"表四数字粘连（{''.join(values)}），无法唯一拆分，表四未读取")
        seqs = {}
    else:
        result.problems.append(f"表四识别到 {len(values)} 个数值，应为 15 个，表四未读取")
        seqs = {}
    for g in T4_GROUPS:
        seq = seqs.get(g.key)
        for j, col in enumerate(col_order):
            result.cells.append(_cell("t4", g.key, col, seq[j] if seq else None))
    if derived:
        _mark_derived(result.cells)
    if seqs and (found_cols is None or (found_groups is None and not per_group)):
        result.problems.append("表四表头未能完整识别，按格式规定的列序读取，读出的数值标为推断")
        _mark_derived(result.cells)
    return result


def _mark_derived(cells: list[Cell]) -> None:
    """The values were placed by the format's standard order, not by labels we read."""
    for c in cells:
        if c.raw is not None:
            c.derived = True


def _split_t4(digits: str) -> list[list[str]]:
    """Split 15 run-together table-4 numbers: each group of five ends with its own total."""
    out: list[list[str]] = []
    for first in split_digits_prefixes(digits, 5):
        for second in split_digits_prefixes(digits[len("".join(first)):], 5):
            rest = digits[len("".join(first)) + len("".join(second)):]
            for third in split_digits(rest, 5, True):
                out.append(first + second + third)
                if len(out) > 1:
                    return out
    return out


def split_digits_prefixes(digits: str, parts: int) -> list[list[str]]:
    """All ways to take `parts` numbers off the front whose last is the sum of the others."""
    return [cut for n in range(parts, len(digits) + 1) for cut in split_digits(digits[:n], parts, True, limit=50)]


def _group_order(header: str) -> list[str] | None:
    text = header.replace("未经复议直接起诉", "#" * 8)
    positions = {}
    for g in T4_GROUPS:
        source = header if g.key == "litigation_direct" else text
        m = re.search(g.pattern.strip("^$"), source)
        if m is None:
            return None
        positions[g.key] = m.start()
    return sorted(positions, key=positions.get)


_T2_LABELS = {False: [lab for lab, _ in T2_ROWS_2021], True: [lab for lab, _ in T2_ROWS_2019]}


def parse_t2(tokens: list[Token]) -> TableResult:
    result = TableResult()
    joined = normalize_text("".join(t.text for t in tokens if t.kind != "row_end"))
    is_2019 = "本年新制作" in joined or "第二十条第(九)项" in joined or "上一年项目数量" in joined
    layout = T2_ROWS_2019 if is_2019 else T2_ROWS_2021
    labels = _T2_LABELS[is_2019]
    ncols = {lab.key: len(cols) for lab, cols in layout}
    rows, header, result.problems = _read_rows(tokens, labels, ncols, [])
    if not rows:
        return result
    result.found = True
    result.template_hint = "2019" if is_2019 else ("2021" if "本年制发" in joined else None)
    doc_cols = layout[0][1]
    doc_order = _column_order(header, doc_cols, None, None)
    by_key = {r.key: r for r in rows}
    for lab, cols in layout:
        row = by_key.get(lab.key)
        col_keys = [c.key for c in cols]
        if row is None:
            result.problems.append(f"表二未找到「{lab.label}」行")
            result.cells.extend(_unread_cells("t2", lab.key, col_keys))
        else:
            if cols is doc_cols and doc_order is not None:
                col_keys = doc_order      # 制发/废止/现行有效 in the order the header gives
            cells = _fill("t2", row, col_keys, "表二", result.problems)
            if cols is doc_cols and doc_order is None:
                _mark_derived(cells)
            result.cells.extend(cells)
    if doc_order is None and any(c.raw is not None for c in result.cells if c.row in ("regulations", "normative_documents")):
        result.problems.append("表二第二十条第（一）项表头未能识别，按格式规定的列序读取，读出的数值标为推断")
    result.problems = summarize_derived(result.problems)
    return result


__all__ = ["parse_t2", "parse_t3", "parse_t4", "TableResult", "is_blank_mark"]
