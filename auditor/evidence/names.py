"""Where a report's evidence page lives in the run folder: one name per file, stable from run to run,
and one Windows accepts (a file name comes from a report found on the internet)."""
from __future__ import annotations

import hashlib
from pathlib import PurePath

from ..notices.names import safe_name

FOLDER = "核查页"
INDEX = f"{FOLDER}/index.html"
_STEM_AT_MOST = 40      # characters of the file's own name kept in the page's name


def page_path(file: str) -> str:
    """The page of the report read from `file` (as outputs show it), relative to the run folder:
    「核查页/<file's name>-<8 hex of the whole path>.html」. The hash tells apart two reports of the
    same name in different folders (or differing only in case, as Windows compares names)."""
    digest = hashlib.sha1(str(file).encode("utf-8", "surrogatepass")).hexdigest()[:8]
    stem = PurePath(str(file).replace("\\", "/")).stem[:_STEM_AT_MOST] or "报告"
    if stem[0] in "=+-@":           # a name a spreadsheet would read as a formula, when a cell shows it
        stem = "_" + stem
    return f"{FOLDER}/{safe_name([stem, digest], '.html', set())}"
