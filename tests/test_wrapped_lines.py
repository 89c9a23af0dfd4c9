"""A PDF, and text converted from one, breaks its lines where the page ends — inside a word
(「责任\\n追究」) or a number (「至1\\n2月31日」). Such a wrap is not a missing statement: what must
be present is also looked for with the wraps undone (auditor/engine/kinds/scope.py rejoin_wraps);
what must not be present only in the text as it is. The real reports, hard-wrapped as a PDF lays
out its prose, with wraps placed inside the very phrases the rules look for, gain no finding."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from auditor.engine.kinds.scope import contains, rejoin_wraps

from .run_cli import REAL, in_process


@pytest.mark.parametrize("text, joined", [
    ("广泛听取群众意见；本年度未发生政务公开工作责任\n追究事件。", "广泛听取群众意见；本年度未发生政务公开工作责任追究事件。"),
    ("报告中所列数据统计期限为2024年1月1日至1\n2月31日。", "报告中所列数据统计期限为2024年1月1日至12月31日。"),
    ("  数据统计期限为2024年1月1日至1  \n  2月31日。", "  数据统计期限为2024年1月1日至12月31日。"),   # indents and trailing spaces
])
def test_a_wrapped_line_is_joined(text, joined):
    assert rejoin_wraps(text) == joined


@pytest.mark.parametrize("text", [
    "（五）监督保障\n将政务公开工作纳入年度工作考核。",            # a short heading line
    "全年未发生责任追究事件，各项工作有序推进，取得了较好成效。\n下一步继续加强。",   # the sentence ends
    "本单位按照上级要求认真开展以下几个方面的工作：\n一是加强组织领导。",         # a clause that introduces
    "本单位按照上级要求认真开展以下几个方面的工作并取得成效\n（一）主动公开情况",   # a numbered item starts
    "本单位按照上级要求认真开展以下几个方面的工作并取得成效\n1.主动公开情况",
    "一行文字，没有换行。",
])
def test_a_line_that_ends_is_not_joined(text):
    assert rejoin_wraps(text) == text


def test_only_what_must_be_present_is_looked_for_in_the_joined_text():
    texts = pd.Series(["统计期限为2024年1月1日至1\n2月31日。", "模板占位符20\nXX年度。"], index=[0, 1])
    rejoined = pd.Series({rid: rejoin_wraps(t) for rid, t in texts.items()})
    period = r"1\s*月\s*1\s*日[^。；;]{0,20}?12\s*月\s*31\s*日"
    assert contains(texts, period).tolist() == [False, False]
    assert contains(texts, period, rejoined=rejoined).tolist() == [True, False]
    assert contains(texts, "20XX").tolist() == [False, False]        # a forbidden word: as it is only


HEADING_INSIDE = re.compile(r".[一二三四五六]、(?:总体情况|主动公开|收到和处理|政府信息公开行政|存在的主要|其他需要)")


def hard_wrap(text: str, width: int, inside: list[str]) -> str:
    """The prose (lines with a 。 and no part heading inside) laid out as a PDF lays it out: lines
    of about `width` characters, and wherever one of the `inside` phrases stands, the line ending in
    its middle (as a page edge falls anywhere). A PDF line is never shorter than a few words, so a
    break is kept only `MIN_LINE` characters or more after the previous one."""
    out = []
    for line in text.splitlines():
        if "。" not in line or HEADING_INSIDE.search(line) or len(line) <= MIN_LINE:
            out.append(line)
            continue
        cuts = set(range(width, len(line), width))
        for phrase in inside:
            cuts.update(m.start() + len(phrase) // 2 for m in re.finditer(re.escape(phrase), line))
        kept, last = [], 0
        for at in sorted(cuts):
            if at - last >= MIN_LINE and at < len(line):
                kept.append(at)
                last = at
        bounds = [0, *kept, len(line)]
        out.extend(line[a:b] for a, b in zip(bounds, bounds[1:]))
    return "\n".join(out) + "\n"


MIN_LINE = 16


def compliance(out: Path) -> set[tuple[str, str, str]]:
    rows = [json.loads(line) for line in (out / "latest" / "findings.jsonl").read_text("utf-8").splitlines()]
    return {(Path(r["file"]).name, r["rule_id"], r["location"]) for r in rows if r["category"] == "compliance"}


# phrases the rules look for, cut in two: the period, the fee and accountability statements
INSIDE = ["12月31日", "12 月 31 日", "责任追究", "信息处理费", "工作考核", "社会评议"]


@pytest.mark.slow
@pytest.mark.parametrize("width", [19, 31, 38])
def test_hard_wrapped_real_reports_gain_no_finding(tmp_path, width):
    texts = [p for p in REAL if p.suffix in (".txt", ".md")]
    original, wrapped = tmp_path / "original", tmp_path / "wrapped"
    original.mkdir()
    wrapped.mkdir()
    cut = 0
    for path in texts:
        text = path.read_text("utf-8")
        (original / path.name).write_text(text, "utf-8")
        again = hard_wrap(text, width, INSIDE)
        cut += sum(phrase in text and phrase not in again for phrase in INSIDE)
        (wrapped / path.name).write_text(again, "utf-8")
    assert cut >= 3, "the phrases the test cuts are not in the real reports any more"
    for folder in (original, wrapped):
        done = in_process("run", folder, "--out", tmp_path / f"out-{folder.name}", "--full")
        assert done.returncode in (0, 1), done.stderr.decode()
    assert compliance(tmp_path / "out-wrapped") <= compliance(tmp_path / "out-original")
