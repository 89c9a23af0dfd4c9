"""Title, agency, report year and publication date, as a person reads them on the page.

Ingest records what the page carries (crawler header lines, `<meta>` tags, the `<title>`) in
`Document.meta`; this module decides. Sources, most reliable first:

- agency: the report's title (crawler 标题 line, `<meta name="ArticleTitle">`, a 标题/名称 field,
  the heading in the body, then the `<title>`/og:title): 「XX2023年政府信息公开工作年度报告」 → XX;
  a name standing alone above (or under) a heading that names none (PDF titles split over two
  lines); the 发布机构 field; the signature; the 来源 field (often the host government, so last,
  and not when the title names someone we could not read). None when unsure.
- publication date: see `dates`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Document, TextBlock
from . import dates
from .agency_name import (ORG_END, REPORT_PHRASE, agency_from_title, clean_name, names_something, report_title,
                          strip_chrome, two_names)

_YEAR = re.compile(r"(20\d{2})\s*年")
HEAD_BLOCKS = 1500         # page chrome before the report body: portal menus have hundreds of links
LINE_CHARS = 1000          # of a one-line page, only the beginning is chrome
_BODY_START = re.compile(r"^\s*[一1][、.．]\s*总体情况")
_TITLE_LABELS = ("标题", "文章标题", "信息名称", "公文标题", "名称", "题名")
_ISSUER_LABELS = ("发布机构", "发文机关", "发文单位", "发布单位", "公开单位", "公开主体", "单位")
_SOURCE_LABELS = ("来源", "信息来源", "文章来源")
_FIELD_LABELS = _TITLE_LABELS + _ISSUER_LABELS + _SOURCE_LABELS
_FIELD = re.compile(r"(?<![\u4e00-\u9fff])(" + "|".join(sorted(_FIELD_LABELS, key=len, reverse=True))
                    + r")\s*[:：]\s*[|｜]?\s*")
_DANGLING_LABEL = re.compile(r"(?:发布|公开|发文|生成|成文)(?:时间|日期)\s*[:：]\s*$|(?:来源|发布机构)\s*[:：]\s*$")
# A title line broken before its end: 「XX局2023年政府信息公开」「XX局2023年度」 (then 「工作年度报告」).
_BROKEN_TITLE = re.compile(r"(?:政府信息公开|政务公开|信息公开|工作|年度|20\d{2}\s*年度?)$")
_LABELLED = re.compile(r"^[\s#>*•·●◆■▪\-]*(?:" + "|".join(_FIELD_LABELS) + r")\s*[:：]")
_SUBTITLE = re.compile(r"^\s*[（(]\s*([^（）()\d]{2,30}?)\s*(20\d{2})\s*年?度?\s*[)）]\s*$")
_SEGMENT_GAP = re.compile(r"\s{1,}|[>＞»›]")
_NAV = re.compile(r"^\s*(?:上一篇|下一篇|上一条|下一条|相关|推荐|热点|最新|附件|点击)")
_PUB_META_KEYS = ("发布日期", "发布时间", "公开日期", "发文日期")
# A name relative to the site (「区政府」「县财政局」「市科委」): no real place starts with these.
_RELATIVE = re.compile(r"^[省市区县][^省市区县]*$")
_PLACE = re.compile(r"(?:省|市|区|县|旗|镇|乡|州|盟)$")
# The same body named in full (not its office: 办公厅 is a department, with another deadline).
_OFFICE_OF_PLACE = re.compile(r"人民政府|政府|管委会|管理委员会")
_GOVERNMENT_OR_OFFICE = re.compile(r"(?:人民政府|政府|管委会|管理委员会)(?:办公厅|办公室)?")


def extract_meta(doc: Document, preface: str) -> dict[str, object]:
    head = _head_lines(doc)
    fields = _fields(doc, head)
    title, agency = _title_and_agency(doc, head, fields)
    year = _year(title, preface)
    return {"title": title, "agency": agency, "year": year, "published": _published(doc, head, year)}


# --- the page's head: its lines and labelled fields ------------------------------------------

def _head_lines(doc: Document) -> list[str]:
    """Lines of the blocks before the report body; table rows as 「label：value」 text."""
    lines: list[str] = []
    for block in doc.blocks[:HEAD_BLOCKS]:
        if isinstance(block, TextBlock):
            parts = block.text.split("\n")
        else:
            parts = [_row_text(row) for row in block.rows[:12]]
        for part in parts:
            if _BODY_START.match(part):
                return lines
            if not part.strip():
                continue
            part = _unspace(part)
            if lines and _DANGLING_LABEL.search(lines[-1]):
                lines[-1] += part[:LINE_CHARS]   # 「发布时间：」 in one element, the date in the next
            else:
                lines.append(part[:LINE_CHARS])
    return lines


def _unspace(line: str) -> str:
    """「泰 州 市 财 政 局 2 0 2 0 年 …」: a PDF's letter-spaced line, read as the words it spells."""
    tokens = line.split()
    if len(tokens) >= 4 and all(len(t) <= 2 for t in tokens) and sum(map(len, tokens)) < 1.5 * len(tokens):
        return "".join(tokens)
    return line


