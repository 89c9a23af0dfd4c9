"""Whether work can go to forked processes, which inherit a large batch instead of receiving it
pickled: only with more than one core, and where the operating system offers fork. And how a
child is tied to its parent's life, so that a kill -9 of the run leaves no orphan behind."""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    return (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods()


def die_with_parent(parent: int | None = None) -> None:
    """Call first thing in a child: on Linux the kernel kills it when its parent dies (any way,
    kill -9 included; prctl PR_SET_PDEATHSIG). `parent`: the pid it was forked from, to catch a
    parent that died before the call. Elsewhere (macOS, Windows) a no-op: those children end
    when their pipe to the parent closes, or with the pool that owns them."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:    # the parent was already gone
        os._exit(1)


def worker_start(parent: int) -> None:
    """Initializer of the reading and rule worker pools: tied to the run, no cyclic GC (a report's
    objects are short-lived and freed by reference counting)."""
    die_with_parent(parent)
    gc.disable()
