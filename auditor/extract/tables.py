"""Map table cells to fixed keys by their row and column labels.

The parsers read a token stream (see tokens.py). A row label starts a row; the values after it
fill the columns in the order the header gives. A row that does not yield exactly the expected
number of values is never shifted into place: its cells are marked unreadable and a problem is
recorded, so no rule can accuse the agency on the strength of our guess.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import repeat
from operator import itemgetter

from .. import speed
from ..catalog import (T2_DOC_COLS, T2_DOC_COLS_2019, T2_ROWS_2019, T2_ROWS_2021, T3_COLS, T3_GROUP_HEADERS,
                       T3_ROWS_2019, T3_ROWS_2021, T4_COLS, T4_GROUPS, Label, normalize_label, normalize_text)
from ..model import Cell
from .numbers import is_blank_mark, is_value, parse_number
from .tokens import CELL, CELL_VALUE, LINE, LINE_VALUE, ROW_END, TEXTS, VALUES, Stream

MAX_LABEL_LEN = 80


@dataclass
class TableResult:
    cells: list[Cell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    found: bool = False
    template_hint: str | None = None


class _Cells:
    """A table's cells, gathered row by row as columns and created together by `build`.

    One `map(Cell, …)` over a whole table is about twice as cheap as a constructor call per cell,
    and a table has up to 189 cells."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.rows: list[str] = []
        self.cols: list[str] = []
        self.raws: list = []            # one text (or token position, see `_Placement`) or None per cell
        self.derived: list[bool] = []

    def add(self, row: str, cols: Sequence[str], raws: Sequence | None, derived: bool = False) -> None:
        """One row: `raws` has one text per column, or is None when the row was not read."""
        self.rows += repeat(row, len(cols))
        self.cols += cols
        self.raws += repeat(None, len(cols)) if raws is None else raws
        self.derived += repeat(derived, len(cols))

    def mark_read_derived(self) -> None:
        """The values were placed by the format's standard order, not by labels we read."""
        self.derived = [derived or raw is not None for derived, raw in zip(self.derived, self.raws)]

    def build(self, raws: Sequence[str | None] | None = None) -> list[Cell]:
        raws = self.raws if raws is None else raws
        return list(map(Cell, repeat(self.table), self.rows, self.cols, raws, map(_cell_value, raws), self.derived))


@lru_cache(maxsize=1 << 16)
def _cell_value(raw: str | None) -> int | float | None:
    return None if raw is None else parse_number(raw)


@dataclass(frozen=True, slots=True)
class _Placement:
    """Where each cell's text stands in the token stream, for every table of one layout.

    Worked out once per layout (see `_shape`) when the reading does not depend on the values;
    a table is then read by taking its value texts by position, with no parsing at all."""

    cells: _Cells                         # raws: token positions, None for cells not read
    take: Callable[[list], tuple]         # texts + [None] → each cell's raw text
    problems: tuple[str, ...]
    template_hint: str | None

    @classmethod
    def of(cls, result: TableResult, cells: _Cells, ntokens: int) -> _Placement:
        positions = [ntokens if p is None else p for p in cells.raws]   # texts[ntokens] is None
        return cls(cells, _getter(positions), tuple(result.problems), result.template_hint)

    def read(self, texts: list[str]) -> TableResult:
        cells = self.cells.build(self.take([*texts, None]))
        return TableResult(cells, list(self.problems), True, self.template_hint)


def _getter(positions: Sequence[int]) -> Callable[[Sequence], tuple]:
    """`itemgetter` that always returns a tuple (even of one or no items)."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda seq: tuple(seq[p] for p in positions)


def _shape(stream: Stream) -> tuple[str, tuple[str, ...]]:
    """All that reading a table's rows depends on: the token kinds, and the texts that are not
    values (labels, headers). Tables of one layout share it, whatever their numbers."""
    return stream.codes, _text_getter(stream.codes)(stream.texts)


@lru_cache(maxsize=1 << 10)
def _text_getter(codes: str) -> Callable[[Sequence], tuple]:
    return _getter([i for i, code in enumerate(codes) if code in TEXTS])


def _shape_stream(codes: str, texts: tuple[str, ...]) -> Stream:
    """A stream of this shape: its texts in place, every value's text left empty (never read)."""
    out = [""] * len(codes)
    for i, text in zip([i for i, code in enumerate(codes) if code in TEXTS], texts):
        out[i] = text
    return Stream(out, codes)


def _fixed(rows: list[_Row], ncols: dict[str, int]) -> bool:
    """Whether the cells of these rows depend on nothing but the rows' positions: every row has
    exactly its number of values (nothing to trim or split) and none repeats (no values to compare)."""
    return len({row.key for row in rows}) == len(rows) and all(len(row.at) == ncols[row.key] for row in rows)


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


def _label_norm(stream: Stream, i: int) -> str | None:
    """The normalised text of token i if it can be a row label, else None."""
    return None if stream.codes[i] in _NOT_TEXT else _classify(stream.texts[i])[1]


