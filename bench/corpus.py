"""合成年度报告语料生成器（带标准答案），用于省级规模的性能与准确率基准。

    python -m bench.corpus --n 1000 --seed 7 --out /tmp/corpus
    auditor run /tmp/corpus/reports --out /tmp/audit
    python -m bench.score /tmp/corpus /tmp/audit/latest/findings.jsonl

Output folder:
  reports/            the N reports (txt / html / md / docx / pdf)
  ground_truth.jsonl  one line per compliance finding the shipped rules must give:
                      {"file": basename, "rule_id": …, "location": …}; a clean report has none
  reports.jsonl       one line per report: agency, type, year, layout, encoding, date, injected defect
  manifest.json       seed, N, counts per format / layout / defect …

How it works. Agencies (a few thousand names from the cities, counties, towns and departments of one
province) publish for one to four consecutive years 2021–2024, so last year's report is in the
batch for most reports and the cross-year rules see consistent data (上年结转 = last year's 结转下年度,
现行有效 carries over, "较上年增加N件" is true). Tables are random but balanced (table 3 identities,
table 4 totals), prose is assembled from phrase lists (bench/phrases.py). ~20% of the reports get
one defect, recorded with the exact rule_id and location the shipped rules give. Everything is
drawn from random.Random streams seeded by --seed (and the report index), so the same seed gives
the same bytes; rendering runs in parallel processes.

The files are rendered by bench/layouts.py (the forms the test suite already checks) through the
wrappers in bench/render.py.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import phrases as P
from .cli import parser

# ------------------------------------------------------------------------------ the format's keys

T3_ROWS = ["new_received", "carried_over", "granted", "partly_granted", "denied_state_secret", "denied_law_forbidden",
           "denied_three_safety_one_stability", "denied_third_party_rights", "denied_internal_affairs",
           "denied_process_info", "denied_enforcement_files", "denied_admin_query", "unable_not_held",
           "unable_needs_creation", "unable_unclear", "rejected_petition", "rejected_repeat", "rejected_publication",
           "rejected_mass_repeat", "rejected_confirm", "other_no_correction", "other_fee_unpaid", "other_other",
           "total_processed", "carried_forward"]
OUTCOMES = T3_ROWS[2:23]
T3_COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
T4_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
T4_COLS = ["upheld", "corrected", "other", "pending", "total"]
T2_DOC_COLS = ["issued", "repealed", "in_force"]

# How the rules name places (the format's own labels; locations in findings use them).
T3_ROW_LABEL = {
    "new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开", "partly_granted": "（二）部分公开",
    "denied_state_secret": "（三）不予公开 1.属于国家秘密", "denied_law_forbidden": "（三）不予公开 2.其他法律行政法规禁止公开",
    "denied_three_safety_one_stability": "（三）不予公开 3.危及“三安全一稳定”",
    "denied_third_party_rights": "（三）不予公开 4.保护第三方合法权益",
    "denied_internal_affairs": "（三）不予公开 5.属于三类内部事务信息",
    "denied_process_info": "（三）不予公开 6.属于四类过程性信息", "denied_enforcement_files": "（三）不予公开 7.属于行政执法案卷",
    "denied_admin_query": "（三）不予公开 8.属于行政查询事项", "unable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "unable_needs_creation": "（四）无法提供 2.没有现成信息需要另行制作",
    "unable_unclear": "（四）无法提供 3.补正后申请内容仍不明确", "rejected_petition": "（五）不予处理 1.信访举报投诉类申请",
    "rejected_repeat": "（五）不予处理 2.重复申请", "rejected_publication": "（五）不予处理 3.要求提供公开出版物",
    "rejected_mass_repeat": "（五）不予处理 4.无正当理由大量反复申请",
    "rejected_confirm": "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_fee_unpaid": "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "（六）其他处理 3.其他", "total_processed": "（七）总计", "carried_forward": "四、结转下年度继续办理",
}
T3_COL_LABEL = dict(zip(T3_COLS, ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]))
T4_GROUP_LABEL = {"review": "行政复议", "litigation_direct": "行政诉讼（未经复议直接起诉）",
                  "litigation_after_review": "行政诉讼（复议后起诉）"}
SECTION_TITLE = {1: "总体情况", 2: "主动公开政府信息情况", 3: "收到和处理政府信息公开申请情况",
                 4: "政府信息公开行政复议、行政诉讼情况", 5: "存在的主要问题及改进情况", 6: "其他需要报告的事项"}
CN = "一二三四五六七八九十"
WHOLE = "全文"
PREFACE = "报告开头（第一部分之前）"
DATE = "发布日期"


def section_location(n: int) -> str:
    return f"第{CN[n - 1]}部分「{SECTION_TITLE[n]}」"


# --------------------------------------------------------------------------------- formats, layouts

# --formats name → (file suffix, layouts with their shares inside the format)
FORMATS: dict[str, tuple[str, dict[str, float]]] = {
    "txt": (".txt", {"text": 1.0}),
    "html": (".html", {"html_grid": 0.5, "html_merged": 0.5}),
    "md": (".md", {"markdown": 1.0}),
    "oneline": (".txt", {"oneline": 0.6, "oneline_glued": 0.4}),
    "docx": (".docx", {"docx_merged": 1.0}),
    "pdf": (".pdf", {"pdf_ruled": 1.0}),
}
DEFAULT_SHARES = {"txt": 0.45, "html": 0.35, "md": 0.10, "oneline": 0.05, "docx": 0.05}
# Layouts whose tables extract with derived (position-inferred) cells: table defects are never
# injected there, and cross-year checks against them are not findings.
DERIVED = {"markdown", "oneline_glued"}

TEXT_DEFECTS = {"section": 10, "contact": 10, "fee": 10, "late": 12, "year": 10, "placeholder": 8}
TABLE_DEFECTS = {"t3_cell": 18, "t4_total": 10, "blank": 12}
DEFECT_SHARE = 0.20


# -------------------------------------------------------------------------------------- agencies

@dataclass
class Agency:
    code: str                 # ascii id, unique
    name: str                 # full name, as the title prints it
    kind: str                 # department / government / township (the type the rules infer from the name)
    dept: str | None          # base department name (教育局 …) for departments
    me: str                   # how the report names the agency (我局, 县政府 …)
    short: str                # publisher name on the web page
    quan: str                 # the whole area (全县 …)
    region: str               # 济南市 / 济南市历下区 / 平阴县 — whose website it is
    office: str               # who answers questions
    size: float               # scale of its numbers
    city: str
    area_code: str
    url: str = ""
    addr: str = ""
    zip: str = ""
    tel: str = ""
    email: str = ""
    index_prefix: str = ""


def _county_prefix(city: str, county: str) -> str:
    return f"{city}市{county}" if county.endswith("区") else county


def agency_pool(seed: int) -> list[Agency]:
    """Every agency of the province, in a seeded random order (a few thousand names)."""
    pool: list[Agency] = []
    for ci, (city, counties) in enumerate(P.CITIES.items()):
        area = P.AREA_CODES[city]
        host = P.PINYIN_HINT[ci]
        crng = random.Random(f"{seed}:{city}")
        cityname = f"{city}市"
        pool.append(Agency(f"{host}-gov", f"{cityname}人民政府", "government", None, "市政府", f"{cityname}政府",
                           "全市", cityname, f"{cityname}人民政府办公室", 60.0, city, area))
        for di, (dept, short, me) in enumerate(P.CITY_DEPARTMENTS):
            pool.append(Agency(f"{host}-d{di:02d}", f"{cityname}{dept}", "department", dept, me, f"市{short}",
                               "全市", cityname, f"{cityname}{dept}办公室", crng.lognormvariate(1.8, 0.9), city, area))
        for ki, county in enumerate(counties):
            prefix = _county_prefix(city, county)
            level = county[-1]
            kcode = f"{host}{ki:02d}"
            pool.append(Agency(f"{kcode}-gov", f"{prefix}人民政府", "government", None, f"{level}政府",
                               f"{county}政府", f"全{level}", prefix, f"{prefix}人民政府办公室", 25.0, city, area))
            if level == "区":
                pool.append(Agency(f"{kcode}-police", f"{cityname}公安局{county[:-1]}分局", "department", "公安分局",
                                   "分局", f"{county}公安分局", f"全{level}", prefix,
                                   f"{cityname}公安局{county[:-1]}分局办公室", crng.lognormvariate(1.2, 0.8), city, area))
            for di, (dept, short, me) in enumerate(P.COUNTY_DEPARTMENTS):
                if dept == "公安局" and level == "区":
                    continue
                pool.append(Agency(f"{kcode}-d{di:02d}", f"{prefix}{dept}", "department", dept, me, f"{county}{short}",
                                   f"全{level}", prefix, f"{prefix}{dept}办公室", crng.lognormvariate(1.0, 0.9),
                                   city, area))
            towns = crng.sample(P.TOWNS, crng.randint(4, 7))
            for ti, town in enumerate(towns):
                if level == "区" or crng.random() < 0.2:
                    name, me, quan = f"{prefix}{town}街道办事处", "我街道", "全街道"
                elif crng.random() < 0.15:
                    name, me, quan = f"{prefix}{town}乡人民政府", "我乡", "全乡"
                else:
                    name, me, quan = f"{prefix}{town}镇人民政府", "我镇", "全镇"
                pool.append(Agency(f"{kcode}-t{ti}", name, "township", None, me, name.replace("人民政府", "政府"),
                                   quan, prefix, f"{name}党政综合办公室", crng.lognormvariate(0.3, 0.8), city, area))
    rng = random.Random(f"{seed}:agencies")
    for a in pool:
        r = random.Random(f"{seed}:{a.code}")
        host = a.code.split("-")[0]
        a.url = f"http://www.{host}.gov.cn"
        a.addr = f"{a.region}{r.choice(P.ROADS)}{r.randint(1, 399)}号"
        a.zip = f"2{r.randint(50000, 77999)}"
        a.tel = f"{a.area_code}-{r.randint(2, 8)}{r.randint(0, 9999999):07d}"
        a.email = f"{a.code.replace('-', '')}{r.randint(1, 99)}@{host}.gov.cn"
        letters = r.choice("ABCDEFGHJKLM") + r.choice("BCDEFGHJ")
        a.index_prefix = f"11{r.randint(3700, 3799)}00{letters}{r.randint(1000000, 9999999)}"   # 统一社会信用代码式
    rng.shuffle(pool)
    return pool


# ------------------------------------------------------------------------------------------ plans

@dataclass
class Plan:
    """Everything one report needs; rendering reads only this (so it can run in another process)."""

    index: int
    file: str
    agency: Agency
    year: int
    fmt: str
    layout: str
    encoding: str
    seed: int
    published: str = ""
    t2: dict = field(default_factory=dict)          # row → {col: text}
    t3: dict = field(default_factory=dict)          # row → [7 ints]
    t4: dict = field(default_factory=dict)          # group → [5 ints]
    printed: dict = field(default_factory=dict)     # (table, row, col) → text that replaces the value
    apply_mode: str = "stated"                      # stated / unstated / none
    claim: str = ""                                 # "，较上年增加3件" …
    claim_before: int = 0
    review_mode: str = "none"                       # stated / none / omit
    fee_mode: str = "none"                          # none / charged / notice
    fee_amount: int = 0
    defect: str = ""
    detail: str = ""
    removed: int | None = None
    no_contact: bool = False
    no_fee: bool = False
    wrong_year: bool = False
    placeholder: bool = False
    prev: int | None = None                         # index of last year's report of the agency
    halfwidth: bool = False
    word_runs: bool = False
    truth: list = field(default_factory=list)       # [(rule_id, location)]

    def printed_total(self) -> str:
        return self.printed.get(("t3", "new_received", "total"), str(self.t3["new_received"][6]))


def _quota(n: int, shares: dict[str, float]) -> dict[str, int]:
    """Largest remainder: counts that add up to n exactly."""
    total = sum(shares.values())
    raw = {k: n * v / total for k, v in shares.items()}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: (raw[k] - out[k], k), reverse=True)[: n - sum(out.values())]:
        out[k] += 1
    return out


def _spans(rng: random.Random, pool: list[Agency], n: int) -> list[tuple[Agency, int]]:
    """(agency, year) slots: each agency publishes for 1–4 consecutive years within 2021–2024."""
    slots: list[tuple[Agency, int]] = []
    for agency in pool:
        length = rng.choices([1, 2, 3, 4], [0.2, 0.25, 0.25, 0.3])[0]
        start = rng.randint(2021, 2025 - length)
        for y in range(start, start + length):
            slots.append((agency, y))
            if len(slots) == n:
                return slots
    raise SystemExit(f"--n {n} 超过可生成的报告数上限 {len(slots)}")


# -------------------------------------------------------------------------------------- the tables

def _split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    out = [0] * len(weights)
    for i in rng.choices(range(len(weights)), weights, k=total):
        out[i] += 1
    return out


OUTCOME_WEIGHTS = {"granted": 36, "partly_granted": 8, "denied_state_secret": 0.3, "denied_law_forbidden": 1,
                   "denied_three_safety_one_stability": 0.5, "denied_third_party_rights": 2,
                   "denied_internal_affairs": 3, "denied_process_info": 3, "denied_enforcement_files": 1,
                   "denied_admin_query": 2, "unable_not_held": 20, "unable_needs_creation": 3, "unable_unclear": 3,
                   "rejected_petition": 3, "rejected_repeat": 3, "rejected_publication": 1, "rejected_mass_repeat": 1,
                   "rejected_confirm": 1, "other_no_correction": 4, "other_fee_unpaid": 0, "other_other": 5}


def gen_t3(rng: random.Random, size: float, carried: list[int]) -> dict[str, list[int]]:
    if rng.random() < 0.6 / (1 + size / 5):
        new = [0] * 6          # many small agencies receive no request at all
    else:
        np_ = int(rng.expovariate(1 / max(size, 0.5)))
        new = [np_, int(np_ * rng.uniform(0, 0.3)) if rng.random() < 0.4 else 0]
        new += [rng.choice([1, 1, 2]) if rng.random() < 0.06 else 0 for _ in range(4)]
    forward = [int((n + c) * rng.uniform(0, 0.12)) if rng.random() < 0.4 else 0 for n, c in zip(new, carried)]
    rows = {k: [0] * 6 for k in OUTCOMES}
    weights = [OUTCOME_WEIGHTS[k] for k in OUTCOMES]
    for c in range(6):
        done = new[c] + carried[c] - forward[c]
        for k, v in zip(OUTCOMES, _split(rng, done, weights)):
            rows[k][c] = v
    if rows["granted"][0] > 0 and rng.random() < 0.04:     # a request dropped for an unpaid fee
        rows["granted"][0] -= 1
        rows["other_fee_unpaid"][0] += 1
    t3 = {"new_received": new, "carried_over": list(carried)}
    t3.update(rows)
    t3["total_processed"] = [sum(rows[k][c] for k in OUTCOMES) for c in range(6)]
    t3["carried_forward"] = forward
    return {k: v + [sum(v)] for k, v in t3.items()}


def gen_t4(rng: random.Random, size: float, received: int) -> dict[str, list[int]]:
    t4 = {}
    for g, p in zip(T4_GROUPS, (0.25, 0.1, 0.06)):
        n = 0
        if received and rng.random() < p * min(1.0, 0.2 + received / 30):
            n = rng.randint(1, max(1, min(6, received // 3 + 1)))
        four = _split(rng, n, [5, 1.5, 1, 1])
        t4[g] = four + [n]
    return t4


def _fee_text(rng: random.Random, amount: float) -> str:
    if amount <= 0:
        return "0"
    places = rng.choice([0, 1, 2, 2, 4, 4])
    return f"{amount:.{places}f}" if places else str(int(round(amount)) or 1)


def gen_t2(rng: random.Random, a: Agency, prev: dict | None) -> dict[str, dict[str, str]]:
    def docs(issue: tuple[int, int], stock: tuple[int, int], key: str) -> dict[str, str]:
        before = int(prev[key]["in_force"]) if prev else rng.randint(*stock)
        issued = rng.randint(*issue)
        repealed = rng.randint(0, min(before + issued, 3)) if rng.random() < 0.3 else 0
        return {"issued": str(issued), "repealed": str(repealed), "in_force": str(before + issued - repealed)}

    gov = a.kind == "government"
    city_gov = gov and a.region == f"{a.city}市"
    regs = docs((0, 3), (5, 60), "regulations") if city_gov else {"issued": "0", "repealed": "0", "in_force": "0"}
    norm = docs((0, 12) if gov else (0, 4), (10, 120) if gov else (0, 20), "normative_documents") \
        if a.kind != "township" else {"issued": "0", "repealed": "0", "in_force": "0"}
    s = a.size
    if a.dept in P.LICENSING or a.dept == "公安分局":
        lic = int(s * rng.uniform(50, 800))
    elif gov:
        lic = int(s * rng.uniform(20, 400))
    else:
        lic = int(s * rng.uniform(0, 6)) if rng.random() < 0.5 else 0
    if a.dept in P.ENFORCEMENT or a.dept == "公安分局":
        pen, coe = int(s * rng.uniform(5, 200)), int(s * rng.uniform(0, 30))
    elif gov or a.kind == "township":
        pen, coe = int(s * rng.uniform(0, 20)), int(s * rng.uniform(0, 3))
    else:
        pen, coe = (rng.randint(0, 5), 0) if rng.random() < 0.3 else (0, 0)
    fee = rng.uniform(0.5, 400) * s / 5 if (a.dept in P.FEE_COLLECTING or gov) and rng.random() < 0.8 else 0.0
    return {"regulations": regs, "normative_documents": norm, "licensing": {"decisions": str(lic)},
            "penalties": {"decisions": str(pen)}, "coercion": {"decisions": str(coe)},
            "admin_fees": {"amount_10k_yuan": _fee_text(rng, fee)}}


def _deadline(kind: str, year: int) -> dt.date:
    return dt.date(year + 1, 3, 31) if kind == "government" else dt.date(year + 1, 1, 31)


def gen_published(rng: random.Random, kind: str, year: int, late: bool) -> dt.date:
    deadline = _deadline(kind, year)
    if late:
        return deadline + dt.timedelta(days=rng.choice([1, 2, 5, 10, 20, 30, 45, 60, 90, 120]))
    start = dt.date(year + 1, 1, 5) if kind != "government" else dt.date(year + 1, 1, 15)
    span = (deadline - start).days
    return start + dt.timedelta(days=int(span * rng.betavariate(2.5, 1.2)))


def late_truth(kind: str, year: int, published: dt.date) -> list[tuple[str, str]]:
    """PUB-DEADLINE-DEPT (部门 1-31), -GOV (人民政府/乡镇 3-31), -TOWNSHIP (乡镇 1-31, 地方惯例)."""
    out = []
    jan, mar = dt.date(year + 1, 1, 31), dt.date(year + 1, 3, 31)
    if kind == "department" and published > jan:
        out.append(("PUB-DEADLINE-DEPT", DATE))
    if kind in ("government", "township") and published > mar:
        out.append(("PUB-DEADLINE-GOV", DATE))
    if kind == "township" and published > jan:
        out.append(("PUB-DEADLINE-TOWNSHIP", DATE))
    return out


# ---------------------------------------------------------------------------------------- planning

def plan_corpus(n: int, seed: int, shares: dict[str, float], pdf: int = 0, docx: int = 0,
                defect_share: float = DEFECT_SHARE) -> list[Plan]:
    rng = random.Random(seed)
    slots = _spans(random.Random(f"{seed}:spans"), agency_pool(seed), n)
    # formats: exact quotas, randomly assigned
    fixed = {"pdf": pdf, "docx": docx}
    if sum(fixed.values()) > n:
        raise SystemExit("--pdf 与 --docx 之和超过 --n")
    rest = {k: v for k, v in shares.items() if k not in fixed or not fixed[k]}
    if not rest and n > sum(fixed.values()):
        raise SystemExit("--formats 中除 --pdf/--docx 指定份数的格式外没有其他格式，无法生成其余报告")
    counts = _quota(n - sum(fixed.values()), rest) if rest else {}
    for k, v in fixed.items():
        if v:
            counts[k] = counts.get(k, 0) + v
    fmts = [f for f in sorted(counts) for _ in range(counts[f])]
    frng = random.Random(f"{seed}:formats")
    frng.shuffle(fmts)
    plans: list[Plan] = []
    last: dict[str, Plan] = {}
    for i, ((agency, year), fmt) in enumerate(zip(slots, fmts)):
        r = random.Random(f"{seed}:report:{i}")
        suffix, layouts = FORMATS[fmt]
        layout = r.choices(list(layouts), list(layouts.values()))[0]
        if layout == "text":
            encoding = r.choices(["utf-8", "gbk", "utf-8-sig", "utf-16"], [0.6, 0.3, 0.07, 0.03])[0]
        elif layout == "html_merged":
            encoding = r.choice(["gbk", "utf-8"])
        elif layout in ("html_grid",):
            encoding = "utf-8"
        else:
            encoding = "utf-8" if fmt in ("txt", "md", "oneline") else "binary"
        prev = last.get(agency.code)
        prev = prev if prev is not None and prev.year == year - 1 else None
        p = Plan(i, f"{i + 1:05d}_{agency.code}_{year}{suffix}", agency, year, fmt, layout, encoding,
                 r.randrange(2 ** 31), prev=prev.index if prev else None)
        carried = prev.t3["carried_forward"][:6] if prev else \
            ([r.choice([0, 0, 0, 1]) for _ in range(6)] if r.random() < 0.3 else [0] * 6)
        p.t3 = gen_t3(r, agency.size, carried)
        p.t4 = gen_t4(r, agency.size, p.t3["new_received"][6])
        p.t2 = gen_t2(r, agency, prev.t2 if prev else None)
        received = p.t3["new_received"][6]
        if received == 0:
            p.apply_mode = r.choices(["none", "stated", "unstated"], [0.5, 0.3, 0.2])[0]
        else:
            p.apply_mode = r.choices(["stated", "unstated"], [0.75, 0.25])[0]
        if p.apply_mode == "stated" and r.random() < 0.5:      # "较上年增加N件", written below
            p.claim = r.choice(["较上年", "比上年", f"较{year - 1}年"])
            p.claim_before = max(0, received + r.randint(-5, 5))   # used when last year is not in the corpus
        reviewed = p.t4["review"][4] + p.t4["litigation_direct"][4] + p.t4["litigation_after_review"][4]
        p.review_mode = r.choices(["stated", "omit"], [0.75, 0.25])[0] if reviewed else \
            r.choices(["none", "stated", "omit"], [0.6, 0.25, 0.15])[0]
        if p.t3["other_fee_unpaid"][6]:
            p.fee_mode = "notice"
        elif r.random() < 0.04:
            p.fee_mode, p.fee_amount = "charged", r.choice([100, 200, 300, 500, 1200, 60, 80])
        if layout == "text":
            p.halfwidth = r.random() < 0.3
        if layout.startswith("html"):
            p.word_runs = r.random() < 0.5
        p.published = gen_published(r, agency.kind, year, late=False).isoformat()
        plans.append(p)
        last[agency.code] = p
    # defects: an exact share of the reports, chosen and drawn by the seed
    chosen = sorted(rng.sample(range(n), round(n * defect_share)))
    for i in chosen:
        _inject(plans[i], random.Random(f"{seed}:defect:{i}"))
    # "较上年增加N件" is written after the defects: the agency compares its true count with the total
    # its report of last year printed (TXT-CLAIM-XYEAR reads both reports' tables)
    for p in plans:
        if p.claim:
            before = int(plans[p.prev].printed_total()) if p.prev is not None else p.claim_before
            diff, than = p.t3["new_received"][6] - before, p.claim
            p.claim = (f"，{than}增加{diff}件" if diff > 0 else f"，{than}减少{-diff}件" if diff < 0
                       else "，与上年持平")
    for p in plans:
        p.truth = ground_truth(p, plans[p.prev] if p.prev is not None else None)
    return plans


def _inject(p: Plan, r: random.Random) -> None:
    kinds = dict(TEXT_DEFECTS)
    if p.layout not in DERIVED:
        kinds.update(TABLE_DEFECTS)
    p.defect = r.choices(sorted(kinds), [kinds[k] for k in sorted(kinds)])[0]
    if p.defect == "t3_cell":
        row = r.choices(["new_received", "total_processed", "outcome"], [25, 15, 60])[0]
        if row == "outcome":
            row = r.choice([k for k in OUTCOMES if k != "other_fee_unpaid"])
        col = r.choices(T3_COLS, [35, 6, 6, 6, 6, 6, 35])[0]
        v = p.t3[row][T3_COLS.index(col)]
        new = v + r.choice([d for d in (1, 2, 3, -1, -2) if v + d >= 0])
        p.printed[("t3", row, col)] = str(new)
        p.detail = f"表三 {row}/{col}: {v} → {new}"
    elif p.defect == "t4_total":
        g = r.choice(T4_GROUPS)
        v = p.t4[g][4]
        new = v + r.choice([d for d in (1, 2, -1) if v + d >= 0])
        p.printed[("t4", g, "total")] = str(new)
        p.detail = f"表四 {g}/total: {v} → {new}"
    elif p.defect == "blank":
        zeros = [(k, c) for k in OUTCOMES for c in T3_COLS[:6] if p.t3[k][T3_COLS.index(c)] == 0]
        k, c = r.choice(zeros)
        p.printed[("t3", k, c)] = "-"
        p.detail = f"表三 {k}/{c}: 0 → -"
    elif p.defect == "section":
        # A web page whose last part is five ends in the site's footer, which the reader takes for a
        # cut-off download (part six then "cannot be checked"): never drop part six from a page.
        p.removed = r.randint(1, 5 if p.layout.startswith("html") else 6)
        p.detail = f"删去第{CN[p.removed - 1]}部分"
    elif p.defect == "contact":
        p.no_contact = True
    elif p.defect == "fee":
        p.no_fee = True
    elif p.defect == "late":
        p.published = gen_published(r, p.agency.kind, p.year, late=True).isoformat()
        p.detail = f"发布日期 {p.published}"
    elif p.defect == "year":
        p.wrong_year = True
    elif p.defect == "placeholder":
        p.placeholder = True


def _apply_matches_no_reading(p: Plan) -> bool:
    """TXT-TABLE-CONSIST-APPLY accepts the stated (true) count as 新收, 新收 + 上年结转 or （七）总计:
    it is reported only when it matches none of them as printed."""
    printed = int(p.printed_total())
    return p.t3["new_received"][6] not in (printed, printed + p.t3["carried_over"][6], p.t3["total_processed"][6])


def ground_truth(p: Plan, prev: Plan | None) -> list[tuple[str, str]]:
    """The compliance findings the shipped rules must give for this report (none when clean)."""
    out: list[tuple[str, str]] = []
    for (table, row, col), text in sorted(p.printed.items()):
        if text == "-":
            out.append(("NUM-BLANK", "表三"))
            continue
        if table == "t4":
            out.append(("T4-A4", f"表四「{T4_GROUP_LABEL[row]}」"))
            if p.review_mode == "stated" and p.removed != 1:
                out.append(("TXT-TABLE-CONSIST-REVIEW" if row == "review" else "TXT-TABLE-CONSIST-LITIGATION", WHOLE))
            continue
        out.append(("T3-A3", f"表三「{T3_ROW_LABEL[row]}」行"))
        if row in ("new_received", "total_processed"):
            out.append(("T3-A1", f"表三「{T3_COL_LABEL[col]}」列"))
        if row in OUTCOMES or row == "total_processed":
            out.append(("T3-A2", f"表三「{T3_COL_LABEL[col]}」列"))
        if row == "new_received" and col == "total":
            if p.apply_mode == "stated" and _apply_matches_no_reading(p):
                out.append(("TXT-TABLE-CONSIST-APPLY", WHOLE))
            if p.claim and prev is not None and prev.layout not in DERIVED and prev.removed != 3:
                out.append(("TXT-CLAIM-XYEAR", WHOLE))
    if p.removed:
        out.append(("SEC-PRESENT", section_location(p.removed)))
        if p.removed == 6:   # 工作要点、建议提案、创新 are reported in part six only
            out += [("TXT-OTHER-ITEMS-INNOVATION", WHOLE), ("TXT-OTHER-ITEMS-POINTS", WHOLE),
                    ("TXT-OTHER-ITEMS-PROPOSALS", WHOLE)]
    if p.no_contact:
        out.append(("TXT-CONTACT", PREFACE))
    if p.no_fee:
        out.append(("TXT-FEE-STMT", section_location(6)))
        if p.fee_mode == "notice" and p.layout not in DERIVED:   # the rule reads table 3's cell
            out.append(("TXT-FEE-LOGIC", section_location(6)))
    if p.defect == "late":
        out += late_truth(p.agency.kind, p.year, dt.date.fromisoformat(p.published))
    if p.wrong_year:
        out.append(("TXT-YEAR", WHOLE))
    if p.placeholder:
        out.append(("TXT-PLACEHOLDER", WHOLE))
    return out


# --------------------------------------------------------------------------------------- the prose

NUMBERS = {"a": (120, 4800), "b": (20, 900), "c": (2, 60), "d": (1, 12)}


def _fill(template: str, ctx: dict, r: random.Random) -> str:
    nums = {k: r.randint(lo, hi) for k, (lo, hi) in NUMBERS.items() if "{" + k + "}" in template}
    return template.format(**ctx, **nums)


def _pick(r: random.Random, pool: list[str], k: tuple[int, int]) -> list[str]:
    return r.sample(pool, min(len(pool), r.randint(*k)))


def _window(a: Agency, what: str, pool: list[str], year: int, r: random.Random) -> list[str]:
    order = random.Random(f"{a.code}:{what}").sample(pool, len(pool))
    start, k = (year - 2021) * 3, r.randint(3, 4)
    return [order[(start + i) % len(order)] for i in range(k)]


def _numbered(r: random.Random, items: list[str]) -> str:
    style = r.randrange(3)
    if style == 0:
        return "；".join(f"{CN[i]}是{t}" for i, t in enumerate(items)) + "。"
    if style == 1:
        return "".join(f"{i + 1}.{t}。" for i, t in enumerate(items))
    return "；".join(items) + "。"


def prose(p: Plan, r: random.Random) -> tuple[list[str], dict[int, list[str]]]:
    a, y = p.agency, p.year
    ctx = {"Y": y, "Y1": y + 1, "me": a.me, "quan": a.quan, "agency": a.name, "office": a.office,
           "site": f"{a.region}人民政府门户网站", "url": a.url, "addr": a.addr, "zip": a.zip, "tel": a.tel,
           "email": a.email}
    # preface: basis, statistical period, (summary), website, contact
    basis = _fill(r.choice(P.BASIS), ctx, r) + _fill(r.choice(P.STRUCTURE), ctx, r)
    period = r.choice(P.PERIOD).format(P=y - 1 if p.wrong_year else y)
    summary = _fill(r.choice(P.REGION_SUMMARY), ctx, r) if a.kind == "government" else ""
    site = _fill(r.choice(P.WEBSITE), ctx, r)
    contact = "" if p.no_contact else _fill(r.choice(P.CONTACT), ctx, r)
    shape = r.randrange(3)
    if shape == 0:
        intro = [basis + period + summary + site + contact]
    elif shape == 1:
        intro = [basis + summary, period + site + contact]
    else:
        intro = [basis, period + summary, site + contact]
    intro = [t for t in intro if t]

    # part one: an opening and the five aspects of the format
    opening = _fill(r.choice(P.OPENING), ctx, r)
    if p.placeholder:
        opening = opening.replace(f"{y}年", "20XX年", 1)
    s1 = [opening]
    received = p.t3["new_received"][6]
    apply = []
    if p.apply_mode == "stated":
        apply.append(_fill(r.choice(P.APPLY_STATED), ctx | {"n": received, "claim": p.claim}, r))
        if received and r.random() < 0.3:
            np_, org = p.t3["new_received"][0], received - p.t3["new_received"][0]
            apply.append(f"其中自然人提出申请{np_}件，法人或其他组织提出申请{org}件。" if org else
                         "申请人均为自然人。")
    elif p.apply_mode == "none":
        apply.append(_fill(r.choice(P.APPLY_NONE), ctx, r))
    else:
        apply.append(_fill(r.choice(P.APPLY_UNSTATED), ctx, r))
    apply += [_fill(t, ctx, r) for t in _pick(r, P.APPLY_MORE, (1, 3))]
    lit = p.t4["litigation_direct"][4] + p.t4["litigation_after_review"][4]
    if p.review_mode == "stated":
        apply.append(r.choice(P.REVIEW_STATED).format(r=p.t4["review"][4], l=lit))
    elif p.review_mode == "none":
        apply.append(r.choice(P.REVIEW_NONE))
    supervise = [_fill(t, ctx, r) for t in _pick(r, P.SUPERVISE, (2, 4))]
    if a.kind == "government":
        supervise.append(_fill(r.choice(P.GOV_ASSESS), ctx, r))
    aspects = [
        (P.ACTIVE_HEADS, [_fill(t, ctx, r) for t in _pick(r, P.ACTIVE, (3, 6))]),
        (P.APPLY_HEADS, apply),
        (P.MANAGE_HEADS, [_fill(t, ctx, r) for t in _pick(r, P.MANAGE, (2, 4))]),
        (P.PLATFORM_HEADS, [_fill(t, ctx, r) for t in _pick(r, P.PLATFORM, (2, 4))]),
        (P.SUPERVISE_HEADS, supervise),
    ]
    inline = r.random() < 0.6
    for i, (heads, sentences) in enumerate(aspects):
        head = f"（{CN[i]}）{r.choice(heads)}"
        if inline:
            s1.append(f"{head}。{''.join(sentences)}")
        else:
            s1 += [head, "".join(sentences)]

    # part five: problems and measures
    # consecutive years take different windows of an agency-wide order, so that part five does not
    # repeat last year's (TXT-SIMILAR-5 compares the two)
    problems, measures = _window(a, "problems", P.PROBLEMS, y, r), _window(a, "measures", P.MEASURES, y, r)
    rest_p = [t for t in P.PROBLEMS if t not in problems]
    rest_m = [t for t in P.MEASURES if t not in measures]
    while sum(map(len, problems + measures)) < 200:    # part five of at least 200 characters (TXT-LENGTH-5)
        problems.append(rest_p.pop(r.randrange(len(rest_p))))
        measures.append(rest_m.pop(r.randrange(len(rest_m))))
    s5 = [_fill(r.choice(P.PROBLEM_INTRO), ctx, r) + _numbered(r, problems),
          _fill(r.choice(P.MEASURE_INTRO), ctx, r) + _numbered(r, measures)]

    # part six: fees, work points, proposals, innovation
    if p.fee_mode == "notice":
        fee = _fill(r.choice(P.FEE_NOTICE), ctx | {"k": p.t3["other_fee_unpaid"][6]}, r)
    elif p.fee_mode == "charged":
        fee = _fill(r.choice(P.FEE_CHARGED), ctx | {"amt": p.fee_amount}, r)
    else:
        fee = _fill(r.choice(P.FEE_NONE), ctx, r)
    items = [] if p.no_fee else [(r.choice(P.FEE_HEADS), fee)]
    items.append((r.choice(P.POINTS_HEADS), _fill(r.choice(P.POINTS), ctx, r)))
    if a.kind == "township" and r.random() < 0.5:
        proposals = _fill(r.choice(P.PROPOSALS_NONE), ctx, r)
    else:
        pa, pb = r.randint(0, 40), r.randint(1, 30)
        proposals = r.choice(P.PROPOSALS).format(**ctx, a=pa, b=pb, ab=pa + pb)
    items.append((r.choice(P.PROPOSALS_HEADS), proposals))
    items.append((r.choice(P.INNOVATION_HEADS), r.choice(P.INNOVATION)))
    s6 = []
    inline6 = r.random() < 0.7
    for i, (head, text) in enumerate(items):
        if inline6:
            s6.append(f"（{CN[i]}）{head}。{text}")
        else:
            s6 += [f"（{CN[i]}）{head}", text]
    return intro, {1: s1, 5: s5, 6: s6}


# -------------------------------------------------------------------------------------- rendering

def title_of(p: Plan, r: random.Random) -> str:
    form = r.choices(["{a}{y}年政府信息公开工作年度报告", "{a}{y}年度政府信息公开工作年度报告",
                      "{a}{y}年政府信息公开年度报告"], [0.6, 0.3, 0.1])[0]
    return form.format(a=p.agency.name, y=p.year)


def canon_of(p: Plan, r: random.Random):
    from .render import FastCanon

    intro, text = prose(p, r)
    headings = {n: f"{CN[n - 1]}、{SECTION_TITLE[n]}" for n in range(1, 7)}
    if r.random() < 0.25:
        headings[5] = "五、政府信息公开工作存在的主要问题及改进情况"
    raws: dict[tuple[str, str, str], str] = {}
    for row, values in p.t3.items():
        for col, v in zip(T3_COLS, values):
            raws[("t3", row, col)] = str(v)
    for g, values in p.t4.items():
        for col, v in zip(T4_COLS, values):
            raws[("t4", g, col)] = str(v)
    for row, cols in p.t2.items():
        for col, v in cols.items():
            raws[("t2", row, col)] = v
    raws.update(p.printed)
    data = {"meta": {"title": title_of(p, r), "published": p.published},
            "sections": [{"number": n, "title": h} for n, h in headings.items()],
            "tables": {"t2": {k: {} for k in p.t2}, "t3": {}, "t4": {}}, "cells": []}
    return FastCanon(data, intro, text, raws, headings)


def render(p: Plan, folder: Path) -> int:
    """Write the report file; returns its size in bytes."""
    data = render_bytes(p, folder)
    path = folder / p.file
    if data is None:
        return path.stat().st_size
    path.write_bytes(data)
    return len(data)


def render_bytes(p: Plan, folder: Path) -> bytes | None:
    """The report's bytes (text and HTML forms); DOCX and PDF are written to folder/p.file directly."""
    from . import render as R

    r = random.Random(p.seed)
    canon = canon_of(p, r)
    a = p.agency
    if p.layout == "text":
        head = {"short": a.short, "index": f"{a.index_prefix}/{p.year + 1}-{r.randint(1000000, 9999999)}"}
        text = R.text_page(canon, p.removed, head, p.halfwidth)
        if p.encoding == "gbk":
            text = text.replace("•", "·")     # no bullet in GBK
        return text.encode(p.encoding)
    if p.layout in ("html_grid", "html_merged"):
        chrome = {"site": f"{a.region}人民政府门户网站", "region": a.region, "code": a.code.split("-")[0],
                  "index": f"{a.index_prefix}/{p.year + 1}-{r.randint(1000000, 9999999)}", "publisher": a.short,
                  "icp": f"{r.randint(5000000, 5999999):08d}-{r.randint(1, 9)}"}
        return R.html_page(canon, p.layout == "html_merged", p.removed, chrome, r, p.encoding, p.word_runs)
    if p.layout == "markdown":
        return R.markdown(canon, p.removed).encode("utf-8")
    if p.layout in ("oneline", "oneline_glued"):
        column = f"{r.randint(8, 17):02d}:{r.randint(0, 59):02d}"
        return R.oneline(canon, p.layout == "oneline_glued", p.removed, column).encode("utf-8")
    if p.layout == "docx_merged":
        R.write_docx(canon, p.removed, folder / p.file)
        return None
    if p.layout == "pdf_ruled":
        R.write_pdf(canon, p.removed, folder / p.file)
        return None
    raise ValueError(p.layout)


