"""Atomic file replacement, so a crash or error never leaves a half-written output behind.

Civil servants may have yesterday's summary.xlsx open or rely on it; we write next to the target
(same filesystem, so `os.replace` is atomic), fsync, then swap. On failure the old file stays.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temp_path_for(final: Path) -> Path:
    """Hidden, unique temp name in the target's directory, e.g. `.findings.csv.tmp-123-ab12cd34`."""
    return final.with_name(f".{final.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def _fsync_file(path: Path) -> None:
    with open(path, "r+b") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself; best effort because not every OS/filesystem supports it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(final: Path | str) -> Iterator[Path]:
    """Yield a temp path to write; on clean exit fsync it and replace `final`, else delete it.

    The temp file is created empty (O_EXCL) so the name is reserved; writers may reopen and
    overwrite it (xlsxwriter writes to a path, not a handle).
    """
    final = Path(final)
    tmp = temp_path_for(final)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, final)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    _fsync_dir(final.parent)
