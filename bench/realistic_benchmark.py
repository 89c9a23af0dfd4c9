"""Benchmark on the realistic corpus (bench/realistic.py): the local executor and a 2-worker Dask
cluster against the read-and-scan floor, the cost per report by format, and what 1M reports would take.

    python -m bench.realistic_benchmark                  # 2,000 reports (40 PDFs), a few minutes on 2 cores
    python -m bench.realistic_benchmark --n 20000 --pdf 400
    python -m bench.realistic_benchmark --no-dask        # local executor only

In one run, so that the machine's noise affects all figures alike:
1. the floor: every file read, decoded and scanned once with a regular expression on all cores
   (bench.benchmark.floor), the least any auditor must spend;
2. `auditor run DIR --out OUT --full` (the local executor): wall time and ratio to the floor;
   compliance findings and reading-review items per format, and precision/recall of the
   injected defects (the chrome must add no finding: a regression shows here); the floor and the
   local executor again without the PDFs (the floor decodes a PDF's text with pdfium; the auditor
   needs every character's box and the table lines, from pdfium where they equal pdfplumber's, else
   from pdfplumber, several times the cost);
3. a Dask cluster on this machine (`dask scheduler` on 127.0.0.1 and `dask worker --nworkers 2
   --nthreads 1`, started as processes; the start time is printed, not counted), then
   `auditor run DIR --out OUT2 --full --executor dask --scheduler tcp://127.0.0.1:PORT`: wall time,
   ratio to the local executor and to the floor, and whether both findings.jsonl are identical;
4. the CPU cost per report by format, measured in this process on a sample of each format
   (auditor.pipeline.reading.read_and_pack: hash + read + extract + pack, time.process_time),
   and the Dask run's own per-format figures from its log;
5. an estimate for 1,000,000 reports on 16 and 64 cores (see `estimate`).
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from . import benchmark as B
from . import realistic as R
from .cli import parser

ROOT = B.ROOT
STAGE = re.compile(r"([^，：\s]+) (\d+(?:\.\d+)?)")
MILLION = 1_000_000


# ------------------------------------------------------------------------------------ run logs

def stages(text: str) -> dict[str, float]:
    """「载入上次结果 0.01，读取与提取 1.02，规则 2.67，…」 → {name: seconds}."""
    return {k: float(v) for k, v in STAGE.findall(text)}


def read_cpu(split: str) -> float:
    """「读取 X 秒，提取 Y 秒，打包 Z 秒」 → X + Y + Z."""
    return sum(float(v) for v in re.findall(r"(\d+(?:\.\d+)?) 秒", split))


def cluster_lines(log: list[str]) -> list[str]:
    return [line.split(" INFO ", 1)[-1] for line in log if "集群读取" in line or "集群：" in line]


def cluster_cpu(log: list[str]) -> tuple[float, float, int, int] | None:
    """(CPU seconds of all shards, reading wall seconds, files, worker processes) from the Dask
    run's 「集群读取：」 line."""
    for line in reversed(log):
        m = re.search(r"集群读取：.*?(\d+) 个工作进程参与，(\d+) 份文件，用时 (\d+(?:\.\d+)?) 秒.*?CPU 合计 (\d+(?:\.\d+)?) 秒",
                      line)
        if m:
            return float(m.group(4)), float(m.group(3)), int(m.group(2)), int(m.group(1))
    return None


def cluster_per_format(log: list[str]) -> dict[str, float]:
    """「集群读取（每份 CPU 秒，按格式）：.html 0.012（1000 份），…」 → {suffix: CPU seconds per report}."""
    for line in reversed(log):
        if "集群读取（每份 CPU 秒，按格式）" in line:
            return {k: float(v) for k, v in re.findall(r"(\.\w+) (\d+(?:\.\d+)?)（", line)}
    return {}


# ------------------------------------------------------------------------------------ findings

