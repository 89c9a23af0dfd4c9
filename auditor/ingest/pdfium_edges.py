"""A page's ruling lines from pdfium, equal to pdfplumber's `page.edges`, and its ruled tables.

pdf.py finds ruled tables with pdfplumber's `page.find_tables()` (lines strategy), which reads
nothing of the page but `page.edges`: the edges of the LTLine, LTRect and LTCurve objects that
pdfminer builds in `PDFLayoutAnalyzer.paint_path` while it interprets the page in pure Python.
pdfium gives the same painted paths in C, as path objects (also those inside Form XObjects,
which pdfminer keeps as LTFigure children and pdfplumber flattens). Here each path is turned
back into pdfminer's segments and classified and measured with pdfminer's and pdfplumber's own
rules, in their order (lines, then rects, then curves, each in painting order), so that
TableFinder — which snaps by averages and breaks ties by order — sees the same edges.

pdfium stores every number as float32; pdfminer parses the content stream's decimals as
float64. Each float32 is mapped back to the shortest decimal that gives it (what a producer
writes: "56.7", not 56.70000076), so coordinates come out bit-equal to pdfminer's whenever the
producer wrote at most ~7 significant digits and at most one `cm` is in force (pdfminer
multiplies nested matrices in float64, pdfium in float32); otherwise they differ by float32
rounding (< 1e-4 pt on a page). A `re` corner x + w is pdfminer's float64 sum, here the decimal
sum: the two can be one float64 ulp apart (0.1 + 0.2), which matters only at an exact tie in
TableFinder's tolerances.

Some content pdfium's path objects cannot tell apart while pdfminer does: a subpath closed twice
("re s", "h b", "h h": pdfminer keeps both 'h' and makes a curve, pdfium one close and so a
rect), a lone "m h" (a point-curve in pdfminer, nothing in pdfium) and the obsolete fill 'F'
(pdfminer paints nothing and carries the path to the next painting operator). Given pdfplumber's
page, the content streams (the page's and its forms', already decoded by pdfminer's parser or
decoded here once) are searched for these operators first; a match declines the page.

Whatever is not reproduced exactly gives None and the caller asks pdfplumber: the operators
above, a rotated page, a media box not at the origin, a path pdfium closes other than at its
start or continues after closing, forms nested deeper than _MAX_FORM_DEPTH.
"""
from __future__ import annotations

import ctypes
import re
from typing import Any

_MAX_FORM_DEPTH = 16

# operators where pdfminer's path differs from what pdfium's objects show (module docstring):
# 'F'; 's', 'b', 'b*' or 'h' right after 're' or 'h'; 'h' right after 'm'. Tokens end at white
# space or a delimiter; a match inside a text string only costs a decline.
_AMBIGUOUS = re.compile(rb"(?<![^\s\]\)>])(?:F|(?:re|h)\s+(?:[sbh]|b\*)|m\s+h)(?![^\s\[\(<>/%\]])")

Edge = dict[str, Any]
Point = tuple[float, float]
Matrix = tuple[float, float, float, float, float, float]


class _Declined(Exception):
    """The page holds a path that this module does not reproduce exactly."""


def _exact(value: float, memo: dict[float, float]) -> float:
    """The float64 of the shortest decimal whose float32 is `value` (pdfium's float32 of a
    number the producer wrote), i.e. what pdfminer parsed; `value` itself when no decimal of up
    to 10 places gives it."""
    got = memo.get(value)
    if got is not None:
        return got
    f32 = ctypes.c_float
    got = value
    for places in range(11):
        candidate = round(value, places)
        if f32(candidate).value == value:
            got = candidate
            break
    memo[value] = got
    return got


def _mult(m1: Matrix, m0: Matrix) -> Matrix:
    """pdfminer.utils.mult_matrix, the same float64 operations in the same order."""
    a1, b1, c1, d1, e1, f1 = m1
    a0, b0, c0, d0, e0, f0 = m0
    return (a0 * a1 + c0 * b1, b0 * a1 + d0 * b1, a0 * c1 + c0 * d1, b0 * c1 + d0 * d1,
            a0 * e1 + c0 * f1 + e0, b0 * e1 + d0 * f1 + f0)


