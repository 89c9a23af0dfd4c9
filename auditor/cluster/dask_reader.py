"""The cluster reader: the run's files read on a Dask cluster, shard by shard, with exactly the
result the local reading pool gives (reading.read_here), in input order.

What can go wrong, and what the run does:
- the scheduler cannot be reached, has no workers, or a node is of another version: ClusterError
  before any file is sent (the run records nothing; `auditor run` exits with its own code);
- a node dies mid-shard: Dask gives the shard to another node; a shard that kills node after node
  (Dask's KilledWorker) is read here instead, each file in a process of its own, so that only the
  culprit is lost, as on one machine;
- the scheduler goes away mid-run: ClusterError; nothing was written yet (reading comes before
  the run folder and the ledger), so the run fails cleanly and the next run starts afresh;
- a node cannot see a file this machine sees (no shared storage at the same path): ClusterError
  that says so and names --send-files.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..naming import LISTED_AT_MOST, file_name, names_text
from ..pipeline.reading import Packed, progress_bar, read_alone, read_and_pack
from .identity import differences, identity
from .shards import Item, ShardResult, items_of, read_shard, shard_plan, split_by_bytes

log = logging.getLogger("auditor")

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_SECONDS = 20        # to reach the scheduler
WORKERS_SECONDS = 60        # for a first worker to be there
IN_FLIGHT_PER_THREAD = 3    # shards submitted ahead per node thread: the cluster never waits, memory stays bounded
UNCHANGED = "本次未运行；之前的结果和账本保持不变"


class ClusterError(Exception):
    """The cluster cannot be used for this run (unreachable, no workers, another version, no
    shared storage, lost mid-run). The message is Chinese and says what to do; nothing was recorded."""


def scheduler_address(given: str | None) -> str | None:
    """The scheduler to use: --scheduler, else the DASK_SCHEDULER_ADDRESS environment variable."""
    return (given or os.environ.get(SCHEDULER_ENV, "")).strip() or None


class DaskReader:
    """Reads a run's files on the cluster whose scheduler is at `address`. With `send_files`, this
    machine reads each file and sends its bytes with the shard (nodes without the shared inbox);
    else the nodes open the files at the same absolute paths (shared storage)."""

    def __init__(self, address: str, send_files: bool = False) -> None:
        self.address = address
        self.send_files = send_files

    def read(self, files: list[Path]) -> list[Packed]:
        import dask
        import distributed  # noqa: F401 - its import sets its loggers' levels: quieted after it

        # no pandas frame is built on the cluster, but a frame Dask ever builds keeps object strings;
        # Dask's own complaints (reconnecting, a lost node) stay off the terminal: what matters of
        # them reaches the user as ClusterError, in Chinese
        _quiet_dask()
        with dask.config.set({"dataframe.convert-string": False}):
            client = self._connect()
            try:
                here = self._check_nodes(client)
                threads = sum(client.nthreads().values()) or 1
                return _Run(client, files, here, threads, self.send_files, self.address).collect()
            finally:
                client.close()

    def _connect(self) -> Any:
        from distributed import Client

        try:
            client = Client(self.address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            _detail("连接调度器", exc)
            raise ClusterError(f"无法连接 Dask 调度器 {self.address}（{CONNECT_SECONDS} 秒内未能连上，或地址有误），"
                               f"{UNCHANGED}。请确认调度器已启动（dask scheduler）且本机可以访问该地址和端口。") from exc
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (OSError, TimeoutError) as exc:
            client.close()
            raise ClusterError(f"Dask 调度器 {self.address} 上没有工作节点（等待 {WORKERS_SECONDS} 秒），{UNCHANGED}。"
                               "请先在各节点启动 dask worker。") from exc
        return client

    def _check_nodes(self, client: Any) -> tuple[tuple[str, str], ...]:
        """This machine's identity, once every node has been found to share it."""
        here = identity()
        try:
            theirs = client.run(identity)
        except Exception as exc:     # e.g. the package is not installed on a node
            _detail("在节点上核对版本", exc)
            raise ClusterError(f"无法在集群节点上运行本工具（{type(exc).__name__}，详情见日志），{UNCHANGED}。"
                               "各节点须安装与本机相同版本的 gov-report-auditor。") from exc
        theirs = {node: tuple(map(tuple, ident)) for node, ident in theirs.items()}   # lists once pickled
        wrong = {node: differences(here, ident) for node, ident in theirs.items() if ident != here}
        if wrong:
            raise ClusterError(_version_message(wrong))
        log.info("集群：调度器 %s，%d 个工作进程，版本与本机一致", self.address, len(theirs))
        return here


