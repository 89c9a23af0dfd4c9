"""`auditor run --executor dask` on a real Dask cluster (a LocalCluster: two node processes on
loopback, no dashboard) gives exactly the local run's findings, workbook, data and ledger records,
on the shared reports and a generated corpus; a node that dies mid-run, a file that kills every
node, a node of another version and a node without the inbox are each handled as README「多台机器」
says. The nodes are changed for a test by worker plugins (tests/cluster_hooks.py)."""
from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cloudpickle
import dask
import pytest
from distributed import Client, LocalCluster

from auditor.cli.exits import EXIT_CLUSTER
from auditor.cluster import dask_reader
from auditor.cluster.identity import identity
from bench.corpus import write_corpus

from . import cluster_hooks as H
from .run_cli import REAL, in_process, state, summary_lines

cloudpickle.register_pickle_by_value(H)       # the nodes need not import the tests

TIME_COLUMNS = {"runs": {"id", "started", "finished", "folder"}, "findings": {"run_id"}, "run_verdicts": {"run_id"},
                "versions": {"first_seen", "last_seen"},
                "rectify_history": {"run_id", "at"}}


@pytest.fixture(scope="module")
def cluster():
    """Two node processes of one thread each; a task is retried once after its node dies (then
    Dask gives up on it: KilledWorker)."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address=None, worker_dashboard_address=None)
    client = Client(local, set_as_default=False)
    yield local.scheduler_address, client
    client.close()
    local.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The shared reports and a generated corpus (text, web pages, markdown, PDF, DOCX) in one inbox."""
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder / "generated", n=40, seed=3, pdf=3, docx=3)
    inbox = folder / "inbox"
    shutil.copytree(folder / "generated" / "reports", inbox)
    for path in REAL:
        shutil.copy2(path, inbox / path.name)
    return inbox


@contextmanager
def nodes_patched(client: Client, name: str, patches: list) -> Iterator[None]:
    """The nodes changed by a worker plugin (tests/cluster_hooks.py Patch) for the duration."""
    client.register_plugin(H.Patch(patches), name=name)
    try:
        yield
    finally:
        client.unregister_worker_plugin(name)


def run(inbox: Path, out: Path, *options: str):
    return in_process("run", inbox, "--out", out, "--full", *options, pin=False)


def ledger_rows(out: Path) -> dict[str, list[tuple]]:
    """Every table of the ledger, without the columns that say when a run was (its id, times, folder)."""
    db = sqlite3.connect(out / "ledger.sqlite")
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        rows = {}
        for table in tables:
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")
                       if r[1] not in TIME_COLUMNS.get(table, set())]
            rows[table] = sorted(db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)
        return rows
    finally:
        db.close()