def _row_text(row: list[str]) -> str:
    """An info-table row 「发布机构 | XX局 | 公开日期 | 2024-01-17」 as labelled text."""
    out = []
    for cell in row:
        cell = cell.strip()
        if out and out[-1] == cell:
            continue   # a merged cell's copies
        bare = cell.rstrip(":：")
        is_label = bare in _FIELD_LABELS or bare in dates.PUB_LABELS or bare in dates.WRITTEN_LABELS
        out.append(bare + "：" if is_label else cell)
    return " ".join(out)


def _fields(doc: Document, head: list[str]) -> dict[str, list[str]]:
    """Values of the title/issuer/source labels, in page order (crawler header first)."""
    found: dict[str, list[str]] = {}
    for key, value in doc.meta.items():
        if key in _FIELD_LABELS and value:
            found.setdefault(key, []).append(value)
    for line in head:
        text = dates.nfkc(line)
        if ":" not in text:
            continue
        for m in _FIELD.finditer(text):
            value = text[m.end():m.end() + 120]
            found.setdefault(m.group(1), []).append(value)
    return found


# --- title and agency ----------------------------------------------------------------------

def _title_candidates(doc: Document, head: list[str],
                      fields: dict[str, list[str]]) -> Iterator[tuple[str, str, int | None, int]]:
    """Raw title strings, most reliable first: (source, text, head-line index of a body line, the
    number of lines it takes)."""
    for key in ("标题",):
        for value in fields.get(key, [])[:1]:
            yield "field", value, None, 1
    if doc.meta.get("meta:articletitle"):
        yield "field", doc.meta["meta:articletitle"], None, 1
    for key in _TITLE_LABELS:
        for value in fields.get(key, []):
            yield "field", value, None, 1
    for i, line in enumerate(head):
        text = strip_chrome(line)
        if len(text) <= 70 and not _NAV.match(text):
            if not _LABELLED.match(line):   # 「标题：…」 lines were read above, as fields
                yield "body", text, i, 1
            sub = _SUBTITLE.match(head[i + 1]) if i + 1 < len(head) and REPORT_PHRASE.search(text) else None
            if sub and not _HAS_YEAR.search(text):
                # 「政府信息公开工作年度报告」/「（南宁市青秀区人民政府 2023年度）」
                yield "body", f"{sub.group(1)}{sub.group(2)}年度{text}", i, 2
            if not _BROKEN_TITLE.search(text) or i + 1 >= len(head):
                continue
            following = strip_chrome(head[i + 1])
            if (following and len(following) <= 30 and not REPORT_PHRASE.search(text)
                    and not report_title(following)):    # a whole title below: see _name_above
                yield "body", text + following, i, 2   # 「XX局2023年政府信息公开」/「工作年度报告」
    for key in ("网页标题", "meta:og:title", "meta:title", "meta:dc.title"):
        if doc.meta.get(key):
            yield "page", doc.meta[key], None, 1
    for line in head[:5]:
        if len(line) > 70:   # a page flattened to one line: the title between two gaps
            for segment in _SEGMENT_GAP.split(line):
                if 6 <= len(segment) <= 70 and REPORT_PHRASE.search(segment):
                    yield "inline", segment, None, 1


def _readings(doc: Document, head: list[str], fields: dict[str, list[str]]) -> list[tuple[str, str, str | None]]:
    """Every report title on the page: (source, title, the agency it names or None)."""
    out: list[tuple[str, str, str | None]] = []
    for source, raw, index, span in _title_candidates(doc, head, fields):
        found = report_title(raw) if "报" in raw else None   # (most lines: no regex at all)
        if not found:
            continue
        agency = agency_from_title(found) or _after_title(raw)
        if agency is None and index is not None:
            agency = _name_above(head, index) or _standalone_name(head, index + span)   # (a cover's)
            if agency:
                found = agency + found
        out.append((source, found, agency))
    return out