class _Reader:
    """Walks a page's path objects (into forms) and keeps pdfminer's lines, rects and curves."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.memo: dict[float, float] = {}
        self.lines: list[tuple[Point, Point]] = []
        self.rects: list[tuple[Point, Point]] = []
        self.curves: list[list[Point]] = []
        self._matrix = raw.FS_MATRIX()
        self._matrices: dict[tuple, Matrix] = {}
        self._x = ctypes.c_float()
        self._y = ctypes.c_float()
        self._px, self._py = ctypes.byref(self._x), ctypes.byref(self._y)

    def matrix(self, obj: Any, ctm: Matrix) -> Matrix:
        """pdfminer's ctm for an object: its pdfium matrix (recovered) × the parent's ctm."""
        m = self._matrix
        if not self.raw.FPDFPageObj_GetMatrix(obj, m):
            raise _Declined("matrix")
        key = (m.a, m.b, m.c, m.d, m.e, m.f, ctm)
        got = self._matrices.get(key)
        if got is None:
            e = self.memo
            own = (_exact(m.a, e), _exact(m.b, e), _exact(m.c, e), _exact(m.d, e),
                   _exact(m.e, e), _exact(m.f, e))
            got = self._matrices[key] = _mult(own, ctm)
        return got

    def walk(self, count: int, get: Any, parent: Any, ctm: Matrix, depth: int) -> None:
        """Objects 0..count-1 of `parent` (a page or a form), `ctm` being pdfminer's matrix of
        the parent's space (pdfium's object matrices are relative to their form)."""
        raw = self.raw
        for i in range(count):
            obj = get(parent, i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                self.path(obj, self.matrix(obj, ctm))
            elif kind == raw.FPDF_PAGEOBJ_FORM:
                if depth >= _MAX_FORM_DEPTH:
                    raise _Declined("forms nested too deep")
                # pdfminer: ctm inside = Matrix × ctm at Do; pdfium's form matrix is that product
                inner = self.matrix(obj, ctm)
                n = raw.FPDFFormObj_CountObjects(obj)
                if n < 0:
                    raise _Declined("form")
                self.walk(n, raw.FPDFFormObj_GetObject, obj, inner, depth + 1)

    def path(self, obj: Any, ctm: Matrix) -> None:
        """One painted path: its subpaths as pdfminer's (shape, end points) → paint()."""
        raw = self.raw
        x, y, memo = self._x, self._y, self.memo
        px, py = self._px, self._py
        get_segment, get_point = raw.FPDFPath_GetPathSegment, raw.FPDFPathSegment_GetPoint
        get_type, get_close = raw.FPDFPathSegment_GetType, raw.FPDFPathSegment_GetClose
        move, line, curve = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_LINETO, raw.FPDF_SEGMENT_BEZIERTO
        n = raw.FPDFPath_CountSegments(obj)
        if n < 0:
            raise _Declined("segments")
        a, b, c, d, e, f = ctm
        shape: list[str] = []
        pts: list[Point] = []
        closed = False
        bezier = 0
        for i in range(n):
            seg = get_segment(obj, i)
            if not seg or not get_point(seg, px, py):
                raise _Declined("segment")
            kind = get_type(seg)
            close = get_close(seg)
            if kind == curve and bezier < 2:   # a control point: pdfminer keeps only the end point
                if close:
                    raise _Declined("close on a control point")
                bezier += 1
                continue
            rx, ry = _exact(x.value, memo), _exact(y.value, memo)
            pt = (a * rx + c * ry + e, b * rx + d * ry + f)   # pdfminer.utils.apply_matrix_pt
            if kind == move:
                if bezier:
                    raise _Declined("broken curve")
                if shape:
                    self.paint(shape, pts)
                shape, pts, closed = ["m"], [pt], False
                start = (rx, ry)
                if close:   # "m h": pdfminer's 'h' point is the subpath's first point
                    shape.append("h")
                    pts.append(pt)
                    closed = True
                continue
            if not shape:
                raise _Declined("path without a move")   # pdfminer drops the whole path
            if closed:
                # more segments after 'h' in one subpath: pdfminer repeats the start point there
                raise _Declined("segments after a close")
            if kind == curve:
                bezier = 0
                shape.append("c")
                pts.append(pt)
                if close:
                    if (rx, ry) != start:
                        raise _Declined("closed away from the start")
                    shape.append("h")
                    pts.append(pts[0])
                    closed = True
            elif kind == line:
                if bezier:
                    raise _Declined("broken curve")
                if close:
                    # pdfium turns 'h' (and 'l start h') into a closing line to the start;
                    # pdfminer has 'h' there, after dropping a redundant 'l'
                    if (rx, ry) != start:
                        raise _Declined("closed away from the start")
                    if len(shape) == 1:
                        # "m p l p h": pdfminer keeps 'mlh' (the drop needs a longer shape)
                        shape.append("l")
                        pts.append(pt)
                    shape.append("h")
                    pts.append(pts[0])
                    closed = True
                else:
                    shape.append("l")
                    pts.append(pt)
            else:
                raise _Declined("unknown segment")
        if bezier:
            raise _Declined("broken curve")
        if shape:
            self.paint(shape, pts)

    def paint(self, ops: list[str], pts: list[Point]) -> None:
        """pdfminer's PDFLayoutAnalyzer.paint_path for one subpath (starting with 'm')."""
        shape = "".join(ops)
        if len(shape) == 1:
            return    # a lone 'm': pdfium drops it, pdfminer gives a point-curve without edges
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts = pts[:-1]
        if shape in ("mlh", "ml"):
            self.lines.append((pts[0], pts[1]))
        elif shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            if pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                     or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
                self.rects.append((pts[0], pts[2]))
            else:
                self.curves.append(pts)
        else:
            self.curves.append(pts)


