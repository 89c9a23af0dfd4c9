"""The run folder, crash-safe: a run writes into runs/<time>.partial/, records itself in the ledger
in one transaction, and only then renames the folder to runs/<time>/ and switches latest/ to it. A
run killed at any point leaves the previous outputs and the ledger as they were: the next run
finishes a folder whose run was recorded, and removes one whose run was not (`recover`)."""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

from ..ledger import Ledger

log = logging.getLogger("auditor")


def new_folder(out_dir: Path, started: dt.datetime) -> Path:
    """runs/<time>/ for a run started at `started` (not created): a free name, never one that a
    finished or partial run already has."""
    runs = out_dir / "runs"
    runs.mkdir(exist_ok=True)
    base = started.strftime("%Y-%m-%dT%H%M%S")
    folder, n = runs / base, 1
    while folder.exists() or partial_of(folder).exists():
        n += 1
        folder = runs / f"{base}-{n}"
    return folder


def recover(out_dir: Path, ledger: Ledger) -> None:
    """Finish or discard the folder of a run that was killed after or before its ledger commit."""
    runs = out_dir / "runs"
    if not runs.is_dir():
        return
    recorded = {row[0] for row in ledger.db.execute("SELECT folder FROM runs")}
    for partial in runs.glob("*.partial"):
        final = partial.with_name(partial.name[: -len(".partial")])
        if final.name in recorded and not final.exists():
            os.replace(partial, final)
            point_latest(out_dir, final)
        else:
            shutil.rmtree(partial, ignore_errors=True)


def point_latest(out_dir: Path, folder: Path) -> None:
    """latest/ → the newest complete run, switched atomically (symlink), or copied if links fail."""
    latest = out_dir / "latest"
    tmp = out_dir / f".latest-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(Path("runs") / folder.name, target_is_directory=True)
        if latest.exists() and not latest.is_symlink():
            shutil.rmtree(latest)
        os.replace(tmp, latest)
    except OSError:     # no symlinks (Windows without developer mode): latest/ is a copy
        staging = out_dir / f".latest-copy-{os.getpid()}"
        old = out_dir / f".latest-old-{os.getpid()}"
        shutil.copytree(folder, staging)
        try:
            if latest.is_symlink():
                latest.unlink()
            elif latest.exists():
                os.replace(latest, old)      # whole or not at all: never a half-deleted latest/
            os.replace(staging, latest)
        except OSError as exc:   # a file in latest/ is open (Excel on Windows): the run stands in runs/
            shutil.rmtree(staging, ignore_errors=True)
            if old.exists() and not latest.exists():
                os.replace(old, latest)
            log.warning("latest 未能更新（%s，其中的文件可能正被打开）；本次结果见 runs/%s",
                        exc.strerror or exc, folder.name)
        shutil.rmtree(old, ignore_errors=True)


def partial_of(folder: Path) -> Path:
    """Where the run of `folder` writes until it is recorded: runs/<time>.partial/."""
    return folder.with_name(folder.name + ".partial")
