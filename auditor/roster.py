"""The roster (名册): which units must publish a report, who has not, who was late.

The office supplies the list of units it supervises. Reports are matched to it by name only
through deterministic normalisation (width, spaces, punctuation, a few fixed synonyms) and an
explicit region-prefix rule — never by similarity: a wrong match would credit or blame the wrong
agency, so anything uncertain is left unmatched (or ambiguous) and listed for a person to check.
Everything that runs per report is a merge or a map over whole columns.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from .agency import TYPES, infer_types
from .domain import ABSENT_PUBLISHED, agency_keys, agency_type_word

ROSTER_COLUMNS = ["name", "aliases", "region", "agency_type", "parent"]
_HEADERS = {"单位名称": "name", "别名": "aliases", "地区": "region", "单位类型": "agency_type",
            "上级单位": "parent"}
_ALIAS_SPLIT = re.compile(r"[、，,;；|｜\r\n]+")

CATEGORIES = ["未发布", "逾期发布", "发布日期不明", "未匹配名册", ABSENT_PUBLISHED]
COVERAGE_COLUMNS = ["类别", "单位", "地区", "单位类型", "上级单位", "报告文件", "发布日期", "发布期限", "说明"]


@dataclass
class Roster:
    """The office's list of units that must publish, and the year whose coverage is reported."""
    frame: pd.DataFrame
    digest: str               # of the roster file: a changed roster re-audits (it can change agency types)
    year: int | None = None   # --year; None: inferred from the reports (coverage_year)


FIRST_REPORT_YEAR = 2008    # the first year the regulations (2007) required an annual report for
YEAR_SHARE = 0.1           # a year is the default only if at least this share of reports has it


def coverage_year(years: list, today: dt.date | None = None) -> int:
    """The year whose coverage is reported when --year is not given: the newest plausible year
    that a fair share of the reports have, never one outlier. A year not yet over (or later: a
    mistyped 2031) cannot have a report yet; one report of a newer year among a hundred of the
    last (a typo, or one early bird) does not move it either. Nothing plausible: last year."""
    today = today or dt.date.today()
    known = pd.to_numeric(pd.Series(list(years), dtype=object), errors="coerce").dropna()
    plausible = Counter(int(y) for y in known if FIRST_REPORT_YEAR <= y <= today.year - 1)
    if not plausible:
        return today.year - 1
    need = min(max(plausible.values()), max(2, math.ceil(sum(plausible.values()) * YEAR_SHARE)))
    return max(y for y, n in plausible.items() if n >= need)


# ---------------------------------------------------------------- loading

def load_roster(path: Path) -> pd.DataFrame:
    """Columns: name, aliases (list[str]), region, agency_type ('government'|'department'|'township'|None), parent."""
    path = Path(path)
    raw = _read_table(path)
    raw.columns = [_header_key(c) for c in raw.columns]
    if "name" not in raw.columns:
        raise ValueError(f"名册 {path} 缺少「单位名称」列（表头应为：单位名称、别名、地区、单位类型、上级单位）")
    cols = {key: raw[key] if key in raw.columns else pd.Series(None, index=raw.index, dtype=object)
            for key in ROSTER_COLUMNS}
    frame = pd.DataFrame({key: [_cell_text(v) for v in col] for key, col in cols.items()}, dtype=object)
    frame["line"] = np.arange(len(frame)) + 2          # spreadsheet row number (header is row 1)
    frame = frame[frame["name"].notna()]
    if frame.empty:
        raise ValueError(f"名册 {path} 中没有任何单位（「单位名称」列为空）")
    frame["aliases"] = pd.Series([split_aliases(a) for a in frame["aliases"]], index=frame.index, dtype=object)
    frame["agency_type"] = _parse_types(frame, path)
    _check_duplicates(frame, path)
    return frame[ROSTER_COLUMNS].reset_index(drop=True)


