"""Great Expectations in a helper process, for large runs.

Importing GX costs about two seconds of one core. Started when a large run begins, at low
priority, the helper imports it while the reading processes work, using the cycles they leave;
the rules stage then sends it the frames to validate. A thread would not do: it would hold the
main process's interpreter lock while the main process must keep receiving the reports.
The validation itself is `run_expectations`, unchanged; only where it runs differs.
"""
from __future__ import annotations

import os
import pathlib
from typing import Any

import pandas as pd

from ..forking import Child
from .gx_backend import EngineError, ExpectationSpec, preload, run_expectations


class GXProcess:
    """A validation process; `run_expectations` has the signature and result of the local one."""

    def __init__(self) -> None:
        # fork, or spawn where fork is unavailable: only the jobs travel either way; tied to the
        # run (a killed run must not leave this ~200 MB process behind)
        self._child: Child | None = Child(_serve, name="auditor-gx", duplex=True)
        self._conn = self._child.conn

    def run_expectations(self, frames: dict[str, pd.DataFrame], specs: list[ExpectationSpec],
                         results_path: pathlib.Path | None = None) -> dict[str, set[int]]:
        # only the frames the expectations read travel (the kinds keep large working frames beside them)
        used = {spec.frame for spec in specs}
        self._conn.send(({name: f for name, f in frames.items() if name in used}, specs, results_path))
        try:
            ok, payload = self._conn.recv()
        except EOFError:
            raise EngineError("Great Expectations 校验进程意外退出") from None
        if ok:
            return payload
        raise payload

    @property
    def _proc(self):
        """The child process while it runs (tests look at it)."""
        return None if self._child is None else self._child.process

    def close(self) -> None:
        """Stop the process (also when the run failed): it must not outlive the run."""
        if self._child is None:
            return
        try:
            self._conn.send(None)
        except OSError:
            pass
        self._child.stop(grace=5)
        self._child = None


def _serve(conn: Any) -> None:
    _lower_priority()
    try:
        preload()
    except Exception:  # reported by run_expectations below, as in the main process
        pass
    _restore_priority()
    while True:
        try:
            job = conn.recv()
        except EOFError:          # the run ended (or was killed)
            return
        if job is None:
            return
        try:
            conn.send((True, run_expectations(*job)))
        except BaseException as exc:  # noqa: BLE001 — every failure goes back to the run
            try:
                conn.send((False, exc))
            except Exception:
                conn.send((False, EngineError(f"{type(exc).__name__}: {exc}")))


_NICE = 10


def _lower_priority() -> None:
    try:
        os.nice(_NICE)
    except (AttributeError, OSError):
        pass


def _restore_priority() -> None:
    """Back to normal for the validation itself (allowed where the user may raise priority)."""
    try:
        os.nice(-_NICE)
    except (AttributeError, OSError):
        pass
