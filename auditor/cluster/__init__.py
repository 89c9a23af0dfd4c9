"""Reading on a Dask cluster: the read stage's other executor (`auditor run --executor dask`).

Only reading and extraction leave the machine, a shard of files per task (shards.py): rules, Great
Expectations, outputs and the ledger stay here, and the incremental logic (content hashes in the
ledger) decides what is sent, so a monthly run sends only new files. A node of another version is
refused before any file is sent (identity.py). The reader (dask_reader.py) returns exactly what the
local reading pool returns, in input order, so the rest of the run cannot tell the difference.
"""
from __future__ import annotations

from .dask_reader import ClusterError, DaskReader, scheduler_address

__all__ = ["ClusterError", "DaskReader", "scheduler_address"]
