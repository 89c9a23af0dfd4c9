"""The main job: find report files, read and extract each, audit the batch, write the outputs."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .engine import RunResult, audit
from .extract import extract
from .ingest import ReadError, SUPPORTED_SUFFIXES, read_document
from .model import Report
from .outputs import write_outputs
from .rules.model import Pack
from .waivers import Waiver

log = logging.getLogger("auditor")


@dataclass
class Collected:
    files: list[Path]
    skipped: list[tuple[str, str]]      # (file, Chinese reason)


def collect(paths: list[Path]) -> Collected:
    """Expand folders (recursively, in name order); unsupported files are listed, not dropped."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and not p.name.startswith("."):
                    (files.append(p) if p.suffix.lower() in SUPPORTED_SUFFIXES
                     else skipped.append((str(p), f"不支持的文件类型「{p.suffix or '无扩展名'}」")))
        elif path.is_file():
            files.append(path)
        else:
            skipped.append((str(path), "文件不存在"))
    return Collected(files, skipped)


def read_reports(files: list[Path]) -> tuple[list[Report], list[tuple[str, str]]]:
    reports: list[Report] = []
    unreadable: list[tuple[str, str]] = []
    for path in files:
        try:
            reports.append(extract(read_document(path)))
        except ReadError as exc:
            unreadable.append((str(path), str(exc)))
        except Exception as exc:  # one bad file must not stop the run
            log.exception("读取 %s 时出错", path)
            unreadable.append((str(path), f"读取时发生内部错误（{type(exc).__name__}）"))
    return reports, unreadable


def run(paths: list[Path], packs: list[Pack], out_dir: Path, waivers: list[Waiver] | None = None,
        agency_types: dict[str, str] | None = None) -> tuple[RunResult, list[Path]]:
    collected = collect(paths)
    reports, unreadable = read_reports(collected.files)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = audit(reports, packs, gx_results=out_dir / "gx_validation.json",
                   unreadable=collected.skipped + unreadable, agency_types=agency_types, waivers=waivers)
    extra = {"豁免": waiver_sheet(result.waivers)} if result.waivers is not None else None
    written = write_outputs(out_dir, result.findings, result.reports, extra)
    return result, written


def waiver_sheet(report: pd.DataFrame) -> pd.DataFrame:
    """The 豁免 sheet: every waiver with its status, so expired and unused ones are seen."""
    return pd.DataFrame({
        "规则编号": report["rule"], "单位": report["agency"], "年度": report["year"], "位置": report["location"],
        "指纹": report["fingerprint"], "理由": report["reason"], "批准人": report["approved_by"],
        "有效期至": report["expires"], "状态": report["status"], "匹配问题数": report["matched"],
    }, dtype=object)
