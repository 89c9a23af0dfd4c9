"""The read stage: the reports the ledger already has under these rules are taken from it, the
other files are read, on every core. Each file is read, extracted and packed for the ledger in a
worker; any failure of one file becomes (file, Chinese reason), never an exception, and a reader
process that dies costs only the file it was reading."""
from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..engine import gx_process
from ..extract import extract
from ..forking import Child, can_fork, pool_size, worker_pool
from ..ingest import MAX_FILE_BYTES, ReadError, read_document
from ..ledger import content_hash, pack_report, unpack_report
from ..model import Report
from ..naming import file_name
from ..speed import GX_PROCESS_FROM, PARALLEL_FROM, worth

if TYPE_CHECKING:
    from .collecting import Collected
    from .context import RunContext

log = logging.getLogger("auditor")


def read_one(path: Path) -> Report | tuple[str, str]:
    """Read and extract one file; any failure becomes (file, Chinese reason), never an exception."""
    return _read_timed(path)[0]


def _read_timed(path: Path, data: bytes | None = None, shown: str | None = None
                ) -> tuple[Report | tuple[str, str], float, float]:
    """`read_one`, plus the CPU seconds spent reading the file and extracting the report. `shown`:
    the name outputs give the file (default file_name(path); a cluster node reads it by another path)."""
    start = time.process_time()
    read_s = 0.0
    name = shown or file_name(path)
    try:
        document = read_document(path, data)
        read_s = time.process_time() - start
        report = extract(document)
        report.file = name
        return report, read_s, time.process_time() - start - read_s
    except ReadError as exc:
        result: tuple[str, str] = (name, str(exc))
    except Exception as exc:  # one bad file must not stop the run
        logging.getLogger("auditor.file").exception("读取 %s 时出错", name)   # traceback: log file only
        log.warning("读取 %s 时发生内部错误（%s），该文件列入需人工核查（详情见日志）", name, type(exc).__name__)
        result = (name, f"读取时发生内部错误（{type(exc).__name__}）")
    return result, read_s, time.process_time() - start - read_s


FileRow = tuple[str, int, int, str]     # path, size, mtime_ns, content hash (the ledger's files table)


Packed = tuple[tuple[str, str] | None, bytes | None, tuple[float, float, float], FileRow]


def read_and_pack(path: Path, shown: str | None = None, sent: tuple[int, int, bytes | None] | None = None) -> Packed:
    """`read_one` packed on the reading cores: (None, the report as the ledger stores it) or
    ((file, Chinese reason), None); the file's row (hashed from the very bytes that were read); the
    CPU seconds of each step. The packed report is all that travels back: the main process
    unpacks it (auditor/ledger.py unpack_report) and stores the same bytes. A cluster node passes
    `shown` (the name the run gives the file) and, when the files are sent to it, `sent`: the
    file's size, mtime and bytes as the main process read them."""
    start = time.process_time()
    name = shown or file_name(path)
    if sent is not None:
        size, mtime, data = sent
    else:
        try:
            st = path.stat()
            size, mtime = st.st_size, st.st_mtime_ns
            data = None if size > MAX_FILE_BYTES else path.read_bytes()   # too large: refused unread
        except OSError as exc:
            return (name, f"无法读取文件（{exc.strerror or exc}）"), None, (0.0, 0.0, 0.0), (name, -1, -1, "unreadable")
    h = content_hash(data) if data is not None else f"oversize-{size}-{mtime}"
    hash_s = time.process_time() - start
    result, read_s, extract_s = _read_timed(path, data, name)
    start = time.process_time()
    if isinstance(result, Report):
        failed, blob = None, pack_report(result)
    else:
        failed, blob = result, None
    return failed, blob, (hash_s + read_s, extract_s, time.process_time() - start), (name, size, mtime, h)


@dataclass
class ReadResult:
    reports: list[Report]
    unreadable: list[tuple[str, str]]
    stored: dict[str, bytes]      # file → the report as the ledger stores it
    cpu: dict[str, float]         # CPU seconds per step summed over files (on all reading processes)
    rows: list[FileRow]           # one per file read, in input order


class Reader(Protocol):
    """Where the files are read: this machine's cores (the default) or a cluster (auditor/cluster)."""

    def read(self, files: list[Path]) -> list[Packed]:
        """`read_and_pack` of every file, in input order."""


def read_reports(files: list[Path], workers: int | None = None, reader: Reader | None = None) -> ReadResult:
    """Read files on every core (reading and extraction are independent per file), or by `reader`
    (a cluster), in input order."""
    results = reader.read(files) if reader is not None and files else read_here(files, workers)
    packed = [blob for _, blob, _, _ in results if blob is not None]
    reports = [unpack_report(blob) for blob in packed]
    unreadable = [failed for failed, _, _, _ in results if failed is not None]
    stored = {r.file: blob for r, blob in zip(reports, packed)}
    cpu = dict(zip(("读取", "提取", "打包"), (sum(t[i] for _, _, t, _ in results) for i in range(3))))
    return ReadResult(reports, unreadable, stored, cpu, [row for _, _, _, row in results])


