"""The evidence pages (核查页/) of a real run, looked at in headless Chromium: the cells highlighted
for a table finding are exactly the finding's cells, a text finding quotes its paragraph with the
match marked, report text carrying <script> and onerror runs nothing, the index filters, and a
screenshot is kept (under the test's tmp dir, and in $AUDITOR_ARTIFACTS when set)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest
from lxml import html

from auditor.catalog import T4_COLS, T4_GROUPS, TABLE_SHORT
from auditor.evidence.names import INDEX, page_path

from .browser import chromium, dump_dom, screenshot
from .conftest import RULES, SAMPLES
from .mutate import set_t4_cell
from .run_cli import in_process

pytestmark = pytest.mark.slow

INJECTED = ("<script>document.title='PWNED'</script>"
            "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">")
PLACEHOLDER = "请与XX单位联系办理"
NAMED = "上海<img src=x onerror=document.title='PWNED'>.md"     # a file name is report content too


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """reports_in with zibo's 行政复议 总计 broken (a table-4 finding) and pingtan carrying a
    template placeholder (a text finding) next to markup, its title line too; audited once."""
    chromium()           # skipped, saying why, before anything is run where no browser can be had
    base = tmp_path_factory.mktemp("evidence")
    inbox = base / "in"
    shutil.copytree(SAMPLES, inbox)
    zibo = inbox / "zibo-gaoxin-police-2022.txt"
    zibo.write_text(set_t4_cell(zibo.read_text(encoding="utf-8"), 4, "97"), encoding="utf-8")
    pingtan = inbox / "pingtan-2022.txt"
    text = pingtan.read_text(encoding="utf-8")
    marker = " 二、主动公开政府信息情况"       # the body is one line of 10,000 characters
    assert text.count(marker) == 1
    text = text.replace("标题: 平潭综合实验区", f"标题: {INJECTED}平潭综合实验区", 1)
    text = text.replace(marker, f" 本年度如有疑问，{PLACEHOLDER}。{INJECTED}{marker}", 1)
    pingtan.write_text(text, encoding="utf-8")
    (inbox / "shanghai-stcsm-2024.md").rename(inbox / NAMED)
    done = in_process("run", "--rules", RULES, inbox, "--out", base / "out")
    assert done.returncode in (0, 1), done.stderr.decode()
    folder = base / "out" / "latest"
    findings = [json.loads(line) for line in (folder / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"folder": folder, "findings": findings, "zibo": str(zibo), "pingtan": str(pingtan),
            "named": str(inbox / NAMED), "tmp": base}


def _page(run: dict, file: str) -> Path:
    return run["folder"] / page_path(file)


def _finding_div(dom, rule_id: str, message: str):
    for div in dom.xpath('//div[contains(@class,"finding")]'):
        if f"［{rule_id}］" in div.text_content() and message in div.text_content():
            return div
    raise AssertionError(f"{rule_id} 不在页面上")


def test_highlighted_cells_are_the_findings_cells(run) -> None:
    ours = [f for f in run["findings"] if f["file"] == run["zibo"] and f["rule_kind"] == "identity"
            and f["category"] == "compliance" and f["location"].startswith(TABLE_SHORT["t4"])]
    assert len(ours) == 1, ours
    finding = ours[0]
    # what the finding itself says: its row in the location, its columns as the keys of its values
    row = next(g.key for g in T4_GROUPS if f"「{g.label}」" in finding["location"])
    cols = {c.key for c in T4_COLS if c.label in finding["values"]}
    assert row == "review" and "total" in cols and len(cols) >= 4
    dom = html.fromstring(dump_dom(_page(run, run["zibo"])))
    anchor = _finding_div(dom, finding["rule_id"], finding["message"]).get("id")
    lit = {td.get("data-cell") for td in dom.xpath("//td[@data-findings]")
           if anchor in td.get("data-findings").split()}
    assert lit == {f"t4|{row}|{c}" for c in cols}
    cell = dom.xpath('//td[@data-cell="t4|review|total"]')[0]
    assert "hit" in cell.get("class") and cell.text_content().strip() == "97"


def test_text_finding_quotes_its_paragraph_with_the_match_marked(run) -> None:
    finding = next(f for f in run["findings"] if f["file"] == run["pingtan"] and f["rule_id"] == "TXT-PLACEHOLDER")
    dom = html.fromstring(dump_dom(_page(run, run["pingtan"])))
    div = _finding_div(dom, "TXT-PLACEHOLDER", finding["message"])
    quote = div.xpath(".//blockquote")[0]
    assert [m.text_content() for m in quote.xpath(".//mark")] == ["XX"]
    assert PLACEHOLDER in quote.text_content() and "本年度如有疑问" in quote.text_content()


def test_report_markup_runs_nothing_and_shows_as_text(run) -> None:
    shown = {_page(run, run["pingtan"]): "<script>document.title='PWNED'</script>",
             _page(run, run["named"]): NAMED, run["folder"] / INDEX: NAMED}
    for page, text in shown.items():
        source = page.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in source and '<meta charset="utf-8">' in source
        dom = html.fromstring(dump_dom(page))
        assert "PWNED" not in dom.findtext(".//title")
        assert dom.xpath("//body/@data-pwned") == [] and dom.xpath("//*[@onerror]") == []
        assert dom.xpath("//img") == []
        assert all("PWNED" not in (s.text or "") for s in dom.xpath("//script"))
        assert text in dom.xpath("string(//body)")


def test_index_lists_every_report_and_filters(run) -> None:
    index = run["folder"] / INDEX
    rows = html.fromstring(dump_dom(index)).xpath('//table[@id="reports"]/tbody/tr')
    assert len(rows) == len(list(SAMPLES.iterdir()))
    assert all(r.get("hidden") is None for r in rows)
    for link in (r.xpath(".//a/@href")[0] for r in rows):
        assert (index.parent / link).is_file() or (index.parent / _unquote(link)).is_file()
    zibo = next(r for r in rows if "淄博" in r.get("data-agency"))
    verdict = zibo.get("data-verdict").split("；")[0]      # 合格, not also 不合格 or 基本合格
    shown = [r for r in html.fromstring(dump_dom(index, urlencode({"agency": "淄博"}))).xpath(
        '//table[@id="reports"]/tbody/tr') if r.get("hidden") is None]
    assert [r.get("data-agency") for r in shown] == [zibo.get("data-agency")]
    shown = [r for r in html.fromstring(dump_dom(index, urlencode({"verdict": verdict}))).xpath(
        '//table[@id="reports"]/tbody/tr') if r.get("hidden") is None]
    assert shown and all(r.get("data-verdict").startswith(verdict) for r in shown)
    assert len(shown) == sum(r.get("data-verdict").startswith(verdict) for r in rows) < len(rows)


def _unquote(link: str) -> str:
    from urllib.parse import unquote
    return unquote(link)


def test_screenshot_is_kept_and_not_blank(run) -> None:
    from PIL import Image

    png = screenshot(_page(run, run["zibo"]), run["tmp"] / "evidence-zibo.png")
    with Image.open(png) as image:
        colours = image.convert("L").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20          # text, grid lines and highlights, not one colour
    artifacts = os.environ.get("AUDITOR_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy2(png, Path(artifacts) / png.name)


def test_a_cell_named_in_the_message_is_the_cell_lit(run) -> None:
    """cell_domain names one cell as an example (表三「…」行「…」列): that cell, and no other, is lit."""
    from auditor.catalog import T3_COLS as COLS
    from auditor.catalog import T3_ROWS_2021

    finding = next(f for f in run["findings"] if f["file"] == run["named"] and f["rule_kind"] == "cell_domain")
    example = finding["values"]["示例"]
    row = next(r.key for r in T3_ROWS_2021 if f"「{r.label}」行" in example)
    col = next(c.key for c in COLS if f"「{c.label}」列" in example)
    dom = html.fromstring(_page(run, run["named"]).read_text(encoding="utf-8"))
    anchor = _finding_div(dom, finding["rule_id"], finding["message"]).get("id")
    lit = {td.get("data-cell") for td in dom.xpath("//td[@data-findings]") if anchor in td.get("data-findings").split()}
    assert lit == {f"t3|{row}|{col}"}


def test_a_finding_naming_only_its_table_marks_the_table_and_says_so() -> None:
    from auditor.evidence.grid import grids
    from auditor.evidence.locate import locate
    from auditor.extract import extract
    from auditor.ingest import read_document

    t3 = next(g for g in grids(extract(read_document(SAMPLES / "zibo-gaoxin-police-2022.txt"))) if g.table == "t3")
    mark = locate({"location": "表三", "message": "表三合计不符", "values": {}, "rule_kind": "identity",
                   "rule_id": "X", "category": "compliance"}, t3, [])
    assert mark.whole and not mark.cells and "整张表三" in mark.note
    column = locate({"location": "表三「总计」列", "message": "", "values": {}, "rule_kind": "identity",
                     "rule_id": "X", "category": "compliance"}, t3, [])
    assert column.cols == {"total"} and not column.rows and not column.whole and column.note
    assert locate({"location": "表四", "message": "", "values": {}}, t3, []) is None


def test_a_large_run_pages_only_the_reports_to_check(tmp_path, monkeypatch) -> None:
    """Above speed.PAGES_ALL_UP_TO reports, a page for each report with an error, a warning or a reading
    problem; the index lists every report, those without a page unlinked, and says why."""
    from auditor import speed

    monkeypatch.setattr(speed, "PAGES_ALL_UP_TO", 1)
    done = in_process("run", "--rules", RULES, SAMPLES, "--out", tmp_path / "out")
    assert done.returncode in (0, 1), done.stderr.decode()
    folder = tmp_path / "out" / "latest"
    findings = [json.loads(line) for line in (folder / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    to_check = {f["file"] for f in findings if f["category"] == "extraction" or f["severity"] in ("error", "warning")}
    files = [str(p) for p in sorted(SAMPLES.iterdir())]
    assert 0 < len(to_check) < len(files)           # the samples have both kinds
    assert {f for f in files if (folder / page_path(f)).is_file()} == to_check
    index = html.fromstring((folder / INDEX).read_text(encoding="utf-8"))
    rows = index.xpath('//table[@id="reports"]/tbody/tr')
    assert len(rows) == len(files)
    assert sum(bool(r.xpath(".//a")) for r in rows) == len(to_check)
    assert "只为有错误、警告或读取问题的报告生成核查页" in index.text_content()
