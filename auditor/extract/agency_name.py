"""The agency's name as a person reads it: no labels, markup, breadcrumbs or site names.

Pages wrap the report's title and the issuer's name in chrome: 「•标题：」「名称：」, markdown
'#', bullets, breadcrumbs (「当前位置：首页>政务公开>…」), CMS field runs
(「发布机构:|五泄镇|公开日期:|2023-01-19|五泄镇」), the site's name after the title
(「…年度报告-沭阳县发改局」), a year glued on (「东河区卫生健康委员会2021」). These functions take
such raw strings and return the bare name, or None when what is there is not a name (a
placeholder such as ［具体地名］, 「原创」, 「1」, a breadcrumb, two names run together).
"""
from __future__ import annotations

import re
from functools import lru_cache

from .dates import nfkc

REPORT_PHRASE = re.compile(
    r"政府信息公开(?:工作)?(?:情况)?(?:的)?(?:年度)?(?:工作)?(?:报告|年报)|政务公开(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)"
    r"|信息公开(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)|年度报告|年报")
# Where the agency part of a title ends: the year, or the start of the report phrase.
_AGENCY_END = re.compile(r"政府信息公开|政务公开|信息公开|年度报告|年报|工作报告|(?<!\d)20\d{2}")
_YEAR_TOKEN = re.compile(r"[（(]?20\d{2}[)）]?\s*(?:年度|年)?(?:度)?")
# Labels that may stand before a title or a name on a page (longest first).
_LABELS = ("信息名称", "文章标题", "公文标题", "标题", "名称", "题名", "主题", "发布机构", "发文机关",
           "发文单位", "发布单位", "公开单位", "公开主体", "信息来源", "文章来源", "来源", "单位",
           "索引号", "文号", "发文字号", "发文日期", "发布日期", "发布时间", "公开日期", "成文日期",
           "生成日期", "时间", "日期", "栏目", "分类", "主题分类", "关键词", "作者", "浏览次数",
           "点击数", "字号", "有效性", "原文链接", "采集时间")
_LABEL_RE = "|".join(sorted(_LABELS, key=len, reverse=True))
_LEADING = re.compile(r"^(?:[#>*+\-•·●◆◇■□▪▫★☆→►▶|｜、《「『\s]|\d+[.、)）]\s)+")
_LEADING_LABEL = re.compile(r"^(?:" + _LABEL_RE + r")\s*[:：]\s*[|｜]?\s*")
_LATER_LABEL = re.compile(r"[|｜\s]*(?:" + _LABEL_RE + r")\s*[:：]")
_CRUMB = re.compile(r"当前位置|您的位置|你的位置|所在位置|当前页面|首页\s*(?:[>＞»›/→]|->)|[>＞»›→]\s*首页")
_CRUMB_SEP = re.compile(r"\s*(?:>>|->|[>＞»›→/])\s*")
_SITE_SEP = re.compile(r"\s*(?:[-_|｜—–]+|\s{2,})\s*")
# An unfilled template: ［具体地名］, [单位名称], XX区, ××局, ***, 某某.
_PLACEHOLDER = re.compile(r"[［\[【〔{｛].*?[］\]】〕}｝]|XX|xx|ＸＸ|××|\*\*|＊|^某|某某|具体|地名|单位名称|机关名称|填写")
_NOT_A_NAME = re.compile(
    r"原创|转载|本站|本网|网站|首页|管理员|admin|未知|暂无|无$|^其他$|政务公开|信息公开|年度报告|今天|星期|"
    r"当前位置|链接|打印|关闭|字号|来源|发布|点击|浏览|[，。；！？：:,;!?\"“”《》<>=]|https?|www")
# Endings of organisations and places: a line standing alone above a title is a name only
# when it ends like one (so 「打印」 or 「政务公开专栏」 above the title are not taken).
ORG_END = re.compile(
    r"(?:人民政府|政府|办公厅|办公室|委员会|管委会|委|局|厅|办|署|院|会|中心|所|站|队|处|部|科|"
    r"街道办事处|街道|镇|乡|区|县|市|省|旗|盟|州|集团|公司|馆|校|社|行|分局|支队|大队)$")