_NOT_TEXT = VALUES + ROW_END      # also the tokens whose text is a value (a row end's is "")
_VALUE_RUN = re.compile(f"[{VALUES}]*")
_LINE_VALUE_RUN = re.compile(f"{LINE_VALUE}*")


@dataclass(slots=True)
class _Row:
    key: str
    label: str
    at: list[int] = field(default_factory=list)   # positions of the row's values in the stream
    grid: bool = False
    label_row: int | None = None   # grid row the label stood in (None: a text line)
    inferred: bool = False         # values taken from a grid row that did not hold the label
    stacked: bool = False          # its label stood next to another row's label, apart from the numbers

    def values(self, texts: list[str] | None) -> list:
        """The row's value texts (its value positions when `texts` is None, see `_Placement`)."""
        return list(self.at) if texts is None else [texts[p] for p in self.at]


def _read_rows(stream: Stream, labels: list[Label], ncols: dict[str, int],
               group_headers: list[str]) -> tuple[list[_Row], str, list[str], list[int]]:
    """Walk the stream; return rows in order, the header text before the first row, problems."""
    rows: list[_Row] = []
    header: list[str] = []
    problems: list[str] = []
    # Grid value cells met outside every row once rows began: a row whose label was printed apart
    # (a page break put the label above and the numbers below); see `_read_t3_orphans`.
    orphans: list[int] = []
    current: _Row | None = None
    stacked = False            # the last label was stacked on another one (see below)
    current_numbered = False   # the open row's label was printed with its numbering ('5.…')
    groups = tuple(group_headers)
    match = _index(labels)
    texts, codes = stream.texts, stream.codes

    def close() -> None:
        nonlocal current
        if current is not None and current.at:
            rows.append(current)
        current = None

    i = 0
    n = len(codes)
    grid_row = 0
    while i < n:
        code = codes[i]
        if code == ROW_END:
            i += 1
            grid_row += 1
            if current is not None and current.grid:
                close()
            continue
        if code in VALUES:
            if current is None:
                end = _VALUE_RUN.match(codes, i).end()     # values outside a row are not read
                if rows and codes.find(CELL_VALUE, i, end) >= 0:
                    orphans += range(i, end)               # grid numbers without a label (see `_read_t3_orphans`)
                i = end
                continue
            i, full = _take_values(current, stream, i, grid_row, ncols[current.key])
            if full:
                close()
            continue
        text = texts[i]
        i += 1
        norm = _classify(text)[1]
        if norm is None:
            continue
        if not rows and (current is None or not current.at):
            header.append(norm)
        label = match[norm]
        if label is None and groups and (rest := _GROUP_PREFIX.sub("", norm)) and rest != norm:
            label = match[rest]       # '三、本年度办理结果(一)予以公开': a group label run into a row label
        if label is None and not _is_group_header(norm, groups):
            # A label broken over two lines: try it joined with the next text token.
            if i < n and (next_norm := _label_norm(stream, i)) is not None:
                joined = match[norm + next_norm]
                if joined is not None and (current is None or joined.key != current.key):
                    label = joined
                    i += 1
                    if not rows and (current is None or not current.at):
                        header.append(next_norm)
        if label is None and (rows or current is not None) and i < n and codes[i] in VALUES \
                and _NUMBERED.match(norm) and not _is_group_header(norm, groups):
            # A numbered row label we do not know, with numbers ('4.保' where a page break cut
            # 4.保护第三方合法权益): a row of the table is not read, so its sums cannot be trusted.
            problems.append(f"未能识别的行「{text}」及其数值")
        if label is None:
            # Text between the values of an open row is that row's cell (e.g. '不详'), not a label.
            if current is not None and not current.grid and 0 < len(current.at) < ncols[current.key] \
                    and len(text) <= 6 and i < n and codes[i] in _NOT_TEXT:
                current.at.append(i - 1)
            continue
        # A label followed directly by another row label is a group header (2021: （六）其他处理).
        # Any other row label so followed was printed apart from its numbers (labels stacked
        # above a block of numbers): neither it nor the next row can be given numbers for sure.
        if i < n and (next_norm := _label_norm(stream, i)) is not None \
                and match[next_norm] not in (None, label):
            if label.key not in _GROUP_ROWS and _NUMBERED.match(norm):
                if current is not None and current.at:
                    close()
                current = None
                if not any(r.key == label.key for r in rows):
                    rows.append(_Row(label.key, label.label, stacked=True))
                stacked = True
            continue
        if current is not None and current.key == label.key and not current.at:
            continue
        if current is not None and current.at:
            close()
        elif current is not None:
            if current.key not in _GROUP_ROWS and not current.grid and current_numbered:
                # A row label with no numbers, then another row label: stacked, as above.
                if not any(r.key == current.key for r in rows):
                    rows.append(_Row(current.key, current.label, stacked=True))
                stacked = True
            current = None
        current = _Row(label.key, label.label, grid=code == CELL,
                       label_row=grid_row if code == CELL else None, stacked=stacked)
        current_numbered = _NUMBERED.match(norm) is not None   # a row label as printed, not a header word
        stacked = False
    close()
    return rows, "".join(header), problems, orphans


