"""A realistic corpus: reports as government websites publish them, for the speed benchmark.

    python -m bench.realistic --n 2000 --pdf 40 --seed 7 --out /tmp/realistic

The reports are bench.corpus's plans (same agencies, tables, prose, defects and ground truth),
rendered by bench.corpus / bench.render, then made the size and shape real sites give them:

- HTML pages (half of the reports): 100–400 KB each (seeded spread, mean about 190 KB) of CMS
  chrome around the report: `<meta>` tags of the government-site standard, long inline CSS and
  JavaScript blocks, a top bar, a mega navigation menu (hundreds of links), breadcrumb, a
  left column tree, related-links lists, share widgets, comments, a footer with 网站标识码, ICP
  备案号 and 公网安备号, and sometimes a base64 logo. A fifth of them are GBK pages
  (`<meta charset="gbk">` or `gb2312`, encoded as GBK).
- web text saved from a page (the zibo-style header, some GBK / UTF-16 / half-width punctuation),
  one-line text (the whole report on one line, as archive crawlers save it), markdown: as bench.corpus.
- PDFs of real page counts (8–15 pages): part one (part six when part one is the defect) carries
  the long prose real reports have
  (seeded sentences made of fragments that no rule looks for: no numbers, years, fees,
  requests, contact details, 创新, 提案, 工作要点 …).

The chrome and the padding add no finding (tests/test_bench_realistic.py), so the ground truth
of bench.corpus still holds (ground_truth.jsonl; python -m bench.score works). Same seed, same bytes.
"""
from __future__ import annotations

import base64
import html
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

from . import corpus as C
from . import phrases as P
from .cli import parser

VERSION = 2                   # in the cache folder's name: bump when the output changes
SHARES = {"html": 0.50, "txt": 0.25, "oneline": 0.12, "md": 0.13}
GBK_SHARE = 0.20              # of the HTML pages
MIN_KB, MAX_KB = 100, 400     # HTML page size range
PDF_PAGES = (8, 15)
CHARS_PER_PAGE = 1450         # of padding prose per page of bench.layouts.render_pdf (12 pt), measured
PDF_BASE_PAGES = 4            # an unpadded report


# ------------------------------------------------------------------------------ chrome material

TOP_COLUMNS = {
    "首页": [],
    "走进{region}": ["概况", "历史沿革", "自然地理", "行政区划", "人口民族", "经济发展", "旅游资源", "城市名片",
                     "领导之窗", "机构设置", "图说{region}", "地方志"],
    "政务公开": ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "机构职能",
                 "政策文件", "政策解读", "规划计划", "财政预决算", "重大建设项目", "公共资源配置", "社会公益事业",
                 "重点领域信息公开", "人事信息", "统计信息", "应急管理", "建议提案办理", "审计信息",
                 "行政执法公示", "权责清单", "双随机一公开", "政府会议", "乡村振兴", "营商环境"],
    "政务服务": ["个人办事", "法人办事", "部门服务", "主题服务", "办事指南", "便民服务", "证照查询",
                 "不动产登记", "社保医保", "公积金", "户籍办理", "出入境", "婚姻登记", "就业创业"],
    "互动交流": ["领导信箱", "咨询投诉", "意见征集", "在线访谈", "网上调查", "热点回应", "常见问题",
                 "12345热线", "回应关切", "政民互动数据"],
    "专题专栏": ["学习贯彻党的二十大精神", "优化营商环境", "乡村振兴", "安全生产", "生态环境保护",
                 "疫情防控", "双拥共建", "文明城市创建", "法治政府建设", "扫黑除恶", "食品安全"],
    "数据开放": ["数据目录", "数据接口", "数据应用", "开放指数", "统计年鉴", "统计公报", "数据解读"],
    "新闻中心": ["政务要闻", "部门动态", "镇街动态", "通知公告", "图片新闻", "视频新闻", "媒体关注",
                 "新闻发布会"],
}
SIDE_TREE = ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "机构信息",
             "领导信息", "内设机构", "下属单位", "政策文件", "规范性文件", "其他文件", "政策解读", "文字解读",
             "图片解读", "视频解读", "规划计划", "发展规划", "专项规划", "年度计划", "财政信息", "财政预算",
             "财政决算", "三公经费", "人事信息", "公务员招考", "事业单位招聘", "人事任免", "行政执法",
             "执法主体", "执法人员", "执法结果", "权责清单", "应急管理", "应急预案", "预警信息", "统计信息"]
