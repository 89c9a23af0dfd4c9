"""Shared fixtures: the sample report, its answer key, and the national rule packs."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "reports_in"
RULES = ROOT / "rules"
ZIBO = SAMPLES / "zibo-gaoxin-police-2022.txt"


def _keys_path() -> Path:
    """Answer keys: the shared copy when present, else the copy shipped in tests/data."""
    shared = ROOT.parent / "shared" / "reports" / "keys.yaml"
    return shared if shared.exists() else ROOT / "tests" / "data" / "keys.yaml"


@pytest.fixture(scope="session")
def keys() -> dict:
    data = yaml.safe_load(_keys_path().read_text(encoding="utf-8"))
    return {r["file"]: r for r in data["reports"]}


@pytest.fixture(scope="session")
def packs():
    from auditor.rules.loader import load_packs

    return load_packs(RULES)


@pytest.fixture(scope="session")
def zibo_text() -> str:
    return ZIBO.read_text(encoding="utf-8")