# Row labels that may head a group of rows: 2019's single （六）其他处理 is 2021's group header.
_GROUP_ROWS = frozenset({"other"})
# The numbering a row label starts with: '4.…', '(四)…', '一、…'.
_NUMBERED = re.compile(r"^(?:\d[.、]|\(\d\)|\([一二三四五六七八]\)|[一二三四]、)")
# Table 3's group labels as they run into the first row label after them in one-line text.
_GROUP_PREFIX = re.compile(r"^(?:三、(?:本年度办理结果)?)?(?:\([三四五六]\)(?:不予公开|无法提供|不予处理|其他处理))?")


def _take_values(row: _Row, stream: Stream, i: int, grid_row: int, ncols: int) -> tuple[int, bool]:
    """Give the run of values at token i to the open row, at once rather than token by token.

    A text row takes values until it has `ncols` (then it is full, the rest of the run is not
    its own); a grid row, or a row that meets a grid cell, takes the whole run. Returns the
    position after the values taken and whether the row is full."""
    codes = stream.codes
    if not row.grid and codes[i] == LINE_VALUE:
        end = _LINE_VALUE_RUN.match(codes, i).end()
        wanted = max(ncols - len(row.at), 1)
        if end - i > wanted and not row.at:
            # More numbers follow the label than the row has columns. A whole number of rows (the
            # next row's label printed apart, above or below its numbers): the first are most
            # likely this row's, but only inferred. Otherwise ('1' printed above '0 0 0 0 0 0 0')
            # which of them are the row's is a guess: the row takes them all and is left unread.
            if (end - i) % ncols:
                row.at += range(i, end)
                return end, True
            row.inferred = True
        if end - i >= wanted:
            row.at += range(i, i + wanted)
            return i + wanted, True
        row.at += range(i, end)
        return end, False
    end = _VALUE_RUN.match(codes, i).end()
    if codes.find(CELL_VALUE, i, end) >= 0:
        row.grid = True
        if row.label_row != grid_row:
            row.inferred = True      # a grid value in a grid row other than its label's
    row.at += range(i, end)
    return end, False


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


# The column sets whose order a header gives: labels, the columns fixed first and last, text to mask.
_HEADER_COLUMNS: dict[str, tuple[list[Label], str | None, str | None, tuple[str, ...]]] = {
    "t2": (T2_DOC_COLS, None, None, ()),
    "t2-2019": (T2_DOC_COLS_2019, None, None, ()),
    "t3": (T3_COLS, "natural_person", "total", ("法人或其他组织",)),
    "t4": (T4_COLS, None, None, ()),
}


@lru_cache(maxsize=1 << 12)
def _header_columns(header: str, columns: str) -> tuple[str, ...] | None:
    """`_column_order` of a `_HEADER_COLUMNS` set, remembered: a format's headers recur verbatim."""
    order = _column_order(header, *_HEADER_COLUMNS[columns])
    return None if order is None else tuple(order)


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


def _fill(row: _Row, values: list[str], cols: Sequence[str], where: str, problems: list[str],
          checksum: bool = False, signed: frozenset[int] = frozenset()) -> tuple[list[str] | None, bool]:
    """Place a row's values under its columns, or mark the row unreadable; never shift silently.

    Returns (one text per column, or None for an unread row; whether the values are derived).
    The cells of a row whose label was found but whose numbers were not read are unread (raw None)
    and marked derived: the row is there, so a rule must not call it missing from the report.
    `checksum`: the last column is the total of the others, which lets run-together digits
    ('713000074') be split when exactly one split adds up; `signed`: the columns that may hold a
    negative number (2019 format 本年增/减). See `_split_row` for when a split is exact.
    """
    raws, derived, _ = _fill_or_candidates(row, values, cols, where, problems, checksum, signed)
    return raws, derived


def _fill_or_candidates(row: _Row, values: list[str], cols: Sequence[str], where: str, problems: list[str],
                        checksum: bool = False, signed: frozenset[int] = frozenset()
                        ) -> tuple[list[str] | None, bool, list[list[str]]]:
    """As `_fill`, plus the candidate splits of a run-together row that splits more than one way
    (for table 3, whose column identities may leave one); the row's problem is then not yet
    recorded (see `_ambiguous_problem`)."""
    if row.stacked:
        problems.append(f"{where}「{row.label}」行的行名与相邻的行名连在一起、与数值分开印出，"
                        "无法确定哪些数值属于该行，该行未读取")
        return None, True, []
    while len(values) > len(cols) and values and values[-1].strip() == "":
        values.pop()      # trailing empty grid cells beyond the table's width
    if len(values) == len(cols):
        if row.inferred:
            # The label was printed apart from its numbers (PDF conversions): order is a guess.
            problems.append(f"{DERIVED_MARK}{where}「{row.label}」")
        return values, row.inferred, []
    if not row.grid and values and len(values) < len(cols) and all(_RUN.fullmatch(v) for v in values):
        splits = split_runs(values, len(cols), checksum, signed, limit=_CANDIDATES)
        if len(splits) == 1:
            if _forced(values, len(cols), checksum):
                return splits[0], False, []
            problems.append(f"{DERIVED_MARK}{where}「{row.label}」")
            return splits[0], True, []
        if len(splits) > 1:
            return None, True, splits
    problems.append(f"{where}「{row.label}」行识别到 {len(values)} 个数值，应为 {len(cols)} 个，该行未读取")
    return None, True, []