_SHARED: tuple[list[Plan], str] | None = None     # the plans, inherited by forked workers (never pickled)


def _render_range(bounds: tuple[int, int]) -> list[int]:
    plans, folder = _SHARED
    return [render(p, Path(folder)) for p in plans[bounds[0]:bounds[1]]]


def render_all(plans: list[Plan], folder: Path, jobs: int) -> list[int]:
    global _SHARED
    folder.mkdir(parents=True, exist_ok=True)
    import multiprocessing as mp

    if jobs <= 1 or len(plans) < 200 or "fork" not in mp.get_all_start_methods():
        return [render(p, folder) for p in plans]
    size = max(50, len(plans) // (jobs * 4))
    bounds = [(i, min(i + size, len(plans))) for i in range(0, len(plans), size)]
    _SHARED = (plans, str(folder))
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            return [s for part in pool.map(_render_range, bounds, chunksize=1) for s in part]
    finally:
        _SHARED = None


# ------------------------------------------------------------------------------------------- main

OUR_FILE = re.compile(r"^\d{5}_[a-z0-9-]+_20\d\d\.(?:txt|html|md|docx|pdf)$")


def write_corpus(out: Path, n: int, seed: int, formats: list[str] | None = None, pdf: int = 0, docx: int = 0,
                 jobs: int | None = None, defect_share: float = DEFECT_SHARE) -> dict:
    """Generate the corpus into `out` (reports/, ground_truth.jsonl, reports.jsonl, manifest.json)."""
    shares = {f: DEFAULT_SHARES.get(f, 0.05) for f in (formats or DEFAULT_SHARES)}
    t0 = time.perf_counter()
    plans = plan_corpus(n, seed, shares, pdf=pdf, docx=docx, defect_share=defect_share)
    t1 = time.perf_counter()
    reports = out / "reports"
    if reports.exists():   # a corpus generated earlier into the same folder is replaced, nothing else
        ours = [f for f in reports.iterdir() if f.is_file() and OUR_FILE.match(f.name)]
        others = [f.name for f in reports.iterdir() if f not in ours]
        if others:
            raise SystemExit(f"{reports} 中有非本工具生成的文件（如 {others[0]}），请换一个输出目录")
        for f in ours:
            f.unlink()
    sizes = render_all(plans, reports, jobs or os.cpu_count() or 1)
    t2 = time.perf_counter()
    truth = [{"file": p.file, "rule_id": rule, "location": loc} for p in plans for rule, loc in p.truth]
    with open(out / "ground_truth.jsonl", "w", encoding="utf-8") as f:
        for row in truth:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(out / "reports.jsonl", "w", encoding="utf-8") as f:
        for p in plans:
            f.write(json.dumps({"file": p.file, "agency": p.agency.name, "agency_type": p.agency.kind,
                                "year": p.year, "format": p.fmt, "layout": p.layout, "encoding": p.encoding,
                                "published": p.published, "defect": p.defect or None, "detail": p.detail or None,
                                "expected": [f"{r} @ {l}" for r, l in p.truth]}, ensure_ascii=False) + "\n")
    manifest = {
        "seed": seed, "n": n, "generator": "bench.corpus", "defect_share": defect_share,
        "format_shares": shares, "fixed": {"pdf": pdf, "docx": docx},
        "formats": dict(sorted(Counter(p.fmt for p in plans).items())),
        "layouts": dict(sorted(Counter(p.layout for p in plans).items())),
        "encodings": dict(sorted(Counter(p.encoding for p in plans).items())),
        "agency_types": dict(sorted(Counter(p.agency.kind for p in plans).items())),
        "agencies": len({p.agency.code for p in plans}),
        "years": dict(sorted(Counter(str(p.year) for p in plans).items())),
        "with_previous_year": sum(p.prev is not None for p in plans),
        "defects": dict(sorted(Counter(p.defect for p in plans if p.defect).items())),
        "reports_with_defects": sum(bool(p.defect) for p in plans),
        "ground_truth_findings": len(truth),
        "ground_truth_by_rule": dict(sorted(Counter(t["rule_id"] for t in truth).items())),
        "bytes": {"total": sum(sizes), "min": min(sizes), "max": max(sizes), "mean": round(sum(sizes) / len(sizes))},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest | {"seconds": {"plan": round(t1 - t0, 2), "render": round(t2 - t1, 2)}}   # not in the file


def main(argv: list[str] | None = None) -> int:
    ap = parser(
        "python -m bench.corpus",
        "生成带标准答案的合成政府信息公开工作年度报告语料（确定性：同一种子生成相同文件）。",
        "输出目录：reports/（报告文件）、ground_truth.jsonl（每行一条应报告的合规问题：file、rule_id、location）、\n"
        "reports.jsonl（每份报告的单位、年度、格式、注入的缺陷）、manifest.json（种子、数量及各格式、版式、缺陷的计数）。\n"
        "审核：auditor run OUT/reports --out 结果目录\n"
        "评分：python -m bench.score OUT 结果目录/latest/findings.jsonl")
    ap.add_argument("--n", type=int, default=1000, help="报告份数（默认 1000）")
    ap.add_argument("--seed", type=int, default=7, help="随机种子（默认 7）")
    ap.add_argument("--out", type=Path, required=True, help="输出目录")
    ap.add_argument("--formats", default=",".join(DEFAULT_SHARES), metavar="格式",
                    help="参与生成的格式，逗号分隔：txt（每行一个单元格的网页文本）、html（网格表/合并单元格）、"
                         "md（PDF 转换的 markdown）、oneline（归档工具的单行文本）、docx、pdf"
                         f"（默认 {','.join(DEFAULT_SHARES)}，按 45/35/10/5/5 的比例）")
    ap.add_argument("--pdf", type=int, default=0, metavar="N", help="其中 N 份生成为 PDF（带表格线的文本 PDF）")
    ap.add_argument("--docx", type=int, default=0, metavar="N", help="其中 N 份生成为 DOCX（指定后不再按比例分配 DOCX）")
    ap.add_argument("--defects", type=float, default=DEFECT_SHARE, metavar="比例", help="注入缺陷的报告比例（默认 0.2）")
    ap.add_argument("--jobs", type=int, default=None, metavar="N", help="并行进程数（默认 CPU 核数）")
    args = ap.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        ap.error(f"未知的格式：{'、'.join(unknown) or '（空）'}；可选 {', '.join(FORMATS)}")
    if args.n < 1:
        ap.error("--n 至少为 1")
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    m = write_corpus(args.out, args.n, args.seed, formats, args.pdf, args.docx, args.jobs, args.defects)
    print(f"已生成 {m['n']} 份报告（{args.out / 'reports'}），用时 {time.perf_counter() - t0:.1f} 秒"
          f"（规划 {m['seconds']['plan']} 秒，写出 {m['seconds']['render']} 秒）；"
          f"格式 {m['formats']}；含缺陷 {m['reports_with_defects']} 份，标准答案 {m['ground_truth_findings']} 条。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
