"""Reading and extraction give the same Documents and Reports with every fast path on and with
AUDITOR_PLAIN set (auditor/speed.py): HTML's plain-table path, inline-only paragraphs and cells
and layout cache (ingest/html.py), the table shape cache and placement by position
(extract/tables.py), the furniture, loose-heading and windowed heading searches
(extract/sections.py).

Compared over the shared reports, the generated variants of every kind the tests use (publishing
forms, negative cases, layout tables, one-line archiver texts, page chrome, PDF layouts, the saved
pages of tests/data), a small benchmark corpus, and fuzzed HTML and text."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import speed
from auditor.catalog import normalize_text
from auditor.extract import extract
from auditor.extract.tables import _normalized
from auditor.ingest import read_document
from auditor.ingest.html import read_html

from . import chrome_variants as C
from . import layout_variants as L
from . import pdf_variants as P
from . import table_variants as T
from . import variants as V
from .conftest import ROOT, SAMPLES

SHARED = ROOT.parent / "shared" / "reports"
READABLE = {".txt", ".md", ".html", ".htm", ".docx", ".pdf"}


def build_variants(folder: Path, bench_reports: int = 60) -> list[Path]:
    """The shared reports and every generated variant, as files in one flat folder (unique names)."""
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []

    def add(name: str, data: bytes | str) -> None:
        path = folder / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        made.append(path)

    def copy(prefix: str, paths) -> None:
        for path in sorted(paths):
            if path.suffix.lower() in READABLE:
                add(f"{prefix}-{path.name}", path.read_bytes())

    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in READABLE)
    copy("sample", samples)
    if SHARED.is_dir():
        copy("shared", SHARED.iterdir())
    copy("fixture", [T.SAMPLE_2019, T.SAMPLE_2021])
    copy("page", (ROOT / "tests" / "data" / "pages").iterdir())
    copy("pdf", P.PDF_DIR.glob("*.pdf"))
    work = folder.parent / (folder.name + "-work")
    canon = V.load_canonical()
    copy("form", V.render_all(canon, work / "forms").values())
    copy("distinct", V.render_all(V.distinct_canonical(canon), work / "distinct",
                                  [n for n in V.FORM_NAMES if n != "pdf_ruled"]).values())
    copy("negative", V.render_negatives(canon, work / "negatives").values())
    for source in [s for s in samples if s.suffix in (".txt", ".html")]:
        copy("layout", L.write_variants(source, work / "layout"))
    zibo = T.ZIBO.read_text(encoding="utf-8")
    for style in T.STYLES:
        add(f"oneline-{style.name}.txt", T.oneline(zibo, style))
    for name, text in T.pingtan_variants(T.PINGTAN.read_text(encoding="utf-8")).items():
        add(f"pingtan-{name}.txt", text)
    add("chrome-text.txt", C.text_with_chrome(zibo))
    add("chrome-word.html", C.word_pasted_html(zibo, "年度报告", seed=3))
    add("chrome-page.html", C.html_with_chrome(T.SHUYANG.read_text(encoding="utf-8")))
    for kind in P.CLASSES:
        add(f"pdfclass-{kind}.html", P.html_of(P.canonical(), kind))
    if bench_reports:
        from bench.corpus import write_corpus

        write_corpus(work / "bench", bench_reports, 7, docx=4, jobs=1)
        copy("bench", (work / "bench" / "reports").iterdir())
    shutil.rmtree(work, ignore_errors=True)
    return made


def _read(path: Path, plain: bool, monkeypatch) -> tuple:
    """(Document, Report.as_json()) of one file, with the fast paths on or off."""
    if plain:
        monkeypatch.setenv(speed.PLAIN_ENV, "1")
    else:
        monkeypatch.delenv(speed.PLAIN_ENV, raising=False)
    doc = read_document(path)
    return doc, extract(doc).as_json()


@pytest.fixture(scope="module")
def variant_files(tmp_path_factory) -> list[Path]:
    return build_variants(tmp_path_factory.mktemp("fast-paths") / "inbox")


@pytest.mark.slow
def test_the_variants_cover_every_reader(variant_files: list[Path]) -> None:
    suffixes = {p.suffix for p in variant_files}
    assert {".txt", ".md", ".html", ".docx", ".pdf"} <= suffixes and len(variant_files) > 200


def test_the_shared_reports_read_the_same_with_and_without_the_fast_paths(monkeypatch) -> None:
    paths = sorted(p for p in SAMPLES.iterdir() if p.suffix in READABLE)
    paths += sorted(p for p in SHARED.iterdir() if p.suffix in READABLE) if SHARED.is_dir() else []
    assert paths and all(_read(p, False, monkeypatch) == _read(p, True, monkeypatch) for p in paths)


@pytest.mark.slow     # a corpus: about 250 files read twice
def test_documents_and_reports_same_with_and_without_the_fast_paths(variant_files: list[Path],
                                                                    monkeypatch) -> None:
    differ = []
    for path in variant_files:
        fast = _read(path, False, monkeypatch)
        plain = _read(path, True, monkeypatch)
        if fast != plain:
            differ.append(path.name)
    assert differ == []


def test_the_switch_reaches_every_fast_path(monkeypatch) -> None:
    """With AUDITOR_PLAIN set, the shape cache, the HTML layout cache and the plain-table path are
    neither read nor filled (so the comparisons here compare two different paths); unset, they are."""
    from auditor.extract import tables
    from auditor.ingest import html

    plain_rows = html._plain_rows
    for plain in (True, False):
        if plain:
            monkeypatch.setenv(speed.PLAIN_ENV, "1")
        else:
            monkeypatch.delenv(speed.PLAIN_ENV)
        monkeypatch.setattr(html, "_LAYOUTS", {})
        tables._t3_reader.cache_clear()
        tables._t2_reader.cache_clear()
        called = []
        monkeypatch.setattr(html, "_plain_rows", lambda table: called.append(table) or plain_rows(table))
        extract(read_document(T.SHUYANG))
        cached = tables._t3_reader.cache_info().currsize + tables._t2_reader.cache_info().currsize
        assert (bool(html._LAYOUTS), bool(called), bool(cached)) == (not plain,) * 3


# --- fuzzed inputs ---------------------------------------------------------------------------

_WORDS = ["本年", "收到", "申请", "件", "0", "12", "3", " ", "\u3000", "&nbsp;", "一、", "总体情况", "行政复议",
          "第3页", "- 3 -", "3/9", "\n", "。", "：", "x"]
_INLINE = ["span", "b", "font", "o:p", "a", "strong"]
_BLOCKS = ["p", "div", "h2", "li", "blockquote", "pre", "center"]


@st.composite
def _html(draw, depth: int = 0) -> str:
    """Pages made of the pieces report pages are made of: text, inline runs, blocks, breaks,
    comments, scripts, and tables (plain grids, spans, row groups, nested tables, stray text)."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "inline", "block", "br", "table", "comment", "script"]
                                    if depth < 3 else ["text", "inline", "br"]))
        if kind == "text":
            parts.append("".join(draw(st.lists(st.sampled_from(_WORDS), max_size=4))))
        elif kind == "inline":
            tag = draw(st.sampled_from(_INLINE))
            parts.append(f"<{tag}>{draw(_html(depth + 1))}</{tag}>")
        elif kind == "block":
            tag = draw(st.sampled_from(_BLOCKS))
            parts.append(f"<{tag}>{draw(_html(depth + 1))}</{tag}>")
        elif kind == "br":
            parts.append("<br>")
        elif kind == "comment":
            parts.append("<!-- 注释 -->")
        elif kind == "script":
            parts.append("<script>var a = '表';</script>")
        else:
            parts.append(draw(_table(depth + 1)))
    return "".join(parts)


