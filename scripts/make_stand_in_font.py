"""Make the stand-in font of auditor/ingest/pdfium_font.py and print it as base64.

Every BMP character (surrogates left out) maps, through one format 13 cmap subtable, to one glyph:
a full square, 1000 units wide, from the descender to the ascender. Needs fontTools (not a
dependency of the auditor: the font's bytes are in the module):

    python -m pip install fonttools && python scripts/make_stand_in_font.py
"""
from __future__ import annotations

import base64
import io

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

ASCENT, DESCENT = 880, -120


def stand_in_font() -> bytes:
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "square"])
    builder.setupCharacterMap({})
    pen = TTGlyphPen(None)
    for point in ((0, DESCENT), (0, ASCENT), (1000, ASCENT), (1000, DESCENT)):
        (pen.lineTo if point != (0, DESCENT) else pen.moveTo)(point)
    pen.closePath()
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "square": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (1000, 0), "square": (1000, 0)})
    builder.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    builder.setupNameTable({"familyName": "AuditorStandIn", "styleName": "Regular"})
    # code pages: JIS, GB2312, Korean Wansung, Big5, Korean Johab
    builder.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT,
                     usWinDescent=-DESCENT, ulCodePageRange1=sum(1 << bit for bit in (17, 18, 19, 20, 21)))
    builder.setupPost()
    subtable = CmapSubtable.newSubtable(13)
    subtable.platformID, subtable.platEncID, subtable.language = 3, 10, 0
    subtable.cmap = {code: "square" for code in range(0x20, 0x10000) if not 0xD800 <= code <= 0xDFFF}
    builder.font["cmap"].tables = [subtable]
    out = io.BytesIO()
    builder.font.save(out)
    return out.getvalue()


if __name__ == "__main__":
    data = stand_in_font()
    text = base64.b64encode(data).decode("ascii")
    print(f"# {len(data)} bytes")
    for start in range(0, len(text), 92):
        print(f'    "{text[start:start + 92]}"')
