"""The realistic benchmark corpus (bench/realistic.py): pages of real size with their site chrome, GBK
pages, one-line text, PDFs of real page counts, the same bytes for the same seed, and chrome that
adds no finding to the reports it wraps."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.extract import extract
from auditor.ingest import read_document
from auditor.verdicts import audit
from bench import realistic as R

SEED = 11
N = 60
PDF = 1


@pytest.fixture(scope="module")
def planned():
    return R.plan(N, SEED, PDF)


def _render(plans, regions, folder: Path, chrome: bool = True) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for p in plans:
        R.render(p, folder, regions[p.agency.region], chrome=chrome)
    return {p.file: folder / p.file for p in plans}


def _pick(plans, layouts: tuple[str, ...], k: int, encodings: tuple[str, ...] | None = None):
    out = [p for p in plans if p.layout in layouts and (encodings is None or p.encoding in encodings)][:k]
    assert out, (layouts, encodings)
    return out


@pytest.fixture(scope="module")
def pages(planned, tmp_path_factory):
    plans, regions = planned
    html = [p for p in plans if p.layout.startswith("html")]
    return html, _render(html, regions, tmp_path_factory.mktemp("html"))


def test_html_pages_are_of_real_size_and_carry_the_chrome(pages):
    html, files = pages
    sizes = [files[p.file].stat().st_size for p in html]
    assert len(sizes) >= 20
    assert all(100 * 1024 <= s <= 400 * 1024 for s in sizes), sizes
    assert max(sizes) - min(sizes) > 60 * 1024          # a spread, not one size
    for p in html[:5]:
        data = files[p.file].read_bytes()
        page = data.decode("gbk" if p.encoding in ("gbk", "gb2312") else "utf-8")
        for part in ("网站标识码", "ICP备", "公网安备", "当前位置", "相关链接", "分享到", "网友评论", "部门网站",
                     'class="mainnav"', "信息公开目录", "<style", "<script", "SiteIDCode"):
            assert part in page, (p.file, part)
        assert page.count("<a ") > 150                  # long menus
        assert len(re.findall(r"<script", page)) >= 2


def test_a_fifth_of_the_pages_are_gbk_and_do_not_decode_as_utf8(pages):
    html, files = pages
    gbk = [p for p in html if p.encoding in ("gbk", "gb2312")]
    assert 0.05 <= len(gbk) / len(html) <= 0.4
    for p in gbk:
        data = files[p.file].read_bytes()
        assert f'<meta charset="{p.encoding}">'.encode("ascii") in data[:1024]
        assert "政府信息公开" in data.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")


def test_one_line_text_holds_the_report_on_one_line(planned, tmp_path):
    plans, regions = planned
    p = _pick(plans, ("oneline", "oneline_glued"), 1)[0]
    text = _render([p], regions, tmp_path)[p.file].read_text(encoding="utf-8")
    lines = text.split("\n")
    body = max(lines, key=len)
    assert len(body) > 2000 and len(lines) <= 6 and text.endswith("\n")
    assert all(f"{c}、" in body for c in "一二三四五六")


def test_a_pdf_has_the_page_count_of_a_real_report(planned, tmp_path):
    plans, regions = planned
    p = _pick(plans, ("pdf_ruled",), 1)[0]
    path = _render([p], regions, tmp_path)[p.file]
    assert 8 <= R.pdf_pages(path) <= 16


def test_the_same_seed_gives_the_same_bytes(planned, tmp_path):
    one, two = planned, R.plan(N, SEED, PDF)
    kinds = ("html_grid", "html_merged", "text", "oneline", "markdown", "pdf_ruled")
    a = _render([next(p for p in one[0] if p.layout == k) for k in kinds], one[1], tmp_path / "a")
    b = _render([next(p for p in two[0] if p.layout == k) for k in kinds], two[1], tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(a[f].read_bytes() == b[f].read_bytes() for f in a)
    other = R.plan(N, SEED + 1, PDF)
    c = _render([next(p for p in other[0] if p.layout == "html_grid")], other[1], tmp_path / "c")
    assert next(iter(c.values())).read_bytes() not in {f.read_bytes() for f in a.values()}


@pytest.mark.slow     # two audits and two PDFs: 1.8 s, 3.9 s alone (Great Expectations' first run); 2 cores, Dec 2026
def test_the_chrome_adds_no_finding(planned, tmp_path, packs):
    plans, regions = planned
    chosen = [p for p in plans if p.layout.startswith("html") and p.defect][:6]
    chosen += [p for p in _pick(plans, ("html_grid", "html_merged"), 3, ("gbk", "gb2312")) if p not in chosen]
    chosen += _pick(plans, ("pdf_ruled",), 1)       # padded to 8–15 pages

    def findings(chrome: bool) -> set[tuple[str, str, str]]:
        files = _render(chosen, regions, tmp_path / str(chrome), chrome=chrome)
        found = audit([extract(read_document(files[p.file])) for p in chosen], packs).findings
        return {(Path(f).name, r, loc) for f, r, loc in zip(found["file"], found["rule_id"], found["location"])}

    bare, dressed = findings(False), findings(True)
    assert sum(bool(p.defect) for p in chosen) >= 4 and len(bare) >= 4     # the comparison sees findings
    assert dressed <= bare, dressed - bare
    assert len(dressed) == len(bare)