def findings_by_kind(findings: Path, kinds: dict[str, str]) -> dict[str, Counter]:
    """Per format class: compliance findings and reading-review items (category extraction …)."""
    out: dict[str, Counter] = defaultdict(Counter)
    with open(findings, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                kind = kinds.get(Path(row["file"]).name, "其他")
                out[kind]["合规问题" if row.get("category") == "compliance" else "需人工核查"] += 1
    return out


# ----------------------------------------------------------------------------- the Dask cluster

class Cluster:
    """`dask scheduler` and `dask worker --nworkers 2 --nthreads 1` on loopback, as processes of
    their own session (stopped by their process group id)."""

    def __init__(self, workdir: Path, workers: int = 2) -> None:
        self.workdir, self.workers = workdir, workers
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    def _dask(self, *args: str, log: str) -> subprocess.Popen:
        exe = Path(sys.executable).parent / "dask"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]
        out = open(self.workdir / log, "wb")
        proc = subprocess.Popen(cmd + list(args), stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir,
                                start_new_session=True)
        out.close()
        self.procs.append(proc)
        return proc

    def start(self, timeout: float = 120) -> float:
        from distributed import Client

        self.workdir.mkdir(parents=True, exist_ok=True)
        info = self.workdir / "scheduler.json"
        info.unlink(missing_ok=True)
        t0 = time.perf_counter()
        self._dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info),
                   log="scheduler.log")
        while not info.exists():
            if time.perf_counter() - t0 > timeout or self.procs[0].poll() is not None:
                raise RuntimeError(f"调度器未能启动，见 {self.workdir / 'scheduler.log'}")
            time.sleep(0.05)
        time.sleep(0.05)     # the file is written whole; let the writer finish
        self.address = json.loads(info.read_text(encoding="utf-8"))["address"]
        self._dask("worker", self.address, "--nworkers", str(self.workers), "--nthreads", "1", "--no-dashboard",
                   "--local-directory", str(self.workdir / "space"), log="workers.log")
        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(self.workers, timeout=timeout)
        return time.perf_counter() - t0

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []


def without_pdfs(reports: Path, files: list[Path]) -> Path | None:
    """A sibling folder with the corpus's reports other than PDFs (hard links; made once)."""
    light = [f for f in files if f.suffix != ".pdf"]
    if len(light) == len(files) or not light:
        return None
    target = reports.parent / "reports-no-pdf"
    if not target.exists() or len(list(target.iterdir())) != len(light):
        target.mkdir(exist_ok=True)
        for f in light:
            if not (target / f.name).exists():
                os.link(f, target / f.name)
    return target


def run(reports: Path, out: Path, extra: tuple[str, ...] = ()) -> dict:
    """`auditor run --full` into an emptied folder (its log then holds this run only)."""
    shutil.rmtree(out, ignore_errors=True)
    return B.audit(reports, out, full=True, extra=extra) | {"out": out}


def has_dask_executor() -> bool:
    proc = subprocess.run([sys.executable, "-m", "auditor.cli", "run", "--help"], capture_output=True, cwd=ROOT)
    return b"--executor" in proc.stdout


# -------------------------------------------------------------------------- cost per format