def _ambiguous_problem(where: str, row: _Row, values: list[str]) -> str:
    return f"{where}「{row.label}」行数字粘连（{''.join(values)}），无法唯一拆分，该行未读取"


DERIVED_MARK = "\x00derived:"
_RUN = re.compile(r"-?\d+")
_CANDIDATES = 24      # candidate splits kept for a row (more: the row is not read)


def _forced(pieces: Sequence[str], parts: int, checksum: bool) -> bool:
    """Whether the digits alone fix the split, so its cells are read, not derived: one digit per
    column (as many digits as columns), and no reading with a dropped blank cell is possible.
    With a row total a dropped blank breaks the total (a two-digit cell would then have to stand
    among single digits); without one, no two adjacent digits of a piece may form a number
    ('000' is 0|0|0 whatever was blank, '115' could be 1|15 with a blank)."""
    digits = "".join(p.lstrip("-") for p in pieces)
    if len(digits) != parts:
        return False
    if checksum:
        return True
    return not any(len(p.lstrip("-")) > 1 and any(ch != "0" for ch in p.lstrip("-")[:-1]) for p in pieces)


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
    return split_runs([digits], parts, checksum, limit=limit)


def split_runs(pieces: Sequence[str], parts: int, checksum: bool, signed: frozenset[int] = frozenset(),
               limit: int = 2, group: int | None = None) -> list[list[str]]:
    """Ways to cut run-together numbers into `parts` numbers. `pieces` are the runs as the text
    separates them ('71', '3000074' when a space stood there; '12', '-212258' where a sign did):
    a number never spans two pieces, and only a piece's first number carries its sign. No leading
    zeros, no '-0'; a negative number only in the columns `signed` allows; with `checksum`, the
    last number is the sum of the others (of each `group` numbers: table 4 is three groups of
    five, each ending with its total). Stops after `limit` solutions."""
    group = group or parts
    text = "|".join(pieces)
    ndigits = sum(ch.isdigit() for ch in text)
    if ndigits < parts or ndigits > min(40, 4 * parts):
        return []      # a longer run would split many ways, and searching it is slow: not read
    out: list[list[str]] = []
    n = len(text)

    def walk(pos: int, acc: list[str], left_digits: int) -> None:
        if len(out) >= limit:
            return
        if pos < n and text[pos] == "|":
            pos += 1
        if pos == n:
            if len(acc) == parts:
                out.append(list(acc))
            return
        left = parts - len(acc)
        if left <= 0 or left_digits < left:
            return
        start = pos
        if text[pos] == "-":
            if len(acc) not in signed:
                return
            pos += 1
        end = text.find("|", pos)
        end = n if end < 0 else end
        if pos >= end:
            return
        if checksum and len(acc) % group == group - 1:
            # The group's total: the sum of its other numbers, so only one length can fit.
            target = str(sum(map(int, acc[len(acc) - group + 1:])))
            if start == pos and text.startswith(target, pos) and pos + len(target) <= end:
                acc.append(target)
                walk(pos + len(target), acc, left_digits - len(target))
                acc.pop()
            return
        last = pos + 1 if text[pos] == "0" else min(end, pos + left_digits - (left - 1))
        in_group = len(acc) % group
        partial = sum(map(int, acc[len(acc) - in_group:])) if checksum else 0
        for stop in range(pos + 1, last + 1):
            number = text[start:stop]
            if number == "-0":
                continue
            if checksum:
                # The group's total must still fit in the digits left after its other numbers.
                room = left_digits - (stop - pos) - (group - in_group - 2)
                if len(str(partial + int(number))) > room:
                    break
            acc.append(number)
            if not checksum or len(acc) % group or _adds_up(acc[-group:]):
                walk(stop, acc, left_digits - (stop - pos))
            acc.pop()

    walk(0, [], ndigits)
    return out


def _adds_up(numbers: Sequence[str]) -> bool:
    return sum(map(int, numbers[:-1])) == int(numbers[-1])


_T3_ALL = T3_ROWS_2021 + [r for r in T3_ROWS_2019 if r.key == "other"]
_T3_COL_KEYS = tuple(c.key for c in T3_COLS)
_T3_NCOLS = {lab.key: len(T3_COLS) for lab in _T3_ALL}


