"""Decode report bytes: BOMs first, then strict UTF-8, then detection, then GB18030.

Chinese government sites still publish GBK pages; a wrong guess turns every label into mojibake,
so every step is strict and the chosen encoding is recorded on the document.
"""
from __future__ import annotations

import codecs

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept."""


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding name). `declared` (e.g. from an HTML meta tag) is tried after BOMs."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                raise DecodeError(f"文件开头标明为 {name.upper()} 编码，但内容不符，无法解码") from None
    candidates = ([declared] if declared else []) + ["utf-8"]
    for name in candidates:
        try:
            text = data.decode(_canonical(name))
            return text, _canonical(name)
        except (UnicodeDecodeError, LookupError):
            continue
    if b"\x00" in data[:4096]:
        raise DecodeError("文件含有二进制内容，不是文本文件")
    try:
        text = data.decode("gb18030")
        return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("无法识别文件编码")
    return str(best), best.encoding


def _canonical(name: str) -> str:
    """GBK and GB2312 labels are decoded as GB18030, their superset (pages often lie)."""
    low = name.strip().lower()
    if low in {"gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936"}:
        return "gb18030"
    return low