def split_aliases(text: object) -> list[str]:
    """别名 cell → list; several aliases are separated by 、，,;；| or line breaks."""
    if isinstance(text, (list, tuple)):
        parts = [str(p) for p in text]
    elif isinstance(text, str):
        parts = _ALIAS_SPLIT.split(text)
    else:
        return []
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def _read_table(path: Path) -> pd.DataFrame:
    """First sheet of an .xlsx, or a CSV in UTF-8 (with or without BOM) or GBK/GB18030; all cells as text."""
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            return pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        if suffix in {".csv", ".txt", ""}:
            from .ingest.encoding import decode_bytes

            text, _ = decode_bytes(path.read_bytes())
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"名册 {path} 是空文件") from None
    except OSError as exc:      # missing, a folder, no permission: never the system's `[Errno 2] …`
        from .fileerrors import why_unreadable

        raise ValueError(f"名册 {path} 无法读取：{why_unreadable(exc)}。") from None
    except (ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise ValueError(f"名册 {path} 无法读取：文件损坏或不是所说的格式（技术信息：{exc}）。") from exc
    raise ValueError(f"名册 {path} 的文件类型「{path.suffix}」不支持，请使用 CSV 或 XLSX")


def _header_key(header: object) -> str:
    """Header → field key; spaces and full-width forms tolerated, unknown headers kept (then ignored)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header)))
    return _HEADERS.get(text, text)


def _cell_text(value: object) -> str | None:
    """Spreadsheet cell → stripped text or None (numbers from Excel become their text)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()          # str.strip also removes the full-width space
    return text or None


def _parse_types(frame: pd.DataFrame, path: Path) -> pd.Series:
    """单位类型 words → type keys; an unknown word is an error, since it would change the deadline."""
    given = frame["agency_type"]
    types = pd.Series([agency_type_word(t) for t in given], index=frame.index, dtype=object)
    bad = frame.loc[given.notna() & types.isna(), ["line", "agency_type"]]
    if not bad.empty:
        where = "；".join(f"第{line}行「{word}」" for line, word in bad.itertuples(index=False))
        raise ValueError(f"名册 {path} 中单位类型无法识别：{where}。可填：人民政府、政府部门、乡镇（街道）")
    return types.astype(object).where(types.notna(), None)


def _check_duplicates(frame: pd.DataFrame, path: Path) -> None:
    """Two rows naming the same unit (after normalisation) would make every match ambiguous."""
    key = normalize_agencies(frame["name"]) + "|" + _normalize_regions(frame["region"])
    dup = frame[key.duplicated(keep=False)]
    if not dup.empty:
        groups = dup.groupby(key[dup.index], sort=False)["line"].agg(lambda s: "、".join(f"第{n}行" for n in s))
        raise ValueError(f"名册 {path} 中有重复的单位（名称和地区相同）：{'；'.join(groups)}")


# ---------------------------------------------------------------- normalisation

_REGION_PART = re.compile(r".+?(?:自治区|省|市|县|区|旗)|.+$")


def normalize_agencies(names: pd.Series) -> pd.Series:
    """Matching keys for a whole column at once: `auditor.domain.agency_keys`, the one agency key."""
    return agency_keys(names)


def normalize_agency(name: str | None) -> str:
    """Matching key, so that '沭阳县 发展和改革局', '沭阳县发展和改革局' and full-width variants compare equal
    (rules in `auditor.domain.agency_keys`; region names are handled separately by the region rule in
    `match_reports`). None or empty text gives '' which never matches anything."""
    return str(normalize_agencies(pd.Series([name], dtype=object)).iloc[0])


def _normalize_regions(regions: pd.Series) -> pd.Series:
    """Region key: width and punctuation folded, nothing else (a region is a place, not an agency)."""
    s = regions.astype(object).where(regions.notna(), "").astype(str).str.normalize("NFKC")
    return s.str.replace(r"[\W_]+", "", regex=True)


def _region_prefixes(region: str) -> list[str]:
    """'江苏省宿迁市沭阳县' → ['江苏省宿迁市沭阳县', '宿迁市沭阳县', '沭阳县']: only chains ending at the
    most specific level, so '宿迁市发展和改革局' (the city's bureau) never matches a county unit."""
    parts = [p for p in _REGION_PART.findall(region) if p]
    return ["".join(parts[i:]) for i in range(len(parts))]


# ---------------------------------------------------------------- matching

def _roster_keys(roster: pd.DataFrame) -> pd.DataFrame:
    """(entry, key) for every roster name and alias; `entry` is the roster row position."""
    aliases = roster["aliases"] if "aliases" in roster.columns else pd.Series([[]] * len(roster))
    names = pd.Series([[n] + split_aliases(a) for n, a in zip(roster["name"], aliases)], dtype=object)
    long = names.explode().dropna()
    table = pd.DataFrame({"entry": long.index.to_numpy(), "name": long.to_numpy()})
    table["key"] = normalize_agencies(table["name"]).to_numpy()
    return table[table["key"] != ""].drop_duplicates(["entry", "key"])


def _region_keys(names: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """(entry, key) for region + name: every specific-level region chain prefixed to the name (with any
    region chain the name already starts with removed first)."""
    regions = _normalize_regions(roster["region"] if "region" in roster.columns
                                 else pd.Series(None, index=roster.index)).to_numpy()
    prefixes = pd.Series([_region_prefixes(r) if r else [] for r in regions], dtype=object)
    table = names.assign(prefix=prefixes.iloc[names["entry"]].to_numpy()).explode("prefix").dropna(subset=["prefix"])
    if table.empty:
        return pd.DataFrame({"entry": pd.Series(dtype=int), "key": pd.Series(dtype=str)})
    chains = prefixes.iloc[table["entry"]].to_numpy()
    bare = [_strip_region(k, c) for k, c in zip(table["key"], chains)]
    full = pd.Series([p + b for p, b in zip(table["prefix"], bare)], dtype=object)
    out = pd.DataFrame({"entry": table["entry"].to_numpy(), "key": normalize_agencies(full).to_numpy()})
    return out[out["key"] != ""].drop_duplicates()


def _strip_region(key: str, chains: list[str]) -> str:
    """The name without a leading region chain ('沭阳县发展和改革局' → '发展和改革局')."""
    for chain in chains:                      # longest first
        if key.startswith(chain) and len(key) > len(chain):
            return key[len(chain):]
    return key


def _resolve(keys: np.ndarray, table: pd.DataFrame) -> pd.DataFrame:
    """For each distinct report key: the single roster entry it names, and how many it could name."""
    hits = pd.DataFrame({"key": keys}).merge(table[["key", "entry"]], on="key").drop_duplicates()
    return hits.groupby("key")["entry"].agg(entry="min", n="nunique", entries=list)


def _match(reports: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Per report row: `entry` (roster position or -1), `n` candidates, `entries` (the candidates).

    Exact name/alias keys first; only if none matches, the region-prefix keys. More than one
    candidate at a stage means ambiguous — no match, and the later stage is not consulted.
    Work is done once per distinct agency name, then spread back to the reports by code.
    """
    roster = roster.reset_index(drop=True)
    codes, uniques = pd.factorize(normalize_agencies(reports["agency"]))
    uniques = np.asarray(uniques, dtype=object)
    names = _roster_keys(roster)
    exact = _resolve(uniques, names).reindex(uniques)
    region = _resolve(uniques, _region_keys(names, roster)).reindex(uniques)
    use_region = exact["n"].isna().to_numpy()
    n = np.where(use_region, region["n"], exact["n"])
    n = np.nan_to_num(n.astype(float)).astype(int)
    entry = np.where(use_region, region["entry"], exact["entry"]).astype(float)
    entry = np.where((n == 1) & (uniques != ""), entry, -1).astype(int)
    entries = np.where(use_region, region["entries"].to_numpy(dtype=object),
                       exact["entries"].to_numpy(dtype=object))
    return pd.DataFrame({"entry": entry[codes], "n": n[codes], "entries": entries[codes]},
                        index=reports.index)


def match_reports(reports: pd.DataFrame, roster: pd.DataFrame) -> pd.Series:
    """For each report row (column `agency`), the roster `name` it belongs to, or None.

    Exact on the normalised name or any normalised alias; failing that, the region rule: the report
    agency equals (a specific-level chain of) the roster region + the roster name, e.g. '沭阳县发展和改革局'
    for name '发展和改革局' / region '沭阳县', or for region '江苏省宿迁市沭阳县'. A report without the
    region never matches a name that has one. No fuzzy matching; two candidates → None.
    """
    entry = _match(reports, roster)["entry"].to_numpy()
    names = roster["name"].to_numpy(dtype=object)
    out = np.full(len(entry), None, dtype=object)
    out[entry >= 0] = names[entry[entry >= 0]]
    return pd.Series(out, index=reports.index, dtype=object, name="roster_name")


def roster_types(reports: pd.DataFrame, roster: pd.DataFrame) -> pd.Series:
    """agency_type per report from the roster where matched and given, else None (the caller keeps its inference)."""
    return _types_of(_match(reports, roster)["entry"], roster)


def _types_of(entry: pd.Series, roster: pd.DataFrame) -> pd.Series:
    types = (roster["agency_type"] if "agency_type" in roster.columns
             else pd.Series(None, index=roster.index)).to_numpy(dtype=object)
    out = np.full(len(entry), None, dtype=object)
    hit = entry.to_numpy() >= 0
    out[hit] = types[entry.to_numpy()[hit]]
    out = pd.Series(out, index=entry.index, dtype=object)
    return out.where(out.notna(), None)


# ---------------------------------------------------------------- coverage

def coverage(reports: pd.DataFrame, roster: pd.DataFrame, year: int,
             deadlines: dict[str, str] | None = None) -> pd.DataFrame:
    """The 覆盖情况 sheet for `year`: 未发布, 逾期发布, 发布日期不明 and 未匹配名册 rows.

    `reports` has columns file, agency, year, published ('YYYY-MM-DD' or None) and agency_type
    (inferred; the roster's 单位类型 wins where given). `deadlines`: month-day of year+1 per type, as
    the publication rules set them (the caller passes its packs' — `auditor.domain.deadlines_by_type`
    — so this sheet and the findings agree); an unknown type gets the rules' deadline for unknown.

    An optional `absent` column marks reports an earlier run saw that this run was not given
    (auditor/absent.py; the text says since when): the agency has published, so it is not 未发布;
    the report is judged by its last version like any other (逾期发布, 发布日期不明, 未匹配名册, the
    note saying it was not provided this time), and a unit whose only report of the year is such
    a one, published on time, gets a row 已发布（本次未提供） so that its state is seen.
    """
    roster = roster.reset_index(drop=True)
    limits = _deadlines(deadlines, year)
    m = _match(reports, roster)
    years = pd.to_numeric(reports["year"], errors="coerce").astype(float)
    info = pd.DataFrame({
        "file": reports["file"].to_numpy(dtype=object),
        "agency": reports["agency"].to_numpy(dtype=object),
        "published": _dates(reports["published"]).to_numpy(),
        "type": _report_types(reports, roster, m["entry"]).to_numpy(dtype=object),
        "entry": m["entry"].to_numpy(), "n": m["n"].to_numpy(), "entries": m["entries"].to_numpy(),
        "absent": (reports["absent"] if "absent" in reports.columns
                   else pd.Series(None, index=reports.index)).to_numpy(dtype=object),
    }, index=reports.index)
    info["deadline"] = info["type"].map(limits).fillna(limits[None])
    current = info[(years == year).to_numpy()]
    undated = info[years.isna().to_numpy() & (info["entry"] >= 0).to_numpy()]
    frames = [_missing(roster, current, undated, limits, year),
              _late(roster, current[current["entry"] >= 0]),
              _undated(roster, current[(current["entry"] >= 0) & current["published"].isna()]),
              _unmatched(roster, current[current["entry"] < 0]),
              _absent_published(roster, current[current["entry"] >= 0])]
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True) if any(
        not f.empty for f in frames) else pd.DataFrame(columns=COVERAGE_COLUMNS)
    out["order"] = out["类别"].map({c: i for i, c in enumerate(CATEGORIES)})
    out = out.sort_values(["order", "地区", "单位", "报告文件"], na_position="last", kind="stable")
    out = out[COVERAGE_COLUMNS].astype(object).reset_index(drop=True)
    return out.where(out.notna(), None)


def _deadlines(deadlines: dict[str, str] | None, year: int) -> dict[str | None, pd.Timestamp]:
    """Type → deadline date in year+1; key None holds the one for unknown types (the most lenient
    given, so nobody is called late on a guess). `deadlines` come from the publication rules
    (`auditor.domain.deadlines_by_type`); types they leave out keep the national rules' deadline."""
    deadlines = {**_national_deadlines(year), **(deadlines or {})}
    out: dict[str | None, pd.Timestamp] = {}
    for kind, month_day in deadlines.items():
        try:
            out[kind] = pd.Timestamp(f"{year + 1}-{month_day}")
        except ValueError:
            raise ValueError(f"发布期限「{kind}: {month_day}」无效，应为「月-日」，如 01-31") from None
    if not out:
        raise ValueError("没有适用的发布期限规则，无法判断是否按期发布")
    out[None] = out.get("unknown", max(out.values()))
    out.pop("unknown", None)
    return out


def _national_deadlines(year: int) -> dict[str, str]:
    """The deadlines of the shipped national rules, for callers that pass no packs."""
    return dict(_national_deadline_items(year))


@lru_cache(maxsize=8)
def _national_deadline_items(year: int) -> tuple[tuple[str, str], ...]:
    from .domain import deadlines_by_type, national_packs, template_for_year

    return tuple(deadlines_by_type(national_packs(), template_for_year(year), year).items())


def _dates(published: pd.Series) -> pd.Series:
    """Publication dates as Timestamps; anything unreadable is NaT (→ 发布日期不明, never 逾期)."""
    if pd.api.types.is_datetime64_any_dtype(published):
        return published
    return pd.to_datetime(published.astype(object).where(published.notna(), None),
                          errors="coerce", format="%Y-%m-%d")


def _report_types(reports: pd.DataFrame, roster: pd.DataFrame, entry: pd.Series) -> pd.Series:
    inferred = reports["agency_type"] if "agency_type" in reports.columns else infer_types(reports["agency"])
    inferred = inferred.astype(object).where(inferred.isin(list(TYPES)), None)
    given = _types_of(entry, roster)
    return given.where(given.notna(), inferred).where(lambda s: s != "unknown", None)


def _type_words(types: pd.Series) -> pd.Series:
    return types.map(TYPES).fillna(TYPES["unknown"])


def _date_text(dates: pd.Series) -> pd.Series:
    dates = pd.to_datetime(dates)
    return dates.dt.strftime("%Y-%m-%d").astype(object).where(dates.notna(), None)


def _roster_part(roster: pd.DataFrame, entry: pd.Series) -> dict[str, object]:
    rows = roster.iloc[entry.to_numpy()]
    col = (lambda c: rows[c].to_numpy(dtype=object) if c in rows.columns else np.full(len(rows), None))
    return {"单位": col("name"), "地区": col("region"), "上级单位": col("parent")}


def _missing(roster: pd.DataFrame, current: pd.DataFrame, undated: pd.DataFrame,
             limits: dict[str | None, pd.Timestamp], year: int) -> pd.DataFrame:
    """Roster units with no matched report of `year`; reports with an unread year are pointed out."""
    absent = roster.index.difference(pd.Index(current.loc[current["entry"] >= 0, "entry"].unique()))
    given = roster["agency_type"] if "agency_type" in roster.columns else pd.Series(None, index=roster.index)
    types = given.where(given.notna(), infer_types(roster["name"]))[absent]
    types = types.where(types != "unknown", None)
    deadline = types.map(limits).fillna(limits[None])
    note = pd.Series(f"名册所列单位未见{year}年度报告", index=absent, dtype=object)
    others = undated.groupby("entry")["file"].agg(lambda f: "、".join(sorted(f))).reindex(absent)
    note = note.where(others.isna(), note + "；另有未能读取年度的报告（" + others.fillna("") + "），请人工核实")
    return pd.DataFrame({"类别": "未发布", **_roster_part(roster, pd.Series(absent)), "单位类型": _type_words(types).to_numpy(),
                         "报告文件": None, "发布日期": None, "发布期限": _date_text(deadline).to_numpy(),
                         "说明": note.to_numpy()}, index=range(len(absent)))


def _late(roster: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    late = matched[matched["published"].notna() & (matched["published"] > matched["deadline"])]
    days = (late["published"] - late["deadline"]).dt.days.astype(str)
    known = late["type"].notna().to_numpy()
    whose = pd.Series(np.where(known, _type_words(late["type"]) + "的", ""), index=late.index, dtype=object)
    why = pd.Series(np.where(known, "", "（单位类型未能判断，按最宽的期限计）"), index=late.index, dtype=object)
    note = ("发布日期 " + _date_text(late["published"]).astype(str) + " 晚于" + whose + "发布期限 "
            + _date_text(late["deadline"]).astype(str) + why + "，逾期 " + days + " 天")
    return _report_rows("逾期发布", late, note, _roster_part(roster, late["entry"]))


def _undated(roster: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    note = pd.Series("未能从报告中读取发布日期，无法判断是否按期发布，请人工核实", index=matched.index, dtype=object)
    return _report_rows("发布日期不明", matched, note, _roster_part(roster, matched["entry"]))


def _unmatched(roster: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    names = roster["name"].to_numpy(dtype=object)
    candidates = rows["entries"].map(lambda e: "、".join(sorted(str(names[i]) for i in e))
                                     if isinstance(e, list) else "")
    note = pd.Series("单位名称与名册中任何单位均不对应，请核对名册或单位名称写法", index=rows.index, dtype=object)
    note = note.where(rows["n"] < 2, "单位名称与名册中多个单位同样对应（" + candidates + "），未予认定，请人工核对")
    note = note.where(rows["agency"].notna(), "未能从报告中读取单位名称，请人工核对")
    unit = {"单位": rows["agency"].to_numpy(dtype=object), "地区": None, "上级单位": None}
    return _report_rows("未匹配名册", rows, note, unit)


def _absent_published(roster: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """Units whose only matched reports of the year were not provided this time, all on time:
    已发布（本次未提供）(a late or undated one is already listed as such, its note saying so)."""
    gone = _is_absent(matched)
    here = set(matched.loc[~gone, "entry"])
    fine = matched[gone & ~matched["entry"].isin(list(here)) & matched["published"].notna()
                   & (matched["published"] <= matched["deadline"])]
    note = pd.Series("本次运行未提供该报告，以前的审核见过，按已发布计（发布日期 ", index=fine.index, dtype=object) \
        + _date_text(fine["published"]).astype(str) + "，按期）"
    return _report_rows(ABSENT_PUBLISHED, fine, note, _roster_part(roster, fine["entry"]))


def _is_absent(rows: pd.DataFrame) -> pd.Series:
    if "absent" not in rows.columns:
        return pd.Series(False, index=rows.index, dtype=bool)
    return rows["absent"].notna() & (rows["absent"].astype(object) != "")


def _report_rows(category: str, rows: pd.DataFrame, note: pd.Series, unit: dict[str, object]) -> pd.DataFrame:
    """One coverage row per report; `unit` gives 单位/地区/上级单位 (from the roster when matched). A
    report not provided this time (judged by its last version) says so first in 说明."""
    gone = _is_absent(rows)
    if gone.any() and category != ABSENT_PUBLISHED:
        note = note.where(~gone, "本次运行未提供该报告，按以前审核的版本：" + note.astype(str))
    return pd.DataFrame({"类别": category, **unit, "单位类型": _type_words(rows["type"]).to_numpy(),
                         "报告文件": rows["file"].to_numpy(dtype=object),
                         "发布日期": _date_text(rows["published"]).to_numpy(),
                         "发布期限": _date_text(rows["deadline"]).to_numpy(), "说明": note.to_numpy()},
                        index=range(len(rows)))


# ---------------------------------------------------------------- the roster's columns in the workbook

DETAIL_COLUMNS = ["region", "parent", "roster_type"]
DETAIL_WORDS = {"region": "地区", "parent": "上级单位", "roster_type": "单位类型"}


def roster_entries(agencies: pd.Series, roster: pd.DataFrame) -> np.ndarray:
    """Per agency name: the roster row position it matches (`match_reports`'s rule), or -1."""
    frame = pd.DataFrame({"agency": agencies.to_numpy(dtype=object)})
    return _match(frame, roster.reset_index(drop=True))["entry"].to_numpy()


def roster_details(agencies: pd.Series, roster: pd.DataFrame) -> pd.DataFrame:
    """Per agency name (index kept): the matched roster unit's 地区, 上级单位 and 单位类型 word, as
    `region`, `parent`, `roster_type`; None where nothing matches (never a guess)."""
    roster = roster.reset_index(drop=True)
    entry = roster_entries(agencies, roster)
    hit = entry >= 0
    out = {}
    for column, source in (("region", "region"), ("parent", "parent"), ("roster_type", "agency_type")):
        values = np.full(len(entry), None, dtype=object)
        if source in roster.columns:
            values[hit] = roster[source].to_numpy(dtype=object)[entry[hit]]
        out[column] = values
    out["roster_type"] = np.array([TYPES.get(t) if isinstance(t, str) else None for t in out["roster_type"]],
                                  dtype=object)
    return pd.DataFrame(out, index=agencies.index, dtype=object)


def with_roster_columns(frame: pd.DataFrame, roster: pd.DataFrame, agency: str = "单位") -> pd.DataFrame:
    """A workbook sheet's frame with the roster's 地区, 上级单位, 单位类型 right after its `agency`
    column (a column the sheet already has is left as it is)."""
    if agency not in frame.columns:
        return frame
    details = roster_details(frame[agency].reset_index(drop=True), roster)
    out = frame.reset_index(drop=True).copy()
    at = list(out.columns).index(agency) + 1
    for column in DETAIL_COLUMNS:
        header = DETAIL_WORDS[column]
        if header in out.columns:
            continue
        out.insert(at, header, details[column].to_numpy(dtype=object))
        at += 1
    return out


def coverage_line(sheet: pd.DataFrame, units: int) -> str:
    """The terminal's one line from the 覆盖情况 sheet's rows: 名册 N 家：已发布 a，未发布 b，逾期 c
    (a unit with two late reports is one late unit)."""
    category = sheet["类别"] if "类别" in sheet.columns else pd.Series(dtype=object)
    missing = int((category == "未发布").sum())
    late = sheet.loc[category == "逾期发布", ["单位", "地区"]].drop_duplicates()
    return f"名册 {units} 家：已发布 {units - missing}，未发布 {missing}，逾期 {len(late)}（见工作簿「覆盖情况」）"
