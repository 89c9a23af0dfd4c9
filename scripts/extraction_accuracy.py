#!/usr/bin/env python3
"""How many table cells extraction reads correctly.

Two corpora:

* the real reports in reports_in/, against the hand-read answer keys (tests/data/keys.yaml, or
  ../shared/reports/keys.yaml when present, as tests/conftest.py does). Compared: table 3 rows
  一/二/三(七)/四 (columns_read → new_received/carried_over/total_processed/carried_forward, columns
  自然人…总计), table 3 nonzero_detail_rows where the key has them, table 4 rows_read (行政复议 /
  未经复议直接起诉 / 复议后起诉 → review / litigation_direct / litigation_after_review; or, when the
  key only gives the space-separated raw_digits, those 15 numbers in the format's order), and
  table 2 where the key has it. A null in the key is a blank/unreadable cell, matched by None.
* the generated variants of the sample (tests/variants.py: every publishing form, plus the
  shuffled-rows text), against the sample's canonical values: all 200 cells each;
* one-line archiver texts (tests/table_variants.py) of the samples and the zibo report, against
  their one-cell-per-line readings; the LibreOffice PDFs of tests/data/pdf/ (tests/pdf_variants.py).

A cell counts as correct when its value equals the key's; derived cells (placed by inference,
cell['derived'] true) count the same way, i.e. only if their value is right; how many were
derived is printed. Exits 0 unless the script itself fails.

    python scripts/extraction_accuracy.py
"""
from __future__ import annotations

import math
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from auditor.catalog import T3_ROWS_2021, cols_for, normalize_label  # noqa: E402
from auditor.extract import extract  # noqa: E402
from auditor.ingest import ReadError, read_document  # noqa: E402

SAMPLES = ROOT / "reports_in"
T3_MAIN_ROWS = {"一": "new_received", "二": "carried_over", "三(七)": "total_processed", "四": "carried_forward"}
T4_GROUPS = {"行政复议": "review", "未经复议直接起诉": "litigation_direct", "复议后起诉": "litigation_after_review"}
T2_DOC_ROWS = ("regulations", "normative_documents")
T2_DOC_COLS = ("issued", "repealed", "in_force")
T2_SINGLE = {"licensing": ("licensing", "decisions"), "penalties": ("penalties", "decisions"),
             "coercion": ("coercion", "decisions"), "admin_fees_10k_yuan": ("admin_fees", "amount_10k_yuan")}

CellKey = tuple[str, str, str]   # (table, row, col)


def keys_path() -> Path:
    shared = ROOT.parent / "shared" / "reports" / "keys.yaml"
    return shared if shared.exists() else ROOT / "tests" / "data" / "keys.yaml"


def detail_row_key(label: str) -> str | None:
    """'（三）7.属于行政执法案卷' → denied_enforcement_files, by the catalog's own label patterns."""
    norm = normalize_label(label)
    for text in (norm, re.sub(r"^\([一二三四五六七]\)", "", norm)):
        for row in T3_ROWS_2021:
            if row.matches(text):
                return row.key
    return None


def expected_from_key(entry: dict, notes: list[str]) -> dict[CellKey, object]:
    exp: dict[CellKey, object] = {}
    t3 = entry.get("table3") or {}
    for label, values in (t3.get("columns_read") or {}).items():
        row = T3_MAIN_ROWS.get(label)
        if row is None:
            notes.append(f"{entry['file']}: unknown table-3 row {label!r} in the key, skipped")
            continue
        exp.update({("t3", row, col): v for col, v in zip(cols_for("t3"), values)})
    for label, values in (t3.get("nonzero_detail_rows") or {}).items():
        row = detail_row_key(label)
        if row is None:
            notes.append(f"{entry['file']}: table-3 detail row {label!r} matches no row key, skipped")
            continue
        exp.update({("t3", row, col): v for col, v in zip(cols_for("t3"), values)})
    t4 = entry.get("table4") or {}
    if t4.get("rows_read"):
        for label, values in t4["rows_read"].items():
            exp.update({("t4", T4_GROUPS[label], col): v for col, v in zip(cols_for("t4"), values)})
    elif isinstance(t4.get("raw_digits"), str) and len(t4["raw_digits"].split()) == 15:
        numbers = [int(d) for d in t4["raw_digits"].split()]
        for i, group in enumerate(T4_GROUPS.values()):
            exp.update({("t4", group, col): v for col, v in zip(cols_for("t4"), numbers[i * 5:(i + 1) * 5])})
    t2 = entry.get("table2") or {}
    for row in T2_DOC_ROWS:
        if isinstance(t2.get(row), list):
            exp.update({("t2", row, col): v for col, v in zip(T2_DOC_COLS, t2[row])})
    for name, (row, col) in T2_SINGLE.items():
        if name in t2:
            exp[("t2", row, col)] = t2[name]
    return exp


