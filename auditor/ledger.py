"""The ledger: one SQLite file that remembers every report version, run, finding and decision.

It makes monthly runs incremental (a report whose content, rules and engine are unchanged is not
read again: its extraction and findings are reused) and keeps history across runs. Human
decisions live in their own table, keyed by the finding's fingerprint and a hash of the values
behind it, so a decision survives re-runs until those values change. Every write happens in one
transaction per run, so a crash never leaves a half-recorded run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import sys
import unicodedata
import zlib
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Iterable

import msgspec
import orjson
import pandas as pd
import zstandard

from .model import Report

SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, hash TEXT);
CREATE TABLE IF NOT EXISTS versions(
  hash TEXT PRIMARY KEY, file TEXT, agency TEXT, agency_key TEXT, year INTEGER, template TEXT,
  status TEXT, published TEXT, first_seen TEXT, last_seen TEXT, report BLOB);
CREATE INDEX IF NOT EXISTS versions_agency ON versions(agency_key, year);
CREATE TABLE IF NOT EXISTS audits(hash TEXT, rules_hash TEXT, findings BLOB, PRIMARY KEY(hash, rules_hash));
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY, started TEXT, finished TEXT, engine TEXT, rules_hash TEXT, inputs INTEGER,
  audited INTEGER, reused INTEGER, counts TEXT, folder TEXT);
CREATE TABLE IF NOT EXISTS findings(
  run_id INTEGER, fingerprint TEXT, values_hash TEXT, file TEXT, agency TEXT, year INTEGER, rule_id TEXT,
  severity TEXT, category TEXT, location TEXT, message TEXT);
CREATE INDEX IF NOT EXISTS findings_run ON findings(run_id);
CREATE TABLE IF NOT EXISTS decisions(
  id INTEGER PRIMARY KEY, fingerprint TEXT, values_hash TEXT, decision TEXT, comment TEXT, who TEXT, at TEXT);
CREATE INDEX IF NOT EXISTS decisions_fp ON decisions(fingerprint);
"""
DECISION_WORDS = {"confirmed": "确认属实", "dismissed": "不予采纳"}
MIN_FINGERPRINT_PREFIX = 6      # shorter prefixes would too often name several findings, or the wrong one


class DecisionError(ValueError):
    """A decision that cannot be recorded (no run yet, unknown or ambiguous fingerprint); `message`
    is one Chinese sentence for the reviewer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def values_hash(values: Any) -> str:
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_compressor = zstandard.ZstdCompressor(level=1)   # fastest; about 4% larger than level 3
_decompressor = zstandard.ZstdDecompressor()


def _pack(obj: Any) -> bytes:
    """JSON, compressed (orjson + zstd: about 3x cheaper than json + zlib, about the same size)."""
    return _compressor.compress(orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS))


_report_encoder = msgspec.msgpack.Encoder()
_report_decoder = msgspec.msgpack.Decoder(Report)


def pack_report(report: Report) -> bytes:
    """A report as stored in the ledger and sent back by the reading processes: msgpack from the
    model's own field declarations (auditor/model.py), zstd-compressed (about a third of the size)."""
    return _compressor.compress(_report_encoder.encode(report))


def unpack_report(blob: bytes) -> Report:
    """`pack_report`'s report back; blobs of earlier versions (JSON, zstd or zlib) are read too:
    last year's reports for the cross-year rules come from ledgers written before."""
    if blob[:4] == _ZSTD_MAGIC and not _is_json(data := _decompressor.decompress(blob)):
        report = _report_decoder.decode(data)
    else:
        report = Report.from_store(_unpack(blob))      # JSON, as earlier versions stored it
    _share_keys(report)
    return report


def _share_keys(report: Report) -> None:
    """Decoding gives every cell its own copies of its table, row and column keys; one shared copy
    of each more than halves the memory of a batch's reports (for about a quarter more time)."""
    intern = sys.intern
    for cell in report.cells:
        cell.table, cell.row, cell.col = intern(cell.table), intern(cell.row), intern(cell.col)


