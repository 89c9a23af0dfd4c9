"""The evidence pages' HTML (Jinja, autoescaped: every string from a report is text, never markup).
No external asset: the style is inline, the index's few lines of filtering script are allowed by
the page's Content-Security-Policy through their hash, and the page reads fully without them."""
from __future__ import annotations

STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;padding:2px 6px;font-size:.9em}
th{background:#f0f0f0;text-align:left;font-weight:normal}td{text-align:right;min-width:2.5em}
td.derived{background:#fff3c4}td.derived::after{content:"推";font-size:.7em;color:#a60;margin-left:2px}
td.unread{background:#eee;color:#888}td.unread::before{content:"未读";font-size:.75em}
td.blank,td.text{background:#fde}td.none{background:repeating-linear-gradient(45deg,#fafafa,#fafafa 4px,#eee 4px,#eee 8px)}
td.hit,th.hit{outline:3px solid #d00;outline-offset:-3px;font-weight:bold}
tr.hitrow th{color:#d00}mark{background:#ffd54f}
.legend span{display:inline-block;padding:0 6px;margin-right:6px;border:1px solid #999}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dl.meta dt{color:#555}
.finding{border-left:4px solid #d00;padding:2px 10px;margin:.6em 0}.finding.warning{border-color:#e90}
.finding.info{border-color:#39c}.finding.extraction{border-color:#999}.note{color:#a00}
blockquote{background:#f8f8f8;margin:.3em 0;padding:.3em .8em;white-space:pre-wrap}
.muted{color:#777}
@media print{td.hit{outline:2px solid #000}}
"""

PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>核查页：{{ title }}</title><style>{{ style|safe }}</style></head>
<body>
<p><a href="index.html">← 全部报告</a></p>
<h1>{{ title }}</h1>
<dl class="meta">
{% for label, value in meta %}<dt>{{ label }}</dt><dd>{{ value }}</dd>
{% endfor %}<dt>原始文件</dt><dd><a href="{{ source_href }}">{{ file }}</a></dd>
</dl>
{% if problems %}<h2>读取问题</h2><ul>{% for p in problems %}<li>{{ p }}</li>{% endfor %}</ul>{% endif %}
<h2>各部分标题（报告中所见）</h2>
<table class="parts"><tr><th>部分</th><th>格式规定</th><th>报告中所见</th></tr>
{% for p in parts %}<tr><th>第{{ p.number }}部分</th><td style="text-align:left">{{ p.rule }}</td>
<td style="text-align:left">{{ p.seen }}</td></tr>
{% endfor %}</table>
{% macro finding(f) %}<div class="finding {{ f.css }}" id="{{ f.anchor }}">
<p><b>{{ f.severity }}</b>［{{ f.rule_id }}］{{ f.title }}{% if f.flag %}（{{ f.flag }}）{% endif %}<br>
位置：{{ f.location }}{% for t in f.tables %} · <a href="#{{ t }}">见{{ t_short[t] }}</a>{% endfor %}</p>
<p>{{ f.message }}</p>
{% if f.numbers %}<p class="muted">数值：{{ f.numbers }}</p>{% endif %}
{% for note in f.notes %}<p class="note">{{ note }}</p>{% endfor %}
{% for q in f.quotes %}<blockquote>{{ q.before }}<mark>{{ q.match }}</mark>{{ q.after }}</blockquote>{% endfor %}
</div>
{% endmacro %}<h2>合规问题（{{ findings|length }} 条）</h2>
{% if not findings %}<p>未发现合规问题。</p>{% endif %}
{% for f in findings %}{{ finding(f) }}{% endfor %}
{% if manual %}<h2>需人工核查（{{ manual|length }} 条）</h2>
{% for f in manual %}{{ finding(f) }}{% endfor %}{% endif %}
<h2>表格（按读取结果）</h2>
<p class="legend">图例：<span style="background:#fff3c4">推 推断所得</span><span style="background:#eee">未读 未能读取</span><span style="background:#fde">空白或非数字</span><span style="outline:3px solid #d00">问题所涉单元格</span></p>
{% for g in grids %}<h3 id="{{ g.table }}">{{ g.name }}{% if not g.read %}（未能读取）{% endif %}</h3>
<table class="grid" data-table="{{ g.table }}"><thead><tr><th></th>{% for c in g.cols %}<th>{{ c.label }}</th>{% endfor %}</tr></thead>
<tbody>{% for r in g.rows %}<tr{% if r.hit %} class="hitrow"{% endif %}><th>{{ r.label }}</th>
{{ r.cells }}</tr>
{% endfor %}</tbody></table>
{% endfor %}
<p class="muted">本页由 auditor run 生成，仅供核查；以原始文件为准。</p>
</body></html>
"""

FILTER_SCRIPT = """
var a=document.getElementById('agency'),v=document.getElementById('verdict'),p=new URLSearchParams(location.hash.slice(1));
a.value=p.get('agency')||'';v.value=p.get('verdict')||'';
function f(){var q=a.value.trim(),w=v.value,n=0;
document.querySelectorAll('#reports tbody tr').forEach(function(r){
var ok=(!q||r.dataset.agency.indexOf(q)>=0)&&(!w||r.dataset.verdict.indexOf(w)===0);r.hidden=!ok;if(ok)n++;});
document.getElementById('shown').textContent=n;}
a.addEventListener('input',f);v.addEventListener('change',f);document.getElementById('filters').hidden=false;f();
"""

INDEX = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{{ script_hash }}'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>核查页：全部报告</title><style>{{ style|safe }}</style></head>
<body>
<h1>核查页：全部报告（{{ rows|length }} 份）</h1>
<p id="filters" hidden>筛选（也可写在地址后，如 index.html#agency=公安&amp;verdict=不合格）：单位：<input id="agency" type="search" placeholder="输入单位名称的一部分">
审核结论：<select id="verdict"><option value="">全部</option>{% for v in verdicts %}<option>{{ v }}</option>{% endfor %}</select>
显示 <span id="shown">{{ rows|length }}</span> 份</p>
{% if only_to_check %}<p>本次报告较多，只为有错误、警告或读取问题的报告生成核查页；其余报告（无问题或只有提示）没有链接。</p>{% endif %}
<table id="reports"><thead><tr><th>单位</th><th>年度</th><th>审核结论</th><th>问题数（含提示）</th><th>文件</th></tr></thead>
<tbody>{% for r in rows %}<tr data-agency="{{ r.agency }}" data-verdict="{{ r.verdict }}">
<th>{% if r.href %}<a href="{{ r.href }}">{{ r.agency or "（未读出单位）" }}</a>{% else %}{{ r.agency or "（未读出单位）" }}{% endif %}</th><td>{{ r.year }}</td>
<td style="text-align:left">{{ r.verdict }}</td><td>{{ r.count }}</td><td style="text-align:left">{{ r.file }}</td></tr>
{% endfor %}</tbody></table>
<script>{{ script|safe }}</script>
</body></html>
"""