def _box(pts: list[Point] | tuple[Point, ...]) -> tuple[float, float, float, float]:
    """pdfminer.utils.get_bound."""
    inf = float("inf")
    x0, y0, x1, y1 = inf, inf, -inf, -inf
    for x, y in pts:
        x0 = min(x0, x)
        y0 = min(y0, y)
        x1 = max(x1, x)
        y1 = max(y1, y)
    return x0, y0, x1, y1


def _edges(reader: _Reader, height: float, doctop: float) -> list[Edge]:
    """pdfplumber's Container.edges: line edges, rect edges, curve edges (utils.geometry)."""
    edges: list[Edge] = []
    for p0, p1 in reader.lines:                       # process_object + line_to_edge
        x0, y0, x1, y1 = _box((p0, p1))
        top, bottom = height - y1, height - y0
        edges.append({"object_type": "line", "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                      "width": x1 - x0, "height": y1 - y0, "top": top, "bottom": bottom,
                      "doctop": doctop + top, "orientation": "h" if top == bottom else "v"})
    for (ax, ay), (bx, by) in reader.rects:           # LTRect(bbox=(*pts[0], *pts[2]))
        x0, y0, x1, y1 = _box(((ax, ay), (bx, ay), (bx, by), (ax, by)))
        top, bottom = height - y1, height - y0
        w, h = x1 - x0, y1 - y0
        common = {"object_type": "rect_edge", "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                  "width": w, "height": h, "top": top, "bottom": bottom,
                  "doctop": doctop + top}
        edges.append({**common, "height": 0, "y0": y1, "bottom": top, "orientation": "h"})
        edges.append({**common, "height": 0, "y1": y0, "top": top + h,
                      "doctop": doctop + top + h, "orientation": "h"})
        edges.append({**common, "width": 0, "x1": x0, "orientation": "v"})
        edges.append({**common, "width": 0, "x0": x1, "orientation": "v"})
    for pts in reader.curves:                         # point2coord + curve_to_edges
        coords = [(x, height - y) for x, y in pts]
        curve_top = height - _box(pts)[3]
        shift = (doctop + curve_top) - curve_top      # curve["doctop"] - curve["top"]
        for (px, py), (qx, qy) in zip(coords, coords[1:]):
            top = min(py, qy)
            edges.append({"object_type": "curve_edge", "x0": min(px, qx), "x1": max(px, qx),
                          "top": top, "doctop": top + shift, "bottom": max(py, qy),
                          "width": abs(px - qx), "height": abs(py - qy),
                          "orientation": "v" if px == qx else ("h" if py == qy else None)})
    return edges


