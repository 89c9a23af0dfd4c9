"""One agency's story in the ledger, for `auditor history`: which agency a typed name means, the
runs that saw its reports with their verdicts, and its rectification items with their history."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from ..domain import agency_key
from ..ledger import Ledger
from . import store


@dataclass
class Agency:
    key: str
    names: list[str]             # the names its reports gave, most recent first


class AgencyNotFound(Exception):
    """No agency, or several, answer to the typed name; `candidates` lists the several."""

    def __init__(self, typed: str, candidates: list[Agency]) -> None:
        super().__init__(typed)
        self.typed = typed
        self.candidates = candidates


def known_agencies(ledger: Ledger) -> list[Agency]:
    """Every agency the ledger has seen: its reports' versions, the verdicts and the items."""
    store.ensure_tables(ledger.db)
    rows = ledger.db.execute(
        "SELECT agency, MAX(at) FROM (SELECT agency, last_seen AS at FROM versions "
        "UNION ALL SELECT v.agency, r.started FROM run_verdicts v JOIN runs r ON r.id = v.run_id "
        "UNION ALL SELECT agency, notice_date FROM rectify_items) WHERE agency IS NOT NULL AND agency != '' "
        "GROUP BY agency ORDER BY MAX(at) DESC").fetchall()
    by_key: dict[str, Agency] = {}
    for name, _ in rows:
        key = agency_key(name)
        if key:
            by_key.setdefault(key, Agency(key, [])).names.append(name)
    return list(by_key.values())


def find_agency(ledger: Ledger, typed: str) -> Agency:
    """The agency whose key equals the typed name's, else the only one whose name or key contains
    the typed text (widths, spaces and punctuation folded). AgencyNotFound otherwise."""
    agencies = known_agencies(ledger)
    key = agency_key(typed)
    exact = [a for a in agencies if a.key == key]
    if exact:
        return exact[0]
    part = _folded(typed)
    found = [a for a in agencies if part and (part in a.key or any(part in _folded(n) for n in a.names))]
    if len(found) == 1:
        return found[0]
    raise AgencyNotFound(typed, found)


def _folded(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text))


def verdict_runs(ledger: Ledger, key: str) -> pd.DataFrame:
    """Per run that saw a report of the agency: run_id, started, year, file, verdict (None for runs
    before verdicts were recorded: those are found through the findings they recorded)."""
    store.ensure_tables(ledger.db)
    recorded = pd.read_sql_query(
        "SELECT v.run_id, r.started, v.year, v.file, v.agency, v.verdict FROM run_verdicts v "
        "JOIN runs r ON r.id = v.run_id", ledger.db)
    recorded = recorded[recorded["agency"].map(agency_key) == key]
    earlier = pd.read_sql_query(
        "SELECT DISTINCT f.run_id, r.started, f.year, f.file, f.agency FROM findings f JOIN runs r ON r.id = f.run_id "
        "WHERE f.run_id NOT IN (SELECT DISTINCT run_id FROM run_verdicts)", ledger.db)
    earlier = earlier[earlier["agency"].map(agency_key) == key].drop_duplicates(["run_id", "file"])
    earlier = earlier.assign(verdict=None)
    frames = [f for f in (recorded, earlier) if len(f)]
    columns = ["run_id", "started", "year", "file", "verdict"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].sort_values(["run_id", "file"]).reset_index(drop=True)


def agency_items(ledger: Ledger, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The agency's items (oldest first) and their history rows."""
    items = store.all_items(ledger)
    items = items[items["agency"].map(agency_key) == key].reset_index(drop=True)    # today's key rules
    return items, store.history(ledger, items["id"].tolist())