SHARE_SITES = ["微信", "微博", "QQ空间", "QQ好友", "百度", "人民微博", "豆瓣"]
COMMENTS = ["报告内容详实，公开数据清楚，值得肯定。", "希望以后的年报能附上图表解读，方便群众理解。",
            "网站栏目清晰，查找信息比以前方便多了。", "建议进一步做好政策解读工作。", "给政务公开工作点赞！",
            "这个栏目很实用，希望持续更新。", "内容全面，条理清楚。", "请问往年的报告在哪个栏目可以查到？"]
LOGIN = ["无障碍浏览", "长者模式", "繁體", "English", "手机版", "个人登录", "法人登录", "注册", "智能问答"]
JS_TEMPLATES = [
    "var {v} = document.getElementById('{id}'); if ({v}) {{ {v}.style.display = 'none'; }}",
    "function {f}(n){{var e=document.getElementById('zoom');if(!e)return;e.style.fontSize=n+'px';"
    "e.style.lineHeight=(n*1.8)+'px';}}",
    "$(document).ready(function(){{$('.{c} li').hover(function(){{$(this).addClass('on').siblings().removeClass('on');"
    "}});}});",
    "var _hmt = _hmt || []; (function() {{ var hm = document.createElement('script'); "
    "hm.src = 'https://hm.baidu.com/hm.js?{h}'; var s = document.getElementsByTagName('script')[0]; "
    "s.parentNode.insertBefore(hm, s); }})();",
    "function {f}(){{var kw=document.getElementById('searchword').value;if(kw==''||kw=='请输入关键字'){{"
    "alert('请输入搜索关键字');return false;}}window.location.href='/search/index.html?q='+encodeURIComponent(kw);}}",
    "window.{v} = {{siteId: '{code}', columnId: '{n}', articleId: '{h}', pageType: 'article', "
    "channel: '政府信息公开年报'}};",
    "if (/Android|webOS|iPhone|iPad|iPod|BlackBerry/i.test(navigator.userAgent)) {{ "
    "document.documentElement.className += ' mobile-{c}'; }}",
    "function {f}(type){{var url=encodeURIComponent(location.href),title=encodeURIComponent(document.title);"
    "var map={{weibo:'https://service.weibo.com/share/share.php?url='+url+'&title='+title,"
    "qzone:'https://sns.qzone.qq.com/cgi-bin/qzshare/cgi_qzshare_onekey?url='+url}};window.open(map[type]);}}",
    "try {{ var {v} = JSON.parse(localStorage.getItem('{id}') || '{{}}'); }} catch (e) {{ var {v} = {{}}; }}",
    "setTimeout(function(){{var img=new Image();img.src='/stat/visit?site={code}&col={n}&r='+Math.random();}}, {n});",
    "function {f}(){{var d=new Date(),w=['日','一','二','三','四','五','六'];document.getElementById('{id}')"
    ".innerHTML=d.getFullYear()+'年'+(d.getMonth()+1)+'月'+d.getDate()+'日 星期'+w[d.getDay()];}}",
    "(function($){{$.fn.{f}=function(o){{var s=$.extend({{speed:{n},auto:true,interval:5000}},o);return this.each("
    "function(){{var $t=$(this),i=0,len=$t.find('li').length;setInterval(function(){{i=(i+1)%len;"
    "$t.find('li').eq(i).fadeIn(s.speed).siblings().hide();}},s.interval);}});}};}})(jQuery);",
    "var {v}=[{arr}];for(var i=0;i<{v}.length;i++){{if({v}[i]>{n}){{{v}[i]={v}[i]%{n};}}}}",
    "document.write('<a href=\"/{code}/{c}.html\" target=\"_blank\" title=\"{t}\">{t}</a>');",
    "function {f}(){{var s=document.getElementById('{id}');if(s.className=='elder'){{s.className='';"
    "document.cookie='elder=0;path=/';}}else{{s.className='elder';document.cookie='elder=1;path=/';}}}}",
]
CSS_SELECTORS = ["header", "nav", "main", "footer", "banner", "article", "sidebar", "list", "item", "title", "more",
                 "tab", "con", "box", "wrap", "btn", "search", "share", "crumb", "info", "zoom", "menu", "sub",
                 "txt", "pic", "date", "link", "elder", "toolbar", "qr"]
