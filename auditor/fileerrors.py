"""Why a file could not be read, in Chinese: the office sees 「文件不存在」, never `[Errno 2] No such file`."""
from __future__ import annotations

import errno

_WORDS = {
    errno.ENOENT: "文件不存在（请检查路径和文件名）",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一级不是文件夹",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ELOOP: "路径中的链接成环",
    errno.ENAMETOOLONG: "路径过长",
    errno.EIO: "读取时出现输入输出错误（磁盘或网络盘故障？）",
}


def why_unreadable(exc: OSError) -> str:
    """The reason an OSError gives, as a short Chinese phrase (the system's own words, untranslated,
    only for an errno we have no words for)."""
    if exc.errno in _WORDS:
        return _WORDS[exc.errno]
    return f"无法读取（{exc.strerror or type(exc).__name__}）"


def read_text_zh(path, what: str) -> str:
    """The text of a UTF-8 file (a BOM is dropped), or ValueError with one Chinese sentence naming
    `what` (e.g. 豁免清单) and the file: missing, a folder, unreadable or not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{what} {path} 无法读取：{why_unreadable(exc)}。") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} {path} 不是 UTF-8 编码（第 {exc.start + 1} 个字节起无法解码），"
                         "请用 UTF-8 编码另存后重试。") from None
