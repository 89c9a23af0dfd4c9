"""A stand-in for CJK fonts that a PDF names without embedding and this machine does not have.

pdfium drops from its text layer every text object whose box has no width. Without the font a
glyph has an empty box, so a text object of one glyph (a line holding only "。", a table cell's
second line "业") has none and its character is lost, while pdfminer keeps it; pdfium_chars then
has to hand the page to pdfplumber. pdfium asks the system font info for a substitute: this one
answers as the system does, and only where the system has no font for a CJK character set does it
give a font whose every BMP character is one full square. Text, positions and widths do not come
from the substitute (they come from the PDF's encoding, widths and ToUnicode map, and pdf.py takes
widths from pdfminer), only the boxes that keep the objects in the text layer.

The font (656 bytes, below) is made by scripts/make_stand_in_font.py.
"""
from __future__ import annotations

import base64
import ctypes
from typing import Any

# FXFONT_SHIFTJIS_CHARSET, HANGEUL, GB2312, CHINESEBIG5: the character sets of CJK fonts
_CJK_CHARSETS = frozenset({128, 129, 134, 136})
_FACE = b"AuditorStandIn\0"
_FONT = base64.b64decode(
    "AAEAAAAKAIAAAwAgT1MvMkUARmEAAAEoAAAAYGNtYXAAErhhAAABkAAAADRnbHlmtA4F4AAAAcwAAAAaaGVhZDFz9q4A"
    "AACsAAAANmhoZWEHWgNyAAAA5AAAACRobXR4A+gAAAAAAYgAAAAGbG9jYQANAAAAAAHEAAAABm1heHAABAAGAAABCAAA"
    "ACBuYW1lUX5jhQAAAegAAAB1cG9zdNd7Z+UAAAJgAAAALQABAAAAAQAA59UIQV8PPPUAAwPoAAAAAOc6WWsAAAAA5zpZ"
    "awAA/4gD6ANwAAAAAwACAAAAAAAAAAEAAANw/4gAAAPoAAAAAAPoAAEAAAAAAAAAAAAAAAAAAAABAAEAAAACAAQAAQAA"
    "AAAAAgAAAAAAAAAAAAAAAAAAAAAAAwPoAZAABQAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAPz8/PwAAACD//wNw/4gAAANwAHgAPgAAAAAAAAAAAAAAAAAgAAAD6AAAAAAAAAAAAAEAAwAKAAAADAAN"
    "AAAAAAAoAAAAAAAAAAIAAAAgAADX/wAAAAEAAOAAAAD//wAAAAEAAAAAAA0AAAABAAD/iAPoA3AAAwAAFREhEQPoeAPo"
    "/BgAAAAAAAAEADYAAQAAAAAAAQAOAAAAAQAAAAAAAgAHAA4AAwABBAkAAQAcABUAAwABBAkAAgAOADFBdWRpdG9yU3Rh"
    "bmRJblJlZ3VsYXIAQQB1AGQAaQB0AG8AcgBTAHQAYQBuAGQASQBuAFIAZQBnAHUAbABhAHIAAAAAAgAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAACAAABAgZzcXVhcmUAAAA="
)

_installed: list[Any] = []      # the structure, its callbacks and buffers: alive as long as pdfium


def install() -> None:
    """Give pdfium the stand-in for CJK fonts the system lacks; once per process (call under the
    lock that serialises pdfium)."""
    if _installed:
        return
    import pypdfium2.raw as R

    default = R.FPDF_GetDefaultSystemFontInfo()
    if not default:
        _installed.append(None)
        return
    system = default.contents
    data = ctypes.create_string_buffer(_FONT, len(_FONT))
    ours = ctypes.addressof(data)               # a handle the system's font info never gives
    requested = [134]                           # the character set pdfium last asked ours for

    def map_font(this, weight, italic, charset, pitch, face, exact):  # type: ignore[no-untyped-def]
        found = system.MapFont(default, weight, italic, charset, pitch, face, exact)
        if found or charset not in _CJK_CHARSETS:
            return found
        requested[0] = charset
        return ours

    def font_data(this, handle, table, buffer, size):  # type: ignore[no-untyped-def]
        if handle != ours:
            return system.GetFontData(default, handle, table, buffer, size)
        if table:                   # a single table: pdfium then asks for the whole file
            return 0
        if buffer and size >= len(_FONT):
            ctypes.memmove(buffer, data, len(_FONT))
        return len(_FONT)

    def face_name(this, handle, buffer, size):  # type: ignore[no-untyped-def]
        if handle != ours:
            return system.GetFaceName(default, handle, buffer, size)
        if buffer and size >= len(_FACE):
            ctypes.memmove(buffer, _FACE, len(_FACE))
        return len(_FACE)

    def font_charset(this, handle):  # type: ignore[no-untyped-def]
        return requested[0] if handle == ours else system.GetFontCharset(default, handle)

    def delete_font(this, handle):  # type: ignore[no-untyped-def]
        if handle != ours:
            system.DeleteFont(default, handle)

    kinds = dict(R.FPDF_SYSFONTINFO._fields_)
    callbacks = {
        "Release": kinds["Release"](lambda this: None),
        "EnumFonts": kinds["EnumFonts"](lambda this, mapper: system.EnumFonts(default, mapper)),
        "MapFont": kinds["MapFont"](map_font),
        "GetFont": kinds["GetFont"](lambda this, face: system.GetFont(default, face)),
        "GetFontData": kinds["GetFontData"](font_data),
        "GetFaceName": kinds["GetFaceName"](face_name),
        "GetFontCharset": kinds["GetFontCharset"](font_charset),
        "DeleteFont": kinds["DeleteFont"](delete_font),
    }
    info = R.FPDF_SYSFONTINFO(version=1, **callbacks)
    R.FPDF_SetSystemFontInfo(ctypes.byref(info))
    _installed.extend([info, callbacks, data, default])