def parse_t3(tokens: Stream) -> TableResult:
    if speed.plain():     # every table read on its own: no shape cache, no placement by position
        return _t3_plan(tokens, by_position=False)(tokens.texts)
    return _t3_reader(*_shape(tokens))(tokens.texts)


@lru_cache(maxsize=256)
def _t3_reader(codes: str, texts: tuple[str, ...]) -> Callable[[list[str]], TableResult]:
    """How table 3 is read in a stream of this shape: rows found once, then cells placed by position."""
    return _t3_plan(_shape_stream(codes, texts))


def _t3_plan(stream: Stream, by_position: bool = True) -> Callable[[list[str]], TableResult]:
    """How table 3 is read in this stream: its rows, and how its cells are then taken from the texts."""
    rows, header, unplaced, orphans = _read_rows(stream, _T3_ALL, _T3_NCOLS, T3_GROUP_HEADERS)
    codes = stream.codes
    if not rows:
        return lambda texts: TableResult()
    if orphans:
        return partial(_read_t3_orphans, rows, header, unplaced, LINE_VALUE in codes, orphans)
    if by_position and _fixed(rows, _T3_NCOLS):
        return _Placement.of(*_t3_cells(rows, header, None, unplaced, LINE_VALUE in codes), len(codes)).read
    return partial(_read_t3, rows, header, unplaced, LINE_VALUE in codes)


def _read_t3_orphans(rows: list[_Row], header: str, unplaced: list[str], lines: bool, orphans: list[int],
                     texts: list[str]) -> TableResult:
    """As `_read_t3`, for a grid with value cells outside every row. When they hold numbers and a
    row read has nothing but blank cells, that row's label was printed apart from its numbers (a
    page break put the label above, the numbers below): its cells are not read as blanks, which
    would break the sums, but left unread (derived, raw None: the row is there)."""
    result = _read_t3(rows, header, unplaced, lines, texts)
    numbers = [texts[p] for p in orphans if parse_number(texts[p]) is not None]
    if not numbers:
        return result
    by_row: dict[str, list[Cell]] = {}
    for cell in result.cells:
        by_row.setdefault(cell.row, []).append(cell)
    labels = {lab.key: lab.label for lab in _T3_ALL}
    for key, cells in by_row.items():
        if cells and all(c.raw is not None and is_blank_mark(c.raw) for c in cells):
            for c in cells:
                c.raw, c.value, c.derived = None, None, True
            result.problems.append(f"表三「{labels.get(key, key)}」行各格为空，而表中另有无行名的一行数值"
                                   f"（{' '.join(numbers[:7])}），该行未读取")
    return result


def _read_t3(rows: list[_Row], header: str, unplaced: list[str], lines: bool, texts: list[str]) -> TableResult:
    result, cells = _t3_cells(rows, header, texts, unplaced, lines)
    result.cells = cells.build()
    return result


def _t3_cells(rows: list[_Row], header: str, texts: list[str] | None,
              unplaced: Sequence[str] = (), lines: bool = False) -> tuple[TableResult, _Cells]:
    """Table 3's cells from its rows (see `_Row.values` for `texts`); the result has the rest.

    `lines`: the table was read as text lines, not grid cells. Its header's words then come line
    by line, and a header printed on several lines (an unruled PDF table: '科研机 社会公 法律服务机'
    above '商业企业 其他', each label centred in its own column) gives them out of column order:
    a header order other than the format's is then not believed."""
    result = TableResult(found=True)
    keys = {r.key for r in rows}
    template = "2019" if "other" in keys and not keys & {"other_no_correction", "other_fee_unpaid"} else "2021"
    result.template_hint = template
    order = _header_columns(header, "t3")
    unsure = lines and order is not None and order != _T3_COL_KEYS
    if unsure:
        order = None
    cols = order or _T3_COL_KEYS
    expected = T3_ROWS_2019 if template == "2019" else T3_ROWS_2021
    cells = _Cells("t3")
    _assemble(cells, "表三", rows, texts, expected, cols, result.problems)
    if template == "2019":
        # One （六）其他处理 row: the 2019 format, or a 2021 table whose three rows a PDF collapsed
        # (table 2 tells which). Its three 2021 rows are there but not read: never split from it.
        for lab in T3_ROWS_2021:
            if lab.key.startswith("other_"):
                cells.add(lab.key, cols, None, True)
    result.problems = summarize_derived(result.problems)
    if unsure:
        result.problems.append("表三表头各列的次序无法从文字行确定（表头分多行排列），按格式规定的列序读取，读出的数值标为推断")
        cells.mark_read_derived()
    elif order is None:
        result.problems.append("表三表头未能完整识别，按格式规定的列序（自然人…总计）读取，读出的数值标为推断")
        cells.mark_read_derived()
    if unplaced:
        result.problems.append(f"表三中有{'、'.join(unplaced[:3])}未能对应到格式规定的行，表中各数之和无法核对，"
                               "读出的数值标为推断")
        cells.mark_read_derived()
    return result, cells


