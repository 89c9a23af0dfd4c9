"""Publication date as a person reads it on the page.

A date counts only when the page says it is the publication date: a `<meta>` tag whose name
means publication (PubDate …), a page-chrome label (发布时间：, 发布日期：, 公开日期： …, or
时间： inside a 来源/浏览/字号 info line), a crawler header line, or, last, the date under the
signature. Dates are never taken from file times or from unlabelled chrome (a header's
「2026年1月20日 星期二」 is today's date, not the report's).

A report covers a whole calendar year, so it cannot be published on or before that year's
12-31: such a date is a stale header (or another article's) and is dropped. Candidates of the
best kind present that disagree on the year make the answer None: a wrong year is worse than
none. A visible label beats a <meta> tag (a person reads the label; an edit restamps the tag).
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Month and day alternations try two digits first, so 「2026-01-2016:07」 (date and time glued)
# reads 2026-01-20 and 「2024-1-516:07」 reads 2024-01-05.
_MONTH = r"(1[0-2]|0?[1-9])"
_DAY = r"(3[01]|[12]\d|0?[1-9])"
DATE = re.compile(
    r"(?<!\d)(20\d{2})\s*(?:([-/.])\s*" + _MONTH + r"\s*\2\s*" + _DAY +
    r"|年\s*" + _MONTH + r"\s*月\s*" + _DAY + r"\s*日?)")
# Labels that mean "published" (longest first; 页面生成时间/更新时间/采集时间 are not among them).
PUB_LABELS = ("发布时间", "发布日期", "公开日期", "公开时间", "发文日期", "发文时间", "生成日期",
              "发表时间", "发稿时间", "发布于", "上线时间")
# Generic labels: a date only inside an info line that carries other page chrome.
GENERIC_LABELS = ("时间", "日期")
WRITTEN_LABELS = ("成文日期", "成文时间", "印发日期")
_CHROME_CONTEXT = re.compile(r"来源|作者|浏览|字号|点击|阅读|访问|编辑|分享|打印|发布者|信息员")
_NOT_PUB_BEFORE = re.compile(r"(?:页面|网页|采集|更新|修改|抓取|保存|访问|打印|截止|统计|生成)$")
_INFO_LINE = re.compile(r"来源\s*[:：]|浏览(?:次数|量)?\s*[:：]|字号\s*[:：]|点击(?:数|量|率)?\s*[:：]|阅读(?:数|量)?\s*[:：]")
_NOT_PUB_LINE = re.compile(r"星期|周[一二三四五六日]|今天|更新|生成|采集|访问|截至|截止")
# <meta name=…> values (lower case) that clearly mean the publication time.
META_PUB_NAMES = ("pubdate", "publishdate", "publish_date", "publish-date", "publishtime",
                  "firstpublishedtime", "article:published_time", "dcterms.issued", "dc.date.issued",
                  "contentpublishtime", "publisheddate")
_LABEL = re.compile(
    "(" + "|".join(sorted(PUB_LABELS + GENERIC_LABELS + WRITTEN_LABELS, key=len, reverse=True))
    + r")[\s*]*[:：]?[\s*]*[|｜\[【(]?\s*(?=20\d{2})")   # (** of markdown bold around a label)
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "О": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(r"([〇零○О一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")

LABEL, META_TAG, WRITTEN = 0, 1, 2   # kinds of evidence, best first


@dataclass(frozen=True)
class Candidate:
    date: str     # ISO yyyy-mm-dd
    kind: int     # META_TAG, LABEL or WRITTEN

    @property
    def year(self) -> int:
        return int(self.date[:4])


@lru_cache(maxsize=4096)
def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, skipped for ASCII text (which it leaves as it is)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# iso and labelled_dates are pure functions of a string, called on the same page lines again and
# again (within a report and across reports of one CMS): cached.
@lru_cache(maxsize=4096)
def iso(text: str) -> str | None:
    """The first calendar date in `text` as yyyy-mm-dd (None if none or impossible)."""
    text = nfkc(text)
    for m in DATE.finditer(text):
        y = int(m.group(1))
        mo, d = (m.group(3), m.group(4)) if m.group(2) else (m.group(5), m.group(6))
        value = _valid(y, int(mo), int(d))
        if value:
            return value
    m = _CN_DATE.search(text)
    if m:
        y = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        return _valid(y, _cn_number(m.group(2)), _cn_number(m.group(3)))
    return None


_COMPACT = re.compile(r"\s*(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")


def compact(text: str) -> str | None:
    """「20240118」, a date without separators: read only where a label or tag says it is one."""
    m = _COMPACT.match(text)
    return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _cn_number(text: str) -> int:
    """一 … 三十一 (month and day numbers written in characters)."""
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0)


def _valid(y: int, mo: int, d: int) -> str | None:
    if not (2000 <= y <= 2099 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    if d > (29 if mo == 2 and calendar.isleap(y) else 28 if mo == 2 else 30 if mo in (4, 6, 9, 11) else 31):
        return None   # 2023-02-29 is no date (never 按期 on it)
    return f"{y:04d}-{mo:02d}-{d:02d}"


def labelled_dates(line: str) -> list[Candidate]:
    """Dates bound to a publication label in one line of page chrome."""
    return list(_labelled_dates(line))


@lru_cache(maxsize=4096)
def _labelled_dates(line: str) -> tuple[Candidate, ...]:
    text = nfkc(line)
    if "20" not in text:
        return ()    # every date read here starts with its year 20xx
    found = []
    for m in _LABEL.finditer(text):
        label = m.group(1)
        if _NOT_PUB_BEFORE.search(text[max(0, m.start() - 4):m.start()]):
            continue   # 页面生成时间, 更新时间 …
        if label in GENERIC_LABELS and not _CHROME_CONTEXT.search(text):
            continue
        date = iso(text[m.end():m.end() + 24]) or compact(text[m.end():m.end() + 9])
        if date:
            found.append(Candidate(date, WRITTEN if label in WRITTEN_LABELS else LABEL))
    if not found and len(text) <= 120 and _INFO_LINE.search(text):
        # 「2024-01-18 16:07 来源：XX局 【字号：大 中 小】」: the one date of an article's info line
        dated = {iso(m.group(0)) for m in DATE.finditer(text)} - {None}
        if len(dated) == 1 and not _NOT_PUB_LINE.search(text):
            found.append(Candidate(dated.pop(), LABEL))
    return tuple(found)


def choose(candidates: list[Candidate], year: int | None) -> str | None:
    """The publication date the evidence supports, or None when it does not decide.

    A date on or before the report year's 12-31 cannot be the publication (stale header); more
    than three years after it is a re-upload stamp, not a publication a person would cite."""
    if year is not None:
        candidates = [c for c in candidates if year < c.year <= year + 3]
    # What a person sees (a visible label) over a <meta> tag, which a later edit of the page
    # may have restamped; either over the date a report was written.
    for kind in (LABEL, META_TAG, WRITTEN):
        group = [c for c in candidates if c.kind == kind]
        if not group:
            continue
        if len({c.year for c in group}) > 1:
            return None   # the page contradicts itself on the year: never guess
        return group[0].date
    return None


_SPACES = re.compile(r"\s+")
_SIGNED_DATE = re.compile(r"[（(]?(?:20\d{2}|[〇零○О一二三四五六七八九]{4})年\S{1,6}月\S{1,6}日[)）]?")


def signature_date(lines: list[str], year: int | None) -> Candidate | None:
    """The date standing alone under the signature at the end ("XX局\\n2024年1月20日").

    It is when the report was written, so it counts only when nothing better is printed, and
    only within the year after the report year (the usual publication window)."""
    if year is None:
        return None
    for line in reversed(lines[-8:]):
        text = _SPACES.sub("", nfkc(line))
        if not text or len(text) > 40:
            continue
        date = iso(text)
        if date and _SIGNED_DATE.fullmatch(text):
            return Candidate(date, WRITTEN) if int(date[:4]) == year + 1 else None
    return None
