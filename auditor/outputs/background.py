"""Run one writer in a forked child process, so the workbook is written on the second core while
the main process writes the other files and records the run in the ledger.

The child inherits the data by fork (nothing is pickled on the way in); only its exception, if
any, comes back. Where fork is unavailable (Windows, or AUDITOR_START_METHOD=spawn: pickling the
findings to a started child would cost what writing them saves), or the batch is small, the writer
simply runs inline.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..forking import can_fork, context, die_with_parent


def _child(conn: Any, fn: Callable[..., None], args: tuple, parent: int | None = None) -> None:
    die_with_parent(parent)     # a killed run must not leave a writer behind
    try:
        fn(*args)
        conn.send(None)
    except BaseException as exc:  # noqa: BLE001 — every failure goes back to the parent
        try:
            conn.send(exc)
        except Exception:  # an exception that cannot be pickled: send its text
            conn.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class Background:
    """`fn(*args)` started now; `wait()` returns when it is done and re-raises its error."""

    def __init__(self, fn: Callable[..., None], *args: Any, inline: bool = False) -> None:
        self._proc = None
        self._error: BaseException | None = None
        if inline or not can_fork():
            try:
                fn(*args)
            except BaseException as exc:  # noqa: BLE001 — raised by wait(), like the forked case
                self._error = exc
            return
        ctx = context()         # fork: can_fork() said so
        self._conn, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(send, fn, args, os.getpid()), daemon=True)
        self._proc.start()
        send.close()

    def wait(self) -> None:
        if self._proc is not None:
            try:
                error = self._conn.recv()
            except EOFError:
                self._proc.join()
                error = OSError(f"写入进程意外退出（退出码 {self._proc.exitcode}）")
            finally:
                self._proc.join()
                self._conn.close()
                self._proc = None
            self._error = error
        if self._error is not None:
            raise self._error

    def cancel(self) -> None:
        """Stop a child whose output is no longer wanted (the run failed elsewhere)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._conn.close()
            self._proc = None
