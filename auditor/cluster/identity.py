"""What a node must share with the main process for its extractions to equal local ones: the
engine (package version and code hash), Python, the reading libraries, Dask itself and whether
legacy Office files can be converted there. Compared before any file is sent, and again on every
shard that comes back (a node may join mid-run)."""
from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version

# Every distribution whose version can change what a file reads as, or how a shard travels.
PACKAGES = ("pdfplumber", "pdfminer.six", "pypdfium2", "lxml", "python-docx", "charset-normalizer", "msgspec",
            "zstandard", "regex", "orjson", "numpy", "pandas", "dask", "distributed", "cloudpickle", "msgpack")

LABELS = {"engine": "gov-report-auditor", "python": "Python", "converter": "LibreOffice"}


@functools.cache
def identity() -> tuple[tuple[str, str], ...]:
    """This process's identity, as (what, version) pairs; cached: the code hash reads every module."""
    from ..ingest.office_convert import converter_mark
    from ..pipeline.keys import engine_version

    pairs = [("engine", engine_version()), ("python", ".".join(platform.python_version_tuple()[:2])),
             ("converter", "已安装" if converter_mark() == "soffice" else "未安装")]
    for name in PACKAGES:
        try:
            pairs.append((name, version(name)))
        except PackageNotFoundError:
            pairs.append((name, "未安装"))
    return tuple(pairs)


def differences(here: tuple[tuple[str, str], ...], there: tuple[tuple[str, str], ...]) -> list[str]:
    """What differs, in Chinese: 「pdfplumber 本机 0.11.4，节点 0.11.5」; empty when the two agree."""
    theirs = dict(there)
    return [f"{LABELS.get(what, what)} 本机 {mine}，节点 {theirs.get(what, '未知')}"
            for what, mine in here if theirs.get(what) != mine]