def _assemble(cells: _Cells, short: str, rows: list[_Row], texts: list[str] | None, expected: list[Label],
              cols: Sequence[str], problems: list[str]) -> None:
    by_key: dict[str, _Row] = {}
    for row in rows:
        if row.key in by_key:
            if by_key[row.key].values(texts) != row.values(texts):
                problems.append(f"{short}「{row.label}」行出现两次且数值不同，该行未读取")
                by_key[row.key] = _Row(row.key, row.label, at=[])
            continue
        by_key[row.key] = row
    filled: dict[str, tuple[list[str] | None, bool]] = {}
    ambiguous: dict[str, list[list[str]]] = {}
    for lab in expected:
        row = by_key.get(lab.key)
        if row is None:
            problems.append(f"{short}未找到「{lab.label}」行")
            filled[lab.key] = (None, False)
            continue
        raws, derived, splits = _fill_or_candidates(row, row.values(texts), cols, short, problems, checksum=True)
        filled[lab.key] = (raws, derived)
        if splits:
            ambiguous[lab.key] = splits
    if ambiguous:
        chosen = _by_identities(filled, ambiguous, [lab.key for lab in expected])
        for key in ambiguous:
            row = by_key[key]
            if key in chosen:
                filled[key] = (chosen[key], True)
                problems.append(f"{DERIVED_MARK}{short}「{row.label}」")
            else:
                problems.append(_ambiguous_problem(short, row, row.values(texts)))
    for lab in expected:
        cells.add(lab.key, cols, *filled[lab.key])


_T3_MAIN = ("new_received", "carried_over", "total_processed", "carried_forward")
_COMBOS = 4096


def _by_identities(filled: dict[str, tuple[list[str] | None, bool]], ambiguous: dict[str, list[list[str]]],
                   keys: list[str]) -> dict[str, list[str]]:
    """Table 3 rows whose run-together digits split several ways (each adding up to its total):
    the split of a row is taken when every assignment of the ambiguous rows that satisfies the
    table's column identities gives it the same split. The identities: 三(七)总计 = the sum of the
    outcome rows, and 一 + 二 = 三(七) + 四, column by column. An identity is used only when every
    row in it has numbers; when the report itself breaks an identity no assignment fits and the
    rows stay unread. The cells taken are derived (never evidence against the agency)."""
    outcome = [k for k in keys if k not in _T3_MAIN]
    identities = [(outcome, ["total_processed"]), (["new_received", "carried_over"], ["total_processed", "carried_forward"])]
    known: dict[str, list[int | float]] = {}
    for key, (raws, _) in filled.items():
        numbers = [parse_number(r) for r in raws] if raws is not None else None
        if numbers is not None and all(v is not None for v in numbers):
            known[key] = numbers
    amb = list(ambiguous)
    size = 1
    for key in amb:
        size *= len(ambiguous[key])
    if size > _COMBOS:
        return {}
    used = [(plus, minus) for plus, minus in identities
            if set(plus + minus) & set(amb) and all(k in known or k in ambiguous for k in plus + minus)]
    if not used:
        return {}
    seen: dict[str, set[int]] = {key: set() for key in amb}
    for combo in itertools.product(*(range(len(ambiguous[k])) for k in amb)):
        values = dict(known)
        values.update({k: list(map(int, ambiguous[k][i])) for k, i in zip(amb, combo)})
        if all(sum(values[k][c] for k in plus) == sum(values[k][c] for k in minus)
               for plus, minus in used for c in range(len(values[plus[0]]))):
            for k, i in zip(amb, combo):
                seen[k].add(i)
    return {k: ambiguous[k][next(iter(seen[k]))] for k in amb if len(seen[k]) == 1}


_PROSE_MARK = re.compile(r"[，。；]")
_LINES = LINE + LINE_VALUE