CSS_EXTRA = ["transition:all .3s", "box-sizing:border-box", "cursor:pointer", "white-space:nowrap",
             "text-overflow:ellipsis", "border-radius:4px", "box-shadow:0 2px 6px rgba(0,0,0,.1)", "z-index:99",
             "letter-spacing:1px", "font-weight:bold", "text-decoration:none", "vertical-align:middle",
             "background:url(/images/bg.png) no-repeat center", "margin-top:20px", "padding:10px 15px",
             "list-style:none", "color:#c00", "color:#1a5fb4", "font-size:16px", "height:auto"]

# Padding prose for PDFs: fragments that no shipped rule looks for (see the module docstring).
PAD_TOPICS = ["围绕中心工作", "聚焦群众关切", "立足部门职能", "结合本地实际", "对照法定公开内容",
              "坚持以公开为常态、不公开为例外", "围绕优化营商环境", "聚焦民生保障领域", "紧扣重点领域",
              "对照政务公开标准化规范化要求", "着眼提升公开质量", "围绕重大决策部署", "聚焦市场主体需求",
              "坚持需求导向", "结合机构职能调整", "立足基层实际", "围绕惠民惠企政策", "着眼群众办事便利"]
PAD_ACTIONS = ["进一步规范信息发布流程", "持续完善公开目录", "认真做好政策解读", "深入推进决策公开",
               "扎实推进执行和结果公开", "加强公开内容审核把关", "推动公开与服务深度融合", "优化栏目设置和页面展示",
               "完善信息发布协调机制", "推动政策文件集中统一公开", "做好政策发布后的跟踪评估", "加强业务指导和培训",
               "强化信息发布的时效性", "健全公开工作制度体系", "规范公开属性认定", "完善信息更新维护机制",
               "推进基层政务公开标准目录落地", "加强政务新媒体内容管理", "拓展公开渠道和方式",
               "及时回应社会关切"]
PAD_RESULTS = ["公开的权威性和公信力不断增强", "群众获取信息更加便捷", "公开工作的规范化水平明显提升",
               "各项工作有序推进", "信息发布的准确性和及时性得到保障", "政策知晓度和群众满意度持续提高",
               "公开实效不断增强", "形成了上下联动、协同推进的工作格局", "公开工作质量稳步提高",
               "为群众和市场主体提供了更加优质的服务", "有力保障了人民群众的知情权、参与权、监督权",
               "营造了良好的公开氛围", "工作基础进一步夯实", "公开内容更加全面准确"]
PAD_DETAILS = ["在信息发布前严格履行审核程序，确保内容准确、表述规范", "对栏目内容开展常态化巡查，发现错漏及时更正",
               "将政策解读材料与政策文件一并报送审签", "通过图文、音视频等多种形式增强解读效果",
               "在政务服务场所设置公开查阅点，方便群众就近查阅", "对过时信息及时清理，对失效文件明确标注",
               "注重用通俗易懂的语言解读政策，提升政策的可读性", "加强与宣传、网信等部门的沟通协作",
               "把公开工作要求融入日常业务流程", "坚持发布前审核、发布中监测、发布后评估",
               "对重点栏目实行专人负责、定期更新", "加强工作人员的保密意识和业务能力"]