_BRACKETED_NAME = re.compile(r"报告\s*[（(]([^（）()]{2,30})[)）]\s*$")
_HAS_YEAR = re.compile(r"20\d{2}")
_MARKS = re.compile(r"^(?:[#>*+\-•·●◆■▪\s]|\*\*)+|\*\*$")
_SPACES = re.compile(r"\s+")


def _after_title(raw: str) -> str | None:
    """「2023年政府信息公开工作年度报告（XX局）」: the name in brackets after the title."""
    m = _BRACKETED_NAME.search(dates.nfkc(raw))
    name = clean_name(m.group(1)) if m else None
    return name if name and ORG_END.search(name) else None


def _title_and_agency(doc: Document, head: list[str], fields: dict[str, list[str]]) -> tuple[str | None, str | None]:
    readings = _readings(doc, head, fields)
    named = [r for r in readings if r[2]]
    title = next((t for _, t, _ in readings if _HAS_YEAR.search(t)), None)
    agency: str | None = None
    if named:
        source, title, agency = named[0]
        page = next((r for r in named if r[0] == "page"), None)
        body_agencies = {a for s, _, a in named if s == "body"}
        if source == "body" and page and page[2] != agency and page[2] in body_agencies:
            # a list of other reports above the heading: the page's own title says which is its
            _, title, agency = next(r for r in named if r[0] == "body" and r[2] == page[2])
        if agency and _RELATIVE.match(agency):
            # 「区政府2023年…」: the page names it in full elsewhere (「湘潭市岳塘区人民政府…」)
            agency = next((a for a in _all_names(named, fields) if _completes(a, agency)), agency)
        if agency and _PLACE.search(agency):
            # 「天津市…」 in one title, 「天津市人民政府办公厅…」 in the page's title fields or its
            # heading: the full name (not a department's from other body lines: a list of the
            # place's departments' reports)
            longer = [a for s, _, a in named if s != "body" and a and a.startswith(agency) and len(a) > len(agency)]
            heading = next((a for s, _, a in named if s == "body"), None)
            if heading and heading.startswith(agency) and _GOVERNMENT_OR_OFFICE.fullmatch(heading[len(agency):]):
                longer.insert(0, heading)   # the heading names the place's government or its office
            if longer:
                agency = longer[0]
    issuer = _field_name(fields, _ISSUER_LABELS)
    source_name = _field_name(fields, _SOURCE_LABELS) or _name(doc.meta.get("meta:contentsource"))
    if agency is None:
        # the signature is the document's own word; 来源 is page chrome and often the host, so
        # not taken when the title names someone we could not read
        unread = any(a is None and names_something(t) for _, t, a in readings)
        agency = issuer or _signature_name(doc) or (None if unread else source_name)
    elif _PLACE.search(agency):
        # 「天津市2023年…」 with 发布机构 「天津市人民政府」: the page names the same body in full.
        for name in (issuer, source_name):
            if name and name.startswith(agency) and _OFFICE_OF_PLACE.fullmatch(name[len(agency):]):
                agency = name
                break
    return title, agency


def _all_names(named: list[tuple[str, str, str | None]], fields: dict[str, list[str]]) -> Iterator[str]:
    for _, _, name in named:
        if name:
            yield name
    for label in _ISSUER_LABELS + _SOURCE_LABELS:
        for value in fields.get(label, []):
            name = _name(value)
            if name:
                yield name


def _completes(full: str, relative: str) -> bool:
    """「湘潭市岳塘区人民政府」 completes 「区政府」; 「XX县财政局」 completes 「县财政局」."""
    level, rest = relative[0], relative[1:]
    if full == relative or len(full) <= len(relative):
        return False
    rest = rest.replace("政府", "")
    stem = full[:len(full) - len(rest)] if rest else full
    return full.endswith(rest) and full.endswith(relative[-2:]) and level in stem


def _name_above(head: list[str], index: int) -> str | None:
    """「XX局」 standing alone on the line above a heading that names no agency (or, failing
    that, on the line below it: a byline)."""
    for back in (1, 2):
        name = _standalone_name(head, index - back)
        if name:
            return name
        if index - back >= 0 and len(head[index - back].strip()) > 30:
            return None
    return None


