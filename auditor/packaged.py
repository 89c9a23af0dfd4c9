"""Where the data that ships with the program lies, the same from any working directory.

The national rule packs are rules/ of the repository, installed as the data package auditor_packs;
the examples are examples/, installed as auditor_examples (pyproject.toml maps both). In an
editable install both resolve to the repository's folders; in a wheel, to site-packages. Run from a
source tree that was never installed (PYTHONPATH=. python -m auditor.cli), the folders beside it.
"""
from __future__ import annotations

import importlib
from pathlib import Path

_SOURCE_TREE = Path(__file__).resolve().parent.parent


def _package_dir(package: str, folder: str) -> Path:
    try:
        module = importlib.import_module(package)
    except ImportError:
        return _SOURCE_TREE / folder
    return Path(next(iter(module.__path__))).resolve()


def national_rules_dir() -> Path:
    """The folder of the national rule packs (national-2021/, national-2019/) and their fixtures/."""
    return _package_dir("auditor_packs", "rules")


def examples_dir() -> Path:
    """The folder of the shipped examples (local-packs/)."""
    return _package_dir("auditor_examples", "examples")
