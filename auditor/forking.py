"""How the run starts child processes, in one place.

Where the operating system offers fork (Linux), children are forked: they inherit a large batch
instead of receiving it pickled. Where it does not (Windows; macOS defaults to spawn too), or when
AUDITOR_START_METHOD asks for another method (the tests force spawn on Linux), children are
started fresh: they re-import the modules, and everything they need travels pickled. The work
that only pays off with fork (the workbook writer, the text-rule workers' shared batch) then runs
inline or receives its data explicitly; the reading pool works with either.

Also how a child is tied to its parent's life, so that a kill -9 of the run leaves no orphan behind.

Two ways to start children, for every child of a run: `Child`, one process with a pipe to it (the
Great Expectations helper, a background writer, a file read alone), and `worker_pool`, a pool of
workers (the reading pool, the text-rule workers). Both use the run's start method, tie the
children to the run and have them log as the run does."""
from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

from .speed import plain

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
START_METHOD_ENV = "AUDITOR_START_METHOD"     # fork, spawn or forkserver; unset: fork where available


def start_method() -> str:
    """The start method every child process of a run uses."""
    available = mp.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_ENV, "").strip().lower()
    if wanted in available:
        return wanted
    return "fork" if "fork" in available else "spawn"


def context() -> BaseContext:
    """The multiprocessing context of `start_method`, for pools and single children alike."""
    return mp.get_context(start_method())


def can_fork() -> bool:
    """Whether work that relies on inheriting memory may go to a child: more than one core, fork,
    and the fast paths on (speed.plain: with AUDITOR_PLAIN set, that work runs inline)."""
    return (os.cpu_count() or 1) > 1 and start_method() == "fork" and not plain()


WINDOWS_MAX_WORKERS = 61      # concurrent.futures refuses more worker processes on Windows


def pool_size(wanted: int) -> int:
    """Worker processes for a pool: as many as wanted, within what the platform allows."""
    wanted = max(1, wanted)
    return min(wanted, WINDOWS_MAX_WORKERS) if sys.platform == "win32" else wanted


def die_with_parent(parent: int | None = None) -> None:
    """Call first thing in a child: on Linux the kernel kills it when its parent dies (any way,
    kill -9 included; prctl PR_SET_PDEATHSIG). `parent`: the pid it was started from, to catch a
    parent that died before the call. Elsewhere (macOS, Windows) a no-op: those children end
    when their pipe to the parent closes, or with the pool that owns them."""
    if not sys.platform.startswith("linux") or not hasattr(signal, "SIGKILL"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return
    except (OSError, AttributeError, TypeError):
        return
    if parent is not None and os.getppid() != parent:    # the parent was already gone
        os._exit(1)


LogSetup = tuple[tuple[str, ...], int]    # the run's log files, the terminal's level


def log_setup() -> LogSetup | None:
    """What a started (not forked) child needs to log as the run does: a forked child inherits the
    handlers, a spawned one starts with none and would print tracebacks on the terminal."""
    if start_method() == "fork":
        return None
    files = tuple(h.baseFilename for h in logging.getLogger("auditor").handlers
                  if isinstance(h, logging.FileHandler))
    levels = [h.level for h in logging.root.handlers]
    return files, min(levels) if levels else logging.WARNING


def apply_log_setup(setup: LogSetup | None) -> None:
    """In a started child: the run's log files (appended to) and the terminal at its level."""
    if setup is None:
        return
    files, terminal = setup
    if not logging.root.handlers:
        console = logging.StreamHandler()
        console.setLevel(terminal)
        console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logging.root.addHandler(console)
        logging.root.setLevel(logging.WARNING)
    if not files:
        return
    logger, quiet = logging.getLogger("auditor"), logging.getLogger("auditor.file")
    logger.setLevel(logging.INFO)
    quiet.propagate = False
    for name in files:
        handler = logging.FileHandler(name, encoding="utf-8", delay=True, errors="backslashreplace")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        quiet.addHandler(handler)


def child_start(parent: int, logs: LogSetup | None = None) -> None:
    """First thing in any child: tied to the run, and logging as the run does."""
    die_with_parent(parent)
    apply_log_setup(logs)


def worker_start(parent: int, logs: LogSetup | None = None) -> None:
    """Initializer of the reading and rule worker pools: tied to the run, no cyclic GC (a report's
    objects are short-lived and freed by reference counting)."""
    child_start(parent, logs)
    gc.disable()


def _child_main(target: Callable[..., None], conn: Connection, parent: int, logs: LogSetup | None,
                args: tuple) -> None:
    child_start(parent, logs)
    target(conn, *args)


class Child:
    """One child process of the run: `target(conn, *args)` runs in it, `conn` its end of the pipe
    to the parent (duplex: both ways; else the child only sends). Started with the run's start
    method (where that is not fork, `target` and `args` travel pickled), tied to the run's life and
    logging as the run does. `conn` here is the parent's end; `stop` ends the child."""

    def __init__(self, target: Callable[..., None], *args: Any, name: str | None = None,
                 duplex: bool = False) -> None:
        ctx = context()
        self.conn, end = ctx.Pipe(duplex)        # one-way: (receiving end, sending end)
        self.process: Any = ctx.Process(target=_child_main, args=(target, end, os.getpid(), log_setup(), args),
                                        name=name, daemon=True)
        self.process.start()
        end.close()
        self._proc: Any = self.process      # None once stopped
        self.exitcode: int | None = None

    def stop(self, grace: float | None = 0) -> None:
        """Wait up to `grace` seconds for the child to end (None: as long as it takes), then kill it;
        close the pipe. A second call does nothing."""
        proc = self._proc
        if proc is None:
            return
        proc.join(grace)
        if proc.is_alive():
            proc.kill()
            proc.join()
        self.conn.close()
        self.exitcode = proc.exitcode
        self._proc = None


def worker_pool(workers: int, initializer: Callable[..., None] = worker_start,
                initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of up to `workers` processes (within what the platform allows), started with the
    run's start method; `initializer(parent, logs, *initargs)` runs first in each (worker_start,
    or one that calls it): tied to the run, logging as the run does."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=pool_size(workers), mp_context=context(), initializer=initializer,
                               initargs=(os.getpid(), log_setup(), *initargs))
