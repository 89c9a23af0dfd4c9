"""The collect stage: which files a run audits, and the content hash of each.

Refuses (InputError), before anything is read or written, a given path that does not exist, cannot
be read or listed, or holds no report file at all: an unmounted share, a typo or an empty inbox is
never audited as a month without reports."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ..ingest import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from ..ingest.office_convert import SPREADSHEET
from ..junk import is_junk_file, is_junk_folder
from ..ledger import content_hash
from ..naming import file_name, names_text
from ..speed import PARALLEL_FROM, worth
from .reading import FileRow

log = logging.getLogger("auditor")


@dataclass
class Collected:
    files: list[Path]
    skipped: list[tuple[str, str]]      # (file, Chinese reason)


class InputError(Exception):
    """A given input path that is missing, empty of reports or cannot be read: the run is refused
    before anything is touched. Auditing it would record a month without its reports (every
    earlier finding 已解决, every agency 未发布) and make that the latest result."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def collect(paths: list[Path]) -> Collected:
    """Expand folders (recursively, in name order). Operating-system and office junk files
    (auditor/junk.py) are left out silently; other unsupported files are listed, not dropped, and
    so is every sub-folder that cannot be listed (its reports would otherwise silently count as
    未发布). Raises InputError, before anything is read or written, for a given path that does not
    exist, cannot be read or listed, or (a folder) holds no report file at all."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            problems.extend(_collect_folder(path, files, skipped))
        elif path.is_file():
            if is_junk_file(path.name):
                continue       # `auditor run inbox/*` expands Thumbs.db too
            try:
                with open(path, "rb"):
                    pass
            except OSError as exc:
                problems.append(f"无法读取文件 {file_name(path)}（{exc.strerror or exc}）")
                continue
            files.append(path)
        elif os.path.lexists(path) and not path.is_symlink():
            problems.append(f"{file_name(path)} 不是文件或文件夹")
        else:
            problems.append(f"找不到 {file_name(path)}（路径不存在，或所在的共享盘、移动硬盘未连接）")
    if not problems and not files:
        problems.append("给出的路径中没有报告文件")
    if problems:
        raise InputError(problems)
    seen: set[str] = set()
    unique = [p for p in files if not (file_name(p) in seen or seen.add(file_name(p)))]   # a file given twice
    return Collected(unique, skipped)


def _collect_folder(path: Path, files: list[Path], skipped: list[tuple[str, str]]) -> list[str]:
    """One given folder's files into `files` / `skipped`; what makes it unusable, as Chinese lines."""
    found: list[Path] = []
    top_error: list[OSError] = []
    locked: list[tuple[str, str]] = []     # sub-folders that cannot be listed

    def unlisted(err: OSError) -> None:
        where = Path(err.filename) if err.filename is not None else path
        if where == path:
            top_error.append(err)
            return
        locked.append((file_name(where), f"无法读取文件夹（{err.strerror or err}），其中的报告未审核"))
        log.warning("无法读取文件夹 %s：%s", file_name(where), err.strerror or err)

    for folder, dirs, names in os.walk(path, onerror=unlisted):
        dirs[:] = [d for d in dirs if not is_junk_folder(d)]
        found.extend(Path(folder) / name for name in names if not is_junk_file(name))
    if top_error:
        err = top_error[0]
        return [f"无法读取文件夹 {file_name(path)}（{err.strerror or err}）"]
    mine: list[Path] = []
    unsupported: list[Path] = []
    for p in sorted(found):
        if not p.is_file():
            continue
        (mine if p.suffix.lower() in SUPPORTED_SUFFIXES else unsupported).append(p)
    if not mine:
        kinds = "、".join(sorted(SUPPORTED_SUFFIXES - set(SPREADSHEET)))     # .et is only collected to be refused
        what = [f"无法读取其中的文件夹 {names_text([name for name, _ in locked])}"] if locked else []
        what += [f"只有不支持的文件：{names_text([p.name for p in unsupported])}"] if unsupported else []
        return [f"文件夹 {file_name(path)} 中没有可审核的报告文件（{'，'.join(what) or '是空的'}；"
                f"可审核的类型：{kinds}）"]
    files.extend(mine)
    skipped.extend(locked)
    skipped.extend((file_name(p), f"不支持的文件类型「{p.suffix or '无扩展名'}」") for p in unsupported)
    return []


def hash_files(files: list[Path]) -> tuple[dict[Path, str], list[FileRow]]:
    """Content hash per file, always from its bytes: size and mtime alone cannot tell an edit that
    kept both (a copy with preserved times, a same-second rewrite). Hashing is cheap next to
    reading; the files are read on a few threads (reads and sha256 both release the GIL)."""
    if worth(PARALLEL_FROM, len(files)):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, 2 * (os.cpu_count() or 1))) as pool:
            rows = list(pool.map(_hash_one, files, chunksize=32))
    else:
        rows = [_hash_one(path) for path in files]
    hashes = {path: row[3] for path, row in zip(files, rows)}
    return hashes, [row for row in rows if row[1] >= 0]


def _hash_one(path: Path) -> FileRow:
    """(name, size, mtime, hash) of one file; gone or not readable: "unreadable" (reading it then
    reports why; such a file is never taken from the ledger)."""
    try:
        st = path.stat()
        if st.st_size > MAX_FILE_BYTES:
            h = f"oversize-{st.st_size}-{st.st_mtime_ns}"   # refused by size later; never read whole
        else:
            h = content_hash(path.read_bytes())
    except OSError:
        return file_name(path), -1, -1, "unreadable"
    return file_name(path), st.st_size, st.st_mtime_ns, h