class _Run:
    """One read on the cluster: shards submitted a window at a time, collected as they finish."""

    def __init__(self, client: Any, files: list[Path], here: tuple, threads: int, send: bool, address: str) -> None:
        self.client, self.files, self.here, self.threads, self.send, self.address = \
            client, files, here, threads, send, address
        self.results: list[Packed | None] = [None] * len(files)
        self.token = uuid.uuid4().hex[:12]
        self.timings: list[ShardResult] = []
        self.sizes: list[int] = []

    def collect(self) -> list[Packed]:
        from distributed import as_completed

        shards = self._shards()
        window = as_completed(loop=self.client.loop)
        pending: dict[Any, list[Item]] = {}
        bar = progress_bar(len(self.files))
        started = time.perf_counter()
        try:
            for _ in range(self.threads * IN_FLIGHT_PER_THREAD):
                self._submit(next(shards, None), window, pending)
            for future in window:
                items = pending.pop(future)
                self._take(future, items)
                if bar is not None:
                    bar.update(len(items))
                self._submit(next(shards, None), window, pending)
        except BaseException:
            self.client.cancel(list(pending))
            raise
        finally:
            if bar is not None:
                bar.close()
        self._log_timings(time.perf_counter() - started)
        missing = [i for i, packed in enumerate(self.results) if packed is None]
        assert not missing, f"files without a result: {missing[:5]}"
        return self.results       # type: ignore[return-value]

    def _shards(self) -> Iterator[list[Item]]:
        """The shards, made as they are submitted (with --send-files, the files are read then)."""
        for indexes in shard_plan(self.files, self.threads):
            items = items_of(self.files, indexes)
            if not self.send:
                yield items
                continue
            yield from split_by_bytes([sent for sent in map(self._with_bytes, items) if sent is not None])

    def _with_bytes(self, item: Item) -> Item | None:
        """The item with this machine's reading of the file. A file it cannot read, or one refused
        by its size unread, is done here (the same result as a local run: the node would have
        neither the file nor its bytes to say why)."""
        from ..ingest import MAX_FILE_BYTES

        index, path, shown, _ = item
        try:
            st = os.stat(path)
            data = None if st.st_size > MAX_FILE_BYTES else Path(path).read_bytes()
        except OSError:
            data = None
        if data is None:
            self.results[index] = read_and_pack(self.files[index], shown)
            return None
        return index, path, shown, (st.st_size, st.st_mtime_ns, data)

    def _submit(self, items: list[Item] | None, window: Any, pending: dict) -> None:
        if items is None:
            return
        future = self.client.submit(read_shard, items, self.here, key=f"auditor-read-{self.token}-{len(self.sizes)}",
                                    pure=False, retries=1)
        self.sizes.append(len(items))
        pending[future] = items
        window.add(future)

    def _take(self, future: Any, items: list[Item]) -> None:
        from asyncio import CancelledError

        from distributed.scheduler import KilledWorker

        try:
            shard: ShardResult = future.result()
        except KilledWorker:
            self._read_here(items, "使处理它的集群节点多次意外退出")
            return
        except (Exception, CancelledError) as exc:     # CancelledError: the client lost the scheduler
            if _lost(exc) or future.status == "cancelled":
                _detail("读取中与调度器的连接", exc)
                raise ClusterError(f"与 Dask 调度器 {self.address} 的连接中断（调度器停止运行或网络断开），{UNCHANGED}。"
                                   "请检查调度器后重新运行。") from exc
            self._read_here(items, f"在集群节点上出错（{type(exc).__name__}）")
            return
        if shard.identity != self.here:
            raise ClusterError(_version_message({shard.node: differences(self.here, shard.identity)}))
        unseen = [self.files[i] for i in shard.missing if self.files[i].exists()]
        if unseen:
            raise ClusterError(
                f"集群节点 {shard.node} 上找不到本机的报告文件（如 {names_text([file_name(p) for p in unseen])}），"
                f"{UNCHANGED}。请把收件箱放在各节点可以访问的共享存储上，并挂载到与本机相同的路径；"
                "或加 --send-files，由本机读取文件后发给各节点。")
        for name, level, message in shard.logs:
            logging.getLogger(name).log(level, message)
        for index, packed in shard.results:
            self.results[index] = packed
        self.timings.append(shard)

    def _read_here(self, items: list[Item], why: str) -> None:
        """A shard the cluster could not read: its files read on this machine, each alone."""
        log.warning("第 %s 片（%d 份文件）%s：这些文件改在本机逐份读取", items[0][0], len(items), why)
        for index, _, shown, _ in items:
            self.results[index] = read_alone(self.files[index], shown)

    def _log_timings(self, wall: float) -> None:
        if not self.timings:
            return
        walls = [s.wall for s in self.timings]
        nodes = {s.node for s in self.timings}
        log.info("集群读取：%d 片（每片 %d–%d 份），%d 个工作进程参与，%d 份文件，用时 %.2f 秒；"
                 "每片耗时平均 %.2f 秒、最长 %.2f 秒，各片 CPU 合计 %.2f 秒",
                 len(self.sizes), min(self.sizes), max(self.sizes), len(nodes), len(self.files), wall,
                 sum(walls) / len(walls), max(walls), sum(s.cpu for s in self.timings))
        per: dict[str, list[float]] = defaultdict(list)
        for shard in self.timings:
            for index, packed in shard.results:
                per[self.files[index].suffix.lower() or "无扩展名"].append(sum(packed[2]))
        log.info("集群读取（每份 CPU 秒，按格式）：%s", "，".join(
            f"{kind} {sum(v) / len(v):.3f}（{len(v)} 份）" for kind, v in sorted(per.items())))


