"""Score the auditor's findings against a synthetic corpus's ground truth.

    python -m bench.score CORPUS_DIR FINDINGS_JSONL

Only compliance findings count; a finding matches a ground-truth line on (file basename, rule_id,
location). Prints true positives, false positives, false negatives, precision and recall, per rule
and overall, and the first 20 mismatches (with the defect injected into that report, from
reports.jsonl). Exit code 0 (also when there are mismatches).
"""
from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from .cli import parser

Key = tuple[str, str, str]


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def load_truth(corpus: Path) -> set[Key]:
    out: set[Key] = set()
    with open(corpus / "ground_truth.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out.add((_basename(row["file"]), row["rule_id"], row["location"]))
    return out


def load_findings(path: Path, files: set[str] | None = None) -> set[Key]:
    """Compliance findings (waived ones included: the corpus has no waivers)."""
    out: set[Key] = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("category") != "compliance":
                continue
            name = _basename(row["file"])
            if files is None or name in files:
                out.add((name, row["rule_id"], row["location"]))
    return out


def score(truth: set[Key], found: set[Key]) -> dict:
    tp, fp, fn = truth & found, found - truth, truth - found
    precision = len(tp) / (len(tp) + len(fp)) if tp or fp else 1.0
    recall = len(tp) / (len(tp) + len(fn)) if tp or fn else 1.0
    rules = sorted({k[1] for k in truth | found})
    per_rule = {r: {"tp": sum(k[1] == r for k in tp), "fp": sum(k[1] == r for k in fp),
                    "fn": sum(k[1] == r for k in fn)} for r in rules}
    return {"tp": len(tp), "fp": len(fp), "fn": len(fn), "precision": precision, "recall": recall,
            "per_rule": per_rule, "false_positives": sorted(fp), "false_negatives": sorted(fn)}


def _defects(corpus: Path) -> dict[str, str]:
    path = corpus / "reports.jsonl"
    if not path.exists():
        return {}
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            detail = f"（{row['detail']}）" if row.get("detail") else ""
            out[row["file"]] = f"{row['layout']}，缺陷：{row['defect'] or '无'}{detail}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = parser("python -m bench.score",
                "按标准答案（ground_truth.jsonl）为审核结果评分：只计合规问题，按（文件名、规则编号、位置）匹配；"
                "输出真阳性、假阳性、假阴性、精确率、召回率和前 20 条不一致。")
    ap.add_argument("corpus", type=Path, help="语料目录（含 ground_truth.jsonl）")
    ap.add_argument("findings", type=Path, help="审核结果 findings.jsonl")
    ap.add_argument("--json", action="store_true", help="以 JSON 输出评分")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `… | head` ends quietly
    for path in (args.corpus / "ground_truth.jsonl", args.findings):
        if not path.is_file():
            ap.error(f"找不到文件：{path}")
    truth = load_truth(args.corpus)
    names = None
    manifest = args.corpus / "reports.jsonl"
    if manifest.exists():
        names = {json.loads(line)["file"] for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()}
    found = load_findings(args.findings, names)
    s = score(truth, found)
    if args.json:
        print(json.dumps({k: v for k, v in s.items() if k not in ("false_positives", "false_negatives")},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"标准答案 {len(truth)} 条，审核结果（合规问题）{len(found)} 条")
    print(f"真阳性 TP {s['tp']}  假阳性 FP {s['fp']}  假阴性 FN {s['fn']}")
    print(f"精确率 precision {s['precision']:.4f}  召回率 recall {s['recall']:.4f}")
    print("\n按规则：")
    for rule, c in s["per_rule"].items():
        print(f"  {rule:<30} TP {c['tp']:>5}  FP {c['fp']:>5}  FN {c['fn']:>5}")
    mismatches = [("FP", k) for k in s["false_positives"]] + [("FN", k) for k in s["false_negatives"]]
    if mismatches:
        defects = _defects(args.corpus)
        print(f"\n前 {min(20, len(mismatches))} 条不一致（共 {len(mismatches)} 条）：")
        for tag, (file, rule, loc) in mismatches[:20]:
            print(f"  {tag} {file} {rule} @ {loc}  [{defects.get(file, '')}]")
    if not mismatches:
        print("\n全部一致。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