def _nav(rng: random.Random, region: str, code: str) -> str:
    items = []
    for col, (top, subs) in enumerate(TOP_COLUMNS.items()):
        links = "".join(f'<li><a href="/{code}/c{col}_{i}/index.html" target="_blank" '
                        f'title="{html.escape(s.format(region=region))}">{html.escape(s.format(region=region))}</a></li>'
                        for i, s in enumerate(subs))
        items.append(f'<li class="nav-item nav{col}"><a href="/{code}/c{col}/index.html">'
                     f'{html.escape(top.format(region=region))}</a>'
                     + (f'<div class="subnav"><ul>{links}</ul></div>' if links else "") + "</li>")
    return f'<div class="mainnav" id="nav"><ul>{"".join(items)}</ul></div>'


def _side(rng: random.Random, code: str) -> str:
    start = rng.randrange(len(SIDE_TREE))
    tree = SIDE_TREE[start:] + SIDE_TREE[:start]
    return ('<div class="gk-tree"><div class="tree-title">信息公开目录</div><ul>'
            + "".join(f'<li class="lv{i % 3}"><a href="/{code}/gk/{i}.html">{t}</a></li>' for i, t in enumerate(tree))
            + "</ul></div>")


def departments(a: C.Agency) -> list[str]:
    """The 部门网站 list of the agency's region's site."""
    depts = P.CITY_DEPARTMENTS if a.region == f"{a.city}市" else P.COUNTY_DEPARTMENTS
    return [f"{a.region}{name}" for name, _, _ in depts]


def _related(rng: random.Random, a: C.Agency, year: int, code: str, names: list[str]) -> str:
    """相关链接: the site's other pages, with their dates (no report titles: those are the subject)."""
    kinds = ["关于做好{y}年政务公开工作的通知", "{y}年度部门预算公开说明", "政策解读：{n}有关政策问答",
             "{n}召开政务公开工作推进会", "{n}开展政务公开业务培训", "关于调整政府信息公开指南的说明"]
    rows = []
    for i in range(rng.randint(6, 14)):
        t = rng.choice(kinds).format(y=year + rng.choice([0, 1]), n=rng.choice(names) if names else a.name)
        d = f"{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        rows.append(f'<li><a href="/{code}/art/{rng.randrange(10 ** 6)}.html" target="_blank">{html.escape(t)}</a>'
                    f'<span class="date">{d}</span></li>')
    return f'<div class="related"><div class="related-title">相关链接</div><ul>{"".join(rows)}</ul></div>'


def _share(rng: random.Random) -> str:
    links = "".join(f'<a href="javascript:void(0)" class="share-{i}" title="分享到{s}"></a>'
                    for i, s in enumerate(SHARE_SITES))
    return (f'<div class="share-box"><span>分享到：</span>{links}<div class="qr"><img src="/images/qr.png" alt="">'
            f"<p>扫一扫在手机打开当前页</p></div></div>"
            '<div class="font-size">【字体：<a href="javascript:setFont(18)">大</a> '
            '<a href="javascript:setFont(16)">中</a> <a href="javascript:setFont(14)">小</a>】</div>')


def _comments(rng: random.Random, year: int) -> str:
    rows = []
    for i in range(rng.choice([0, 0, 1, 2, 3, 5])):
        rows.append(f'<div class="comment"><span class="user">网友{rng.randrange(10 ** 5):05d}</span>'
                    f"<p>{rng.choice(COMMENTS)}</p>"
                    f'<span class="time">评论时间：{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} '
                    f"{rng.randint(8, 22):02d}:{rng.randint(0, 59):02d}</span></div>")
    return ('<div class="comments"><div class="comments-title">网友评论</div>' + "".join(rows)
            + '<form class="comment-form"><textarea name="content"></textarea><button type="button">发表评论</button>'
            "</form></div>")