def parse_t4(tokens: Stream) -> TableResult:
    result = TableResult()
    header_parts: list[str] = []
    values: list[str] = []
    per_group: dict[str, list[str]] = {}
    current_group: str | None = None
    if ROW_END in tokens.codes:
        tokens = Stream([t for t, c in zip(tokens.texts, tokens.codes) if c != ROW_END],
                        tokens.codes.replace(ROW_END, ""))
    texts, codes = tokens.texts, tokens.codes
    for i, text in enumerate(texts):
        code = codes[i]
        if values and code in _LINES and _PROSE_MARK.search(text):
            break         # prose after the table (e.g. the next part when its heading is missing)
        if code in VALUES:
            if code == CELL_VALUE and not text and not values and current_group is None:
                continue      # empty header cell
            values.append(text)
            if current_group is not None:
                per_group.setdefault(current_group, []).append(text)
            continue
        norm = _classify(text)[1]
        if norm is None:
            continue
        group = _match(norm, T4_GROUPS)
        if group is not None and any(c.matches(norm) for c in T4_COLS):
            group = None      # the header run together into one text ('行政复议行政诉讼结果维持…总计')
        if group is not None and i + 1 < len(texts) and codes[i + 1] in VALUES and texts[i + 1]:
            current_group = group.key       # a row label: the table is written as labelled rows
        elif not values:
            header_parts.append(norm)
        elif len(values) >= 5 and not any(c.matches(norm) for c in T4_COLS):
            break                           # text after the numbers: the table has ended
    header = "".join(header_parts)
    if not values and not header:
        return result
    result.found = True
    found_cols = _header_columns(header, "t4")
    found_groups = _group_order(header)
    col_order = found_cols or [c.key for c in T4_COLS]
    group_order = found_groups or [g.key for g in T4_GROUPS]
    derived = False
    if per_group and len(per_group) == 3 and all(len(v) == 5 for v in per_group.values()) \
            and sum(map(len, per_group.values())) == len(values):
        seqs = {g: per_group[g] for g in per_group}
    elif per_group and len(per_group) == 3 and sum(map(len, per_group.values())) == len(values) \
            and (split := _split_groups(per_group)) is not None:
        seqs, derived = split
        if derived:
            result.problems.append("表四按行填写且数字粘连，已按与各组总计相符的唯一拆分读取，标为推断")
    elif per_group:
        result.problems.append("表四按行填写，但未能把每组的 5 个数值与行名一一对应，表四未读取")
        seqs = {}
    elif len(values) == 15:
        seqs = {g: values[i * 5:(i + 1) * 5] for i, g in enumerate(group_order)}
    elif 0 < len(values) < 15 and all(_RUN.fullmatch(v) for v in values) and \
            len(splits := split_runs(values, 15, True, limit=2, group=5)) == 1:
        seqs = {g: splits[0][i * 5:(i + 1) * 5] for i, g in enumerate(group_order)}
        derived = not _forced(values, 15, True)
        if derived:
            result.problems.append(f"表四数字粘连（{''.join(values)}），已按与各组总计相符的唯一拆分读取，标为推断")
    elif values and all(_RUN.fullmatch(v) for v in values) and len(values) < 15:
        result.problems.append(f"表四数字粘连（{''.join(values)}），无法唯一拆分，表四未读取")
        seqs = {}
    else:
        result.problems.append(f"表四识别到 {len(values)} 个数值，应为 15 个，表四未读取")
        seqs = {}
    cells = _Cells("t4")
    for g in T4_GROUPS:
        seq = seqs.get(g.key)
        cells.add(g.key, col_order, seq[:len(col_order)] if seq else None)
    result.cells = cells.build()
    if derived:
        _mark_derived(result.cells)
    if seqs and (found_cols is None or (found_groups is None and not per_group)):
        result.problems.append("表四表头未能完整识别，按格式规定的列序读取，读出的数值标为推断")
        _mark_derived(result.cells)
    return result


def _split_groups(per_group: dict[str, list[str]]) -> tuple[dict[str, list[str]], bool] | None:
    """Table 4 as labelled rows whose numbers ran together ('行政复议01102'): each group split
    alone, five numbers ending with their total; None unless every group splits one way.
    Returns the groups and whether any split is derived (see `_forced`)."""
    seqs: dict[str, list[str]] = {}
    derived = False
    for g, values in per_group.items():
        if len(values) == 5:
            seqs[g] = values
            continue
        if not values or len(values) > 5 or not all(_RUN.fullmatch(v) for v in values):
            return None
        splits = split_runs(values, 5, True, limit=2)
        if len(splits) != 1:
            return None
        seqs[g] = splits[0]
        derived = derived or not _forced(values, 5, True)
    return seqs, derived


def _mark_derived(cells: list[Cell]) -> None:
    """The values were placed by the format's standard order, not by labels we read."""
    for c in cells:
        if c.raw is not None:
            c.derived = True


@lru_cache(maxsize=1 << 12)
def _group_order(header: str) -> tuple[str, ...] | None:
    """Table 4's groups in the order the header gives them; remembered, as `_header_columns`."""
    text = header.replace("未经复议直接起诉", "#" * 8)
    positions = {}
    for g in T4_GROUPS:
        source = header if g.key == "litigation_direct" else text
        m = re.search(g.pattern.strip("^$"), source)
        if m is None:
            return None
        positions[g.key] = m.start()
    return tuple(sorted(positions, key=positions.get))


_T2_LABELS = {False: [lab for lab, _ in T2_ROWS_2021], True: [lab for lab, _ in T2_ROWS_2019]}


def parse_t2(tokens: Stream) -> TableResult:
    plain = speed.plain()     # every table read on its own: no shape cache, no placement by position
    joined = (normalize_text if plain else _normalized)("".join(tokens.texts))      # a row end's text is ""
    is_2019 = "本年新制作" in joined or "第二十条第(九)项" in joined or "上一年项目数量" in joined
    hint = "2019" if is_2019 else ("2021" if "本年制发" in joined else None)
    if plain:
        return _t2_plan(is_2019, hint, tokens, by_position=False)(tokens.texts)
    return _t2_reader(is_2019, hint, *_shape(tokens))(tokens.texts)


