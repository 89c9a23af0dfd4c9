"""Rule ids as people type them: `t3-a1`, ` T3-A1 ` and full-width `Ｔ３－Ａ１` all name rule T3-A1.

Rule ids are upper-case ASCII by schema (rule.v1.json), so the canonical form is NFKC, stripped,
upper-cased; every place a user types a rule id (rules explain, waivers) goes through here."""
from __future__ import annotations

import unicodedata


def rule_id_key(text: object) -> str:
    """The canonical form of a typed rule id (no validation: an unknown id stays unknown)."""
    return unicodedata.normalize("NFKC", str(text)).strip().upper()