def _footer(rng: random.Random, a: C.Agency, code: str, icp: str) -> str:
    police = f"{rng.randint(37010000000000, 37179999999999)}"
    return (f'<div class="footer-links"><a href="/sitemap.html">网站地图</a> | <a href="/about.html">关于我们</a> | '
            f'<a href="/contact.html">联系我们</a> | <a href="/privacy.html">隐私声明</a></div>'
            f'<div class="footer">主办单位：{html.escape(a.region)}人民政府办公室　承办单位：{html.escape(a.region)}'
            f"大数据中心<br>网站标识码：{rng.randint(3700000000, 3799999999)}　{P.PROVINCE_SHORT}ICP备{icp}号　"
            f'<a href="http://www.beian.gov.cn/">{P.PROVINCE_SHORT}公网安备 {police}号</a><br>'
            f"建议使用谷歌、火狐或IE9以上浏览器浏览本网站</div>"
            '<div class="footer-icons"><a href="http://bszs.conac.cn/"><img src="/images/dzjg.png" alt="党政机关"></a>'
            '<a href="https://zfwzzc.www.gov.cn/"><img src="/images/jiucuo.png" alt="政府网站找错"></a>'
            '<a href="/wza.html"><img src="/images/wza.png" alt="适老化无障碍服务"></a></div>')


_POOLS: dict[str, list[str]] = {}


def _pools() -> dict[str, list[str]]:
    """Style and script lines (made once per process from a fixed seed): windows of them fill pages."""
    if not _POOLS:
        rng = random.Random("realistic-chrome")
        css = []
        for i in range(6000):
            sel = " ".join(f".{rng.choice(CSS_SELECTORS)}{rng.choice(['', '-' + str(rng.randint(1, 9))])}"
                           for _ in range(rng.randint(1, 3)))
            props = rng.sample(P.CSS_PROPS + CSS_EXTRA, rng.randint(2, 7))
            hover = rng.choice(["", ":hover", " a", " li", " span", " img"])
            css.append(f"{sel}{hover}{{{';'.join(props)}}}")
        js = []
        for i in range(6000):
            t = rng.choice(JS_TEMPLATES)
            ident = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
            js.append(t.format(v=f"_{ident}", f=f"{ident}Fn{i % 97}", id=f"{ident}-{i % 13}",
                               c=rng.choice(CSS_SELECTORS), h=f"{rng.getrandbits(64):016x}", n=rng.randint(10, 9999),
                               code="{code}", arr=",".join(str(rng.randint(0, 255)) for _ in range(rng.randint(4, 24))),
                               t=rng.choice(SIDE_TREE)))
        _POOLS["css"], _POOLS["js"] = css, js
    return _POOLS


def _window(rng: random.Random, pool: list[str], size: int) -> str:
    """Lines of the pool from a random start, wrapping, until `size` characters."""
    out, n, i = [], 0, rng.randrange(len(pool))
    while n < size:
        line = pool[i % len(pool)]
        out.append(line)
        n += len(line) + 1
        i += 1
    return "\n".join(out)


