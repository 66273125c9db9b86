"""Merge crawl-cluster shards into one archive: keyed, so merging again changes nothing.

Each worker of a crawl cluster (`gkcrawl crawl --frontier`) writes its own shard database and
WARC files. `merge_shards` copies what the shards hold into the target archive, each row by
its natural key, so a row already there is never written twice and a re-run is a no-op:

- captures by WARC record id (a failure without a record by url, time, method and error);
  `refers_to` is remapped to the target's ids, and each referenced WARC file is hard-linked
  (copied across filesystems) into the target's WARC directory under its own name, so every
  capture's `warc_file` + `warc_offset` stays valid beside the target;
- urls by url (first seen the earliest, last status and gone mark from the latest sighting);
- reports by (url, sha256): a report is stored once however many workers fetched it; a new
  version of a known URL gets the next version number; its cells, checks and spam findings come
  with it, its wide rows and search row are rebuilt from them, and `capture_id` points at the
  merged capture;
- derivations by (url, sha256) (a pending one is completed by a shard that derived it);
- report_pictures by their derivation's (url, sha256) and src (an awaited one completed likewise);
- budgets by (site, budget, scope, time); sites by host, their capture counts recounted.

Shards are opened read-only and never changed. A shard whose worker was killed may hold
candidates still pending: they are merged as pending, and `gkcrawl merge` derives them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from .store import index_merged_report, transaction

CAPTURE_KEY_NO_RECORD = ("url", "fetched_at", "method", "error")
REPORT_CHILDREN = ("report_cells", "checks", "spam_findings")


class MergeError(Exception):
    """A shard cannot be merged (unreadable, or a WARC file that clashes with the target's)."""


@dataclass
class ShardMerge:
    """What one shard added to the target (all zero when it was merged before)."""

    shard: str
    captures: int = 0
    urls: int = 0
    reports: int = 0
    report_versions_known: int = 0  # (url, sha256) the target already held: stored once
    derivations: int = 0
    report_pictures: int = 0
    budgets: int = 0
    warc_files: int = 0
    missing_warc_files: list[str] = field(default_factory=list)


def _columns(conn: Any, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info([{table}])").fetchall()]


def _shared_columns(target: Any, shard: sqlite3.Connection, table: str) -> list[str]:
    """The columns both databases have (a shard written by an older version may lack some)."""
    have = set(_columns(shard, "main", table))
    return [c for c in _columns(target, "main", table) if c in have]


def _rows(shard: sqlite3.Connection, table: str, columns: list[str], order: str = "") -> list[dict[str, Any]]:
    names = ", ".join(f"[{c}]" for c in columns)
    cursor = shard.execute(f"SELECT {names} FROM [{table}] {order}")
    return [dict(zip(columns, row)) for row in cursor]


def _insert(conn: Any, table: str, row: dict[str, Any]) -> int:
    names = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    return int(conn.execute(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", list(row.values())).lastrowid)


def open_shard(path: Path) -> sqlite3.Connection:
    """The shard, read-only (a merge never changes it)."""
    if not path.is_file():
        raise MergeError(f"no shard database at {path}")
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM captures").fetchone()
    except sqlite3.Error as error:
        raise MergeError(f"cannot read the shard {path}: {error}") from error
    return conn


def place_warc_file(source: Path, target: Path) -> bool:
    """Make `target` hold `source`'s WARC file; True when it was placed (or brought up to date) now.

    A hard link when both are on one filesystem (then a shard's file is the target's file),
    else a copy made beside the target and renamed into place. A target that is the same
    file, or already holds all of the shard's bytes, is kept; a shorter one holding the start
    of them (copied while the worker was still writing) is replaced; any other is a clash."""
    if target.exists():
        if os.path.samefile(source, target):
            return False
        if target.stat().st_size >= source.stat().st_size:
            if _same_prefix(source, target):
                return False
            raise MergeError(f"WARC file {target.name} in {target.parent} differs from the shard's {source}")
        if not _same_prefix(target, source):
            raise MergeError(f"WARC file {target.name} in {target.parent} differs from the shard's {source}")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
            return True
        except OSError:
            pass  # another filesystem: copy
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return True


def _same_prefix(shorter: Path, longer: Path, chunk: int = 1 << 20) -> bool:
    """Whether `longer` begins with every byte of `shorter`."""
    with shorter.open("rb") as a, longer.open("rb") as b:
        while True:
            block = a.read(chunk)
            if not block:
                return True
            if b.read(len(block)) != block:
                return False


def _merge_warc_files(shard: sqlite3.Connection, shard_warc: Path, target_warc: Path, result: ShardMerge) -> None:
    names = [row[0] for row in shard.execute("SELECT DISTINCT warc_file FROM captures WHERE warc_file IS NOT NULL")]
    for name in names:
        source = shard_warc / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise MergeError(f"WARC file name {name!r} in the shard leaves its WARC directory")
        if not source.is_file():
            result.missing_warc_files.append(str(source))
            continue
        result.warc_files += int(place_warc_file(source, target_warc / name))


def _capture_target(conn: Any, row: dict[str, Any]) -> int | None:
    if row.get("warc_record_id"):
        found = conn.execute("SELECT id FROM captures WHERE warc_record_id = ?", [row["warc_record_id"]]).fetchone()
    else:
        found = conn.execute("SELECT id FROM captures WHERE warc_record_id IS NULL AND url = ? AND fetched_at = ? "
                             "AND method IS ? AND error IS ?", [row[k] for k in CAPTURE_KEY_NO_RECORD]).fetchone()
    return int(found[0]) if found else None


def _merge_sites(conn: Any, shard: sqlite3.Connection) -> None:
    for host, name, first, last in shard.execute("SELECT host, name, first_crawl, last_crawl FROM sites"):
        conn.execute(
            "INSERT INTO sites (host, name, first_crawl, last_crawl, captures) VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT(host) DO UPDATE SET name = coalesce(name, excluded.name), "
            "first_crawl = min(coalesce(first_crawl, excluded.first_crawl), "
            "                  coalesce(excluded.first_crawl, first_crawl)), "
            "last_crawl = max(coalesce(last_crawl, excluded.last_crawl), coalesce(excluded.last_crawl, last_crawl))",
            [host, name, first, last])


def _merge_captures(conn: Any, shard: sqlite3.Connection, result: ShardMerge) -> dict[int, int]:
    """Shard capture id -> target capture id, inserting the captures the target lacks."""
    columns = _shared_columns(conn, shard, "captures")
    ids: dict[int, int] = {}
    refers: list[tuple[int, int]] = []
    for row in _rows(shard, "captures", columns, "ORDER BY id"):
        shard_id = int(row.pop("id"))
        refers_to = row.pop("refers_to", None)
        target_id = _capture_target(conn, row)
        if target_id is None:
            target_id = _insert(conn, "captures", row)
            result.captures += 1
            if refers_to is not None:
                refers.append((target_id, int(refers_to)))
        ids[shard_id] = target_id
    for target_id, shard_refers in refers:
        conn.execute("UPDATE captures SET refers_to = ? WHERE id = ?", [ids.get(shard_refers), target_id])
    return ids


def _merge_urls(conn: Any, shard: sqlite3.Connection, result: ShardMerge) -> None:
    before = conn.execute("SELECT count(*) FROM urls").fetchone()[0]
    for row in _rows(shard, "urls", _shared_columns(conn, shard, "urls")):
        conn.execute(
            "INSERT INTO urls (url, site, first_seen, last_seen, last_status, gone_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET "
            "first_seen = min(coalesce(first_seen, excluded.first_seen), coalesce(excluded.first_seen, first_seen)), "
            "last_status = CASE WHEN coalesce(excluded.last_seen, '') > coalesce(last_seen, '') "
            "                   THEN excluded.last_status ELSE last_status END, "
            "gone_at = CASE WHEN coalesce(excluded.last_seen, '') > coalesce(last_seen, '') "
            "               THEN excluded.gone_at ELSE coalesce(gone_at, excluded.gone_at) END, "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), coalesce(excluded.last_seen, last_seen))",
            [row.get("url"), row.get("site"), row.get("first_seen"), row.get("last_seen"), row.get("last_status"),
             row.get("gone_at")])
    result.urls += conn.execute("SELECT count(*) FROM urls").fetchone()[0] - before


def _merge_reports(conn: Any, shard: sqlite3.Connection, captures: dict[int, int],
                   result: ShardMerge) -> dict[int, int]:
    """Shard report id -> target report id, each (url, sha256) stored once, new versions numbered on."""
    columns = _shared_columns(conn, shard, "reports")
    children = {table: _shared_columns(conn, shard, table) for table in REPORT_CHILDREN}
    ids: dict[int, int] = {}
    for row in _rows(shard, "reports", columns, "ORDER BY fetched_at, version, id"):
        shard_id = int(row.pop("id"))
        found = conn.execute("SELECT id FROM reports WHERE url = ? AND sha256 = ?",
                             [row["url"], row["sha256"]]).fetchone()
        if found:
            ids[shard_id] = int(found[0])
            result.report_versions_known += 1
            continue
        row["version"] = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM reports WHERE url = ?",
                                      [row["url"]]).fetchone()[0]
        if row.get("capture_id") is not None:
            row["capture_id"] = captures.get(int(row["capture_id"]))
        report_id = _insert(conn, "reports", row)
        ids[shard_id] = report_id
        result.reports += 1
        for table, table_columns in children.items():
            kept = [c for c in table_columns if c != "id"]
            names = ", ".join(f"[{c}]" for c in kept)
            for values in shard.execute(f"SELECT {names} FROM [{table}] WHERE report_id = ?", [shard_id]):
                child = dict(zip(kept, values))
                child["report_id"] = report_id
                _insert(conn, table, child)
        _index_merged_report(conn, report_id)
    return ids


def _index_merged_report(conn: Any, report_id: int) -> None:
    """What the store writes beside a report's cells (store.index_merged_report)."""
    index_merged_report(conn, report_id)


def _merge_derivations(conn: Any, shard: sqlite3.Connection, captures: dict[int, int], reports: dict[int, int],
                       result: ShardMerge) -> None:
    columns = _shared_columns(conn, shard, "derivations")
    for row in _rows(shard, "derivations", columns, "ORDER BY id"):
        row.pop("id")
        if row.get("capture_id") is not None:
            row["capture_id"] = captures.get(int(row["capture_id"]))
        if row.get("report_id") is not None:
            row["report_id"] = reports.get(int(row["report_id"]))
        found = conn.execute("SELECT id, status FROM derivations WHERE url = ? AND sha256 = ?",
                             [row["url"], row["sha256"]]).fetchone()
        if found is None:
            _insert(conn, "derivations", row)
            result.derivations += 1
        elif found[1] == "pending" and row.get("status") != "pending":
            # Another worker fetched the same bytes and derived them: its outcome completes the row.
            updates = {k: v for k, v in row.items() if k not in ("url", "sha256")}
            assignments = ", ".join(f"[{k}] = ?" for k in updates)
            conn.execute(f"UPDATE derivations SET {assignments} WHERE id = ?", [*updates.values(), found[0]])
            result.derivations += 1


def _merge_report_pictures(conn: Any, shard: sqlite3.Connection, captures: dict[int, int],
                           reports: dict[int, int], result: ShardMerge) -> None:
    """A report page's pictures by (its derivation's url and sha256, src); a picture still awaited
    in the target is completed by a shard that has it. Runs after the derivations are merged."""
    if "report_pictures" not in {r[0] for r in shard.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}:
        return  # a shard from before tables-as-pictures were fetched
    columns = [c for c in _shared_columns(conn, shard, "report_pictures") if c != "id"]
    names = ", ".join(f"p.[{c}]" for c in columns)
    for values in shard.execute(f"SELECT d.url, d.sha256, {names} FROM report_pictures p "
                                "JOIN derivations d ON d.id = p.derivation_id ORDER BY p.id").fetchall():
        row = dict(zip(columns, values[2:]))
        derivation = conn.execute("SELECT id FROM derivations WHERE url = ? AND sha256 = ?", values[:2]).fetchone()
        if derivation is None:
            continue
        row["derivation_id"] = derivation[0]
        for column, mapping in (("capture_id", captures), ("report_id", reports)):
            if row.get(column) is not None:
                row[column] = mapping.get(int(row[column]))
        found = conn.execute("SELECT id, status FROM report_pictures WHERE derivation_id = ? AND src = ?",
                             [row["derivation_id"], row["src"]]).fetchone()
        if found is None:
            _insert(conn, "report_pictures", row)
            result.report_pictures += 1
        elif found[1] == "awaited" and row.get("status") != "awaited":
            updates = {k: v for k, v in row.items() if k not in ("derivation_id", "src")}
            conn.execute(f"UPDATE report_pictures SET {', '.join(f'[{k}] = ?' for k in updates)} WHERE id = ?",
                         [*updates.values(), found[0]])
            result.report_pictures += 1


def _merge_budgets(conn: Any, shard: sqlite3.Connection, result: ShardMerge) -> None:
    for site, budget, scope, spent, when in shard.execute(
            "SELECT site, budget, scope_url, spent, exhausted_at FROM budgets ORDER BY id"):
        known = conn.execute("SELECT 1 FROM budgets WHERE site IS ? AND budget = ? AND scope_url = ? "
                             "AND exhausted_at = ?", [site, budget, scope, when]).fetchone()
        if not known:
            conn.execute("INSERT INTO budgets (site, budget, scope_url, spent, exhausted_at) VALUES (?, ?, ?, ?, ?)",
                         [site, budget, scope, spent, when])
            result.budgets += 1


def _settle(conn: Any) -> None:
    """What follows from all the rows: each site's capture count, and reports gone by their URL's latest sighting."""
    conn.execute("UPDATE sites SET captures = (SELECT count(*) FROM captures WHERE captures.site = sites.host)")
    conn.execute("UPDATE reports SET gone_at = (SELECT u.gone_at FROM urls u WHERE u.url = reports.url) "
                 "WHERE gone_at IS NULL AND url IN (SELECT url FROM urls WHERE gone_at IS NOT NULL "
                 "AND last_status IN (404, 410))")


def merge_shard(db: sqlite_utils.Database, shard_path: Path, *, target_warc: Path,
                shard_warc: Path | None = None) -> ShardMerge:
    """Merge one shard (and its WARC files, from warc/ beside it unless given) into `db`, in one transaction."""
    result = ShardMerge(str(shard_path))
    with closing(open_shard(shard_path)) as shard:
        _merge_warc_files(shard, shard_warc or shard_path.parent / "warc", target_warc, result)
        with transaction(db) as conn:
            _merge_sites(conn, shard)
            captures = _merge_captures(conn, shard, result)
            _merge_urls(conn, shard, result)
            reports = _merge_reports(conn, shard, captures, result)
            _merge_derivations(conn, shard, captures, reports, result)
            _merge_report_pictures(conn, shard, captures, reports, result)
            _merge_budgets(conn, shard, result)
            _settle(conn)
    return result


def merge_shards(db: sqlite_utils.Database, shard_paths: list[Path], *, target_warc: Path) -> list[ShardMerge]:
    """Merge each shard in turn; the target must not be one of them."""
    target = Path(db.conn.execute("PRAGMA database_list").fetchone()[2]).resolve()
    results = []
    for path in shard_paths:
        if path.resolve() == target:
            raise MergeError(f"{path} is the target archive itself")
        results.append(merge_shard(db, path, target_warc=target_warc))
    return results
