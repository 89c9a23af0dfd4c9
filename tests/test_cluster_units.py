"""The cluster reader's parts without a cluster: how files are cut into shards, what a shard reads
and sends back, what the main process makes of a shard's answer, and the command line's refusals
(no address, an unreachable scheduler) — in Chinese, with nothing recorded."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from auditor.cli.exits import EXIT_CLUSTER, EXIT_USAGE
from auditor.cluster import ClusterError, dask_reader, shards
from auditor.cluster.identity import differences, identity
from auditor.pipeline import reading

from .run_cli import REAL, in_process, inbox, state, summary_lines


def files_of(names: list[str]) -> list[Path]:
    return [Path(name) for name in names]


def test_shards_keep_heavy_and_light_files_apart_and_never_hold_one_file():
    files = files_of([f"r{i}.html" for i in range(1000)] + [f"p{i}.pdf" for i in range(45)] + ["a.docx", "b.doc"])
    plan = shards.shard_plan(files, threads=4)
    assert sorted(i for shard in plan for i in shard) == list(range(len(files)))     # each file exactly once
    for shard in plan:
        kinds = {shards.heavy(files[i]) for i in shard}
        assert len(kinds) == 1, shard
        most = shards.HEAVY_SHARD_FILES if kinds == {True} else shards.SHARD_FILES
        assert shards.MIN_SHARD_FILES <= len(shard) <= most, len(shard)
    light = [len(s) for s in plan if not shards.heavy(files[s[0]])]
    assert max(light) - min(light) <= 1          # even shards: no straggler of one file


@pytest.mark.parametrize("n, threads", [(1, 2), (9, 2), (17, 8), (250, 2), (100_000, 64)])
def test_shard_sizes(n, threads):
    plan = shards.shard_plan(files_of([f"r{i}.txt" for i in range(n)]), threads)
    sizes = [len(s) for s in plan]
    assert sum(sizes) == n and max(sizes) <= shards.SHARD_FILES
    assert min(sizes) >= min(n, shards.MIN_SHARD_FILES)
    if n >= threads * shards.SHARDS_PER_THREAD * shards.MIN_SHARD_FILES:
        assert len(plan) >= threads * shards.SHARDS_PER_THREAD     # every node thread gets work


def test_sent_shards_are_cut_by_bytes():
    big = shards.SENT_SHARD_BYTES // 3 + 1
    items = [(i, f"/x/{i}.pdf", f"{i}.pdf", (big, 0, b"x" * big)) for i in range(7)]
    cut = shards.split_by_bytes(items)
    assert [len(c) for c in cut] == [2, 2, 2, 1]
    alone = shards.split_by_bytes([(0, "/x/huge.pdf", "huge.pdf", (9, 0, b"x" * (shards.SENT_SHARD_BYTES + 1)))])
    assert [len(c) for c in alone] == [1]


def test_a_shard_reads_as_the_local_reader_does(tmp_path):
    names = [p.name for p in REAL]
    folder = inbox(tmp_path / "in")
    files = sorted(folder.iterdir())
    items = shards.items_of(files, list(range(len(files))))
    result = shards.read_shard(items, identity())
    assert [i for i, _ in result.results] == list(range(len(files))) and result.missing == []
    here = [reading.read_and_pack(p) for p in files]
    for (_, packed), local in zip(result.results, here):
        assert packed[0] == local[0] and packed[1] == local[1] and packed[3] == local[3]
    assert sorted(Path(row[3][0]).name for _, row in result.results) == sorted(names)
    sent = [(i, path, shown, (Path(path).stat().st_size, Path(path).stat().st_mtime_ns, Path(path).read_bytes()))
            for i, path, shown, _ in items]
    by_bytes = shards.read_shard(sent, identity())
    assert [p[1] for _, p in by_bytes.results] == [p[1] for _, p in result.results]


def test_a_shard_of_another_version_reads_nothing():
    other = tuple((what, "9.9" if what == "lxml" else v) for what, v in identity())
    result = shards.read_shard([(0, str(REAL[0]), REAL[0].name, None)], other)
    assert result.results == [] and result.identity == identity()
    assert differences(other, identity()) == [f"lxml 本机 9.9，节点 {dict(identity())['lxml']}"]


def test_a_shard_keeps_the_warnings_its_reading_logged(monkeypatch):
    def broken(document):
        raise RuntimeError("boom")
    monkeypatch.setattr(reading, "extract", broken)
    result = shards.read_shard([(0, str(REAL[0]), "shown.txt", None)], identity())
    (_, packed), = result.results
    assert packed[0] == ("shown.txt", "读取时发生内部错误（RuntimeError）")
    levels = {(name, level) for name, level, _ in result.logs}
    assert ("auditor", logging.WARNING) in levels and ("auditor.file", logging.ERROR) in levels
    assert any("RuntimeError: boom" in text for _, _, text in result.logs)     # the traceback, for the log file


class Done:
    """A finished future as the driver sees one."""

    status = "finished"

    def __init__(self, result):
        self._result = result

    def result(self):
        if isinstance(self._result, BaseException):
            raise self._result
        return self._result


def a_run(files: list[Path]) -> dask_reader._Run:
    return dask_reader._Run(None, files, identity(), 2, False, "tcp://127.0.0.1:8786")


def test_the_main_process_places_results_and_logs_what_the_node_logged(caplog):
    files = REAL[:2]
    run = a_run(files)
    items = shards.items_of(files, [0, 1])
    shard = shards.ShardResult(identity(), results=[(1, "b"), (0, "a")], node="tcp://n1",
                               logs=[("auditor", logging.WARNING, "节点上的警告")])
    with caplog.at_level(logging.WARNING, logger="auditor"):
        run._take(Done(shard), items)
    assert run.results == ["a", "b"]
    assert "节点上的警告" in caplog.text


def test_a_node_that_cannot_see_a_file_this_machine_sees_stops_the_run(tmp_path):
    files = REAL[:1]
    shard = shards.ShardResult(identity(), results=[(0, "x")], missing=[0], node="tcp://n1")
    with pytest.raises(ClusterError, match="--send-files"):
        a_run(files)._take(Done(shard), shards.items_of(files, [0]))
    gone = tmp_path / "gone.txt"          # gone here too: the file's own problem, read as unreadable
    shard = shards.ShardResult(identity(), results=[(0, "x")], missing=[0], node="tcp://n1")
    run = a_run([gone])
    run._take(Done(shard), shards.items_of([gone], [0]))
    assert run.results == ["x"]


def test_a_shard_that_failed_on_the_cluster_is_read_here(caplog):
    from distributed.scheduler import KilledWorker

    files = REAL[:2]
    run = a_run(files)
    with caplog.at_level(logging.WARNING, logger="auditor"):
        killed = KilledWorker.__new__(KilledWorker)      # as Dask raises it, whatever its arguments this release
        run._take(Done(killed), shards.items_of(files, [0, 1]))
    assert [r[1] for r in run.results] == [reading.read_and_pack(p)[1] for p in files]
    assert "多次意外退出" in caplog.text and "本机逐份读取" in caplog.text


def test_a_lost_scheduler_stops_the_run():
    from asyncio import CancelledError

    with pytest.raises(ClusterError, match="连接中断"):
        a_run(REAL[:1])._take(Done(CancelledError()), shards.items_of(REAL[:1], [0]))


@pytest.mark.parametrize("args, words", [
    (["--executor", "dask"], "须给出调度器地址"),
    (["--executor", "local", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler 只用于 --executor dask"),
    (["--send-files"], "--send-files 只用于 Dask 集群"),
])
def test_the_cluster_options_are_checked(tmp_path, monkeypatch, args, words):
    monkeypatch.delenv(dask_reader.SCHEDULER_ENV, raising=False)
    out = tmp_path / "out"
    done = in_process("run", inbox(tmp_path / "in"), "--out", out, *args)
    assert done.returncode == EXIT_USAGE and words in done.stderr.decode()
    assert not out.exists()


def test_an_unreachable_scheduler_is_said_in_chinese_and_nothing_is_recorded(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:          # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(dask_reader, "CONNECT_SECONDS", 1)
    monkeypatch.setenv(dask_reader.SCHEDULER_ENV, f"tcp://127.0.0.1:{port}")
    folder, out = inbox(tmp_path / "in"), tmp_path / "out"
    assert in_process("run", folder, "--out", out).returncode in (0, 1)       # a month's results to keep
    (folder / "new.txt").write_bytes(REAL[0].read_bytes() + b"\n")
    before = state(out)
    done = in_process("run", folder, "--out", out, "--executor", "dask")
    err = done.stderr.decode()
    assert done.returncode == EXIT_CLUSTER, err
    assert f"无法连接 Dask 调度器 tcp://127.0.0.1:{port}" in err and "之前的结果和账本保持不变" in err
    assert "Traceback" not in err
    assert state(out) == before
    assert "--executor dask" in summary_lines(out)[-1] and "退出码 10" in summary_lines(out)[-1]


def test_an_unchanged_month_does_not_need_the_cluster(tmp_path, monkeypatch):
    """Nothing new since the last run: its results stand, and the scheduler (down, here) is never asked."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(dask_reader, "CONNECT_SECONDS", 1)
    folder, out = inbox(tmp_path / "in"), tmp_path / "out"
    assert in_process("run", folder, "--out", out).returncode in (0, 1)
    again = in_process("run", folder, "--out", out, "--scheduler", f"tcp://127.0.0.1:{port}")
    assert again.returncode in (0, 1), again.stderr.decode()
    log = (out / "auditor.log").read_text("utf-8")
    assert "无新增或改动" in log and "集群" not in log


def test_with_sent_files_a_file_refused_by_its_size_or_unreadable_is_done_here(tmp_path, monkeypatch):
    """--send-files: the node gets no bytes of a file too large to read (or one this machine cannot
    read), so this machine says why, exactly as a local run does."""
    import auditor.ingest as ingest

    big, gone = tmp_path / "大.pdf", tmp_path / "gone.txt"
    big.write_bytes(b"%PDF-1.4\n" + b"x" * 4000)
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    files = [big, gone]
    run = dask_reader._Run(None, files, identity(), 2, True, "tcp://127.0.0.1:8786")
    assert [run._with_bytes(item) for item in shards.items_of(files, [0, 1])] == [None, None]
    def without_times(packed):
        return packed[0], packed[1], packed[3]
    assert [without_times(r) for r in run.results] == [without_times(reading.read_and_pack(p)) for p in files]
    assert "文件过大" in run.results[0][0][1] and run.results[1][0][1].startswith("无法读取文件")