def _page_box(page: Any, height: float | None) -> tuple[float, float] | None:
    """(width, height) as pdfplumber has them, or None for a rotated page or a media box not at
    the origin (pdfminer's page matrix and pdfplumber's offsets are not reproduced here).

    pdfium gives the media box in float32: LibreOffice writes A4 as 841.889763779528, which no
    float32 keeps, and every `top` is `height - y`. So the caller passes pdfplumber's
    `page.height` when it has it; without it the float32 value is mapped back to its shortest
    decimal, exact for boxes written with up to ~7 significant digits (595 842, 612 792)."""
    import pypdfium2.raw as R

    raw = page.raw
    if R.FPDFPage_GetRotation(raw) != 0:
        return None
    box = [ctypes.c_float() for _ in range(4)]
    if not R.FPDFPage_GetMediaBox(raw, *(ctypes.byref(v) for v in box)):
        return None
    left, bottom, right, top = (v.value for v in box)
    if left != 0 or bottom != 0 or right <= 0 or top <= 0:
        return None
    memo: dict[float, float] = {}
    if height is None:
        height = _exact(top, memo)
    elif abs(height - top) > 1e-3:
        return None
    return _exact(right, memo), height


def _streams(page_obj: Any) -> list[bytes] | None:
    """The decoded content streams pdfminer interprets for this page: its contents and the
    Form XObjects of its resources, recursively (a form used or not); None when one cannot be
    read."""
    from pdfminer.pdftypes import PDFStream, resolve1

    out: list[bytes] = []
    seen: set[int] = set()

    def forms(resources: Any) -> None:
        xobjects = resolve1((resolve1(resources) or {}).get("XObject")) or {}
        for value in xobjects.values():
            xobj = resolve1(value)
            if not isinstance(xobj, PDFStream) or id(xobj) in seen:
                continue
            seen.add(id(xobj))
            subtype = resolve1(xobj.get("Subtype"))
            if getattr(subtype, "name", None) == "Form":
                out.append(xobj.get_data())
                forms(xobj.get("Resources"))

    try:
        for stream in page_obj.contents:
            stream = resolve1(stream)
            if isinstance(stream, PDFStream):
                out.append(stream.get_data())
        forms(page_obj.resources)
    except Exception:     # a stream pdfminer cannot decode: pdfplumber decides
        return None
    return out


def _plain_painting(page_obj: Any) -> bool:
    """True when no content stream of the page uses an operator of _AMBIGUOUS (searched joined:
    pdfminer reads a page's /Contents array as one stream, an operator pair may straddle two)."""
    streams = _streams(page_obj)
    return streams is not None and not _AMBIGUOUS.search(b"\n".join(streams))


def page_edges(page: Any, plumber_page: Any = None) -> list[Edge] | None:
    """The edges pdfplumber's `page.edges` gives for this pypdfium2 page (same order, values
    and the keys the table finder reads), or None when the page is not reproduced exactly.

    `plumber_page`, the same page in pdfplumber (not interpreted: only its media box height,
    doctop and content streams are read), makes the result exact: without it the media box
    comes from pdfium in float32 (see _page_box) and the operators pdfium cannot tell apart
    (_AMBIGUOUS) go unchecked."""
    import pypdfium2.raw as R

    height, doctop = None, 0.0
    if plumber_page is not None:
        if not _plain_painting(plumber_page.page_obj):
            return None
        height, doctop = plumber_page.height, plumber_page.initial_doctop
    size = _page_box(page, height)
    if size is None:
        return None
    reader = _Reader(R)
    try:
        reader.walk(R.FPDFPage_CountObjects(page.raw), R.FPDFPage_GetObject, page.raw,
                    (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0)
    except _Declined:
        return None
    return _edges(reader, size[1], doctop)


class _EdgePage:
    """The part of a pdfplumber Page that TableFinder reads with the lines strategies."""

    def __init__(self, edges: list[Edge], bbox: tuple[float, float, float, float]) -> None:
        self.edges = edges
        self.bbox = bbox


def find_tables(page: Any, plumber_page: Any = None) -> list | None:
    """pdfplumber's `page.find_tables()` (default settings) from pdfium's paths, or None.

    `plumber_page`: as for page_edges (pass it: without it the result is only near-exact).
    The Table objects' `.cells` and `.bbox` are pdfplumber's; their `.page` is a stand-in
    holding only `edges` and `bbox` (all TableFinder reads with the lines strategies), so
    `Table.extract()` is not available on them."""
    from pdfplumber.table import TableFinder, TableSettings

    edges = page_edges(page, plumber_page)
    if edges is None:
        return None
    if plumber_page is not None:
        bbox = plumber_page.bbox
    else:
        width, height = _page_box(page, None) or (0.0, 0.0)
        bbox = (0, 0, width, height)
    stand_in = _EdgePage(edges, bbox)
    return TableFinder(stand_in, TableSettings.resolve(None)).tables  # type: ignore[arg-type]