def _logo(rng: random.Random, size: int) -> str:
    data = base64.b64encode(random.Random(rng.random()).randbytes(size * 3 // 4)).decode("ascii")
    return f'<img class="logo-img" alt="" src="data:image/png;base64,{data}">'


def page_size(rng: random.Random) -> int:
    """Bytes of a page: MIN_KB–MAX_KB, most near 150–250 KB."""
    return int(1024 * (MIN_KB + 5 + (MAX_KB - MIN_KB - 10) * rng.betavariate(1.6, 3.0)))


def dress(page: str, p: C.Plan, rng: random.Random, target: int, names: list[str]) -> str:
    """The page bench.render.html_page gave, inside a real site's chrome of about `target` bytes."""
    a = p.agency
    code = a.code.split("-")[0]
    icp = f"{rng.randint(5000000, 5999999):08d}-{rng.randint(1, 9)}"
    pools = _pools()
    metas = (f'<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
             f'<meta name="SiteDomain" content="www.{code}.gov.cn">\n<meta name="ColumnType" content="政府信息公开年报">\n'
             f'<meta name="ContentSource" content="{html.escape(a.short)}">\n'
             f'<meta name="Keywords" content="政府信息公开,年度报告,{html.escape(a.short)}">\n'
             + "".join(f'<link rel="stylesheet" href="/{code}/css/{n}.css?v={rng.randint(1, 999)}">\n'
                       for n in ("base", "common", "index", "article", "elder")))
    top = ('<div class="topbar"><div class="w1200"><span id="today"></span>'
           + "".join(f'<a href="javascript:void(0)">{t}</a>' for t in LOGIN)
           + '</div></div><div class="search"><input type="text" id="searchword" value="请输入关键字">'
           '<button onclick="doSearch()">搜索</button><div class="hot">热门搜索：<a>社保</a><a>公积金</a><a>招聘</a>'
           "<a>营商环境</a></div></div>\n"
           + _nav(rng, a.region, code) + "\n"
           + '<div class="depts"><select onchange="window.open(this.value)"><option>部门网站</option>'
           + "".join(f'<option value="/{code}/d{i}">{html.escape(n)}</option>' for i, n in enumerate(names))
           + "</select></div>\n" + _side(rng, code) + "\n")
    after = "\n" + _share(rng) + "\n" + _related(rng, a, p.year, code, names) + "\n" + _comments(rng, p.year) + "\n"
    foot = _footer(rng, a, code, icp) + "\n"
    logo = _logo(rng, rng.choice([6000, 12000, 30000])) if rng.random() < 0.4 else ""
    base = len(page.encode("utf-8")) + len(metas) + len(top.encode("utf-8")) + len(after.encode("utf-8")) \
        + len(foot.encode("utf-8")) + len(logo)
    fill = max(0, target - base)
    css_n, js_head, js_foot = int(fill * 0.35), int(fill * 0.40), fill - int(fill * 0.35) - int(fill * 0.40)
    head = (metas + f'<style type="text/css">\n{_window(rng, pools["css"], css_n)}\n</style>\n'
            f'<script type="text/javascript">\n{_window(rng, pools["js"], js_head).replace("{code}", code)}\n'
            "</script>\n")
    tail = (f'<script type="text/javascript">\n{_window(rng, pools["js"], js_foot).replace("{code}", code)}\n'
            "</script>\n")
    page = page.replace("</title>\n", "</title>\n" + head, 1)
    page = page.replace("<body>\n", "<body>\n" + logo + top, 1)
    page = page.replace('<div class="side">', after + '<div class="side">', 1)
    return page.replace("</body>", foot + tail + "</body>", 1)


# --------------------------------------------------------------------------------- PDF padding

def padding(rng: random.Random, chars: int) -> list[str]:
    """Paragraphs of plain work prose, about `chars` characters."""
    out, n = [], 0
    while n < chars:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            s = f"{rng.choice(PAD_TOPICS)}，{rng.choice(PAD_ACTIONS)}，{rng.choice(PAD_DETAILS)}，{rng.choice(PAD_RESULTS)}。"
            sentences.append(s)
        text = "".join(sentences)
        out.append(text)
        n += len(text)
    return out


_HEAD_ONLY = re.compile(r"^（[一二三四五六七八九十]）[^。]*$")


def padded_prose(part: list[str], rng: random.Random, pages: int) -> list[str]:
    """A part's paragraphs with padding paragraphs after each item (where real reports write at length)."""
    slots = [i for i, t in enumerate(part) if i > 0 and not _HEAD_ONLY.match(t)] or [len(part) - 1]
    per = max(1, (pages - PDF_BASE_PAGES) * CHARS_PER_PAGE // len(slots))
    out = []
    for i, t in enumerate(part):
        out.append(t)
        if i in slots:
            out += padding(rng, per)
    return out


def pdf_pages(path: Path) -> int:
    """Pages of a reportlab PDF (its page objects; no parser needed)."""
    return len(re.findall(rb"/Type /Page\b(?!s)", path.read_bytes()))


# ------------------------------------------------------------------------------------ rendering

def render(p: C.Plan, folder: Path, names: list[str], chrome: bool = True) -> dict:
    """Write one report; returns its facts for reports.jsonl. chrome=False: the same report as
    bench.corpus renders it with a bare page (HTML without any site chrome, PDF without padding)."""
    from . import layouts as L
    from . import render as R

    path = folder / p.file
    rng = random.Random(f"realistic:{p.seed}")
    if p.layout in ("html_grid", "html_merged"):
        if not chrome:
            canon = C.canon_of(p, random.Random(p.seed))
            blocks = R.outline(canon, p.layout != "html_merged", p.removed)
            path.write_bytes(L.render_html(blocks, "utf-8", merged=p.layout == "html_merged", title=canon.title))
            return {"bytes": path.stat().st_size}
        charset = p.encoding
        p.encoding = "utf-8"
        try:
            page = C.render_bytes(p, folder).decode("utf-8")
        finally:
            p.encoding = charset
        page = dress(page, p, rng, page_size(rng), names)
        page = page.replace('<meta charset="utf-8">', f'<meta charset="{charset}">', 1)
        data = page.encode("gbk" if charset in ("gbk", "gb2312") else "utf-8", errors="xmlcharrefreplace")
        path.write_bytes(data)
        return {"bytes": len(data)}
    if p.layout == "pdf_ruled" and chrome:
        canon = C.canon_of(p, random.Random(p.seed))
        pages = rng.randint(*PDF_PAGES)
        part = 6 if p.removed == 1 else 1        # a report without part one writes at length in part six
        canon.prose[part] = padded_prose(canon.prose[part], rng, pages)
        R.write_pdf(canon, p.removed, path)
        return {"bytes": path.stat().st_size, "pages": pdf_pages(path)}
    size = C.render(p, folder)
    return {"bytes": size, "pages": pdf_pages(path)} if p.layout == "pdf_ruled" else {"bytes": size}


def plan(n: int, seed: int, pdf: int) -> tuple[list[C.Plan], dict[str, list[str]]]:
    """bench.corpus's plans with this corpus's mix, HTML charsets and each region's department list."""
    plans = C.plan_corpus(n, seed, SHARES, pdf=pdf)
    for p in plans:
        if p.layout in ("html_grid", "html_merged"):
            r = random.Random(f"{seed}:charset:{p.index}")
            p.encoding = r.choice(["gbk", "gb2312"]) if r.random() < GBK_SHARE else "utf-8"
    return plans, {p.agency.region: departments(p.agency) for p in plans}


_SHARED: tuple | None = None       # (plans, folder, regions), inherited by forked workers


def _render_range(bounds: tuple[int, int]) -> list[dict]:
    plans, folder, regions = _SHARED
    return [render(p, Path(folder), regions[p.agency.region]) for p in plans[bounds[0]:bounds[1]]]


def write(out: Path, n: int, seed: int, pdf: int, jobs: int | None = None) -> dict:
    """Generate the corpus into `out` (reports/, ground_truth.jsonl, reports.jsonl, manifest.json)."""
    global _SHARED
    import multiprocessing as mp

    t0 = time.perf_counter()
    plans, regions = plan(n, seed, pdf)
    reports = out / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    for f in reports.iterdir():
        if f.is_file() and C.OUR_FILE.match(f.name):
            f.unlink()
    jobs = jobs or os.cpu_count() or 1
    size = max(20, len(plans) // (jobs * 8))
    bounds = [(i, min(i + size, len(plans))) for i in range(0, len(plans), size)]
    _SHARED = (plans, str(reports), regions)
    try:
        if jobs > 1 and "fork" in mp.get_all_start_methods():
            with mp.get_context("fork").Pool(jobs) as pool:
                facts = [f for part in pool.map(_render_range, bounds, chunksize=1) for f in part]
        else:
            facts = [f for b in bounds for f in _render_range(b)]
    finally:
        _SHARED = None
    truth = [{"file": p.file, "rule_id": rule, "location": loc} for p in plans for rule, loc in p.truth]
    with open(out / "ground_truth.jsonl", "w", encoding="utf-8") as f:
        for row in truth:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(out / "reports.jsonl", "w", encoding="utf-8") as f:
        for p, fact in zip(plans, facts):
            f.write(json.dumps({"file": p.file, "agency": p.agency.name, "year": p.year, "format": p.fmt,
                                "layout": p.layout, "encoding": p.encoding, "bytes": fact["bytes"],
                                "pages": fact.get("pages"), "defect": p.defect or None,
                                "expected": [f"{r} @ {l}" for r, l in p.truth]}, ensure_ascii=False) + "\n")
    by_format: dict[str, list[int]] = {}
    for p, fact in zip(plans, facts):
        by_format.setdefault(kind_of(p.fmt, p.encoding), []).append(fact["bytes"])
    pages = [f["pages"] for f in facts if f.get("pages")]
    manifest = {
        "generator": "bench.realistic", "version": VERSION, "seed": seed, "n": n, "pdf": pdf,
        "formats": dict(sorted(Counter(p.fmt for p in plans).items())),
        "layouts": dict(sorted(Counter(p.layout for p in plans).items())),
        "encodings": dict(sorted(Counter(p.encoding for p in plans).items())),
        "kinds": {k: len(v) for k, v in sorted(by_format.items())},
        "bytes": {k: {"total": sum(v), "min": min(v), "max": max(v), "mean": round(sum(v) / len(v))}
                  for k, v in sorted(by_format.items())},
        "pdf_pages": {"total": sum(pages), "min": min(pages), "max": max(pages)} if pages else {},
        "reports_with_defects": sum(bool(p.defect) for p in plans), "ground_truth_findings": len(truth),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def kind_of(fmt: str, encoding: str) -> str:
    """The benchmark's format classes: html / html-gbk / txt / oneline / md / pdf."""
    if fmt == "html":
        return "html-gbk" if encoding in ("gbk", "gb2312") else "html"
    return fmt


def folder(n: int, seed: int, pdf: int, workdir: Path) -> Path:
    return workdir / f"realistic-{n}-{seed}-{pdf}-v{VERSION}"


def cached(n: int, seed: int, pdf: int, workdir: Path) -> Path:
    """The corpus folder (generated once per n/seed/pdf/version into workdir)."""
    target = folder(n, seed, pdf, workdir)
    if not (target / "manifest.json").exists():
        write(target, n, seed, pdf)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = parser("python -m bench.realistic",
                "生成真实规模的报告语料（网页 100–400 KB 含网站框架、GBK 网页、单行文本、markdown、8–15 页的 PDF），"
                "带标准答案；同一种子生成相同文件。")
    ap.add_argument("--n", type=int, default=2000, help="报告份数（默认 2000）")
    ap.add_argument("--pdf", type=int, default=40, metavar="N", help="其中 PDF 份数（默认 40）")
    ap.add_argument("--seed", type=int, default=7, help="随机种子（默认 7）")
    ap.add_argument("--out", type=Path, required=True, help="输出目录")
    ap.add_argument("--jobs", type=int, default=None, metavar="N", help="并行进程数（默认 CPU 核数）")
    args = ap.parse_args(argv)
    if args.n < 1 or not 0 <= args.pdf <= args.n:
        ap.error("--n 至少为 1，--pdf 在 0 与 --n 之间")
    m = write(args.out, args.n, args.seed, args.pdf, args.jobs)
    print(f"已生成 {m['n']} 份报告（{args.out / 'reports'}），用时 {m['seconds']} 秒；各类份数 {m['kinds']}；"
          f"PDF 页数 {m['pdf_pages'] or '无'}；含缺陷 {m['reports_with_defects']} 份，标准答案 {m['ground_truth_findings']} 条。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