def _unpack(blob: bytes) -> Any:
    """Any blob as plain data: zstd of msgpack (reports) or of JSON (findings; reports of earlier
    versions), or zlib of JSON (ledgers written by earlier versions still)."""
    if blob[:4] != _ZSTD_MAGIC:
        return json.loads(zlib.decompress(blob).decode("utf-8"))
    data = _decompressor.decompress(blob)
    return orjson.loads(data) if _is_json(data) else msgspec.msgpack.decode(data)


def _is_json(data: bytes) -> bool:
    """JSON here is always an object or a list; msgpack's maps and arrays start with bytes ≥ 0x80."""
    return data[:1] in (b"{", b"[")


class LedgerError(Exception):
    """The ledger file is damaged. The file is left exactly as it was; the message (Chinese) says
    how to recover."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(corrupt_message(path, detail))


_CORRUPT = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def is_corruption(exc: BaseException) -> bool:
    """Whether an SQLite error means a damaged file (not a full disk, a lock or a read-only folder)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return name.startswith(_CORRUPT) or "malformed" in text or "not a database" in text


def corrupt_message(path: Path, detail: str) -> str:
    return (f"账本 {path} 已损坏（{detail}），本次未运行，之前的结果和这个损坏的文件都保持原样；"
            f"恢复方法：把它（连同同目录下的 {path.name}-wal、{path.name}-shm，如有）改名留存，例如 "
            f"mv {path} {path}.damaged，再运行一次，即全部重新审核并新建账本（以前的处理意见和历史记录"
            "留在改名后的文件中，可请维护人员取回）；如有备份，也可用备份替换它。")


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), timeout=30)
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            if is_corruption(exc):
                raise LedgerError(path, str(exc)) from exc
            raise

    def _open(self) -> None:
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        with self.db:
            self.db.executescript(SCHEMA)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
            if "input_key" not in columns:
                self.db.execute("ALTER TABLE runs ADD COLUMN input_key TEXT")
            self._rekey_agencies()

    def _rekey_agencies(self) -> None:
        """Versions stored under an earlier agency key are re-keyed once, so that an agency's
        earlier years are still found when the key's rules change (auditor/domain.py)."""
        from .domain import AGENCY_KEY_VERSION, agency_keys

        row = self.db.execute("SELECT value FROM meta WHERE key = 'agency_key'").fetchone()
        if row is not None and row[0] == AGENCY_KEY_VERSION:
            return
        rows = self.db.execute("SELECT hash, agency FROM versions").fetchall()
        keys = agency_keys(pd.Series([agency for _, agency in rows], dtype=object)).tolist()
        self.db.executemany("UPDATE versions SET agency_key = ? WHERE hash = ?",
                            [(key or None, h) for (h, _), key in zip(rows, keys)])
        self.db.execute("INSERT OR REPLACE INTO meta VALUES('agency_key', ?)", (AGENCY_KEY_VERSION,))

    def close(self) -> None:
        self.db.close()

    # ---- files and versions ------------------------------------------------------------------
    def file_hashes(self) -> dict[str, tuple[int, int, str]]:
        return {p: (s, m, h) for p, s, m, h in self.db.execute("SELECT path, size, mtime_ns, hash FROM files")}

    def has_audits(self, rules_hash: str) -> bool:
        """Whether any report version was audited under these rules (else nothing can be reused)."""
        return self.db.execute("SELECT 1 FROM audits WHERE rules_hash = ? LIMIT 1", (rules_hash,)).fetchone() is not None

    def cached(self, hashes: Iterable[str], rules_hash: str) -> dict[str, tuple[Report, list[dict]]]:
        """Stored extraction and findings of each version already audited under these rules."""
        out: dict[str, tuple[Report, list[dict]]] = {}
        hashes = list(hashes)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i:i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT v.hash, v.report, a.findings FROM versions v JOIN audits a ON a.hash = v.hash "
                f"WHERE a.rules_hash = ? AND v.hash IN ({marks})", [rules_hash, *chunk])
            for h, report, findings in rows:
                out[h] = (unpack_report(report), _unpack(findings))
        return out

    def reports_of(self, keys: Iterable[tuple[str, int]]) -> list[Report]:
        """Latest stored version for each (agency_key, year): last year's reports for cross-year rules
        (of versions seen last together, an original and its 更正版, the later published)."""
        out = []
        for key, year in keys:
            row = self.db.execute("SELECT report FROM versions WHERE agency_key = ? AND year = ? "
                                  "ORDER BY last_seen DESC, published DESC LIMIT 1", (key, year)).fetchone()
            if row:
                out.append(unpack_report(row[0]))
        return out

    def versions_of_years(self, years: Iterable[int]) -> pd.DataFrame:
        """Every stored version of these report years, with `run_id`, the last run that saw it
        (recorded with its `last_seen` time): where a report not provided this time was last
        audited (auditor/absent.py)."""
        years = sorted({int(y) for y in years})
        columns = ["hash", "file", "agency", "agency_key", "year", "published", "status", "last_seen", "run_id"]
        if not years:
            return pd.DataFrame(columns=columns)
        marks = ",".join("?" * len(years))
        return pd.read_sql_query(
            f"SELECT v.hash, v.file, v.agency, v.agency_key, v.year, v.published, v.status, v.last_seen, "
            f"(SELECT MAX(r.id) FROM runs r WHERE r.finished = v.last_seen) AS run_id "
            f"FROM versions v WHERE v.year IN ({marks})", self.db, params=years)

    def stored_reports(self, hashes: Iterable[str]) -> dict[str, Report]:
        """The stored extraction of each of these versions."""
        out: dict[str, Report] = {}
        hashes = list(hashes)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i:i + 500]
            rows = self.db.execute(f"SELECT hash, report FROM versions WHERE hash IN ({','.join('?' * len(chunk))})",
                                   chunk)
            out.update((h, unpack_report(blob)) for h, blob in rows)
        return out

    def stored_audits(self, hashes: Iterable[str], rules_hash: str | None = None) -> dict[str, list[dict]]:
        """Per version, its cached per-report findings (with their values): under `rules_hash` when
        stored under it, else under any rules it was audited with."""
        out: dict[str, list[dict]] = {}
        hashes = list(hashes)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i:i + 500]
            rows = self.db.execute(f"SELECT hash, rules_hash, findings FROM audits WHERE hash IN "
                                   f"({','.join('?' * len(chunk))})", chunk).fetchall()
            for h, rh, blob in sorted(rows, key=lambda r: r[1] == rules_hash):    # the wanted rules last
                out[h] = _unpack(blob)
        return out

    def findings_of_files(self, run_id: int, files: Iterable[str]) -> pd.DataFrame:
        """The findings one run recorded for these files."""
        files = list(files)
        frames = [pd.read_sql_query(f"SELECT * FROM findings WHERE run_id = ? AND file IN ({','.join('?' * len(chunk))})",
                                    self.db, params=[run_id, *chunk])
                  for chunk in (files[i:i + 500] for i in range(0, len(files), 500))]
        return pd.concat(frames, ignore_index=True) if frames else self.run_findings(-1)

    # ---- runs ----------------------------------------------------------------------------------
    def last_run(self) -> dict[str, Any] | None:
        row = self.db.execute("SELECT id, started, rules_hash, folder, input_key, counts FROM runs "
                              "ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else {"id": row[0], "started": row[1], "rules_hash": row[2], "folder": row[3],
                                         "input_key": row[4], "counts": json.loads(row[5] or "{}")}

    def record_unchanged(self, *, started: str, engine: str, rules_hash: str, previous: dict[str, Any],
                         files: list[tuple[str, int, int, str]], inputs: int,
                         before_commit: Callable[[int], object] | None = None) -> int:
        """A run that found nothing new: it points at the previous results and copies its findings;
        `before_commit(run_id)` adds what else it copies (verdicts) inside the same transaction."""
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self.db:
            cur = self.db.execute("INSERT INTO runs(started, finished, engine, rules_hash, inputs, audited, reused, "
                                  "counts, folder, input_key) VALUES(?,?,?,?,?,?,?,?,?,?)",
                                  (started, now, engine, rules_hash, inputs, 0, inputs,
                                   json.dumps(previous["counts"], ensure_ascii=False), previous["folder"],
                                   previous["input_key"]))
            run_id = int(cur.lastrowid)
            self.db.execute("INSERT INTO findings SELECT ?, fingerprint, values_hash, file, agency, year, rule_id, "
                            "severity, category, location, message FROM findings WHERE run_id = ?",
                            (run_id, previous["id"]))
            self.db.executemany("INSERT OR REPLACE INTO files VALUES(?,?,?,?)", files)
            if before_commit is not None:
                before_commit(run_id)
        return run_id

    def decisions_mark(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM decisions").fetchone()[0])

    def run_findings(self, run_id: int) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM findings WHERE run_id = ?", self.db, params=(run_id,))

    def record_run(self, *, started: str, engine: str, rules_hash: str, folder: str,
                   files: list[tuple[str, int, int, str]], versions: list[tuple[str, Report, bytes | None]],
                   seen: list[str],
                   audits: list[tuple[str, list[dict]]], findings: pd.DataFrame, inputs: int, audited: int,
                   reused: int, counts: dict[str, int], input_key: str | None = None,
                   before_commit: Callable[[], object] | None = None) -> int:
        """Everything about one run, in one transaction; `before_commit` (waiting for the output
        files) runs inside it, so a failure there leaves the ledger as it was."""
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self.db:
            cur = self.db.execute("INSERT INTO runs(started, finished, engine, rules_hash, inputs, audited, reused, "
                                  "counts, folder, input_key) VALUES(?,?,?,?,?,?,?,?,?,?)",
                                  (started, now, engine, rules_hash, inputs, audited, reused,
                                   json.dumps(counts, ensure_ascii=False), folder, input_key))
            run_id = int(cur.lastrowid)
            self.db.executemany("INSERT OR REPLACE INTO files VALUES(?,?,?,?)", files)
            from .domain import agency_key

            self.db.executemany(
                "INSERT INTO versions VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(hash) DO UPDATE SET "
                "last_seen = excluded.last_seen, file = excluded.file",
                [(h, report.file, agency, agency_key(agency), report.meta.get("year"),
                  report.template, report.status, report.meta.get("published"), now, now,
                  blob if blob is not None else pack_report(report))
                 for h, report, blob in versions for agency in [report.meta.get("agency")]])
            self.db.executemany("UPDATE versions SET last_seen = ? WHERE hash = ?", [(now, h) for h in seen])
            self.db.executemany("INSERT OR REPLACE INTO audits VALUES(?,?,?)",
                                [(h, rules_hash, _pack(f)) for h, f in audits])
            if len(findings):
                rows = [(run_id, r.fingerprint, values_hash(r.values), r.file, r.agency,
                         None if pd.isna(r.year) else int(r.year), r.rule_id, r.severity, r.category, r.location,
                         r.message) for r in findings.itertuples()]
                self.db.executemany("INSERT INTO findings VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows)
            if before_commit is not None:
                before_commit()
        return run_id

    def touch_versions(self, hashes: list[str]) -> None:
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self.db:
            self.db.executemany("UPDATE versions SET last_seen = ? WHERE hash = ?", [(now, h) for h in hashes])

    # ---- decisions -----------------------------------------------------------------------------
    def decide(self, fingerprint: str, decision: str, comment: str, who: str) -> dict[str, Any]:
        """Record a decision on a finding of the latest run (its current values are remembered).
        `fingerprint` may be a unique prefix (see resolve_fingerprint)."""
        last = self.last_run()
        if last is None:
            raise DecisionError("账本中还没有任何审核记录，请先运行 auditor run")
        fingerprint = self.resolve_fingerprint(fingerprint, last["id"])
        row = self.db.execute("SELECT values_hash, message FROM findings WHERE run_id = ? AND fingerprint = ?",
                              (last["id"], fingerprint)).fetchone()
        with self.db:
            self.db.execute("INSERT INTO decisions(fingerprint, values_hash, decision, comment, who, at) "
                            "VALUES(?,?,?,?,?,?)", (fingerprint, row[0], decision, comment, who,
                                                    dt.datetime.now().isoformat(timespec="seconds")))
        return {"fingerprint": fingerprint, "message": row[1], "decision": decision}

    def decide_many(self, decisions: Iterable[tuple[str, str, str, str]], who: str) -> int:
        """Record many decisions — (fingerprint, values_hash, decision, comment) each, checked by the
        caller against the latest run — in one transaction: a workbook's rows are stored all
        together or not at all (`auditor decisions import`). Returns how many were recorded."""
        now = dt.datetime.now().isoformat(timespec="seconds")
        rows = [(fingerprint, hashed, decision, comment, who, now) for fingerprint, hashed, decision, comment in decisions]
        with self.db:
            self.db.executemany("INSERT INTO decisions(fingerprint, values_hash, decision, comment, who, at) "
                                "VALUES(?,?,?,?,?,?)", rows)
        return len(rows)

    def resolve_fingerprint(self, typed: str, run_id: int) -> str:
        """The full fingerprint of a finding of run `run_id` that `typed` names: the whole
        fingerprint or a prefix of at least MIN_FINGERPRINT_PREFIX characters that only one
        finding has (case and surrounding spaces ignored). DecisionError (Chinese) otherwise."""
        text = unicodedata.normalize("NFKC", typed).strip().lower()
        if not re.fullmatch(r"[0-9a-f]+", text):
            raise DecisionError(f"「{typed}」不是问题指纹：指纹由数字 0-9 和字母 a-f 组成，见问题清单的「指纹」列")
        if len(text) < MIN_FINGERPRINT_PREFIX:
            raise DecisionError(f"指纹「{typed}」太短：请至少写出开头 {MIN_FINGERPRINT_PREFIX} 位"
                                "（问题清单的「指纹」列）")
        rows = self.db.execute("SELECT DISTINCT fingerprint, file, location, message FROM findings "
                               "WHERE run_id = ? AND substr(fingerprint, 1, ?) = ? ORDER BY fingerprint",
                               (run_id, len(text), text)).fetchall()
        found = list(dict.fromkeys(r[0] for r in rows))
        if not found:
            raise DecisionError(f"最近一次审核中没有指纹为 {text} 的问题（请核对问题清单的「指纹」列）")
        if len(found) > 1:
            lines = [f"  {fp}  {Path(file or '').name}：{location or ''}{'：' if location else ''}{message}"
                     for fp, file, location, message in rows[:10]]
            more = f"\n  ……共 {len(found)} 条" if len(found) > 10 else ""
            raise DecisionError(f"指纹开头「{text}」对应 {len(found)} 条问题，请多写几位以区分：\n"
                                + "\n".join(lines) + more)
        return found[0]

    def decisions(self) -> pd.DataFrame:
        """The latest decision per fingerprint."""
        return pd.read_sql_query(
            "SELECT d.* FROM decisions d JOIN (SELECT fingerprint, MAX(id) AS id FROM decisions GROUP BY fingerprint) "
            "m ON m.id = d.id", self.db)


def attach_decisions(findings: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Show a decision beside its finding, unless the values behind the finding have changed since."""
    findings = findings.copy()
    findings["decision"] = ""
    if findings.empty or decisions.empty:
        return findings
    current = findings["values"].map(values_hash)
    by_fp = decisions.set_index("fingerprint")
    known = findings["fingerprint"].isin(by_fp.index)
    for i in findings.index[known]:
        d = by_fp.loc[findings.at[i, "fingerprint"]]
        word = DECISION_WORDS.get(d["decision"], d["decision"])
        if d["values_hash"] == current[i]:
            findings.at[i, "decision"] = f"{word}（{d['who']}，{d['at'][:10]}）{d['comment'] or ''}"
        else:
            findings.at[i, "decision"] = f"数值已变化，原处理意见（{word}）失效，请重新核查"
    return findings


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def connect(path: Path) -> Ledger:
    return Ledger(path)


__all__ = ["Ledger", "LedgerError", "is_corruption", "attach_decisions", "content_hash", "values_hash", "closing"]