def workbook(out: Path) -> dict[str, list[tuple]]:
    import openpyxl

    book = openpyxl.load_workbook(out / "latest" / "summary.xlsx", read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


def assert_same_results(local: Path, cluster: Path) -> None:
    for name in ("findings.jsonl", "findings.csv", "data.csv"):
        assert (local / "latest" / name).read_bytes() == (cluster / "latest" / name).read_bytes(), name
    assert workbook(local) == workbook(cluster)
    assert ledger_rows(local) == ledger_rows(cluster)


def cluster_lines(out: Path) -> list[str]:
    return [line for line in (out / "auditor.log").read_text("utf-8").splitlines() if "集群" in line]


@pytest.fixture(scope="module")
def local_run(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    done = run(corpus, out)
    assert done.returncode in (0, 1), done.stderr.decode()
    return out


def test_the_same_answers_as_a_local_run(cluster, corpus, local_run, tmp_path, monkeypatch):
    address, _ = cluster
    bars = []

    class Bar:
        def __init__(self, total):
            self.total, self.done = total, 0
            bars.append(self)

        def update(self, n):
            self.done += n

        def close(self):
            pass

    monkeypatch.setattr(dask_reader, "progress_bar", Bar)     # the terminal's bar, as a local run shows it
    out = tmp_path / "out"
    done = run(corpus, out, "--executor", "dask", "--scheduler", address)
    assert done.returncode in (0, 1), done.stderr.decode()
    assert_same_results(local_run, out)
    files = len(list(corpus.iterdir()))
    assert [(bar.total, bar.done) for bar in bars] == [(files, files)]
    lines = cluster_lines(out)
    assert any("版本与本机一致" in line for line in lines), lines
    read = next(line for line in lines if "集群读取：" in line)
    assert f"{files} 份文件" in read and "2 个工作进程参与" in read, read
    assert any(".pdf" in line and "按格式" in line for line in lines), lines


def test_the_address_can_come_from_the_environment(cluster, corpus, local_run, tmp_path, monkeypatch):
    address, _ = cluster
    monkeypatch.setenv(dask_reader.SCHEDULER_ENV, address)
    out = tmp_path / "out"
    done = run(corpus, out, "--executor", "dask")
    assert done.returncode in (0, 1), done.stderr.decode()
    assert_same_results(local_run, out)
    summary, = summary_lines(out)          # the run's record says where it read
    assert f"--executor dask，调度器 {address}（环境变量 DASK_SCHEDULER_ADDRESS）" in summary, summary


def test_a_monthly_run_sends_only_new_files(cluster, tmp_path):
    address, _ = cluster
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in REAL[:-1]:
        shutil.copy2(path, inbox / path.name)
    out = tmp_path / "out"
    first = in_process("run", inbox, "--out", out, "--scheduler", address, pin=False)
    assert first.returncode in (0, 1), first.stderr.decode()
    shutil.copy2(REAL[-1], inbox / REAL[-1].name)
    second = in_process("run", inbox, "--out", out, "--scheduler", address, pin=False)
    assert second.returncode in (0, 1), second.stderr.decode()
    assert "本次读取 1，沿用上次结果 %d" % (len(REAL) - 1) in second.stdout.decode()
    reads = [line for line in cluster_lines(out) if "集群读取：" in line]
    assert len(reads) == 2 and "1 份文件" in reads[-1], reads


def test_a_node_dying_mid_shard_costs_nothing(cluster, corpus, local_run, tmp_path):
    """Dask gives the shard of a node that died to another node: the run completes, the same."""
    address, client = cluster
    marker = tmp_path / "died"
    out = tmp_path / "out"
    with nodes_patched(client, "die-once", [("auditor.cluster.shards", "read_and_pack", H.die_once(str(marker)))]):
        done = run(corpus, out, "--scheduler", address)
    assert marker.exists(), "no node died: the test did not test"
    assert done.returncode in (0, 1), done.stderr.decode()
    assert_same_results(local_run, out)
    assert not [line for line in cluster_lines(out) if "本机逐份读取" in line]     # retried on the cluster


def test_a_file_that_kills_every_node_is_read_here(cluster, tmp_path):
    """A shard that kills node after node (KilledWorker) is read on the main machine, each file
    alone: the run completes with the findings of a local run."""
    address, client = cluster
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in REAL:
        shutil.copy2(path, inbox / path.name)
    shutil.copy2(REAL[0], inbox / f"poison-{REAL[0].name}")
    local = tmp_path / "local"
    assert run(inbox, local).returncode in (0, 1)
    out = tmp_path / "out"
    with nodes_patched(client, "die-on", [("auditor.cluster.shards", "read_and_pack", H.die_on("poison"))]):
        done = run(inbox, out, "--scheduler", address)
    assert done.returncode in (0, 1), done.stderr.decode()
    assert_same_results(local, out)
    assert any("多次意外退出" in line and "本机逐份读取" in line
               for line in (out / "auditor.log").read_text("utf-8").splitlines())


@pytest.mark.parametrize("where", ["both", "shards"])
def test_nodes_of_another_version_are_refused(cluster, local_run, corpus, tmp_path, where):
    """Refused before any file is sent (`both`: the nodes say so when asked), or when a shard comes
    back from one (`shards`: a node that joined later): exit 10, nothing recorded."""
    address, client = cluster
    out = tmp_path / "out"
    shutil.copytree(local_run, out, symlinks=True)
    before = state(out)
    modules = ["auditor.cluster.shards"] + (["auditor.cluster.identity"] if where == "both" else [])
    with nodes_patched(client, "old-nodes", [(m, "identity", H.other_version("pdfplumber", "0.0.1")) for m in modules]):
        done = run(corpus, out, "--scheduler", address)
    err = done.stderr.decode()
    assert done.returncode == EXIT_CLUSTER, err
    mine = dict(identity())["pdfplumber"]
    assert "集群节点的版本与本机不一致" in err and f"pdfplumber 本机 {mine}，节点 0.0.1" in err, err
    assert "本次未运行；之前的结果和账本保持不变" in err
    assert state(out) == before


def test_nodes_without_the_inbox_are_refused_unless_the_files_are_sent(cluster, corpus, local_run, tmp_path):
    address, client = cluster
    out = tmp_path / "out"
    with nodes_patched(client, "blind", [("auditor.cluster.shards", "visible", H.blind())]):
        refused = run(corpus, out, "--scheduler", address)
        err = refused.stderr.decode()
        assert refused.returncode == EXIT_CLUSTER, err
        assert "找不到本机的报告文件" in err and "--send-files" in err, err
        assert state(out)["runs"] == [] and state(out)["latest"] is None
        sent = run(corpus, out, "--scheduler", address, "--send-files")
    assert sent.returncode in (0, 1), sent.stderr.decode()
    assert_same_results(local_run, out)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_readme_commands_and_a_scheduler_lost_mid_run(corpus, local_run, tmp_path):
    """README「多台机器」as an operator runs it: `dask scheduler`, `dask worker`, `auditor run
    --scheduler`, each a process of its own; the same results as a local run. Then the scheduler is
    killed while the files are being read: exit 10, said in Chinese, and the results folder and the
    ledger exactly as the last run left them."""
    import subprocess
    import sys
    import time

    bin_dir = Path(sys.executable).parent
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], **quiet)
    workers = subprocess.Popen([bin_dir / "dask", "worker", address, "--nworkers", "2", "--nthreads", "1",
                                "--memory-limit", "2GiB", "--no-dashboard"], **quiet)
    try:
        client = Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=120)
        out = tmp_path / "out"
        done = subprocess.run([bin_dir / "auditor", "run", corpus, "--out", out, "--full", "--scheduler", address],
                              capture_output=True, timeout=600)
        assert done.returncode in (0, 1), done.stderr.decode()
        assert_same_results(local_run, out)

        def slow(read_and_pack):          # long enough a read to lose the scheduler in the middle
            def reading(path, shown=None, sent=None):
                import time as t
                t.sleep(0.5)
                return read_and_pack(path, shown, sent)
            return reading
        client.register_plugin(H.Patch([("auditor.cluster.shards", "read_and_pack", slow)]), name="slow")
        client.close()
        before = state(out)
        run = subprocess.Popen([bin_dir / "auditor", "run", corpus, "--out", out, "--full", "--scheduler", address],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        log = out / "auditor.log"
        deadline = time.monotonic() + 120
        while log.read_text("utf-8").count("版本与本机一致") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        scheduler.kill()
        _, err = run.communicate(timeout=300)
        text = err.decode()
        assert run.returncode == EXIT_CLUSTER, text
        assert text.strip().splitlines() == [
            f"与 Dask 调度器 {address} 的连接中断（调度器停止运行或网络断开），本次未运行；之前的结果和账本保持不变。"
            "请检查调度器后重新运行。"], text          # one sentence: none of Dask's own complaints
        assert state(out) == before
    finally:
        for process in (workers, scheduler):
            process.kill()
            process.wait()
