"""What a re-laid-out report must keep from its original: the cells read, agency and year, and no
accusation the original does not have. Shared by the layout-variant tests."""
from __future__ import annotations

import pandas as pd


def accusations(findings: pd.DataFrame) -> set[tuple[str, str]]:
    """Compliance findings of error or warning level, as (rule, location)."""
    sel = findings[(findings["category"] == "compliance") & findings["severity"].isin(["error", "warning"])]
    return set(zip(sel["rule_id"], sel["location"]))


def read_values(report) -> dict:
    """Every cell read (raw text found), by (table, row, column)."""
    return {(c.table, c.row, c.col): c.value for c in report.cells if c.raw is not None}


def assert_same_cells(originals: dict, variants: list) -> None:
    for name, report in variants:
        assert read_values(report) == read_values(originals[name]), report.file


def assert_same_agency_and_year(originals: dict, variants: list) -> None:
    for name, report in variants:
        assert report.meta["year"] == originals[name].meta["year"], report.file
        assert report.meta["agency"] == originals[name].meta["agency"], report.file


def assert_no_accusation_gained(originals: dict, variants: list, findings: pd.DataFrame) -> None:
    for name, report in variants:
        before = accusations(findings[findings["file"] == originals[name].file])
        after = accusations(findings[findings["file"] == report.file])
        assert after <= before, (report.file, after - before)