def same(got: object, want: object) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(float(got), float(want), rel_tol=0, abs_tol=1e-9)


@dataclass
class Score:
    name: str
    correct: int
    expected: int
    derived: int
    derived_correct: int
    status: str
    wrong: int = 0     # cells read with a value other than the key's (unread cells are not wrong)


def score(name: str, path: Path, expected: dict[CellKey, object]) -> Score:
    try:
        report = extract(read_document(path))
    except ReadError as exc:
        return Score(name, 0, len(expected), 0, 0, f"unreadable: {exc}")
    cells = {(c.table, c.row, c.col): c for c in report.cells}
    correct = derived = derived_correct = wrong = 0
    for key, want in expected.items():
        cell = cells.get(key)
        ok = same(cell.value if cell is not None else None, want)
        correct += ok
        wrong += not ok and cell is not None and cell.raw is not None
        if cell is not None and cell.derived and cell.raw is not None:
            derived += 1
            derived_correct += ok
    return Score(name, correct, len(expected), derived, derived_correct, report.status, wrong)


def real_reports(notes: list[str]) -> list[Score]:
    data = yaml.safe_load(keys_path().read_text(encoding="utf-8"))
    out = []
    for entry in data["reports"]:
        path = SAMPLES / entry["file"]
        if not path.exists():
            notes.append(f"{entry['file']}: not in reports_in/, skipped")
            continue
        out.append(score(entry["file"], path, expected_from_key(entry, notes)))
    return out


def variant_corpus(notes: list[str]) -> list[Score]:
    from tests import variants as V

    canon = V.load_canonical()
    expected = {(c["table"], c["row"], c["col"]): c["value"] for c in canon.data["cells"]}
    out = []
    with tempfile.TemporaryDirectory(prefix="variants-") as tmp:
        folder = Path(tmp)
        for form in V.FORMS:
            path = folder / form.filename
            try:
                form.write(canon, path)
            except Exception as exc:  # e.g. reportlab missing: report it, keep going
                out.append(Score(f"variants/{form.filename}", 0, len(expected), 0, 0,
                                 f"not rendered: {type(exc).__name__}: {exc}"))
                continue
            out.append(score(f"variants/{form.filename}", path, expected))
        shuffled = folder / "shuffled_t3.txt"
        shuffled.write_text(V.shuffled_t3_text(canon), encoding="utf-8")
        out.append(score("variants/shuffled_t3.txt", shuffled, expected))
    notes.append(f"variants: {len(out)} files rendered from {V.SAMPLE.name}, {len(expected)} cells each")
    return out


