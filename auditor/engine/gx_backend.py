"""Run the engine's numeric checks as Great Expectations (GX 1.x) expectations.

The engine builds, for a whole batch of reports at once, pandas frames in which every row has a
unique integer ``_rid``. Each check is an :class:`ExpectationSpec`; :func:`run_expectations`
turns the specs into GX expectations, lets GX decide pass/fail, and returns the failing ``_rid``
values per spec key. GX's own validation results can be kept as a JSON file.

How it is wired (GX 1.24):

* One ephemeral Data Context per process, created lazily on the first call that has work to do
  (``import great_expectations`` costs seconds, most CLI commands never need it). Analytics are
  disabled (``GX_ANALYTICS_ENABLED=false`` before the import) and progress bars are switched off
  through the context variable ``progress_bars`` (``ProgressBarsConfig(globally=False,
  metric_calculations=False)``), which the validator reads; without it GX writes
  "Calculating Metrics" bars to stderr even without a terminal.
* One pandas data source / dataframe asset / whole-dataframe batch definition per frame name,
  created the first time the name is seen and reused afterwards.
* Per call and per frame: one expectation suite holding all specs for that frame, validated once
  against ``batch_definition.get_batch(batch_parameters={"dataframe": df})`` with result format
  COMPLETE and ``unexpected_index_column_names=["_rid"]``, so every failing row of every spec comes
  back in one pass. The suite and the batch are not stored in the context (``Batch.validate``
  rather than a ``ValidationDefinition``, whose ``run`` would also keep every result in the
  context's in-memory results store for the life of the process).
* Row selection (``where``) uses GX's own row conditions. In GX >= 1.9 a row condition is a
  condition object (string row conditions with ``condition_parser="pandas"`` are deprecated), so
  ``(("rule_id", "T3-A1"),)`` becomes ``Column("rule_id") == "T3-A1"`` and several pairs are
  joined with ``&``. The pandas execution engine applies it with ``DataFrame.query`` before the
  expectation is evaluated; the failing rows are still decided by GX.
* Each expectation carries its spec key in ``meta["auditor_spec_key"]`` (next to ``spec.meta``),
  and results are mapped back by that key, never by position (GX does not keep suite order).

Semantics worth knowing:

* ``between`` is inclusive on both ends (GX ``strict_min``/``strict_max`` stay False); either bound
  may be None, not both.
* ``regex`` must match the *whole* value: the pattern is wrapped as ``\\A(?:regex)\\Z`` (GX itself
  uses ``str.contains``, i.e. a search). GX converts the column with ``astype(str)`` first.
* Nulls: GX map expectations drop null values of the checked column before evaluating, for
  ``between`` and ``regex`` alike. A null is therefore neither a failure nor reported anywhere
  except as ``missing_count`` in the GX result. Callers must filter nulls out (or never produce
  them) and report them themselves if a missing value matters.
* ``where`` compares with ``==`` against the given string, so a ``where`` column must hold
  strings; a non-string ``where`` column raises :class:`EngineError` (an int column compared with
  ``"2023"`` would silently select nothing). A ``where`` that selects no rows is a pass (GX
  validates an empty selection as success).
* An expectation that GX could not evaluate (missing column, wrong dtype, bad regex …) comes back
  from GX with ``exception_info.raised_exception`` true; that is an engine error, raised as
  :class:`EngineError` naming the spec key(s) and GX's message, never a pass or a finding.
  All frames are still validated first and the results file (if requested) is written before the
  error is raised, so the GX diagnostics are kept.
* Empty frames are not sent to GX: every spec on them gets an empty set, without any check.

Results file (``results_path``): UTF-8 JSON, written atomically (temp file + ``os.replace``)::

    {"format": "auditor.gx_results/1",
     "runs": [{"frame": "<frame name>", "validation_result": <ExpectationSuiteValidationResult
               .to_json_dict()>}, ...]}

one entry per validated (non-empty) frame, in the order frames first appear in ``specs``.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
import re
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ExpectationSpec", "EngineError", "run_expectations", "RID_COLUMN", "RESULTS_FORMAT"]

RID_COLUMN = "_rid"
KEY_META = "auditor_spec_key"
RESULTS_FORMAT = "auditor.gx_results/1"
KINDS = ("between", "regex")


@dataclass(frozen=True)
class ExpectationSpec:
    key: str  # unique, e.g. "T3-A1" or "NUM-TYPE"
    frame: str  # name of the frame in `frames` to validate
    column: str  # column the expectation is about
    kind: str  # "between" (min_value/max_value, either may be None) or "regex" (full match)
    min_value: float | None = None
    max_value: float | None = None
    regex: str | None = None
    where: tuple[tuple[str, str], ...] = ()  # equality filters (column, value) selecting rows
    meta: tuple[tuple[str, str], ...] = ()  # rides along into GX results (rule id, legal basis)


class EngineError(Exception):
    """The check could not be carried out (not a finding). Message in Chinese.

    ``keys`` holds the spec keys concerned, if any.
    """

    def __init__(self, message: str, keys: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.keys: tuple[str, ...] = tuple(keys)

    def __reduce__(self) -> tuple:
        # it travels back from the validation process (gx_process.py) with its keys
        return (EngineError, (str(self), self.keys))


# --------------------------------------------------------------------------- GX state (lazy)

_LOCK = threading.RLock()
_STATE: dict[str, Any] = {}  # "context", "gx", "gxe", "Column", "batch_defs"
_RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [RID_COLUMN],
    # the pandas "query" is df.filter(items=[<index labels>]): long and useless outside GX
    "return_unexpected_index_query": False,
}


def _gx_state() -> dict[str, Any]:
    """Import GX and create the process-wide ephemeral context on first use."""
    if "context" in _STATE:
        return _STATE
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.row_conditions import Column

    # Some GX modules pin their logger to INFO (e.g. "Created temporary directory … docs site");
    # the auditor runs from cron, where only our own messages belong on stderr.
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(
        globally=False, metric_calculations=False
    )
    _STATE.update(gx=gx, gxe=gxe, Column=Column, batch_defs={}, context=context)
    return _STATE


def preload() -> None:
    """Import GX and make its context ahead of time (gx_process.py does, while the files are read):
    the import takes seconds of one core."""
    with _LOCK:
        _gx_state()


def _batch_definition(state: dict[str, Any], frame: str) -> Any:
    """One data source / dataframe asset / whole-dataframe batch definition per frame name."""
    batch_defs: dict[str, Any] = state["batch_defs"]
    if frame not in batch_defs:
        name = f"auditor:{frame}"
        source = state["context"].data_sources.add_pandas(name=name)
        asset = source.add_dataframe_asset(name=name)
        batch_defs[frame] = asset.add_batch_definition_whole_dataframe(name=name)
    return batch_defs[frame]


# --------------------------------------------------------------------------- spec checks


def _check_specs(frames: dict[str, pd.DataFrame], specs: list[ExpectationSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        key = spec.key
        if not isinstance(key, str) or not key:
            raise EngineError(f"校验项的 key 必须是非空字符串：{spec!r}")
        if key in seen:
            raise EngineError(f"校验项 key 重复：{key}", [key])
        seen.add(key)
        if spec.frame not in frames:
            raise EngineError(f"规则 {key} 的校验执行出错：没有名为 {spec.frame} 的数据表", [key])
        if spec.kind not in KINDS:
            raise EngineError(
                f"规则 {key} 的校验执行出错：未知的校验类型 {spec.kind!r}（应为 between 或 regex）",
                [key],
            )
        if spec.kind == "between":
            if spec.min_value is None and spec.max_value is None:
                raise EngineError(f"规则 {key} 的校验执行出错：between 至少需要上限或下限之一", [key])
            if spec.regex is not None:
                raise EngineError(f"规则 {key} 的校验执行出错：between 不接受 regex", [key])
            if (
                spec.min_value is not None
                and spec.max_value is not None
                and spec.min_value > spec.max_value
            ):
                raise EngineError(f"规则 {key} 的校验执行出错：下限大于上限", [key])
        else:
            if not spec.regex:
                raise EngineError(f"规则 {key} 的校验执行出错：regex 校验缺少正则表达式", [key])
            if spec.min_value is not None or spec.max_value is not None:
                raise EngineError(f"规则 {key} 的校验执行出错：regex 不接受上下限", [key])
            try:
                re.compile(spec.regex)
            except re.error as exc:
                raise EngineError(f"规则 {key} 的校验执行出错：正则表达式无效：{exc}", [key]) from exc
        for pair in spec.where:
            if (
                not isinstance(pair, (tuple, list))
                or len(pair) != 2
                or not all(isinstance(x, str) for x in pair)
            ):
                raise EngineError(
                    f"规则 {key} 的校验执行出错：where 必须是 (列名, 字符串值) 对：{pair!r}", [key]
                )
        meta_keys = [m[0] for m in spec.meta]
        if KEY_META in meta_keys:
            raise EngineError(f"规则 {key} 的校验执行出错：meta 不得使用保留键 {KEY_META}", [key])


def _check_frame(name: str, df: pd.DataFrame, specs: list[ExpectationSpec]) -> None:
    import pandas as pd

    if RID_COLUMN not in df.columns:
        raise EngineError(f"数据表 {name} 缺少 {RID_COLUMN} 列", [s.key for s in specs])
    rid = df[RID_COLUMN]
    if not pd.api.types.is_integer_dtype(rid) or not rid.is_unique:
        raise EngineError(
            f"数据表 {name} 的 {RID_COLUMN} 列必须是唯一的整数", [s.key for s in specs]
        )
    checked: set[str] = set()
    for spec in specs:
        for column, _value in spec.where:
            if column in checked or column not in df.columns:
                continue  # a missing column is reported by GX (exception_info)
            col = df[column]
            if not (
                pd.api.types.is_string_dtype(col)
                or pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty")
            ):
                raise EngineError(
                    f"规则 {spec.key} 的校验执行出错：数据表 {name} 的筛选列 {column} 不是字符串列"
                    f"（类型 {col.dtype}），按字符串值筛选会漏选行",
                    [spec.key],
                )
            checked.add(column)


def _full_match(regex: str) -> str:
    """Anchor `regex` so that GX's ``str.contains`` (a search) becomes a full match.

    Python's ``$`` also matches before a trailing newline, so ``\\Z`` is used; pyarrow-backed
    strings (RE2) have no ``\\Z`` but their ``$`` already means end of text.
    """
    import pandas as pd

    storage = getattr(pd.Series([""], dtype=str).dtype, "storage", "python")
    if storage == "pyarrow":
        return rf"^(?:{regex})$"
    return rf"\A(?:{regex})\Z"


def _expectation(state: dict[str, Any], spec: ExpectationSpec) -> Any:
    gxe = state["gxe"]
    Column = state["Column"]
    meta = {**dict(spec.meta), KEY_META: spec.key}
    kwargs: dict[str, Any] = {"column": spec.column, "meta": meta}
    if spec.where:
        condition = None
        for column, value in spec.where:
            part = Column(column) == value
            condition = part if condition is None else condition & part
        kwargs["row_condition"] = condition
    if spec.kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(
            min_value=spec.min_value, max_value=spec.max_value, **kwargs
        )
    return gxe.ExpectColumnValuesToMatchRegex(regex=_full_match(spec.regex or ""), **kwargs)


# --------------------------------------------------------------------------- results


def _exception_messages(info: Any) -> list[str]:
    """GX's exception_info is either flat ({raised_exception, exception_message, …}) or, when a
    metric failed, a dict of such dicts keyed by metric id."""
    if not isinstance(info, dict):
        return []
    if "raised_exception" in info:
        if info.get("raised_exception"):
            return [str(info.get("exception_message") or "GX 未给出错误信息")]
        return []
    messages: list[str] = []
    for value in info.values():
        for msg in _exception_messages(value):
            if msg not in messages:
                messages.append(msg)
    return messages


def _collect(
    frame: str,
    validation: Any,
    specs: list[ExpectationSpec],
    failing: dict[str, set[int]],
    errors: list[tuple[str, str]],
) -> None:
    wanted = {s.key for s in specs}
    seen: set[str] = set()
    for result in validation.results:
        config = result.expectation_config
        key = (config.meta or {}).get(KEY_META) if config is not None else None
        if key not in wanted or key in seen:
            errors.append((str(key), f"数据表 {frame} 返回了无法对应的校验结果"))
            continue
        seen.add(key)
        messages = _exception_messages(result.exception_info)
        if messages:
            errors.append((key, "；".join(messages)))
            continue
        if result.success:
            failing[key] = set()
            continue
        rows = (result.result or {}).get("unexpected_index_list") or []
        try:
            rids = {int(row[RID_COLUMN]) for row in rows}
        except (KeyError, TypeError, ValueError) as exc:
            errors.append((key, f"GX 返回的失败行缺少 {RID_COLUMN}：{exc!r}"))
            continue
        if not rids:
            errors.append((key, "GX 判定不通过，但没有返回任何失败行"))
            continue
        failing[key] = rids
    for key in sorted(wanted - seen):
        errors.append((key, f"数据表 {frame} 的校验结果中缺少该项"))


def _write_json_atomic(path: pathlib.Path, payload: Any) -> None:
    """Write `payload` as UTF-8 JSON next to `path`, then os.replace it into place.

    The temp file is opened with mode "x" (not mkstemp) so it gets the usual umask permissions.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# --------------------------------------------------------------------------- entry point