@st.composite
def _table(draw, depth: int) -> str:
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cells = []
        for _ in range(draw(st.integers(0, 4))):
            tag = draw(st.sampled_from(["td", "th"]))
            span = draw(st.sampled_from(["", "", "", ' rowspan="2"', ' colspan="2"', ' rowspan="0"', ' colspan="x"']))
            inner = draw(st.one_of(st.sampled_from(_WORDS), _html(depth + 1))) if depth < 3 else draw(st.sampled_from(_WORDS))
            cells.append(f"<{tag}{span}>{inner}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>" + draw(st.sampled_from(["", "", " ", "尾"])))
    group = draw(st.sampled_from(["", "tbody", "thead", "tfoot"]))
    body = "".join(rows)
    if group:
        body = f"<{group}>{body}</{group}>"
    stray = draw(st.sampled_from(["", "", "散字", "<caption>标题</caption>", "<p>段落</p>"]))
    return f"<table>{stray}{body}</table>"


def _read_html(page: str, plain: bool, monkeypatch):
    if plain:
        monkeypatch.setenv(speed.PLAIN_ENV, "1")
    else:
        monkeypatch.delenv(speed.PLAIN_ENV, raising=False)
    return read_html("fuzz.html", f"<html><body>{page}</body></html>".encode())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(page=_html())
def test_fuzzed_html_same_with_and_without_the_fast_paths(page: str, monkeypatch) -> None:
    assert _read_html(page, False, monkeypatch) == _read_html(page, True, monkeypatch)


_LINES = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "本年新收政府信息公开申请数量", "12", "0", "3",
          "一、总体情况", "- 3 -", "第 2 页 共 9 页", "五、存在的主要问题及改进情况", "（一）予以公开", "1.属于国家秘密",
          "自然人", "商业企业", "总计", "四、政府信息公开行政复议、行政诉讼情况", "维持", "纠正", "六、其他需要报告的事项",
          "", "表三", "第二十条第（一）项", "规章", "2/9", "结转下年度继续办理"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 400), drop=st.integers(1, 40), inserted=st.lists(st.sampled_from(_LINES), max_size=12))
def test_fuzzed_sample_text_same_with_and_without_the_fast_paths(cut: int, drop: int, inserted: list[str],
                                                                 monkeypatch, tmp_path_factory) -> None:
    """The sample report with lines dropped and report-like lines spliced in: tables whose rows
    go missing, repeat or gain values, headings and page furniture in odd places."""
    lines = T.ZIBO.read_text(encoding="utf-8").splitlines()
    cut = min(cut, len(lines))
    text = "\n".join(lines[:cut] + inserted + lines[cut + drop:])
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.txt"
    path.write_text(text, encoding="utf-8")
    assert _read(path, False, monkeypatch) == _read(path, True, monkeypatch)


@settings(max_examples=1000, deadline=None)
@given(text=st.text(max_size=30) | st.text(alphabet=st.sampled_from("0１２aA （）〔〕“”—－ﬁ\u0301\u3099か㍿ｶﾞ\t"),
                                           max_size=30))
def test_normalizing_by_pieces_is_normalizing_the_whole(text: str) -> None:
    """extract/tables.py `_normalized`: NFKC by pieces that each start with an ASCII character."""
    assert _normalized(text) == normalize_text(text)