def _quiet_dask() -> None:
    """Dask's loggers silent in this process from now on (the nodes keep their own logs): a client
    that lost its scheduler goes on complaining from its own thread after the run has said why."""
    names = [name for name in list(logging.root.manager.loggerDict)
             if name.split(".")[0] in ("distributed", "tornado")]   # Dask's config sets some one by one
    for name in {"distributed", "tornado", *names}:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _version_message(wrong: dict[str, list[str]]) -> str:
    lines = [f"{node}：{'；'.join(diff) or '版本不同'}" for node, diff in sorted(wrong.items())]
    shown = lines[:LISTED_AT_MOST] + ([f"等 {len(lines)} 个节点"] if len(lines) > LISTED_AT_MOST else [])
    return (f"集群节点的版本与本机不一致，{UNCHANGED}。" + "　".join(shown) +
            "。请在各节点安装与本机相同版本的 gov-report-auditor 及其依赖"
            "（pip install -c constraints.txt 同一版本），重启 dask worker 后再运行。")


def _lost(exc: BaseException) -> bool:
    """Whether `exc` says the connection to the scheduler is gone (not a shard's own failure)."""
    from asyncio import CancelledError

    from distributed.comm.core import CommClosedError

    return isinstance(exc, (CancelledError, CommClosedError, OSError, TimeoutError))


def _detail(what: str, exc: BaseException) -> None:
    """Dask's own words about a failure, for the log file only (the terminal gets the Chinese sentence)."""
    logging.getLogger("auditor.file").warning("%s失败：%s: %s", what, type(exc).__name__, exc)
