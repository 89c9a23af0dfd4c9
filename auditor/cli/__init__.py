"""Command line: `auditor run`, `decide`, `extract`, `rules check|test|list|explain`.

One module per command; app.py parses and dispatches."""
from __future__ import annotations

from .app import entry, internal_error, main
from .common import default_rules_dir
from .exits import (EPILOG, EXIT_ENGINE, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_LEDGER, EXIT_LOCKED, EXIT_OK,
                    EXIT_UNREADABLE, EXIT_USAGE, EXIT_WRITE)

__all__ = ["EPILOG", "EXIT_ENGINE", "EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_LEDGER", "EXIT_LOCKED", "EXIT_OK",
           "EXIT_UNREADABLE", "EXIT_USAGE", "EXIT_WRITE", "default_rules_dir", "entry", "internal_error", "main"]
