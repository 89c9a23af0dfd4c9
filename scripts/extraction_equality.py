"""Dump what extraction reads from every file we test on, to prove a speed-up changed no result.

Usage: python scripts/extraction_equality.py OUT.json [--corpus DIR] [--compare OTHER.json]

The dump holds `Report.as_json()` (with `heading_seen`) of: the benchmark corpus (if given),
reports_in/, tests/data/pages/, and the variants the tests build (tests/variants.py,
tests/table_variants.py, tests/layout_variants.py, tests/chrome_variants.py). Run it before and
after a change to extraction; with --compare it exits 1 unless the two dumps are byte-identical.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.extract import extract  # noqa: E402
from auditor.ingest import read_document  # noqa: E402


def _variant_files(tmp: Path) -> list[Path]:
    """Every variant file the layout tests build, written into `tmp`."""
    from tests import chrome_variants as cv
    from tests import layout_variants as lv
    from tests import table_variants as tv
    from tests import variants as v

    out: list[Path] = list(v.render_all(v.load_canonical(), tmp / "forms").values())
    one = tmp / "oneline"
    one.mkdir()
    for name, source in {"zibo": tv.ZIBO, "s2021": tv.SAMPLE_2021, "s2019": tv.SAMPLE_2019}.items():
        for style in tv.STYLES:
            path = one / f"{name}-{style.name}.txt"
            path.write_text(tv.oneline(source.read_text(encoding="utf-8"), style), encoding="utf-8")
            out.append(path)
    for name, source in (("shuyang", tv.SHUYANG), ("shanghai", tv.SHANGHAI)):
        for glue in (False, True):
            path = one / f"{name}-flat-{glue}.txt"
            path.write_text(tv.flatten(source, glue), encoding="utf-8")
            out.append(path)
    for name, text in tv.pingtan_variants(tv.PINGTAN.read_text(encoding="utf-8")).items():
        path = one / f"pingtan-{name}.txt"
        path.write_text(text, encoding="utf-8")
        out.append(path)
    samples = ROOT / "reports_in"
    sources = [samples / "zibo-gaoxin-police-2022.txt", samples / "pingtan-2022.txt",
               samples / "shuyang-fgj-2023.html", ROOT / "rules" / "fixtures" / "sample-2021.txt"]
    word = tmp / "zibo-word.html"
    word.write_bytes(cv.word_pasted_html(sources[0].read_text(encoding="utf-8"), "zibo", seed=3))
    for source in [*sources, word]:
        meta = extract(read_document(source)).meta
        out.extend(lv.write_variants(source, tmp / "layout" / source.stem, meta))
    chrome = tmp / "chrome"
    chrome.mkdir()
    for name in ["zibo-gaoxin-police-2022.txt", "pingtan-2022.txt", "shanghai-stcsm-2024.md"]:
        text = (samples / name).read_text(encoding="utf-8")
        stem = Path(name).stem
        path = chrome / f"{stem}-chrome{Path(name).suffix}"
        path.write_text(cv.text_with_chrome(text), encoding="utf-8")
        out.append(path)
        if name.startswith("zibo"):
            w = chrome / f"{stem}-word.html"
            w.write_bytes(cv.word_pasted_html(text, stem, seed=len(name)))
            out.append(w)
            out.append(cv.word_docx(text, chrome / f"{stem}-word.docx", seed=len(name)))
    page = (samples / "shuyang-fgj-2023.html").read_text(encoding="utf-8")
    path = chrome / "shuyang-chrome.html"
    path.write_text(cv.html_with_chrome(page), encoding="utf-8")
    out.append(path)
    return out


def dump(corpus: Path | None) -> dict[str, dict]:
    files: list[tuple[str, Path]] = []
    if corpus is not None:
        files += [(f"corpus/{p.name}", p) for p in sorted(corpus.iterdir()) if p.is_file()]
    files += [(f"reports_in/{p.name}", p) for p in sorted((ROOT / "reports_in").iterdir()) if p.is_file()]
    pages = ROOT / "tests" / "data" / "pages"
    files += [(f"pages/{p.relative_to(pages)}", p) for p in sorted(pages.rglob("*")) if p.is_file()]
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files += [(f"variants/{p.relative_to(tmp)}", p) for p in _variant_files(Path(tmp))]
        for key, path in files:
            try:
                # the temporary folder's name changes from run to run: keep only what is under it
                out[key] = json.loads(json.dumps(extract(read_document(path)).as_json(),
                                                 ensure_ascii=False).replace(tmp, "TMP"))
            except Exception as exc:  # noqa: BLE001 - an error is a result too, and must not change
                out[key] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpus", type=Path, default=None, help="benchmark corpus reports folder")
    ap.add_argument("--compare", type=Path, default=None, help="an earlier dump that must be identical")
    args = ap.parse_args()
    data = dump(args.corpus)
    args.out.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0), encoding="utf-8")
    print(f"{len(data)} files dumped to {args.out}")
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    if args.compare.read_bytes() == args.out.read_bytes():
        print("identical")
        return 0
    diff = sorted(k for k in set(before) | set(data) if before.get(k) != data.get(k))
    print(f"DIFFERENT: {len(diff)} files, e.g. {diff[:10]}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