def run_expectations(
    frames: dict[str, pd.DataFrame],
    specs: list[ExpectationSpec],
    results_path: pathlib.Path | None = None,
) -> dict[str, set[int]]:
    """Validate every spec with GX; return, per spec key, the set of failing `_rid` values.

    Every spec key is present in the returned dict (an empty set means it passed, or that its
    frame or its `where` selection was empty). Raises :class:`EngineError` for malformed specs or
    frames and for any expectation GX could not evaluate. See the module docstring for null and
    `where` semantics and for the results file layout.
    """
    _check_specs(frames, specs)
    failing: dict[str, set[int]] = {s.key: set() for s in specs}

    by_frame: dict[str, list[ExpectationSpec]] = {}
    for spec in specs:
        by_frame.setdefault(spec.frame, []).append(spec)
    work = {name: group for name, group in by_frame.items() if len(frames[name]) > 0}
    for name, group in work.items():
        _check_frame(name, frames[name], group)

    runs: list[dict[str, Any]] = []
    errors: list[tuple[str, str]] = []
    if work:
        with _LOCK:
            try:
                state = _gx_state()
            except Exception as exc:
                raise EngineError(
                    f"无法启动 Great Expectations：{type(exc).__name__}: {exc}",
                    [s.key for group in work.values() for s in group],
                ) from exc
            for name, group in work.items():
                try:
                    suite = state["gx"].ExpectationSuite(name=f"auditor:{name}")
                    for spec in group:
                        suite.add_expectation(_expectation(state, spec))
                    batch = _batch_definition(state, name).get_batch(
                        batch_parameters={"dataframe": frames[name]}
                    )
                    validation = batch.validate(suite, result_format=dict(_RESULT_FORMAT))
                except Exception as exc:  # GX itself failed: no result for any spec here
                    for spec in group:
                        errors.append((spec.key, f"GX 运行失败：{type(exc).__name__}: {exc}"))
                    continue
                _collect(name, validation, group, failing, errors)
                if results_path is not None:
                    runs.append({"frame": name, "validation_result": validation.to_json_dict()})

    if results_path is not None:
        _write_json_atomic(results_path, {"format": RESULTS_FORMAT, "runs": runs})
    if errors:
        message = "\n".join(f"规则 {key} 的校验执行出错：{msg}" for key, msg in errors)
        raise EngineError(message, [key for key, _ in errors])
    return failing
