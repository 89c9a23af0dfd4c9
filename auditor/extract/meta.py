"""Title, agency, report year and publication date."""
from __future__ import annotations

import re
import unicodedata

from ..model import Document, TextBlock

_REPORT_PHRASE = re.compile(r"政府信息公开(?:工作)?(?:年度)?报告|政务公开工作(?:年度)?报告|年度报告")
_YEAR = re.compile(r"(20\d{2})\s*年")
_DATE = re.compile(r"(20\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?")
_DATE_KEYS = ("发布日期", "发文日期", "发布时间", "公开日期")
_DATE_LINE = re.compile(r"(?:发布日期|发文日期|发布时间|公开日期)\s*[:：]?\s*(20\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})")


def extract_meta(doc: Document, preface: str) -> dict[str, object]:
    title = _title(doc)
    year = _year(title, preface)
    return {"title": title, "agency": _agency(title), "year": year, "published": _published(doc)}


def _title(doc: Document) -> str | None:
    if doc.meta.get("标题"):
        return _strip_site(doc.meta["标题"])
    texts = [b.text.strip() for b in doc.blocks[:40] if isinstance(b, TextBlock) and b.text.strip()]
    for i, text in enumerate(texts):
        if len(text) > 60:
            continue
        if "年度报告" in text or _REPORT_PHRASE.search(text):
            return _strip_site(text)
        nxt = texts[i + 1] if i + 1 < len(texts) else ""
        if re.search(r"20\d{2}", text) and nxt and len(nxt) <= 20 and "报告" in nxt:
            return _strip_site(text + nxt)
    return None


def _strip_site(title: str) -> str:
    """`…年度报告-沭阳县发改局`: the part after the report phrase is the site's name."""
    title = re.sub(r"\s+", " ", title).strip()
    m = _REPORT_PHRASE.search(title)
    if m:
        return title[:m.end()]
    return title


def _year(title: str | None, preface: str) -> int | None:
    for text in (title or "", preface[:400]):
        m = _YEAR.search(unicodedata.normalize("NFKC", text))
        if m:
            return int(m.group(1))
    return None


def _agency(title: str | None) -> str | None:
    if not title:
        return None
    text = unicodedata.normalize("NFKC", title)
    text = _REPORT_PHRASE.sub("", text)
    text = re.sub(r"(20\d{2})\s*年度?", "", text)
    text = re.sub(r"\s+", "", text).strip("-—_:：")
    return text or None


def _published(doc: Document) -> str | None:
    for key in _DATE_KEYS:
        if doc.meta.get(key):
            date = _iso(doc.meta[key])
            if date:
                return date
    head = doc.blocks[:40]
    for block in head:
        texts = [block.text] if isinstance(block, TextBlock) else [" ".join(r) for r in block.rows]
        for text in texts:
            m = _DATE_LINE.search(text)
            if m:
                return _iso(m.group(1))
    return None


def _iso(text: str) -> str | None:
    m = _DATE.search(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