@lru_cache(maxsize=256)
def _t2_reader(is_2019: bool, hint: str | None, codes: str, texts: tuple[str, ...]
               ) -> Callable[[list[str]], TableResult]:
    """How table 2 is read in a stream of this shape (as `_t3_reader`)."""
    return _t2_plan(is_2019, hint, _shape_stream(codes, texts))


def _t2_plan(is_2019: bool, hint: str | None, stream: Stream, by_position: bool = True
             ) -> Callable[[list[str]], TableResult]:
    """How table 2 is read in this stream (as `_t3_plan`)."""
    rows, header, _, _ = _read_rows(stream, _T2_LABELS[is_2019], _T2_NCOLS[is_2019], [])
    codes = stream.codes
    if not rows:
        return lambda texts: TableResult()
    if by_position and _fixed(rows, _T2_NCOLS[is_2019]):
        return _Placement.of(*_t2_cells(rows, header, is_2019, hint, None, LINE_VALUE in codes), len(codes)).read
    return partial(_read_t2, rows, header, is_2019, hint, LINE_VALUE in codes)


def _read_t2(rows: list[_Row], header: str, is_2019: bool, hint: str | None, lines: bool,
             texts: list[str]) -> TableResult:
    result, cells = _t2_cells(rows, header, is_2019, hint, texts, lines)
    result.cells = cells.build()
    return result


def _t2_cells(rows: list[_Row], header: str, is_2019: bool, hint: str | None,
              texts: list[str] | None, lines: bool = False) -> tuple[TableResult, _Cells]:
    """Table 2's cells from its rows (see `_Row.values` for `texts`); the result has the rest.
    A header read from text lines in an order other than the format's is not believed (see
    `_t3_cells`)."""
    result = TableResult(found=True, template_hint=hint)
    doc_cols = (T2_ROWS_2019 if is_2019 else T2_ROWS_2021)[0][1]
    doc_order = _header_columns(header, "t2-2019" if is_2019 else "t2")
    if lines and doc_order is not None and list(doc_order) != [c.key for c in doc_cols]:
        doc_order = None
    by_key = {r.key: r for r in rows}
    cells = _Cells("t2")
    doc_values_read = False
    for lab, cols, col_keys in _T2_LAYOUTS[is_2019]:
        row = by_key.get(lab.key)
        if row is None:
            result.problems.append(f"表二未找到「{lab.label}」行")
            cells.add(lab.key, col_keys, None)
            continue
        if cols is doc_cols and doc_order is not None:
            col_keys = doc_order      # 制发/废止/现行有效 in the order the header gives
        raws, derived, splits = _fill_or_candidates(row, row.values(texts), col_keys, "表二", result.problems,
                                                    signed=_SIGNED.get(col_keys, frozenset()))
        if splits:
            result.problems.append(_ambiguous_problem("表二", row, row.values(texts)))
        if cols is doc_cols and doc_order is None and raws is not None:
            derived = True            # placed by the format's column order, not by the header
        if lab.key in ("regulations", "normative_documents"):
            doc_values_read = doc_values_read or raws is not None
        cells.add(lab.key, col_keys, raws, derived)
    if doc_order is None and doc_values_read:
        result.problems.append("表二第二十条第（一）项表头未能识别，按格式规定的列序读取，读出的数值标为推断")
    result.problems = summarize_derived(result.problems)
    return result, cells


# Pieces of a text, each but the first starting with its one ASCII character.
_ASCII_LED = re.compile(r"[\x00-\x7f][^\x00-\x7f]*|[^\x00-\x7f]+")


def _normalized(text: str) -> str:
    """`normalize_text(text)`, from pieces that recur across reports (labels, '0规章' …) and so are
    normalised once each. Exact: NFKC of a text is the NFKC of its pieces joined when each piece
    starts with an ASCII character (no canonical composition ends in one: checked over all of
    Unicode), and the folding after NFKC goes character by character."""
    return "".join(map(normalize_label, _ASCII_LED.findall(text)))


# The columns that may hold a negative number: the 2019 format's 本年增/减.
_SIGNED = {keys: frozenset(i for i, key in enumerate(keys) if key == "change")
           for layout in (T2_ROWS_2019,) for keys in {tuple(c.key for c in cols) for _, cols in layout}}
_T2_NCOLS = {is_2019: {lab.key: len(cols) for lab, cols in layout}
             for is_2019, layout in ((False, T2_ROWS_2021), (True, T2_ROWS_2019))}
# Each row's label, column labels and column keys.
_T2_LAYOUTS = {is_2019: [(lab, cols, tuple(c.key for c in cols)) for lab, cols in layout]
               for is_2019, layout in ((False, T2_ROWS_2021), (True, T2_ROWS_2019))}


__all__ = ["parse_t2", "parse_t3", "parse_t4", "TableResult", "is_blank_mark"]
