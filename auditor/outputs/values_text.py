"""A finding's `values` as the sentence a reviewer reads in the workbook's 数值 column:
「实际标题：四、…；规定标题：四、…」 instead of JSON. findings.jsonl keeps `values` as JSON (a data
contract); this text is for people only, and the decisions import compares it with this same function
applied to the latest run's values (auditor/review/workbook_import.py).

The rule kinds (auditor/engine/kinds/*.py) already name their values in Chinese (实际标题, 差额,
未读取单元格数, 原文, …), so a key is shown as it is; only the values that are codes get their word
(读取状态 partial → 部分读取, 格式 2021 → 2021版). A key that is not known is kept, never dropped."""
from __future__ import annotations

import json
import math
from typing import Any

ITEM_SEP = "；"
KEY_SEP = "："
LIST_SEP = "、"
NONE_WORD = "（无）"          # a value the rule could not have (e.g. a year not read)
BLANK_WORD = "（空白）"        # an empty text, e.g. the 原文 of a blank table cell
BOOL_WORDS = {True: "是", False: "否"}


def readable_values(values: Any) -> str:
    """`values` (a dict, its JSON text, or missing) as 「键：值；键：值」; empty when there are none."""
    values = _as_object(values)
    if not isinstance(values, dict):
        return _value_text(values)
    return ITEM_SEP.join(f"{key}{KEY_SEP}{_value_text(_code_word(str(key), v))}" for key, v in values.items())


def _as_object(values: Any) -> Any:
    """The values as plain Python (tables.jsonable), a JSON object text read back into a dict."""
    from .tables import jsonable      # here, not above: tables.py imports this module

    if isinstance(values, str) and values.lstrip().startswith("{"):
        try:
            values = json.loads(values)
        except ValueError:
            pass
    values = jsonable(values)
    return {} if values is None else values


def _code_word(key: str, value: Any) -> Any:
    """The word of a value that is a code: 读取状态 and 格式, named as everywhere else in the workbook."""
    from .tables import STATUS_WORDS, template_word

    if key == "读取状态" and isinstance(value, str):
        return STATUS_WORDS.get(value, value)
    if key == "格式" and value not in (None, ""):
        return template_word(value)
    return value


def _value_text(value: Any) -> str:
    if value is None:
        return NONE_WORD
    if isinstance(value, bool):
        return BOOL_WORDS[value]
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return value if value.strip() else BLANK_WORD
    if isinstance(value, list):
        return LIST_SEP.join(_value_text(v) for v in value) if value else NONE_WORD
    if isinstance(value, dict):
        inner = "，".join(f"{k}{KEY_SEP}{_value_text(v)}" for k, v in value.items())
        return f"（{inner}）" if inner else NONE_WORD
    return str(value)


def _number(value: float) -> str:
    """A float as people write it: 3 rather than 3.0, 0.125 rather than 1.25e-01."""
    if not math.isfinite(value):
        return NONE_WORD
    if value.is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")
