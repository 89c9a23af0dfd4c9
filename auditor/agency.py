"""Agency type (people's government, department, township) inferred from the agency's name.

The type decides the publication deadline (条例第四十九条). The inference is deliberately
conservative: a name that fits no pattern is `unknown`, and rules treat unknown leniently rather
than accuse an agency on a guess. Offices can override types by name (see `load_overrides`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .domain import AGENCY_TYPES, agency_keys, agency_type_word

TYPES = AGENCY_TYPES    # the one home is auditor/domain.py

_DEPARTMENT = r"(?:局|分局|委员会|委|办公室|办|厅|署|中心|院|所|队|站|馆|会|处|公司|集团|支队|大队)$"
_GOVERNMENT = r"(?:人民政府|政府|管委会|管理委员会|(?:省|市|区|县|自治州|自治县|州|盟|旗|新区|实验区|开发区|示范区|高新区))$"
_TOWNSHIP = r"(?:乡|镇|街道|街道办事处|苏木)(?:人民政府)?$"


def infer_types(names: pd.Series) -> pd.Series:
    """Vectorised over a batch: one pass of three regular expressions."""
    s = names.fillna("").astype(str).str.replace(r"\s+", "", regex=True)
    out = pd.Series("unknown", index=names.index, dtype=object)
    out[s.str.contains(_GOVERNMENT, regex=True)] = "government"
    out[s.str.contains(_DEPARTMENT, regex=True)] = "department"
    out[s.str.contains(_TOWNSHIP, regex=True)] = "township"
    return out


def infer_type(name: str | None) -> str:
    return str(infer_types(pd.Series([name])).iloc[0])


def resolve_types(names: pd.Series, overrides: dict[str, str] | None = None) -> pd.Series:
    """Type per name: the office's override where one names the agency (compared by the agency
    key, so spacing, width and 人民政府/政府 do not matter), else the inference. The one place
    the engine, the overview and the roster sheet get an agency's type from."""
    inferred = infer_types(names)
    if not overrides:
        return inferred
    given_keys = agency_keys(pd.Series(list(overrides), dtype=object)).tolist()
    by_key = {k: v for k, v in zip(given_keys, overrides.values()) if k}
    keys = agency_keys(names)
    given = keys.map(by_key)
    return given.where(given.notna() & (keys != ""), inferred).astype(object)


def load_overrides(path: Path) -> dict[str, str]:
    """A YAML mapping `单位名称: government|department|township` that beats the inference.
    ValueError with one Chinese sentence naming the file (and the line) when it cannot be used."""
    from .fileerrors import read_text_zh
    from .rules.strict_yaml import YamlProblem, compose, construct

    what = "单位类型文件"
    text = read_text_zh(path, what)
    try:
        data = construct(compose(text)) or {}
    except YamlProblem as exc:
        raise ValueError(f"{what} {path} 第 {exc.line} 行：{exc.message}。") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path} 应为「单位名称: 类型」的映射，每行一个单位。")
    types = {k: v if v in TYPES else agency_type_word(v) for k, v in data.items()}
    bad = {k: v for k, v in data.items() if types[k] is None}
    if bad:
        listed = "、".join(f"{k}「{v}」" for k, v in bad.items())
        raise ValueError(f"{what} {path} 中的单位类型无法识别：{listed}；可选：{', '.join(TYPES)}"
                         "（或 人民政府、政府部门、乡镇（街道））。")
    return {re.sub(r"\s+", "", str(k)): str(t) for k, t in types.items()}
