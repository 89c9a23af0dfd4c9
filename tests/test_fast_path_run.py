"""A whole run gives the same findings and data with every fast path on (child processes included,
forced on for a small inbox) and with AUDITOR_PLAIN set (auditor/speed.py): the samples, the
shared reports and every generated variant (tests/test_fast_path_documents.py `build_variants`)."""
from __future__ import annotations

import importlib
import multiprocessing.process
import pkgutil
import sys
from pathlib import Path

import pytest

import auditor
from auditor import speed

from .run_cli import findings, in_process
from .test_fast_path_documents import build_variants

pytestmark = pytest.mark.slow      # a corpus, run twice

# Every size threshold low, so that the fast run takes every fast path a large run takes: the
# reading pool, the Great Expectations process, the text-rule workers, the background writers
# and the early data.csv. Set wherever a module holds its copy (the modules import them from speed).
LOW = {"PARALLEL_FROM": 2, "GX_PROCESS_FROM": 1, "PARALLEL_TEXT_FROM": 1, "BACKGROUND_FROM": 0, "SHEET_MAX_REPORTS": 1}


def _low_thresholds(monkeypatch) -> None:
    for found in pkgutil.walk_packages(auditor.__path__, "auditor."):     # every module, loaded lazily or not
        if not found.name.endswith("__main__"):
            importlib.import_module(found.name)
    for module in [m for name, m in list(sys.modules.items()) if name == "auditor" or name.startswith("auditor.")]:
        for name, value in LOW.items():
            if module is not None and hasattr(module, name):
                monkeypatch.setattr(module, name, value)


def _children(monkeypatch) -> list[str]:
    """The names of the child processes started from now on (by any idiom)."""
    started: list[str] = []
    real = multiprocessing.process.BaseProcess.start

    def start(self):
        started.append(self.name)
        return real(self)
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start)
    return started


def _run(inbox: Path, out: Path, plain: bool, monkeypatch) -> list[str]:
    with monkeypatch.context() as mp:
        if plain:
            mp.setenv(speed.PLAIN_ENV, "1")
        else:
            mp.delenv(speed.PLAIN_ENV, raising=False)
        _low_thresholds(mp)
        children = _children(mp)
        done = in_process("run", inbox, "--out", out, "--full")
    assert done.returncode in (0, 1, 2, 3), done.stderr.decode()
    return children


def _comparable(out: Path) -> tuple[list, bytes]:
    rows = sorted(findings(out), key=lambda f: sorted((k, str(v)) for k, v in f.items()))
    return rows, (out / "latest" / "data.csv").read_bytes()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """The inbox run twice, fast and plain (module-scoped: the two runs cost about as much as the
    reading of the variants)."""
    root = tmp_path_factory.mktemp("fast-run")
    inbox = root / "inbox"
    build_variants(inbox, bench_reports=20)
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        for plain in (False, True):
            folder = root / ("plain" if plain else "fast")
            out[plain] = (folder, _run(inbox, folder, plain, mp))
    return out


def test_the_fast_run_takes_the_fast_paths(runs) -> None:
    _, children = runs[False]
    assert "auditor-gx" in children and len(children) >= 4


def test_findings_and_data_same_with_and_without_the_fast_paths(runs) -> None:
    fast, plain = _comparable(runs[False][0]), _comparable(runs[True][0])
    assert len(fast[0]) > 100
    assert fast[0] == plain[0]
    assert fast[1] == plain[1]


def test_no_child_process_with_the_switch(runs) -> None:
    assert runs[True][1] == []