# 「海棠区人民政府海棠区卫生健康委员会」: a government name followed by another full name.
# (the second name starts with a place: 「天津市人民政府办公厅」「XX市人民政府外事办公室」 are one name)
_TWO_NAMES = re.compile(r"^(.{2,20}?(?:人民政府|政府))([\u4e00-\u9fff]{1,6}?(?:省|市|区|县|旗|镇|乡|街道)"
                        r".*(?:人民政府|委员会|管委会|局|厅|办公室|办公厅|镇|街道|中心))$")


_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_EMPHASIS = re.compile(r"\*\*|__|~~|</?(?:strong|b|em)>")   # markdown / HTML emphasis
# The functions below are pure functions of a string, called on the same page lines several times
# per report (and on the same CMS chrome across reports): their results are cached.
_CACHE = 4096


@lru_cache(maxsize=_CACHE)
def _norm(text: str) -> str:
    if not text.isascii():                 # (NFKC leaves ASCII as it is)
        text = nfkc(text)                  # (cached: meta reads the same head lines' fields)
        text = _INVISIBLE.sub("", text)
    text = _EMPHASIS.sub("", text)
    return text.strip()


@lru_cache(maxsize=_CACHE)
def strip_chrome(raw: str) -> str:
    """Drop bullets, markdown marks and leading labels (「•标题:」「# 」「名称：」)."""
    text = _norm(raw)
    for _ in range(4):
        before = text
        text = _LEADING.sub("", text)
        text = _LEADING_LABEL.sub("", text)
        if text == before:
            break
    return text.strip()


def last_crumb(text: str) -> str | None:
    """A breadcrumb's last step, which on some pages is the article's title."""
    if not _CRUMB.search(text):
        return text
    parts = [p for p in _CRUMB_SEP.split(text) if p.strip()]
    last = parts[-1].strip() if len(parts) > 1 else ""
    if not last or _CRUMB.search(last) or "首页" in last:
        return None
    return last


_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})(?=\s*年)")
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}


def arabic_years(text: str) -> str:
    """「二〇二三年度」 → 「2023年度」: formal documents write the year in characters."""
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGIT[c] for c in m.group(1)), text)


_TAG = re.compile(r"^(?:[【\[［](?![^】\]］]*(?:具体|地名|名称|单位|XX|××))[^】\]］]{1,6}[】\]］]\s*)+")
_HAS_YEAR = re.compile(r"20\d{2}")


@lru_cache(maxsize=_CACHE)
def report_title(raw: str) -> str | None:
    """The report's title in a raw title string, without label, site name or breadcrumb."""
    text = last_crumb(strip_chrome(raw))
    if not text:
        return None
    # 「【年报】」「[置顶]」 tags before a title (not a placeholder: 「［具体地名］」 stays, and names no one)
    text = _TAG.sub("", arabic_years(text))
    # 「沭阳县人民政府-XX局2023年…年度报告_沭阳县发改局」: keep the segment holding the phrase;
    # inside it, single spaces between characters are letter-spacing (「宁 波 市 … 2 0 2 3 年」).
    segments = [_unspaced(s) for s in _SITE_SEP.split(text.strip()) if s.strip()]
    text = next((s for s in segments if REPORT_PHRASE.search(s) and len(s) >= 6), _unspaced(text))
    # A report's title states its year; 「部门年报」「政府信息公开年报」 are column names.
    if not REPORT_PHRASE.search(text) or not _HAS_YEAR.search(text):
        return None
    m = _last_phrase(text)
    return text[:m].strip() if m else None


_SPACES = re.compile(r"\s+")
_LETTER_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\d]) (?=[\u4e00-\u9fff\d])")


