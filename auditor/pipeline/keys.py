"""What a run's results depend on, as short hashes: the engine (its code), the rules, and the whole
input. Equal input keys mean equal results, so a run whose key equals the last run's does nothing
but point at that run's results (the incremental, no-change path of auditor/pipeline)."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..ingest.office_convert import converter_mark
from ..naming import file_name

if TYPE_CHECKING:
    from ..roster import Roster
    from ..rules.model import Pack
    from ..waivers import Waiver

PACKAGE_ROOT = Path(__file__).resolve().parent.parent     # auditor/


def engine_version() -> str:
    """The package version plus a hash of its code: any code change re-audits everything."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_ROOT.rglob("*.py")) + sorted((PACKAGE_ROOT / "schema").glob("*.json")):
        digest.update(path.relative_to(PACKAGE_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def ruleset_hash(packs: list[Pack], engine: str, agency_types: dict[str, str] | None) -> str:
    """The rules as audited: every pack's rules, the engine (with the roster's digest) and the
    agency-type overrides. A version audited under another ruleset hash is audited again."""
    digest = hashlib.sha256(engine.encode())
    for pack in sorted(packs, key=lambda p: p.id):
        digest.update(repr((pack.id, pack.templates)).encode())
        for rule in sorted(pack.rules, key=lambda r: r.id):
            digest.update(repr((rule.id, rule.severity, rule.kind, rule.params, rule.when, rule.message,
                                rule.basis, rule.title)).encode())
    digest.update(repr(sorted((agency_types or {}).items())).encode())
    return digest.hexdigest()[:16]


def output_options(roster: Roster | None) -> str:
    """The options that change a run's outputs but not its audits (those are in the rules hash):
    the coverage year, given (--year) or, without it, inferred with today's year as the limit."""
    if roster is None:
        return ""
    return f"year={roster.year}" if roster.year else f"year=auto<{dt.date.today().year}"


def input_key(rules_hash: str, hashes: dict[Path, str], skipped: list[tuple[str, str]],
              waivers: list[Waiver] | None, decisions: int, options: str = "") -> str:
    """Everything a run's results depend on; equal keys mean equal results (waivers by expiry
    today). The rules hash holds the rules, local packs, agency-type overrides and the roster;
    `options` the rest: output_options, and the rectification items as they stand with which of
    their deadlines have passed (auditor/followup/follow.py key_part), so that a new notice or a
    passing deadline makes a real run."""
    today = dt.date.today().isoformat()
    digest = hashlib.sha256(rules_hash.encode())
    for path, h in sorted((file_name(p), h) for p, h in hashes.items()):
        digest.update(f"{path}\x1f{h}\n".encode())
    digest.update(repr(sorted(skipped)).encode())
    digest.update(repr([(w, w.expires < today) for w in (waivers or [])]).encode())
    digest.update(str(decisions).encode())
    digest.update(options.encode())
    digest.update(converter_mark().encode())   # LibreOffice installed since: refused .doc files are read
    return digest.hexdigest()[:32]
