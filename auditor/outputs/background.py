"""Run one writer in a forked child process, so the workbook is written on the second core while
the main process writes the other files and records the run in the ledger.

The child inherits the data by fork (nothing is pickled on the way in); only its exception, if
any, comes back. Where fork is unavailable (Windows, or AUDITOR_START_METHOD=spawn: pickling the
findings to a started child would cost what writing them saves), or the batch is small, the writer
simply runs inline.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..forking import Child, can_fork


def _child(conn: Any, fn: Callable[..., None], args: tuple) -> None:
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
        self._child: Child | None = None
        self._error: BaseException | None = None
        if inline or not can_fork():      # (no fork, or AUDITOR_PLAIN: speed.py)
            try:
                fn(*args)
            except BaseException as exc:  # noqa: BLE001 — raised by wait(), like the forked case
                self._error = exc
            return
        # fork (can_fork() said so): fn and args are inherited, not pickled; tied to the run (a
        # killed run must not leave a writer behind)
        self._child = Child(_child, fn, args)

    @property
    def _proc(self):
        """The child process while it runs (tests look at it)."""
        return None if self._child is None else self._child.process

    def wait(self) -> None:
        child = self._child
        if child is not None:
            self._child = None
            died = False
            try:
                error = child.conn.recv()
            except EOFError:
                error, died = None, True
            finally:
                child.stop(grace=None)
            self._error = OSError(f"写入进程意外退出（退出码 {child.exitcode}）") if died else error
        if self._error is not None:
            raise self._error

    def cancel(self) -> None:
        """Stop a child whose output is no longer wanted (the run failed elsewhere)."""
        if self._child is not None:
            self._child.stop()
            self._child = None