def _standalone_name(head: list[str], index: int) -> str | None:
    """The line is a name and nothing else: no label (「来源：XX局」 is a field, read as such),
    no date, no other words."""
    if not 0 <= index < len(head):
        return None
    text = _MARKS.sub("", dates.nfkc(head[index]).strip())
    if ":" in text or "：" in text:
        return None
    name = clean_name(text)
    if name and name == _SPACES.sub("", text) and ORG_END.search(name):
        return name
    return None


def _name(raw: str | None) -> str | None:
    name = clean_name(raw)
    return None if name is None or two_names(name) else name


def _field_name(fields: dict[str, list[str]], labels: tuple[str, ...]) -> str | None:
    for label in labels:
        for value in fields.get(label, []):
            name = _name(value)
            if name:
                return name
    return None


def _signature_name(doc: Document) -> str | None:
    """The name on the line above the closing date (「XX局」/「2024年1月20日」)."""
    lines = _tail_lines(doc)
    for i in range(len(lines) - 1, 0, -1):
        if dates.iso(lines[i]) and len(lines[i].strip()) <= 20:
            name = clean_name(lines[i - 1])
            if name and ORG_END.search(name) and name == _SPACES.sub("", strip_chrome(lines[i - 1])):
                return name
            return None
    return None


def _tail_lines(doc: Document) -> list[str]:
    lines: list[str] = []
    for block in doc.blocks[-12:]:
        if isinstance(block, TextBlock):
            lines.extend(part for part in block.text.split("\n") if part.strip())
    return lines[-8:]


_PERIOD_START = re.compile(r"(20\d{2})\s*年\s*0?1\s*月\s*0?1\s*日")


def _year(title: str | None, preface: str) -> int | None:
    """The title's year; else the first day of the statistics period (「统计期限为2023年1月1日…」);
    else the first year in the preface. (Not the first date on the page: a header's
    「2026年1月20日 星期二」 is today.)"""
    m = _YEAR.search(dates.nfkc(title or ""))
    if m:
        return int(m.group(1))
    text = dates.nfkc(preface[:2000])     # (only when the title has no year: most have one)
    for pattern, where in ((_PERIOD_START, text), (_YEAR, text[:400])):
        m = pattern.search(dates.nfkc(where))
        if m:
            return int(m.group(1))
    return None


# --- publication date ----------------------------------------------------------------------

def _published(doc: Document, head: list[str], year: int | None) -> str | None:
    candidates: list[dates.Candidate] = []
    for key, value in doc.meta.items():
        if key.startswith("meta:") and key[5:] in dates.META_PUB_NAMES:
            date = dates.iso(value) or dates.compact(value)
            if date:
                candidates.append(dates.Candidate(date, dates.META_TAG))
    for key in _PUB_META_KEYS:
        date = dates.iso(doc.meta.get(key) or "")
        if date:
            candidates.append(dates.Candidate(date, dates.LABEL))
    for line in head:
        candidates.extend(dates.labelled_dates(line))
    candidates.extend(_date_beside_heading(head))
    written = dates.iso(doc.meta.get("成文日期") or "")
    if written:
        candidates.append(dates.Candidate(written, dates.WRITTEN))
    signed = dates.signature_date(_tail_lines(doc), year)
    if signed:
        candidates.append(signed)
    return dates.choose(candidates, year)


_LONE_DATE = re.compile(r"^\s*[（(【\[]?\s*20\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
                        r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*[)）】\]]?\s*$")


def _date_beside_heading(head: list[str]) -> list[dates.Candidate]:
    """A date standing alone right under (or over) the report's heading: the article's date on
    some CMS pages, the date of writing in documents. Used only when nothing is labelled."""
    for i, line in enumerate(head):
        if len(line) <= 90 and "报" in line and report_title(strip_chrome(line)):
            ends = [m.end() for m in REPORT_PHRASE.finditer(line)]
            if ends and _LONE_DATE.match(line[max(ends):]):   # 「…年度报告2024-01-19」 (a date span in the heading)
                date = dates.iso(line[max(ends):])
                return [dates.Candidate(date, dates.WRITTEN)] if date else []
            for j in (i + 1, i + 2, i - 1):
                if 0 <= j < len(head) and _LONE_DATE.match(head[j]):
                    date = dates.iso(head[j])
                    return [dates.Candidate(date, dates.WRITTEN)] if date else []
            return []
    return []
