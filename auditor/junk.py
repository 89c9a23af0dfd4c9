"""Files that operating systems, office suites and browsers leave beside reports: never reports.

They travel with every folder copied from a Windows desk, a Mac or a download folder. Counted as
unreadable reports they would make every monthly run end with exit 3; audited (an Office lock file
`~$报告.docx` has a report's suffix) they would add findings about a file nobody published. They are
left out silently, before anything else looks at them, so they never enter a run's inputs, its
"nothing changed" key or its summary. One home for the patterns: `collect` (auditor/pipeline/collecting.py)
asks `is_junk_file` / `is_junk_folder` and nothing else.
"""
from __future__ import annotations

# Whole names, compared case-insensitively (Windows and macOS file systems ignore case).
JUNK_NAMES = frozenset({
    "thumbs.db", "ehthumbs.db", "ehthumbs_vista.db",   # Windows Explorer thumbnail caches
    "desktop.ini",                                       # Windows folder settings
    ".ds_store",                                         # macOS Finder settings
    "icon\r",                                            # macOS custom folder icon
})
# Name beginnings: hidden files (".": .DS_Store, ._* AppleDouble, .~lock.*# LibreOffice locks,
# .~文件名 WPS backups) and Microsoft Office / WPS owner files ("~$报告.docx").
JUNK_PREFIXES = (".", "~$")
# Name endings: temporary files (Word's ~WRL0001.tmp) and downloads not yet finished
# (Chrome .crdownload, Firefox .part, Safari .download).
JUNK_SUFFIXES = (".tmp", ".crdownload", ".part", ".download")
# Folders never walked into: hidden ones, macOS archive metadata, Windows recycle bin and system data.
JUNK_FOLDERS = frozenset({"__macosx", "$recycle.bin", "system volume information"})


def is_junk_file(name: str) -> bool:
    """True for a file name that an operating system, office suite or browser made, not a person."""
    low = name.lower()
    return low in JUNK_NAMES or low.startswith(JUNK_PREFIXES) or low.endswith(JUNK_SUFFIXES)


def is_junk_folder(name: str) -> bool:
    """True for a folder whose contents are never reports (hidden, or system and archive metadata)."""
    low = name.lower()
    return low.startswith(".") or low in JUNK_FOLDERS or low.endswith(".download")   # Safari: a folder
