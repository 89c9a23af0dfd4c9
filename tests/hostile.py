"""A corpus of hostile input files, built at test time (nothing binary is committed).

Each builder writes one file into a folder and returns a `Hostile` record saying what the run must
do with it. Large files are made cheaply: the 200 MB file is sparse (`truncate`), the zip bomb is
deflated from a stream of spaces chunk by chunk, so building the corpus takes a few seconds and
little memory.

`expect` values:
  failed   the file must be refused as a whole: an EXT-FAILED finding, status 读取失败
  flagged  the file is read, but the reading problem must be listed: an EXT-READ (or EXT-FAILED) finding
  ok       the file must be read completely (no EXT-* finding at all)
  read     the file must be read (no EXT-FAILED); what its odd content leads to is not prescribed
"""
from __future__ import annotations

import codecs
import html
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .test_rule_files import GOOD

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "reports_in" / "zibo-gaoxin-police-2022.txt"
SAMPLE_AGENCY = "淄博市公安局高新区分局"

HUGE_BYTES = 200 * 1024 * 1024
BOMB_INFLATED_MB = 300
DEEP_LEVELS = 50_000
MANY_TABLES = 5_000

# Strings a spreadsheet would run as formulas (or DDE commands) if written unescaped.
FORMULAS = [
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
]
# Agency names that try to escape a folder or smuggle control characters into outputs.
PATHY_AGENCIES = ["../../etc", "..\\..\\windows\\system32", "淄博\x00局", "淄博\r\n高新\t局", "淄博\x1b[31m局\x07"]


@dataclass
class Hostile:
    name: str                      # path relative to the corpus folder
    expect: str                    # failed / flagged / ok / read (see the module docstring)
    what: str                      # one line for the report
    agency: str | None = None      # the agency name planted in the file, when there is one
    extra: dict = field(default_factory=dict)


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def with_agency(text: str, agency: str) -> str:
    return text.replace(SAMPLE_AGENCY, agency)


def _html_page(body: str, charset: str = "utf-8", title: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{title}</title></head>\n'
            f"<body>\n{body}\n</body></html>\n")


def sample_html(charset: str = "utf-8", title: str | None = None, extra_body: str = "",
                text: str | None = None) -> str:
    """The sample report as an HTML page: one <p> per non-empty line of the text."""
    text = sample_text() if text is None else text
    paras = "\n".join(f"<p>{html.escape(line.strip())}</p>" for line in text.splitlines() if line.strip())
    first = next(line for line in text.splitlines() if line.startswith("标题"))
    return _html_page(paras + extra_body, charset, html.escape(title or first.split(":", 1)[1].strip()))


# ------------------------------------------------------------------------------- the builders

def empty_file(folder: Path) -> Hostile:
    (folder / "empty.txt").write_bytes(b"")
    return Hostile("empty.txt", "failed", "empty file (0 bytes)")


def blank_file(folder: Path) -> Hostile:
    (folder / "blank.md").write_bytes(b" \r\n\t\n  \n")
    return Hostile("blank.md", "failed", "whitespace-only markdown file")


def binary_garbage(folder: Path) -> Hostile:
    rnd = random.Random(20240601)
    data = bytes(rnd.randrange(256) for _ in range(64 * 1024))
    data = b"\x89\x00\x13" + data  # no BOM by accident; NULs in the first 4 KB
    (folder / "garbage.txt").write_bytes(data)
    return Hostile("garbage.txt", "failed", "64 KB of random bytes named .txt")


def binary_garbage_no_nul(folder: Path) -> Hostile:
    """High bytes without NUL: GB18030 rejects it, charset detection gets the last word."""
    rnd = random.Random(7)
    data = bytes(rnd.choice(range(0x80, 0x100)) for _ in range(16 * 1024))
    (folder / "garbage-high.md").write_bytes(data)
    return Hostile("garbage-high.md", "failed", "16 KB of random bytes ≥0x80 (no NUL) named .md")


def truncated_html(folder: Path) -> Hostile:
    page = sample_html().encode("utf-8")
    cut = page[: int(len(page) * 0.55)]
    # Cut in the middle of a multi-byte character and of a tag, as a dropped download does.
    while cut[-1] < 0x80:
        cut = cut[:-1]
    (folder / "truncated.html").write_bytes(cut + b"<p class=\"x")
    return Hostile("truncated.html", "flagged", "the sample as HTML, cut at 55% (mid-tag, mid-character)")


