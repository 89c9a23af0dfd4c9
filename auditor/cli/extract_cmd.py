"""`auditor extract`: one report as the engine reads it."""
from __future__ import annotations

import argparse
import json
import sys

from .exits import EXIT_OK, EXIT_UNREADABLE


def _cmd_extract(args: argparse.Namespace) -> int:
    from ..extract import extract
    from ..fileerrors import why_unreadable
    from ..ingest import ReadError, read_document
    from ..naming import file_name

    status = EXIT_OK
    for path in args.files:
        report = None
        try:
            report = extract(read_document(path))
            report.file = file_name(path)      # a GBK file name prints decoded, never as surrogates
            obj = report.as_json()
        except (ReadError, OSError) as exc:
            problem = f"文件无法读取：{why_unreadable(exc)}" if isinstance(exc, OSError) else str(exc)
            obj = {"file": file_name(path), "template": None,
                   "meta": {"title": None, "agency": None, "year": None, "published": None},
                   "sections": [], "tables": {"t2": {}, "t3": {}, "t4": {}}, "cells": [],
                   "extraction": {"status": "failed", "problems": [problem]}}
            status = EXIT_UNREADABLE
        if args.json or len(args.files) > 1:
            indent = None if len(args.files) > 1 else 2
            sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")
        else:
            _print_extraction(obj, report)
    return status


def _print_extraction(obj: dict, report) -> None:
    """The report as read, for a person: its metadata and parts, then tables 2–4 as grids."""
    from ..evidence.terminal import table_lines

    m = obj["meta"]
    print(f"文件：{obj['file']}\n标题：{m['title']}\n单位：{m['agency']}\n年度：{m['year']}\n发布日期：{m['published']}")
    print(f"格式：{obj['template'] or '未识别'}\n读取状态：{obj['extraction']['status']}")
    for s in obj["sections"]:
        print(f"  第{s['number']}部分：{s['title']}（{len(s['text'])} 字）")
    for p in obj["extraction"]["problems"]:
        print(f"  问题：{p}")
    if report is not None:
        print()
        print("\n".join(table_lines(report)))