def cost_per_format(reports: Path, kinds: dict[str, str], sample: int, seed: int) -> dict[str, dict]:
    """CPU seconds per report, per format class, in this process (one core): a seeded sample of
    each class read as a reading core reads it (hash, read, extract, pack), after a warm-up file."""
    try:
        from auditor.pipeline.reading import read_and_pack
    except ImportError:         # before the executor work: read and extract only
        from auditor.extract import extract
        from auditor.ingest import read_document

        def read_and_pack(path: Path):
            extract(read_document(path))

    by_kind: dict[str, list[Path]] = defaultdict(list)
    for name, kind in sorted(kinds.items()):
        by_kind[kind].append(reports / name)
    rng = random.Random(f"{seed}:sample")
    out = {}
    for kind, files in sorted(by_kind.items()):
        picked = rng.sample(files, min(len(files), sample if kind != "pdf" else max(1, sample // 3)))
        read_and_pack(picked[0])
        start = time.process_time()
        for path in picked:
            read_and_pack(path)
        cpu = time.process_time() - start
        out[kind] = {"n": len(picked), "cpu": cpu / len(picked),
                     "kb": sum(p.stat().st_size for p in picked) / len(picked) / 1024}
    return out


# ----------------------------------------------------------------------------------- estimate

def estimate(worker_cpu: float, driver: float, efficiency: float, cores: int, n: int = MILLION) -> float:
    """Seconds for n reports: reading and extraction (CPU per report `worker_cpu`) spread over
    `cores` at the measured parallel efficiency, plus the driver's per-report time (rules, outputs,
    ledger and workbook: one machine, does not spread) added linearly."""
    return n * worker_cpu / (cores * efficiency) + n * driver


def walls(runs: list[dict]) -> str:
    return "、".join(f"{r['wall']:.2f}" for r in runs)


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} 小时" if seconds >= 3600 else f"{seconds / 60:.0f} 分钟"


# --------------------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = parser("python -m bench.realistic_benchmark",
                "真实规模语料上的性能基准：读取扫描下限、本机执行、2 个工作进程的 Dask 集群、各格式每份成本、100 万份估算。")
    ap.add_argument("--n", type=int, default=2000, help="报告份数（默认 2000）")
    ap.add_argument("--pdf", type=int, default=None, metavar="N", help="其中 PDF 份数（默认 --n 的 2%%）")
    ap.add_argument("--seed", type=int, default=7, help="随机种子（默认 7）")
    ap.add_argument("--sample", type=int, default=30, metavar="N", help="各格式每份成本的抽样份数（PDF 取三分之一；默认 30）")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/auditor-bench"), metavar="目录",
                    help="语料缓存与结果目录（默认 /tmp/auditor-bench）")
    ap.add_argument("--repeat", type=int, default=2, metavar="N",
                    help="本机执行与 Dask 执行各运行 N 次（交替进行），取最快的一次（默认 2）")
    ap.add_argument("--no-dask", action="store_true", help="不测 Dask 执行方式")
    args = ap.parse_args(argv)
    pdf = args.n // 50 if args.pdf is None else args.pdf
    if args.n < 1 or not 0 <= pdf <= args.n or args.repeat < 1 or args.sample < 1:
        ap.error("--n、--repeat、--sample 至少为 1，--pdf 在 0 与 --n 之间")
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"机器：{os.cpu_count()} 核；Python {sys.version.split()[0]}；开始时负载 "
          f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}（1/5/15 分钟）")

    t0 = time.perf_counter()
    fresh = not (R.folder(args.n, args.seed, pdf, args.workdir) / "manifest.json").exists()
    folder = R.cached(args.n, args.seed, pdf, args.workdir)
    made = time.perf_counter() - t0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    reports = folder / "reports"
    files = sorted(p for p in reports.iterdir() if p.is_file())
    kinds = {}
    with open(folder / "reports.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            kinds[row["file"]] = R.kind_of(row["format"], row["encoding"])
    total_mb = sum(v["total"] for v in manifest["bytes"].values()) / 2 ** 20
    print(f"\n== 真实规模语料：{len(files)} 份，{total_mb:.0f} MB（{folder}；"
          f"{'本次生成' if fresh else '沿用已生成的'}，{made:.1f} 秒）==")
    for kind, b in manifest["bytes"].items():
        extra = ""
        if kind == "pdf" and manifest["pdf_pages"]:
            pp = manifest["pdf_pages"]
            extra = f"，共 {pp['total']} 页（每份 {pp['min']}–{pp['max']} 页）"
        print(f"  {kind:9s} {manifest['kinds'][kind]:5d} 份，每份 {b['min'] / 1024:.0f}–{b['max'] / 1024:.0f} KB，"
              f"平均 {b['mean'] / 1024:.0f} KB{extra}")

    base = min(B.floor(files) for _ in range(3))
    print(f"\n下限（{os.cpu_count()} 核读取解码 + 一次正则，3 次中最短）：{base:.2f} 秒")

    use_dask = not args.no_dask and has_dask_executor()
    locals_, dasks, starts, failed = [], [], [], []
    for i in range(args.repeat):      # alternately, so that the machine's load falls on both alike
        locals_.append(run(reports, args.workdir / f"out-realistic-{args.n}-local-{i}"))
        if not use_dask:
            continue
        # a cluster per run, started just before it: its nodes run the code as it is now (a node
        # of another version is refused), and it does not sit beside the local runs
        cluster = Cluster(args.workdir / "dask")
        try:
            starts.append((cluster.start(), cluster.address))
            dasks.append(run(reports, args.workdir / f"out-realistic-{args.n}-dask-{i}",
                             ("--executor", "dask", "--scheduler", cluster.address)))
        except (SystemExit, RuntimeError) as exc:
            failed.append(str(exc).strip())
        finally:
            cluster.stop()
    light = without_pdfs(reports, files)
    light_run = light_base = None
    if light is not None:
        light_files = sorted(light.iterdir())
        light_base = min(B.floor(light_files) for _ in range(3))
        light_run = run(light, args.workdir / f"out-realistic-{args.n}-no-pdf")

    local = min(locals_, key=lambda r: r["wall"])
    out = local["out"]
    print(f"\n本机执行（auditor run --full，{len(locals_)} 次：{walls(locals_)} 秒，"
          f"取最快）：{local['wall']:.2f} 秒，{args.n / local['wall']:.0f} 份/秒，"
          f"为下限的 {local['wall'] / base:.1f} 倍（目标 3 倍以内），峰值内存 {local['rss_mb']:.0f} MB，"
          f"CPU 合计 {local['cpu']:.1f} 秒")
    print(f"  各阶段：{local['stages']}")
    print(f"  读取与提取的 CPU 时间（各读取进程合计）：{local['read_split']}")
    print(f"  {local['summary']}")
    counts = findings_by_kind(out / "latest" / "findings.jsonl", kinds)
    print("  各格式：" + "；".join(f"{k} 合规问题 {counts[k]['合规问题']}、需人工核查 {counts[k]['需人工核查']}"
                                for k in sorted(manifest["kinds"])))
    acc = B.score(folder, out)
    print(f"  注入缺陷：精确率 {acc['precision']:.2%}，召回率 {acc['recall']:.2%}"
          f"（命中 {acc['tp']}，误报 {acc['fp']}，漏报 {acc['fn']}）")
    if light_run is not None:
        pdf_cpu = read_cpu(local["read_split"]) - read_cpu(light_run["read_split"])
        print(f"  不含 PDF 的 {len(light_files)} 份：下限 {light_base:.2f} 秒，本机执行 {light_run['wall']:.2f} 秒，"
              f"为下限的 {light_run['wall'] / light_base:.1f} 倍；各阶段：{light_run['stages']}")
        print(f"  即 {len(files) - len(light_files)} 份 PDF 占读取与提取 CPU 的 "
              f"{pdf_cpu / max(read_cpu(local['read_split']), 1e-9):.0%}（{pdf_cpu:.1f} 秒）；下限用 pdfium 只取出 PDF 的文字，"
              "审核要读出每个字的位置和表格线（与 pdfplumber 相同时用 pdfium，否则用 pdfplumber）。"
              f"参考：下限加上 PDF 解析（{pdf_cpu:.1f} 秒 ÷ {os.cpu_count()} 核）为 "
              f"{base + pdf_cpu / (os.cpu_count() or 1):.2f} 秒，本机执行为其 "
              f"{local['wall'] / (base + pdf_cpu / (os.cpu_count() or 1)):.1f} 倍")

    dask = None
    if args.no_dask:
        print("\nDask：未测（--no-dask）")
    elif not use_dask:
        print("\nDask：auditor run 尚无 --executor 选项，未测")
    else:
        print("\nDask 集群（本机，dask scheduler + dask worker --nworkers 2 --nthreads 1，每次运行前启动、运行后停止）：启动 "
              + "、".join(f"{t:.2f} 秒（{a}）" for t, a in starts) + "，不计入下面的用时")
        for message in failed:
            print(f"  Dask 运行失败：{message}")
    if dasks:
        dask = min(dasks, key=lambda r: r["wall"])
        print(f"Dask 执行（--executor dask，{len(dasks)} 次：{walls(dasks)} 秒，"
              f"取最快）：{dask['wall']:.2f} 秒，为本机执行的 {dask['wall'] / local['wall']:.2f} 倍（目标 1.3 倍以内），"
              f"为下限的 {dask['wall'] / base:.1f} 倍")
        print(f"  各阶段：{dask['stages']}")
        for line in cluster_lines(dask["log"]):
            print(f"  {line}")
        first = (out / "latest" / "findings.jsonl").read_bytes()
        same = all((r["out"] / "latest" / "findings.jsonl").read_bytes() == first for r in locals_ + dasks)
        print(f"  本机与 Dask 各次运行的 findings.jsonl：{'一致' if same else '不一致'}")

    costs = cost_per_format(reports, kinds, args.sample, args.seed)
    print("\n各格式每份成本（本进程单核抽样：哈希 + 读取 + 提取 + 打包，time.process_time）：")
    for kind, c in costs.items():
        print(f"  {kind:9s} {c['cpu'] * 1000:7.1f} 毫秒/份（抽样 {c['n']} 份，平均 {c['kb']:.0f} KB）")
    if dask:
        per = cluster_per_format(dask["log"])
        if per:
            print("  Dask 运行日志（各节点，按扩展名）：" + "，".join(f"{k} {v * 1000:.1f} 毫秒/份" for k, v in per.items()))

    # ---- 1M estimate
    steps = stages(local["stages"])
    driver_s = sum(v for k, v in steps.items() if k != "读取与提取")
    driver = driver_s / args.n
    source = "本机执行日志「读取与提取（各进程合计）」"
    worker = read_cpu(local["read_split"]) / args.n
    efficiency = 1.0
    shards = cluster_cpu(dask["log"]) if dask else None
    if shards:
        cpu, wall, n_files, nodes = shards
        worker, source = cpu / n_files, "Dask 运行日志「集群读取：…各片 CPU 合计」"
        efficiency = min(1.0, cpu / (wall * nodes)) if wall and nodes else 1.0
    mix = "、".join(f"{k} {v / args.n:.0%}" for k, v in manifest["kinds"].items())
    print(f"\n100 万份估算（组成同本语料：{mix}）：")
    print(f"  读取与提取 CPU {worker * 1000:.1f} 毫秒/份（{source}），集群并行效率 {efficiency:.0%}"
          "（各片 CPU 合计 ÷（集群读取用时 × 工作进程数）；本机 2 核上主机进程与调度器也占用这两核，故偏低）；")
    print(f"  主机（规则、输出、账本与工作簿，不随节点数增加而缩短）{driver * 1000:.2f} 毫秒/份"
          f"（本机执行的各阶段耗时 {driver_s:.1f} 秒 ÷ {args.n} 份），按份数线性累加")
    for cores in (16, 64):
        t = estimate(worker, driver, efficiency, cores)
        print(f"  {cores} 核：{hours(t)}（读取 {hours(MILLION * worker / (cores * efficiency))} + "
              f"主机 {hours(MILLION * driver)}）")
    if "pdf" in costs:
        pdf_cpu = costs["pdf"]["cpu"]
        print(f"  全部为 PDF（补录往年，{pdf_cpu:.2f} 秒/份，抽样）：" + "；".join(
            f"{cores} 核 {hours(estimate(pdf_cpu, driver, efficiency, cores))}" for cores in (16, 64)))
    print(f"  假设：读取与提取按核数线性并行（效率取上面的实测值），主机每份时间与 {args.n} 份时相同（规则按批向量化，"
          "跨年度比对与输出随份数线性增长），文件在共享存储上、网络不成瓶颈；不含集群启动。")
    print(f"\n结束时负载 {'/'.join(f'{x:.2f}' for x in os.getloadavg())}（1/5/15 分钟）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
