"""Speed: every size threshold of the run and the one switch that turns every fast path off.

The fast paths change how fast the run is, never what it reports; each has a kept test that
compares it with the plain path (tests/test_fast_path_*.py, tests/test_pdfium_pages.py,
tests/test_search.py, tests/test_extract_fast_paths.py, tests/test_parallel_rules.py). To bisect a suspected defect or
to check a result, run the plain path end to end:

    AUDITOR_PLAIN=1 auditor run …

With the switch set (any value but empty or 0), the run works in one process and by the plain
algorithms:
- rule regexes are searched by plain re (bounded in time as always), without the literal
  analysis of engine/search.py;
- tables are read by the general reader, without the shape cache of extract/tables.py;
- HTML is read by the general walk, without the plain-table path, the inline-only paragraph
  path and the layout cache of ingest/html.py;
- every PDF page is read by pdfplumber, without pdfium's reading of the pages it can match
  (ingest/pdfium_pages.py);
- no child processes: no reading pool, no text-rule workers, no Great Expectations process, no
  background writers (the workbook and data.csv are written inline), no hashing threads.
The findings and every output file are the same either way (tests/test_fast_path_run.py).

Limits that protect the machine from a hostile file are not speed: they live in limits.py and
hold with or without the switch. Nor are SHEET_MAX_REPORTS and PAGES_ALL_UP_TO fast paths: they decide what the
workbook and the evidence pages hold, so they hold with the switch too.
"""
from __future__ import annotations

import os

PLAIN_ENV = "AUDITOR_PLAIN"

# Below each threshold the fast path costs more than it saves (measured on the 2-core machine).
PARALLEL_FROM = 64          # files: the reading pool (and the hashing threads)
GX_PROCESS_FROM = 1000      # files to read: Great Expectations is imported in its own process meanwhile
PARALLEL_TEXT_FROM = 1500   # reports: the text rules run in worker processes beside the table rules
BACKGROUND_FROM = 1000      # reports: the workbook and data.csv are written by child processes
# Up to this many reports the 数据 sheet is in summary.xlsx too; above, only data.csv holds it (and
# is started early, by a child): a sheet of 10,000 × 234 cells takes longer to write than the whole
# audit and to open in WPS. Decides the output, so the plain switch leaves it alone.
SHEET_MAX_REPORTS = 2000
# Up to this many reports every report gets an evidence page (核查页/); above, only those a reviewer
# must check (an error, a warning, a reading problem): about 2 ms a page. Decides the output, like
# SHEET_MAX_REPORTS, so the plain switch leaves it alone.
PAGES_ALL_UP_TO = 2000


def plain() -> bool:
    """Whether every fast path is off (AUDITOR_PLAIN set): read where a fast path is chosen, per
    call, so that a test or a child process sees the setting of the moment."""
    return os.environ.get(PLAIN_ENV, "").strip() not in ("", "0")


def worth(threshold: int, size: int) -> bool:
    """Whether a fast path that pays from `threshold` items on is taken for `size` items."""
    return size >= threshold and not plain()
