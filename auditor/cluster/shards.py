"""Shards: the unit of work a cluster node is given. One task per file costs more in scheduling
than the file takes to read (measured 13× slower than serial), so a node gets hundreds of text or
HTML files at a time, tens of PDFs or Word files. A shard never fails as a whole over one file: each
file's failure is caught inside it (reading.read_and_pack), as on this machine."""
from __future__ import annotations

import gc
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest import BINARY_READERS, LEGACY_SUFFIXES
from ..naming import file_name
from ..pipeline.reading import Packed, read_and_pack
from .identity import identity

SHARD_FILES = 200           # text, web pages, markdown: about 20 ms each
HEAVY_SHARD_FILES = 20      # PDF and Word files: up to a second each
MIN_SHARD_FILES = 8         # never a file per task, even to keep every node busy
SHARDS_PER_THREAD = 4       # enough shards that the nodes finish together
SENT_SHARD_BYTES = 32 << 20  # files sent with the task: at most this much per shard
HEAVY = set(BINARY_READERS) | LEGACY_SUFFIXES

# (index in the run's file list, the path a node opens, the name the run shows, and with the
# files sent: size, mtime and bytes as this machine read them)
Item = tuple[int, str, str, tuple[int, int, bytes | None] | None]


@dataclass
class ShardResult:
    """What a shard sends back: compact packed reports, the node's identity, timings, and the
    warnings its reading logged (the run's log gets them, as from a local reader)."""
    identity: tuple[tuple[str, str], ...]
    results: list[tuple[int, Packed]] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)     # files not found on the node (shared storage?)
    wall: float = 0.0
    cpu: float = 0.0
    node: str = ""
    logs: list[tuple[str, int, str]] = field(default_factory=list)   # (logger, level, message)


def heavy(path: Path) -> bool:
    return path.suffix.lower() in HEAVY


def shard_plan(files: list[Path], threads: int) -> list[list[int]]:
    """Indexes of `files` per shard: heavy files and light ones apart (a shard's time is then
    predictable), each kind cut into even shards of at most its size, smaller when there are few
    files, so that every node thread gets a few, but never fewer than MIN_SHARD_FILES a shard when
    there are that many."""
    shards: list[list[int]] = []
    for is_heavy, most in ((True, HEAVY_SHARD_FILES), (False, SHARD_FILES)):
        indexes = [i for i, path in enumerate(files) if heavy(path) == is_heavy]
        if not indexes:
            continue
        wanted = max(MIN_SHARD_FILES, min(most, math.ceil(len(indexes) / max(1, threads * SHARDS_PER_THREAD))))
        count = math.ceil(len(indexes) / wanted)
        if len(indexes) // count < MIN_SHARD_FILES:      # a few files: fewer, fuller shards
            count = max(1, len(indexes) // MIN_SHARD_FILES)
        size, extra = divmod(len(indexes), count)       # even shards: never a lone file left over
        start = 0
        for n in range(count):
            end = start + size + (1 if n < extra else 0)
            shards.append(indexes[start:end])
            start = end
    return shards


def items_of(files: list[Path], indexes: list[int]) -> list[Item]:
    """A shard's items for nodes that see the same files at the same paths (shared storage)."""
    return [(i, os.path.abspath(files[i]), file_name(files[i]), None) for i in indexes]


def split_by_bytes(items: list[Item]) -> list[list[Item]]:
    """Sent items in shards of at most SENT_SHARD_BYTES (a single larger file travels alone)."""
    out: list[list[Item]] = [[]]
    size = 0
    for item in items:
        n = len(item[3][2] or b"") if item[3] else 0
        if out[-1] and size + n > SENT_SHARD_BYTES:
            out.append([])
            size = 0
        out[-1].append(item)
        size += n
    return out


def read_shard(items: list[Item], expected: tuple[tuple[str, str], ...]) -> ShardResult:
    """Run on a node: read and extract every file of the shard, unless this node is not the same
    version as the main process (then nothing is read; the main process refuses the node)."""
    mine = identity()
    if mine != expected:
        return ShardResult(mine, node=_node())
    wall, cpu = time.perf_counter(), time.process_time()
    result = ShardResult(mine, node=_node())
    catcher = _LogCatcher(result.logs)
    enabled = gc.isenabled()
    gc.disable()          # a report's objects are short-lived: freed by reference counting
    try:
        for index, path, shown, sent in items:
            if sent is None and not visible(path):
                result.missing.append(index)
            result.results.append((index, read_and_pack(Path(path), shown, sent)))
    finally:
        catcher.close()
        if enabled:
            gc.enable()
    result.wall, result.cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result


def visible(path: str) -> bool:
    """Whether this node sees the file at the path the main process gave (shared storage)."""
    return os.path.exists(path)


def _node() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return ""


class _LogCatcher(logging.Handler):
    """The warnings the readers log on this thread, kept for the main process's log."""

    LOGGERS = ("auditor", "auditor.file")

    def __init__(self, into: list[tuple[str, int, str]]) -> None:
        super().__init__(logging.WARNING)
        self.into = into
        self.thread = threading.get_ident()
        self.last: logging.LogRecord | None = None     # a record of auditor.file may propagate to auditor
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and record is not self.last:
            self.last = record
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            self.into.append((record.name, record.levelno, text))

    def close(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)
        super().close()