def read_here(files: list[Path], workers: int | None = None) -> list[Packed]:
    """`read_and_pack` of every file on this machine's cores, in input order."""
    workers = pool_size(workers or os.cpu_count() or 1)
    if workers > 1 and worth(PARALLEL_FROM, len(files)):
        from concurrent.futures.process import BrokenProcessPool

        results: list[Packed] = []
        # fork, or spawn where fork is unavailable (the paths go pickled, the reports come back packed
        # either way); gc off in the workers too: a report's objects are short-lived
        try:
            with worker_pool(workers) as pool:
                # large chunks: fewer round trips; at least 8 per worker, so that both finish together
                chunk = max(1, min(128, len(files) // (workers * 8)))
                results.extend(progress(pool.map(read_and_pack, files, chunksize=chunk), len(files)))
        except BrokenProcessPool:
            # a reading process died (killed for memory, or a parsing library crashed on some file):
            # the files not yet read are read again one per process, so only the culprit is lost
            log.warning("读取进程意外退出：其余 %d 份文件逐份重新读取", len(files) - len(results))
            results.extend(read_alone(p) for p in files[len(results):])
        return results
    return [read_and_pack(p) for p in progress(files, len(files))]


def read_alone(path: Path, shown: str | None = None) -> Packed:
    """`read_and_pack` in a process of its own (forked, or started where fork is unavailable): a
    file that kills its reader is reported as unreadable instead of ending the run."""
    child = Child(_read_child, path, shown)
    try:
        result = child.conn.recv()
    except EOFError:
        result = None
    finally:
        child.stop(grace=None)
    if result is not None:
        return result
    name = shown or file_name(path)
    log.warning("读取 %s 的进程意外退出（退出码 %s）", name, child.exitcode)
    return ((name, f"读取该文件的进程意外退出（退出码 {child.exitcode}；文件可能过大、过于复杂或已损坏）"), None,
            (0.0, 0.0, 0.0), (name, -1, -1, "unreadable"))


def _read_child(conn, path: Path, shown: str | None) -> None:
    try:
        conn.send(read_and_pack(path, shown))
    finally:
        conn.close()


def progress(items, total: int, desc: str = "读取报告"):
    """`items` with a progress bar on a terminal only; cron gets silence."""
    if not _bar_wanted(total):
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="份", total=total, leave=False)


def progress_bar(total: int, desc: str = "读取报告"):
    """The same bar advanced by hand (`update(n)`: a cluster run advances it a shard at a time),
    or None where `progress` shows none."""
    if not _bar_wanted(total):
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit="份", total=total, leave=False)


def _bar_wanted(total: int) -> bool:
    return sys.stderr.isatty() and total >= 20


@dataclass
class Inputs:
    """What a run found before auditing: files, their hashes, and which are cached."""
    collected: Collected
    hashes: dict[Path, str]
    file_rows: list[FileRow]
    cache: dict[str, tuple[Report, list[dict]]]
    fresh: list[Report]
    unreadable: list[tuple[str, str]]
    stored: dict[str, bytes] = field(default_factory=dict)
    validator: Callable[..., dict[str, set[int]]] | None = None   # the GX process's, in a large run

    @property
    def audited(self) -> int:
        return len(self.fresh) + len(self.unreadable)

    @property
    def not_read(self) -> list[tuple[str, str]]:
        """(file, Chinese reason) of every file that gave no report: skipped or unreadable."""
        return self.collected.skipped + self.unreadable


def read_inputs(ctx: RunContext, helpers: ExitStack) -> Inputs:
    """Reports from the ledger where it has them, the rest read. Without `ctx.hashes` nothing is
    cached: the files are hashed as they are read. A large run's GX process is entered into
    `helpers`, so that it ends with the run however the run ends."""
    collected, hashes, watch = ctx.collected, ctx.hashes, ctx.watch
    cache = {} if ctx.full or hashes is None else ctx.ledger.cached(set(hashes.values()), ctx.rules_hash)
    watch.lap("载入上次结果")
    to_read = [p for p in collected.files if hashes is None or hashes[p] not in cache]
    gx = None
    if worth(GX_PROCESS_FROM, len(to_read)) and can_fork():
        gx = helpers.enter_context(closing(gx_process.GXProcess()))   # loads GX while the files are read
    read = read_reports(to_read, reader=ctx.reader)
    # A file read now is known by the bytes that were read, never by what its path held when it was
    # hashed before: one replaced meanwhile must not store its extraction under the other's hash.
    hashes = dict(hashes or {})
    hashes.update((path, row[3]) for path, row in zip(to_read, read.rows))
    rows = {row[0]: row for row in ctx.file_rows or []}
    rows.update((row[0], row) for row in read.rows)
    file_rows = [row for row in rows.values() if row[1] >= 0]
    watch.lap("读取与提取")
    if read.cpu["读取"] + read.cpu["提取"] > 0:
        log.info("读取与提取（各进程合计）：%s", "，".join(f"{k} {v:.2f} 秒" for k, v in read.cpu.items()))
    return Inputs(collected, hashes, file_rows, cache, read.reports, read.unreadable, read.stored,
                  gx.run_expectations if gx else None)
