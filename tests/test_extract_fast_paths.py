"""Hand-written fast paths in extraction give the plain path's results (project rule: keep a test
proving a faster form equal to the plain one). The plain forms are the ones AUDITOR_PLAIN selects
(auditor/speed.py); whole documents are compared in tests/test_fast_path_documents.py."""
from __future__ import annotations

import random
import re

from auditor.extract import sections as S

# The plain forms the fast regexes replace (the lookbehind first: slower, same matches).
PLAIN = [S._FURNITURE_PLAIN[1], S._FURNITURE_PLAIN[2], S._LOOSE_PLAIN]
FAST = [S._FURNITURE[1][1], S._FURNITURE[2][1], S._LOOSE]
ALPHABET = list("0123456789 \n-—–－/一二三四五、.．。；:：a文\t\u3000")


def _spans(rx: re.Pattern[str], text: str) -> list:
    return [(m.span(), m.groups()) for m in rx.finditer(text)]


def test_furniture_and_loose_regexes_match_as_the_plain_ones():
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14)))
        for plain, fast in zip(PLAIN, FAST):
            assert _spans(fast, text) == _spans(plain, text), (text, plain.pattern)


def test_furniture_marks_never_skip_a_text_that_holds_furniture():
    """`_furniture` searches a regex only in texts holding one of its marks (the plain path: all)."""
    rng = random.Random(5)
    for _ in range(20000):
        text = "".join(rng.choice(ALPHABET + ["第", "页", "共"]) for _ in range(rng.randint(0, 14)))
        for (marks, rx), plain in zip(S._FURNITURE, S._FURNITURE_PLAIN):
            if plain.search(text):
                assert any(c in text for c in marks), (text, marks)


def test_windowed_heading_search_matches_as_the_full_regex():
    """`_heading_matches` tries `_HEADING` only in windows around the titles' cores: the same
    matches as `_HEADING.finditer` over the whole text (its plain path)."""
    words = ["一、", "二、", "（三）", "4.", "第五部分", "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
             "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项", "工作", "复议",
             "行政", "。", " ", "\n", "2023年", "问题", "需要", "报告的事项", "诉讼情况", "收到和"]
    rng = random.Random(13)
    for _ in range(5000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        fast = [(m.span(), m.lastgroup, m.group("cjk"), m.group("other"), m.group("pre"))
                for m in S._heading_matches(text)]
        full = [(m.span(), m.lastgroup, m.group("cjk"), m.group("other"), m.group("pre"))
                for m in S._HEADING.finditer(text)]
        assert fast == full, text


def test_heading_search_without_absent_titles_matches_as_the_full_regex():
    """`_heading_for` drops titles whose characters are absent: same matches as `_HEADING`."""
    words = ["一、", "二、", "（三）", "4.", "第五部分", "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
             "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项", "工作", "复议",
             "行政", "。", " ", "\n", "2023年", "问题", "需要"]
    rng = random.Random(11)
    for _ in range(5000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        fast = S._heading_for(text)
        full = [(m.span(), m.lastgroup, m.group("cjk"), m.group("other"), m.group("pre"))
                for m in S._HEADING.finditer(text)]
        got = [] if fast is None else [(m.span(), m.lastgroup, m.group("cjk"), m.group("other"), m.group("pre"))
                                        for m in fast.finditer(text)]
        assert got == full, text


def test_slash_page_numbers_found_from_the_slashes_as_by_the_plain_regex():
    """`_slash_marks` tries the 「3/12」 regex only before each slash: the plain regex's matches
    over the whole text (overlapping candidates such as 「1 / 2 / 3」 included)."""
    alphabet = list("0123456789 / / /\n\t\u3000a文-")
    rng = random.Random(17)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        fast = [(m.span(), m.group()) for m in S._slash_marks(text)]
        assert fast == [(m.span(), m.group()) for m in S._FURNITURE_PLAIN[2].finditer(text)], text
    assert [m.group() for m in S._slash_marks("第 3/12 页 1 / 2 / 3 12/3456 4/5")] == ["3/12", "1 / 2", "4/5"]


def test_header_lines_read_from_the_lines_holding_the_phrase_as_by_the_plain_path(monkeypatch):
    """`_header_lines` matches `_HEADER_LINE` only in the lines holding 年度报告: the same lines as
    the regex over the whole text (AUDITOR_PLAIN)."""
    words = ["XX市财政局", "2023年", "政府信息公开工作", "年度报告", "年度报告", "\n", "\n", " ", "\u3000", "\t",
             "第3页", "一、总体情况", "（2023年度）", "。", "a"]
    rng = random.Random(19)
    texts = ["".join(rng.choice(words) for _ in range(rng.randint(0, 16))) for _ in range(5000)]
    texts.append("  XX局2023年政府信息公开工作年度报告  \n正文\nXX局2023年政府信息公开工作年度报告\n年度报告")
    fast = [S._header_lines(t) for t in texts]
    monkeypatch.setenv("AUDITOR_PLAIN", "1")
    plain = [S._header_lines(t) for t in texts]
    assert fast == plain
    assert plain[-1] == ["XX局2023年政府信息公开工作年度报告"] * 2


def _header_words_by_characters(text: str) -> list[str]:
    """`_header_words` as first written: each word found by stepping back a character at a time."""
    words = []
    at = text.find("年度报告")
    while at >= 0:
        end = at + 4
        start = end
        while start > 0 and not text[start - 1].isspace() and end - start < 62:
            start -= 1
        if end - start >= 8 and (end == len(text) or text[end].isspace()):
            words.append(text[start:end])
        at = text.find("年度报告", end)
    return words


def test_header_words_as_found_character_by_character():
    words = ["XX市财政局", "2023年", "政府信息公开工作", "年度报告", "年度报告", "\n", " ", "\u3000", "\t", "\u2028",
             "a", "局", "一二三四五六七八九十" * 3]
    rng = random.Random(23)
    for _ in range(10000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(0, 14)))
        assert S._header_words(text) == _header_words_by_characters(text), text
