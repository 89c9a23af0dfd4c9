"""The table of slow tests in tests/conftest.py names files and tests that exist, and marks them."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from . import conftest

TESTS = Path(__file__).resolve().parent


def stale_entries(files: dict[str, str], tests: dict[str, set[str]]) -> list[str]:
    problems = [f"{name} 不存在" for name in [*files, *tests] if not (TESTS / name).is_file()]
    for name, functions in tests.items():
        if not (TESTS / name).is_file():
            continue
        module = importlib.import_module(f"tests.{name[:-3]}")
        problems += [f"{name}::{f} 不存在" for f in sorted(functions) if not callable(getattr(module, f, None))]
    return problems


def test_every_slow_entry_names_an_existing_test() -> None:
    assert stale_entries(conftest.SLOW_FILES, conftest.SLOW_TESTS) == []


def test_a_stale_entry_is_found() -> None:
    assert stale_entries({"test_gone.py": "x"}, {}) == ["test_gone.py 不存在"]
    assert stale_entries({}, {"test_slow_marks.py": {"test_renamed"}}) == ["test_slow_marks.py::test_renamed 不存在"]


def test_listed_tests_are_marked_slow(request) -> None:
    class Item:
        def __init__(self, file: str, name: str, fixtures: tuple[str, ...] = ()) -> None:
            self.path, self.originalname, self.fixturenames = TESTS / file, name, fixtures

    assert conftest.is_slow(Item("test_search.py", "test_rule_regex_same_as_re"))
    assert conftest.is_slow(Item("test_packaging.py", "test_anything"))
    assert conftest.is_slow(Item("test_hardening.py", "test_x", ("tmp_path", "hostile_run")))
    assert not conftest.is_slow(Item("test_search.py", "test_x"))
    assert request.node.get_closest_marker("slow") is None
    assert pytest.mark.slow.name in request.config.getini("markers")[0]