def _docx_bytes(folder: Path) -> bytes:
    from .variants import load_canonical, outline, render_docx

    path = folder / ".tmp-full.docx"
    render_docx(path, outline(load_canonical()))
    data = path.read_bytes()
    path.unlink()
    return data


def _pdf_bytes(folder: Path) -> bytes:
    from .variants import load_canonical, outline, render_pdf

    canon = load_canonical()
    path = folder / ".tmp-full.pdf"
    render_pdf(path, outline(canon), canon.title)
    data = path.read_bytes()
    path.unlink()
    return data


def truncated_docx(folder: Path, docx: bytes) -> Hostile:
    (folder / "truncated.docx").write_bytes(docx[: len(docx) // 2])
    return Hostile("truncated.docx", "failed", "a real DOCX of the sample, zip cut in half")


def truncated_pdf(folder: Path, pdf: bytes) -> Hostile:
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    return Hostile("truncated.pdf", "failed", "a real PDF of the sample, cut in half")


def pdf_named_docx(folder: Path, pdf: bytes) -> Hostile:
    (folder / "really-a-pdf.docx").write_bytes(pdf)
    return Hostile("really-a-pdf.docx", "failed", "a complete PDF named .docx")


def html_named_pdf(folder: Path) -> Hostile:
    (folder / "really-html.pdf").write_bytes(sample_html().encode("utf-8"))
    return Hostile("really-html.pdf", "failed", "a complete HTML page named .pdf")


def mixed_encoding(folder: Path) -> Hostile:
    """First half UTF-8, second half (tables 3–4, sections 5–6) GBK: no single encoding fits."""
    text = sample_text()
    mid = text.index("三、收到和处理政府信息公开申请情况")
    data = text[:mid].encode("utf-8") + text[mid:].encode("gb18030")
    (folder / "mixed-encoding.txt").write_bytes(data)
    return Hostile("mixed-encoding.txt", "flagged", "first half UTF-8, second half GBK (.txt)")


def utf8_bom_then_gbk(folder: Path) -> Hostile:
    """A UTF-8 BOM followed by GBK text (an editor added the BOM, the body never was UTF-8)."""
    data = codecs.BOM_UTF8 + sample_text().encode("gb18030")
    (folder / "bom-utf8-gbk.txt").write_bytes(data)
    return Hostile("bom-utf8-gbk.txt", "failed", "UTF-8 BOM + GBK body (.txt)")


def utf16_bom_odd(folder: Path) -> Hostile:
    """A UTF-16 BOM and an odd number of bytes: a UTF-16 file cut one byte short."""
    data = sample_text().encode("utf-16")[:-1]
    (folder / "utf16-odd.md").write_bytes(data)
    return Hostile("utf16-odd.md", "failed", "UTF-16 (BOM) report cut one byte short (.md)")


def declared_gbk_is_utf8(folder: Path) -> Hostile:
    page = sample_html(charset="gb2312").encode("utf-8")
    (folder / "declared-gbk-is-utf8.html").write_bytes(page)
    return Hostile("declared-gbk-is-utf8.html", "ok", "HTML declaring charset=gb2312, bytes are UTF-8")


def declared_utf8_is_gbk(folder: Path) -> Hostile:
    page = sample_html(charset="utf-8").encode("gb18030")
    (folder / "declared-utf8-is-gbk.html").write_bytes(page)
    return Hostile("declared-utf8-is-gbk.html", "ok", "HTML declaring charset=utf-8, bytes are GBK")


def declared_nonsense(folder: Path) -> Hostile:
    page = sample_html(charset="x-no-such-charset").encode("gb18030")
    (folder / "declared-nonsense.html").write_bytes(page)
    return Hostile("declared-nonsense.html", "ok", "HTML declaring an unknown charset, bytes are GBK")


def huge_file(folder: Path) -> Hostile:
    path = folder / "huge.txt"
    with open(path, "wb") as fh:
        fh.write("标题: 超大文件2022年政府信息公开工作年度报告\n".encode("utf-8"))
        fh.truncate(HUGE_BYTES)  # sparse: no 200 MB written to disk
    return Hostile("huge.txt", "failed", "200 MB sparse .txt (over the 50 MB limit)")


def zip_bomb(folder: Path, inflated_mb: int = BOMB_INFLATED_MB) -> Hostile:
    """A DOCX whose word/document.xml inflates to `inflated_mb` MB of spaces (ratio ≈ 1000:1), streamed."""
    path = folder / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                fh.write(chunk)
            fh.write(b"</w:body></w:document>")
    return Hostile("bomb.docx", "failed", f"DOCX zip bomb: document.xml inflates to {inflated_mb} MB")


def deep_div_html(folder: Path) -> Hostile:
    body = "<div>" * DEEP_LEVELS + "一、总体情况" + "</div>" * DEEP_LEVELS
    (folder / "deep-div.html").write_text(_html_page(body), encoding="utf-8")
    return Hostile("deep-div.html", "failed", f"{DEEP_LEVELS:,} nested <div>s")


def deep_font_html(folder: Path) -> Hostile:
    """Old Word pages leave <font> open: the reader drops inline tags and retries."""
    page = sample_html(extra_body="<font>" * DEEP_LEVELS + "其他需要报告的事项" + "</font>" * DEEP_LEVELS)
    (folder / "deep-font.html").write_text(page, encoding="utf-8")
    return Hostile("deep-font.html", "flagged", f"the sample + {DEEP_LEVELS:,} nested <font>s")


def many_tables_html(folder: Path) -> Hostile:
    tables = "\n".join(f"<table><tr><td>项目{i}</td><td>{i % 7}</td></tr><tr><td>=SUM(A{i})</td><td>-{i}</td></tr></table>"
                       for i in range(MANY_TABLES))
    page = sample_html()
    # The tables sit inside section 1 (总体情况), before section 2's heading.
    marker = "<p>二、主动公开政府信息情况</p>"
    assert marker in page
    page = page.replace(marker, tables + "\n" + marker, 1)
    (folder / "many-tables.html").write_text(page, encoding="utf-8")
    return Hostile("many-tables.html", "ok", f"the sample with {MANY_TABLES:,} small tables in section 1",
                   agency=SAMPLE_AGENCY)


def formula_reports(folder: Path) -> list[Hostile]:
    """The sample with a formula as the agency name (title), in a table cell and in section text."""
    from . import mutate as m

    out = []
    for i, formula in enumerate(FORMULAS):
        text = with_agency(sample_text(), formula)
        text = m.set_t3_cell(text, "(一)予以公开", 1, FORMULAS[(i + 1) % len(FORMULAS)])
        text = text.replace("二、主动公开政府信息情况", FORMULAS[(i + 2) % len(FORMULAS)] + "\n\n二、主动公开政府信息情况", 1)
        text = text.replace("六、其他需要报告的事项", "六、其他需要报告的事项\n\n" + FORMULAS[(i + 3) % len(FORMULAS)], 1)
        name = f"formula-{i}.txt"
        (folder / name).write_text(text, encoding="utf-8")
        out.append(Hostile(name, "read", f"agency/title {formula!r}; formulas in a table-3 cell and in section text",
                           agency=formula))
    return out


def formula_file_names(folder: Path) -> list[Hostile]:
    """Files whose *names* are formulas (the file column shows the path as given)."""
    out = []
    for i, stem in enumerate(['=HYPERLINK("http:evil","x")', "@SUM(1+1)", "+cmd|' C calc'!A0"]):
        name = f"{stem}.txt"
        (folder / name).write_text(with_agency(sample_text(), f"文件名测试{i}局"), encoding="utf-8")
        out.append(Hostile(name, "ok", f"file named {name!r}", agency=f"文件名测试{i}局"))
    return out


def pathy_agencies(folder: Path) -> list[Hostile]:
    out = []
    for i, agency in enumerate(PATHY_AGENCIES):
        name = f"agency-{i}.txt"
        (folder / name).write_bytes(with_agency(sample_text(), agency).encode("utf-8"))
        out.append(Hostile(name, "ok", f"agency name {agency!r}", agency=agency))
    # The same, as HTML (where CR/LF/TAB in the <title> arrive as real characters).
    for i, agency in enumerate(PATHY_AGENCIES[:2] + ["淄博\r\n高新\t局"]):
        name = f"agency-html-{i}.html"
        page = sample_html(text=with_agency(sample_text(), agency.replace("\r\n", " ")),
                           title=f"{agency}2022年政府信息公开工作年度报告")
        (folder / name).write_text(page, encoding="utf-8")
        out.append(Hostile(name, "ok", f"HTML, agency name {agency!r}", agency=agency))
    return out


def control_soup(folder: Path) -> Hostile:
    """Every C0 control and some line separators sprinkled into the sample text."""
    text = sample_text()
    controls = "".join(chr(c) for c in range(32) if chr(c) not in "\n\r") + "\x7f\x85\u2028\u2029\ufeff"
    rnd = random.Random(3)
    lines = text.split("\n")
    for k in range(0, len(lines), 9):
        lines[k] = lines[k] + controls[rnd.randrange(len(controls))]
    (folder / "control-soup.txt").write_text("\n".join(lines), encoding="utf-8")
    # Control characters are invisible in a browser: the text reader drops them and reads the report.
    return Hostile("control-soup.txt", "ok", "control characters appended to every 9th line")


# ---------------------------------------------------- accepted sizes that still cost a lot

def many_short_lines_txt(folder: Path, mb: float) -> Path:
    """The sample with `mb` MB of one-character lines ('0') in section 2: under the size limit."""
    text = sample_text()
    i = text.index("二、主动公开政府信息情况")
    path = folder / "short-lines.txt"
    path.write_text(text[:i] + "0\n" * int(mb * 1024 * 1024 / 2) + text[i:], encoding="utf-8")
    return path


def many_paragraphs_html(folder: Path, mb: float) -> Path:
    """The sample page with `mb` MB of tiny paragraphs (<p>0</p>) before section 2."""
    page = sample_html()
    marker = "<p>二、主动公开政府信息情况</p>"
    i = page.index(marker)
    path = folder / "many-paragraphs.html"
    path.write_text(page[:i] + "<p>0</p>\n" * int(mb * 1024 * 1024 / 9) + page[i:], encoding="utf-8")
    return path


def inflating_docx(folder: Path, inflated_mb: float) -> tuple[Path, int]:
    """A DOCX whose document.xml holds `inflated_mb` MB of short numbered paragraphs.

    The numbers are random, so the deflate ratio is ~10:1: far below the bomb ratio (200) and the
    total limit (200 MB), i.e. a file the DOCX reader accepts. Returns (path, inflated bytes)."""
    base = zipfile.ZipFile(io.BytesIO(docx_in_memory(["测试"])))
    rnd = random.Random(1)
    path = folder / "inflating.docx"
    inflated = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in base.infolist():
            data = base.read(info.filename)
            if info.filename == "word/document.xml":
                head, tail = data.split(b"<w:body>")
                n = int(inflated_mb * 1024 * 1024 / 45)
                paras = b"".join(b"<w:p><w:r><w:t>%d</w:t></w:r></w:p>" % rnd.randrange(10 ** 6) for _ in range(n))
                data = head + b"<w:body>" + paras + tail
            inflated += len(data)
            out.writestr(info.filename, data)
    return path, inflated


def build_corpus(folder: Path) -> list[Hostile]:
    """Write every hostile file into `folder` (created) and return what each must produce."""
    folder.mkdir(parents=True, exist_ok=True)
    docx, pdf = _docx_bytes(folder), _pdf_bytes(folder)
    items = [
        empty_file(folder), blank_file(folder), binary_garbage(folder), binary_garbage_no_nul(folder),
        truncated_html(folder), truncated_docx(folder, docx), truncated_pdf(folder, pdf),
        pdf_named_docx(folder, pdf), html_named_pdf(folder), mixed_encoding(folder),
        utf8_bom_then_gbk(folder), utf16_bom_odd(folder), declared_gbk_is_utf8(folder),
        declared_utf8_is_gbk(folder), declared_nonsense(folder), huge_file(folder), zip_bomb(folder),
        deep_div_html(folder), deep_font_html(folder), many_tables_html(folder), control_soup(folder),
    ]
    items += formula_reports(folder) + formula_file_names(folder) + pathy_agencies(folder)
    items += [gbk_named_file(folder), undecodable_named(folder)]
    items += [impossible_date(folder), mistyped_future_year(folder), untitled_scrap(folder)]
    return items


def impossible_date(folder: Path) -> Hostile:
    """A publication date that is no date (2023-02-30): unknown, never 按期 (issue 12)."""
    agency = "淄博市公安局日期测试分局"
    text = with_agency(sample_text(), agency).replace("2023-01-19", "2023-02-30")
    (folder / "impossible-date.txt").write_text(text, encoding="utf-8")
    return Hostile("impossible-date.txt", "ok", "不存在的发布日期 2023-02-30", agency)


def mistyped_future_year(folder: Path) -> Hostile:
    """A report whose year was mistyped as 2031: audited, and it must not move the coverage year."""
    agency = "淄博市公安局年度测试分局"
    text = with_agency(sample_text(), agency).replace("2022年", "2031年")
    (folder / "future-year.txt").write_text(text, encoding="utf-8")
    return Hostile("future-year.txt", "ok", "年度误写为 2031 年", agency)


def untitled_scrap(folder: Path) -> Hostile:
    """A few words with no title, agency or year (a note saved into the inbox): pandas 3 turned
    its missing agency into NaN and crashed every run (issue 12)."""
    (folder / "scrap.txt").write_text("请于本周五前报送。", encoding="utf-8")
    return Hostile("scrap.txt", "failed", "无标题、无单位的零碎文字")


# ------------------------------------------------------------------------------ rule files

PACK = 'id: {id}\ntitle: 测试规则包\ntemplates: ["2021", "unknown"]\n'

GOOD_RULE = GOOD   # the minimal valid rule of tests/test_rule_files.py


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic YAML alias bomb at the top level: 9^9 'lol's if anything expanded it."""
    lines = ['lol0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"lol{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * width) + "]")
    return GOOD_RULE + "\n".join(lines) + "\n"


def billion_laughs_in_params() -> str:
    """The bomb inside a key the schema accepts (params is a free mapping for some kinds)."""
    body = ['  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        body.append(f"  {cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return GOOD_RULE.replace("params:\n", "params:\n" + "\n".join(body) + "\n")


def backtracking_rule(rule_id: str = "TST-REDOS") -> str:
    return f"""id: {rule_id}
title: 回溯测试
severity: warning
kind: text_pattern
basis: 测试依据
message: 回溯测试 {{missing}}
params:
  scope: report
  require: any
  patterns:
    - name: 灾难回溯
      regex: '(a+)+$'
"""


def redos_report(n: int = 40) -> str:
    """The sample with a line of n × 'a' followed by '!' — (a+)+$ needs 2^n steps to fail on it."""
    text = sample_text()
    return text.replace("一、总体情况", "一、总体情况\n\n" + "a" * n + "!", 1)


def docx_in_memory(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------- file-system and ledger states
# (issue 12: each of these crashed or misled every run; tests/test_fs_states.py, test_crash_discipline.py)

GBK_NAME = "报告（GBK文件名）.txt"          # how the outputs show the GBK-named file below
GBK_AGENCY = "淄博市公安局文件名测试分局"


def gbk_named_file(folder: Path) -> Hostile:
    """A file name in GBK bytes (a zip made on Windows, unpacked on Linux): not UTF-8, so Python
    holds it with surrogates, which no output, log line or ledger row can encode."""
    import os

    raw = os.fsencode(folder) + b"/" + GBK_NAME.encode("gbk")
    with open(raw, "wb") as fh:
        fh.write(with_agency(sample_text(), GBK_AGENCY).encode("utf-8"))
    return Hostile(GBK_NAME, "ok", "GBK 编码的文件名（非 UTF-8 字节）", GBK_AGENCY)


def undecodable_named_file(folder: Path) -> tuple[bytes, str]:
    """A name that is neither UTF-8 nor GBK: shown with its odd bytes escaped. Returns (the raw
    name, how outputs show it)."""
    import os

    raw = b"\xff\xfe-report.txt"
    with open(os.fsencode(folder) + b"/" + raw, "wb") as fh:
        fh.write(with_agency(sample_text(), "淄博市公安局乱码文件名分局").encode("utf-8"))
    return raw, "\\xff\\xfe-report.txt"


def undecodable_named(folder: Path) -> Hostile:
    raw, shown = undecodable_named_file(folder)
    return Hostile(shown, "ok", "既非 UTF-8 也非 GBK 的文件名字节", "淄博市公安局乱码文件名分局")


def damaged_ledger(ledger: Path, how: str) -> None:
    """Damage a ledger file in place: `garbage` (not a database at all) or `torn` (its second half
    overwritten, as a disk error or a bad copy leaves it)."""
    data = ledger.read_bytes()
    if how == "garbage":
        ledger.write_bytes(bytes(random.Random(12).randrange(256) for _ in range(4096)))
    else:
        half = len(data) // 2
        ledger.write_bytes(data[:100] + b"\x00" * (half - 100) + bytes(random.Random(3).randrange(256)
                                                                         for _ in range(len(data) - half)))


def cli_with(patch: str, *args: str) -> list[str]:
    """argv running the real CLI (`auditor.cli.entry`) after `patch` (Python source) has run in the
    same process: how a test plants a fault (a reader or a rule that raises, a folder that cannot be
    listed even by root) without touching the code under test."""
    import sys

    code = patch + "\nimport sys\nfrom auditor.cli import entry\nsys.argv = ['auditor', *sys.argv[1:]]\nentry()\n"
    return [sys.executable, "-c", code, *args]