def oneline_corpus(notes: list[str]) -> list[Score]:
    """One-line archiver texts as real pages give them (tests/table_variants.py: cells run
    together, numbers run into labels, signed numbers glued, header and notes inline), built from
    the 2021 and 2019 samples and the real zibo report, against their one-cell-per-line readings."""
    from tests import table_variants as TV

    out = []
    with tempfile.TemporaryDirectory(prefix="oneline-") as tmp:
        for source in (TV.ZIBO, TV.SAMPLE_2021, TV.SAMPLE_2019):
            original = extract(read_document(source))
            expected = {(c.table, c.row, c.col): c.value for c in original.cells if c.raw is not None}
            for style in TV.STYLES:
                path = Path(tmp) / f"{source.stem}-{style.name}.txt"
                path.write_text(TV.oneline(source.read_text(encoding="utf-8"), style), encoding="utf-8")
                out.append(score(f"oneline/{source.stem}/{style.name}", path, expected))
        data = yaml.safe_load(keys_path().read_text(encoding="utf-8"))
        entry = next((e for e in data["reports"] if e["file"] == TV.PINGTAN.name), None)
        if entry is not None and TV.PINGTAN.exists():
            for name, text in TV.pingtan_variants(TV.PINGTAN.read_text(encoding="utf-8")).items():
                path = Path(tmp) / f"pingtan-{name}.txt"
                path.write_text(text, encoding="utf-8")
                out.append(score(f"oneline/pingtan-2022/{name}", path, expected_from_key(entry, [])))
    notes.append(f"one-line variants: {len(out)} files, each against its source read one cell per line "
                 "(the pingtan ones against its answer key)")
    return out


def pdf_corpus(notes: list[str]) -> list[Score]:
    """The LibreOffice PDFs in tests/data/pdf/ (tests/pdf_variants.py), against their values."""
    from tests import pdf_variants as P

    expected = P.expected(P.canonical())
    out = [score(f"pdf/{path.name}", path, expected) for path in sorted(P.PDF_DIR.glob("lo_*.pdf"))]
    with tempfile.TemporaryDirectory(prefix="pdf-cuts-") as tmp:
        canon = P.canonical()
        for cut in ("row", "label"):
            try:
                path = P.reportlab_cut_pdf(canon, Path(tmp) / f"reportlab_cut_{cut}.pdf", cut)
            except Exception as exc:  # e.g. reportlab missing
                out.append(Score(f"pdf/reportlab_cut_{cut}.pdf", 0, len(expected), 0, 0, f"not rendered: {exc}"))
                continue
            out.append(score(f"pdf/reportlab_cut_{cut}.pdf", path, expected))
    notes.append(f"PDF layouts: {len(out) - 2} LibreOffice exports and 2 reportlab tables cut across pages; lo_collapsed_other prints （六）其他处理 as one row, "
                 "so its three 2021 rows (21 cells) cannot be read")
    return out


def print_table(title: str, rows: list[Score]) -> None:
    width = max([len(r.name) for r in rows] + [4])
    print(title)
    print(f"  {'file':<{width}}  {'cells correct / cells expected':>30}  {'derived':>7}  {'wrong':>5}  status")
    for r in rows:
        frac = f"{r.correct} / {r.expected}"
        print(f"  {r.name:<{width}}  {frac:>30}  {r.derived:>7}  {r.wrong:>5}  {r.status}")
    c, e = sum(r.correct for r in rows), sum(r.expected for r in rows)
    print(f"  {'subtotal':<{width}}  {f'{c} / {e}':>30}  {sum(r.derived for r in rows):>7}  {sum(r.wrong for r in rows):>5}")
    print()


def main() -> int:
    notes: list[str] = []
    real = real_reports(notes)
    generated = variant_corpus(notes)
    oneline = oneline_corpus(notes)
    pdfs = pdf_corpus(notes)
    print(f"Extraction accuracy — table cells read correctly (answer keys: {keys_path().relative_to(ROOT.parent)})\n")
    print_table("Real reports (reports_in/, against the hand-read answer keys)", real)
    print_table("Generated variants of the sample (against its canonical values)", generated)
    print_table("One-line texts as real archivers give them (against the one-cell-per-line reading)", oneline)
    print_table("PDF layouts exported by LibreOffice (against the rendered values)", pdfs)
    rows = real + generated + oneline + pdfs
    correct, expected = sum(r.correct for r in rows), sum(r.expected for r in rows)
    derived, derived_ok = sum(r.derived for r in rows), sum(r.derived_correct for r in rows)
    pct = 100.0 * correct / expected if expected else 0.0
    print(f"cells correct / expected: {correct} / {expected} ({pct:.1f}%)")
    print(f"derived (inferred placement) cells among the expected: {derived}, of which correct: {derived_ok}")
    print(f"cells read with a wrong value: {sum(r.wrong for r in rows)}")
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