def _unspaced(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return _LETTER_SPACE.sub("", text)


def _last_phrase(text: str) -> int | None:
    """End of the report phrase (the last one, so 「年度报告」 in 「…年度政府信息公开工作年度报告」
    is not cut early)."""
    ends = [m.end() for m in REPORT_PHRASE.finditer(text)]
    return max(ends) if ends else None


_NOTICE = re.compile(r"^(?:关于)?(?:印发|公布|发布|公开|报送|上报)?[《「]?")
_HEAD_TAIL = re.compile(r"(?:关于|的|度)$")


@lru_cache(maxsize=_CACHE)
def agency_from_title(title: str) -> str | None:
    """「XX2023年政府信息公开工作年度报告」 → XX; 「2024年XX政府信息公开…」 → XX; None if the
    title names no agency (「2023年度政府信息公开工作年度报告」)."""
    text = _SPACES.sub("", _norm(title))
    # 「关于印发《XX局2023年…年度报告》的通知」: the report's title inside a notice's
    text = _NOTICE.sub("", text)
    text = _YEAR_TOKEN.sub(lambda m: " ", text, count=0)   # years become cut points
    pieces = [p for p in text.split(" ") if p]
    for piece in pieces:
        m = _AGENCY_END.search(piece)
        head = piece[:m.start()] if m else piece
        if head.endswith("人民") and piece[len(head):].startswith("政府"):
            head += "政府"   # 「XX县人民政府信息公开工作年度报告」
        head = _HEAD_TAIL.sub("", head)
        name = clean_name(head)
        if name and two_names(name):
            # 「平江县人民政府 平江县教育体育局2021年…」: the host's name, then the issuer's
            name = clean_name(_TWO_NAMES.match(name).group(2))
        if name:
            return name
        if m:
            break   # the report phrase came before any name
    return None


_NOT_WORDS = re.compile(r"^关于|[\W_]")


@lru_cache(maxsize=_CACHE)
def names_something(title: str) -> bool:
    """Does the title have words before its year and phrase (whether or not we read them as a
    name)? 「2023年度政府信息公开工作年度报告」 has none; 「《XX区2021年…》」 has."""
    text = _YEAR_TOKEN.sub("", _SPACES.sub("", _norm(title)))
    m = _AGENCY_END.search(text)
    head = text[:m.start()] if m else text
    return bool(_NOT_WORDS.sub("", head))


_BAR = re.compile(r"[|｜]")
_LEAD_YEAR = re.compile(r"^(?:20\d{2}年?度?)+")
_TAIL_YEAR = re.compile(r"(?:[（(]?20\d{2}[)）]?年?度?)+$")


def clean_name(raw: str | None) -> str | None:
    """A bare agency name from a label value, a line or a title's head; None if it is not one."""
    if raw is None:
        return None
    return _clean_name(str(raw))


@lru_cache(maxsize=_CACHE)
def _clean_name(raw: str) -> str | None:
    text = strip_chrome(raw)
    if _CRUMB.search(text):
        return None
    # A CMS field run: the value stops where the next label (or a field bar) starts.
    text = _LATER_LABEL.split(text, maxsplit=1)[0]
    text = _BAR.split(text, maxsplit=1)[0]
    text = _SPACES.sub("", text)
    text = _LEAD_YEAR.sub("", text)
    text = _TAIL_YEAR.sub("", text)   # 「东河区卫生健康委员会2021」
    text = text.strip("-—_–·:：,，、[]【】「」『』\"“”'")
    if len(text) >= 4 and len(text) % 2 == 0 and text[:len(text) // 2] == text[len(text) // 2:]:
        text = text[:len(text) // 2]   # 「五泄镇五泄镇」
    if not is_name(text):
        return None
    return text.replace("(", "（").replace(")", "）")   # as printed: Chinese names use full width


_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")


def is_name(text: str) -> bool:
    """Could a person read `text` as an agency's name?"""
    if not (2 <= len(text) <= 40):
        return False
    if not _HAN.search(text) or _DIGIT.search(text):
        return False
    if _PLACEHOLDER.search(text) or _NOT_A_NAME.search(text):
        return False
    return True


def two_names(name: str) -> bool:
    """「海棠区人民政府海棠区卫生健康委员会」: two names run together; a person would not read
    either one from such a field with confidence."""
    return bool(_TWO_NAMES.match(name))
