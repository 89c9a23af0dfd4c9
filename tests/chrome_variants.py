"""Variants of the real reports as publishing tools and CMSs wrap them: page chrome around the text,
Word-pasted HTML (runs split mid-word, MsoNormal paragraphs, &nbsp;, <o:p>). Used by
tests/test_page_chrome.py: such a re-layout may never add a finding."""
from __future__ import annotations

import html
import random
import re

HEADER_LINES = [
    "首页 | 政务公开 | 政务服务 | 互动交流 | 走进本地",
    "无障碍阅读 | 长者模式 | 繁體版 | English",
    "当前位置：首页 > 政务公开 > 政府信息公开年报",
    "【字体：大 中 小】 【打印】 【关闭】",
    "分享到：微信 微博 QQ空间",
]
FOOTER_LINES = [
    "相关链接：国务院 | 省人民政府 | 市人民政府",
    "【打印本页】 【关闭窗口】 【返回顶部】",
    "网站地图 | 联系我们 | 隐私声明 | 使用帮助",
    "主办单位：本地人民政府办公室 承办单位：本地大数据中心",
    "网站标识码：1234567890 备案号：ICP备12345678号-1 公安机关备案号：12345678901234",
    "版权所有 © 2024 技术支持：某某信息技术有限公司",
]


def text_with_chrome(text: str) -> str:
    """Web text as a crawler saves it: the site's navigation above, its footer below."""
    return "\n".join(HEADER_LINES) + "\n\n" + text.rstrip("\n") + "\n\n" + "\n".join(FOOTER_LINES) + "\n"


def _runs(line: str, rng: random.Random) -> str:
    """A line as Word pastes it: spans of 1–6 characters with their own styles."""
    out, i = [], 0
    while i < len(line):
        n = rng.randint(1, 6)
        piece = html.escape(line[i:i + n]).replace(" ", "&nbsp;")
        style = rng.choice(['font-family:仿宋_GB2312', 'font-size:16.0pt;font-family:宋体', 'mso-spacerun:yes'])
        out.append(f'<span style="{style}">{piece}</span>')
        i += n
    return "".join(out)


def word_pasted_html(text: str, title: str, seed: int = 0) -> bytes:
    """Every line a <p class=MsoNormal> of split runs, inside a CMS page with chrome (UTF-8)."""
    rng = random.Random(seed)
    paras = []
    for line in text.splitlines():
        if not line.strip():
            paras.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
            continue
        paras.append(f'<p class="MsoNormal" style="text-indent:32.0pt">{_runs(line, rng)}<o:p></o:p></p>')
    head = "".join(f"<li>{html.escape(x)}</li>" for x in HEADER_LINES)
    foot = "".join(f"<p>{html.escape(x)}</p>" for x in FOOTER_LINES)
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head><body>'
            f'<div class="nav"><ul>{head}</ul></div><div class="article"><div class="WordSection1">'
            + "\n".join(paras) + f'</div></div><div class="footer">{foot}</div></body></html>')
    return page.encode("utf-8")


def html_with_chrome(page: str) -> str:
    """An HTML report with a CMS header after <body> and a footer before </body>."""
    head = '<div class="nav">' + "".join(f"<p>{html.escape(x)}</p>" for x in HEADER_LINES) + "</div>"
    foot = '<div class="footer">' + "".join(f"<p>{html.escape(x)}</p>" for x in FOOTER_LINES) + "</div>"
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + head, page, count=1, flags=re.I)
    return re.sub(r"(</body>)", lambda m: foot + m.group(1), page, count=1, flags=re.I)


def word_docx(text: str, path, seed: int = 0):
    """A .docx as Word saves a pasted report: one paragraph per line, each split into styled runs."""
    import docx
    from docx.shared import Pt

    rng = random.Random(seed)
    doc = docx.Document()
    for line in text.splitlines():
        para = doc.add_paragraph()
        i = 0
        while i < len(line):
            n = rng.randint(1, 6)
            run = para.add_run(line[i:i + n])
            run.font.size = Pt(rng.choice([12, 14, 16]))
            run.bold = rng.random() < 0.1
            i += n
    doc.save(str(path))
    return path
