"""Benchmark: audit generated corpora with the real CLI and print speed, memory and accuracy.

    python -m bench.benchmark                 # 1,000 and 10,000 text/HTML reports + a PDF set
    python -m bench.benchmark --sizes 1000    # quicker

For each size it measures, in one run so that the machine's noise affects all figures alike:
- the floor: reading and decoding every file (a PDF's or DOCX's text layer included) plus one
  regular-expression pass over each (on all cores, like the auditor), the least any auditor must spend;
- a full audit (`auditor run --full` into an empty folder): wall time, reports/s, peak RSS of the
  auditor process, and time per stage (from the run log), and its ratio to the floor;
- an unchanged re-run (same inputs, same rules: everything comes from the ledger);
- precision and recall of the injected defects (bench.score).
PDFs are measured apart, in pages per second.

Pages of real size (100–400 KB of site chrome, GBK pages, PDFs of 8–15 pages) and the Dask executor:
python -m bench.realistic_benchmark (bench/realistic_benchmark.py).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERN = re.compile(r"(?:一|二|三|四|五|六)、[^\n]{2,30}|\d+")


def corpus(n: int, seed: int, workdir: Path, formats: str | None = None, pdf: int = 0) -> Path:
    """Generate (once; cached by size/seed/formats) a corpus with ground truth."""
    name = f"corpus-{n}-{seed}-{(formats or 'default').replace(',', '+')}-{pdf}"
    target = workdir / name
    if not (target / "manifest.json").exists():
        shutil.rmtree(target, ignore_errors=True)
        cmd = [sys.executable, "-m", "bench.corpus", "--n", str(n), "--seed", str(seed), "--out", str(target)]
        if formats:
            cmd += ["--formats", formats]
        if pdf:
            cmd += ["--pdf", str(pdf)]
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return target / "reports"


def _floor_one(path: str) -> int:
    """Read one file, decode its text and scan it once. A PDF's text is decoded by pdfium (Chrome's C++
    PDF library, pypdfium2, which pdfplumber already brings; the auditor needs every character's box
    and the table lines as pdfplumber gives them, several times the cost), a DOCX's from its
    document.xml: any auditor must get the text out."""
    data = Path(path).read_bytes()
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        text = _pdf_text(data)
    elif suffix == ".docx":
        import zipfile
        from io import BytesIO

        with zipfile.ZipFile(BytesIO(data)) as z:
            text = re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))
    else:
        from auditor.ingest.encoding import decode_bytes

        try:
            text, _ = decode_bytes(data)
        except ValueError:
            text = data.decode("latin-1")
    return len(PATTERN.findall(text))


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def floor(files: list[Path]) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        sum(pool.map(_floor_one, [str(f) for f in files], chunksize=64))
    return time.perf_counter() - start


def audit(reports: Path, out: Path, full: bool, extra: tuple[str, ...] = ()) -> dict:
    """Run the CLI in a child process; wall time, its peak RSS, and the stage timings it logged.
    `extra`: more options (`--executor dask --scheduler …`)."""
    cmd = [sys.executable, "-m", "auditor.cli", "run", str(reports), "--out", str(out), "--rules", str(ROOT / "rules")]
    if full:
        cmd.append("--full")
    cmd += list(extra)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(proc.stderr.decode("utf-8", "replace"))
    log = (out / "auditor.log").read_text(encoding="utf-8").splitlines()
    stages = next((line.split("各阶段耗时（秒）：", 1)[1] for line in reversed(log) if "各阶段耗时" in line), "")
    split = next((line.split("读取与提取（各进程合计）：", 1)[1] for line in reversed(log)
                  if "读取与提取（各进程合计）" in line), "")
    return {"wall": wall, "rss_mb": max(rss, before) / 1024, "stages": stages, "read_split": split, "cpu": cpu,
            "summary": proc.stdout.decode("utf-8").splitlines()[0], "log": log}


def score(corpus_dir: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.score", str(corpus_dir), str(out / "latest" / "findings.jsonl"),
                           "--json"], capture_output=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.decode("utf-8"))


def pdf_pages(files: list[Path]) -> int:
    import pdfplumber

    total = 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            total += len(pdf.pages)
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.benchmark", description="省级规模性能基准")
    ap.add_argument("--sizes", default="1000,10000", help="报告份数，逗号分隔（默认 1000,10000）")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pdf", type=int, default=40, help="另测 N 份 PDF 的每秒页数（0 为不测）")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/auditor-bench"))
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"机器：{os.cpu_count()} 核；Python {sys.version.split()[0]}")
    for n in [int(x) for x in args.sizes.split(",")]:
        reports = corpus(n, args.seed, args.workdir, formats="txt,html")
        files = sorted(p for p in reports.iterdir() if p.is_file())
        out = args.workdir / f"out-{n}"
        shutil.rmtree(out, ignore_errors=True)
        base = floor(files)
        full = audit(reports, out, full=True)
        again = audit(reports, out, full=False)
        acc = score(reports.parent, out)
        print(f"\n== {n} 份文本/网页报告 ==")
        print(f"下限（读取解码 + 一次正则）：{base:.2f} 秒")
        print(f"完整审核：{full['wall']:.2f} 秒，{n / full['wall']:.0f} 份/秒，峰值内存 {full['rss_mb']:.0f} MB，"
              f"为下限的 {full['wall'] / base:.1f} 倍")
        print(f"  CPU 时间合计 {full['cpu']:.1f} 秒（全部进程），{os.cpu_count()} 核平均利用率 "
              f"{full['cpu'] / full['wall'] / (os.cpu_count() or 1):.0%}")
        print(f"  各阶段：{full['stages']}")
        if full["read_split"]:
            print(f"  其中读取与提取的 CPU 时间（两个读取进程合计）：{full['read_split']}")
        print(f"未变化重跑：{again['wall']:.2f} 秒；各阶段：{again['stages']}")
        print(f"注入缺陷：精确率 {acc['precision']:.2%}，召回率 {acc['recall']:.2%}"
              f"（命中 {acc['tp']}，误报 {acc['fp']}，漏报 {acc['fn']}）")
    if args.pdf:
        reports = corpus(args.pdf, args.seed, args.workdir, formats="pdf", pdf=args.pdf)
        files = sorted(reports.glob("*.pdf"))
        pages = pdf_pages(files)
        out = args.workdir / "out-pdf"
        shutil.rmtree(out, ignore_errors=True)
        res = audit(reports, out, full=True)
        print(f"\n== {len(files)} 份 PDF，共 {pages} 页 ==")
        print(f"完整审核：{res['wall']:.2f} 秒，{pages / res['wall']:.1f} 页/秒；各阶段：{res['stages']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
