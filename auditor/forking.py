"""Whether work can go to forked processes, which inherit a large batch instead of receiving it
pickled: only with more than one core, and where the operating system offers fork."""
from __future__ import annotations

import multiprocessing as mp
import os


def can_fork() -> bool:
    return (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods()
