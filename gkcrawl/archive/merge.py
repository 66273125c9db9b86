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
  version of a known URL gets the next version number; its cells come with it as stored (cells,
  cell_spans, cell_extras: key and how ids mapped to the target's by their text), its checks and
  spam findings through the archive's views, its wide rows and search row are rebuilt from them,
  and `capture_id` points at the merged capture;
- derivations by (url, sha256) (a pending one is completed by a shard that derived it);
- report_pictures by their derivation's (url, sha256) and src (an awaited one completed likewise);
- budgets by (site, budget, scope, time); sites by host, their capture counts recounted;
- list_coverage: a process's rows by (list, time, figures); a cluster's one per crawl and list, the
  worker's reading of the cluster's tally that reached the most (crawl/cluster_coverage.py).

Shards are opened read-only and never changed: a shard of an older schema is upgraded in a
temporary copy beside the target, and merged from that. A shard whose worker was killed may hold
candidates still pending: they are merged as pending, and `gkcrawl merge` derives them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from .cell_location import MAX_HOW_IN_BITS
from .schema import SCHEMA_VERSION
from .store import GONE_STATUSES, open_archive, transaction, write_copied_derived_rows

# A report's published rows copied through the archive's views (their triggers map them onto its
# storage; cells are copied as stored, _merge_cells); what the store derives from them on write is
# rebuilt by store.write_copied_derived_rows.
REPORT_CHILDREN = ("checks", "spam_findings")
# cells.bits without its how id (bits 3-6, cell_location.py)
_BITS_WITHOUT_HOW = ~(MAX_HOW_IN_BITS << 3)


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
    budgets: int = 0
    list_coverage: int = 0
    report_pictures: int = 0
    warc_files: int = 0
    missing_warc_files: list[str] = field(default_factory=list)


def _columns(conn: Any, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info([{table}])").fetchall()]


def _shared_columns(conn: Any, table: str) -> list[str]:
    """The columns the target and the attached shard both have (a shard of an older version may lack some)."""
    have = set(_columns(conn, "shard", table))
    return [c for c in _columns(conn, "main", table) if c in have]


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


def _names(columns: list[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}[{c}]" for c in columns)


def _merge_sites(conn: Any) -> None:
    conn.execute(
        "INSERT INTO main.sites (host, name, first_crawl, last_crawl, captures) "
        "SELECT host, name, first_crawl, last_crawl, 0 FROM shard.sites WHERE true "
        "ON CONFLICT(host) DO UPDATE SET name = coalesce(name, excluded.name), "
        "first_crawl = min(coalesce(first_crawl, excluded.first_crawl), "
        "                  coalesce(excluded.first_crawl, first_crawl)), "
        "last_crawl = max(coalesce(last_crawl, excluded.last_crawl), coalesce(excluded.last_crawl, last_crawl))")


def _merge_captures(conn: Any, result: ShardMerge) -> None:
    """temp.capture_map: shard capture id -> target capture id, inserting the captures the target lacks
    (under ids that follow the target's, in the shard's order, `refers_to` remapped)."""
    conn.execute("CREATE TEMP TABLE capture_map (shard_id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL, "
                 "new INTEGER NOT NULL)")
    conn.execute("INSERT INTO capture_map SELECT s.id, c.id, 0 FROM shard.captures s "
                 "JOIN main.captures c ON c.warc_record_id = s.warc_record_id WHERE s.warc_record_id IS NOT NULL")
    conn.execute("INSERT INTO capture_map SELECT s.id, c.id, 0 FROM shard.captures s JOIN main.captures c "
                 "ON c.url = s.url AND c.fetched_at = s.fetched_at AND c.method IS s.method AND c.error IS s.error "
                 "AND c.warc_record_id IS NULL WHERE s.warc_record_id IS NULL GROUP BY s.id")
    base = conn.execute("SELECT coalesce(max(id), 0) FROM main.captures").fetchone()[0]
    conn.execute("INSERT INTO capture_map SELECT id, ? + row_number() OVER (ORDER BY id), 1 FROM shard.captures "
                 "WHERE id NOT IN (SELECT shard_id FROM capture_map)", [base])
    columns = [c for c in _shared_columns(conn, "captures") if c not in ("id", "refers_to")]
    refers = ", (SELECT r.target_id FROM capture_map r WHERE r.shard_id = s.refers_to)" \
        if "refers_to" in _columns(conn, "shard", "captures") else ", NULL"
    done = conn.execute(f"INSERT INTO main.captures (id, {_names(columns)}, refers_to) "
                        f"SELECT m.target_id, {_names(columns, 's.')}{refers} FROM shard.captures s "
                        "JOIN capture_map m ON m.shard_id = s.id WHERE m.new ORDER BY s.id")
    result.captures += done.rowcount


def _merge_urls(conn: Any, result: ShardMerge) -> None:
    before = conn.execute("SELECT count(*) FROM main.urls").fetchone()[0]
    conn.execute(
        "INSERT INTO main.urls (url, site, first_seen, last_seen, last_status, gone_at) "
        "SELECT url, site, first_seen, last_seen, last_status, gone_at FROM shard.urls WHERE true "
        "ON CONFLICT(url) DO UPDATE SET "
        "first_seen = min(coalesce(first_seen, excluded.first_seen), coalesce(excluded.first_seen, first_seen)), "
        "last_status = CASE WHEN coalesce(excluded.last_seen, '') > coalesce(last_seen, '') "
        "                   THEN excluded.last_status ELSE last_status END, "
        "gone_at = CASE WHEN coalesce(excluded.last_seen, '') > coalesce(last_seen, '') "
        "               THEN excluded.gone_at ELSE coalesce(gone_at, excluded.gone_at) END, "
        "last_seen = max(coalesce(last_seen, excluded.last_seen), coalesce(excluded.last_seen, last_seen))")
    result.urls += conn.execute("SELECT count(*) FROM main.urls").fetchone()[0] - before


def _merge_reports(conn: Any, result: ShardMerge) -> None:
    """temp.report_map: shard report id -> target report id, each (url, sha256) stored once; new versions
    numbered on from the target's, in the shard's order of fetch; their published rows (REPORT_CHILDREN,
    written through the archive's views, whatever its storage) come with them."""
    conn.execute("CREATE TEMP TABLE report_map (shard_id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL, "
                 "new INTEGER NOT NULL, version INTEGER)")
    conn.execute("INSERT INTO report_map SELECT s.id, r.id, 0, NULL FROM shard.reports s "
                 "JOIN main.reports r ON r.url = s.url AND r.sha256 = s.sha256")
    result.report_versions_known += conn.execute("SELECT count(*) FROM report_map").fetchone()[0]
    base = conn.execute("SELECT coalesce(max(id), 0) FROM main.reports").fetchone()[0]
    conn.execute(
        "INSERT INTO report_map SELECT s.id, ? + row_number() OVER (ORDER BY s.fetched_at, s.version, s.id), 1, "
        "  coalesce((SELECT max(t.version) FROM main.reports t WHERE t.url = s.url), 0) "
        "  + row_number() OVER (PARTITION BY s.url ORDER BY s.fetched_at, s.version, s.id) "
        "FROM shard.reports s WHERE s.id NOT IN (SELECT shard_id FROM report_map)", [base])
    shared = _shared_columns(conn, "reports")
    copied = [c for c in shared if c not in ("id", "version", "capture_id", "superseded")]
    extra_names = ", [capture_id]" if "capture_id" in shared else ""
    extra_values = ", (SELECT c.target_id FROM capture_map c WHERE c.shard_id = s.capture_id)" if extra_names else ""
    # superseded follows from the versions the target holds (its insert trigger), not the shard's.
    done = conn.execute(f"INSERT INTO main.reports (id, version, {_names(copied)}{extra_names}) "
                        f"SELECT m.target_id, m.version, {_names(copied, 's.')}{extra_values} FROM shard.reports s "
                        "JOIN report_map m ON m.shard_id = s.id WHERE m.new ORDER BY m.target_id")
    result.reports += done.rowcount
    for table in REPORT_CHILDREN:
        columns = [c for c in _shared_columns(conn, table) if c not in ("id", "report_id")]
        conn.execute(f"INSERT INTO main.[{table}] (report_id, {_names(columns)}) "
                     f"SELECT m.target_id, {_names(columns, 'c.')} FROM shard.[{table}] c "
                     "JOIN report_map m ON m.shard_id = c.report_id WHERE m.new ORDER BY m.target_id")
    _merge_cells(conn)
    new_ids = [row[0] for row in conn.execute("SELECT target_id FROM report_map WHERE new ORDER BY target_id")]
    write_copied_derived_rows(conn, new_ids)


def _merge_cells(conn: Any) -> None:
    """The new reports' cells as the shard stores them (schema 6: cells, cell_spans, cell_extras), so
    a merged archive is as compact as its shards. Key and how ids are mapped to the target's by their
    text; a cell's how id goes in its bits when it fits (at most MAX_HOW_IN_BITS), else in cell_extras."""
    conn.execute("INSERT OR IGNORE INTO main.cell_keys (key, part) SELECT key, part FROM shard.cell_keys ORDER BY id")
    conn.execute("INSERT OR IGNORE INTO main.cell_hows (how) SELECT how FROM shard.cell_hows ORDER BY id")
    for table, column in (("cell_keys", "key"), ("cell_hows", "how")):
        conn.execute(f"CREATE TEMP TABLE {table}_map (shard_id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL)")
        conn.execute(f"INSERT INTO {table}_map SELECT s.id, t.id FROM shard.{table} s "
                     f"JOIN main.{table} t ON t.{column} = s.{column}")
    cells = ("FROM shard.cells c JOIN report_map m ON m.shard_id = c.report_id AND m.new "
             "JOIN cell_keys_map k ON k.shard_id = c.key_id "
             "LEFT JOIN shard.cell_extras x ON x.report_id = c.report_id AND x.key_id = c.key_id "
             f"LEFT JOIN cell_hows_map h ON h.shard_id = coalesce(x.how_id, (c.bits >> 3) & {MAX_HOW_IN_BITS}) ")
    conn.execute("INSERT INTO main.cells (report_id, key_id, value, bits) "
                 f"SELECT m.target_id, k.target_id, c.value, (c.bits & {_BITS_WITHOUT_HOW}) "
                 f"| (CASE WHEN h.target_id <= {MAX_HOW_IN_BITS} THEN h.target_id << 3 ELSE 0 END) "
                 f"{cells}ORDER BY m.target_id, k.target_id")
    extras = ["note", "uncertain_reason", "row", "location", "source", "printed"]
    conn.execute(f"INSERT INTO main.cell_extras (report_id, key_id, {_names(extras)}, how_id) "
                 f"SELECT m.target_id, k.target_id, {_names(extras, 'x.')}, "
                 f"CASE WHEN h.target_id > {MAX_HOW_IN_BITS} THEN h.target_id END {cells}"
                 f"WHERE coalesce({_names(extras, 'x.')}) IS NOT NULL OR h.target_id > {MAX_HOW_IN_BITS} "
                 "ORDER BY m.target_id, k.target_id")
    spans = ["span", "start", "length", "page", "page_end"]
    conn.execute(f"INSERT INTO main.cell_spans (report_id, {_names(spans)}) "
                 f"SELECT m.target_id, {_names(spans, 's.')} FROM shard.cell_spans s "
                 "JOIN report_map m ON m.shard_id = s.report_id AND m.new ORDER BY m.target_id, s.span")


def _merge_derivations(conn: Any, result: ShardMerge) -> None:
    columns = [c for c in _shared_columns(conn, "derivations") if c not in ("id", "capture_id", "report_id")]
    capture = "(SELECT c.target_id FROM capture_map c WHERE c.shard_id = s.capture_id)"
    report = "(SELECT r.target_id FROM report_map r WHERE r.shard_id = s.report_id)"
    done = conn.execute(f"INSERT INTO main.derivations ({_names(columns)}, capture_id, report_id) "
                        f"SELECT {_names(columns, 's.')}, {capture}, {report} FROM shard.derivations s "
                        "WHERE NOT EXISTS (SELECT 1 FROM main.derivations t "
                        "WHERE t.url = s.url AND t.sha256 = s.sha256) ORDER BY s.id")
    result.derivations += done.rowcount
    # Another worker fetched the same bytes and derived them: its outcome completes a pending row.
    updated = [c for c in columns if c not in ("url", "sha256")]
    assignments = ", ".join(f"[{c}] = d.[{c}]" for c in [*updated, "capture_id", "report_id"])
    done = conn.execute(f"UPDATE main.derivations SET {assignments} FROM "
                        f"(SELECT s.url AS d_url, s.sha256 AS d_sha256, {_names(updated, 's.')}, "
                        f"{capture} AS capture_id, {report} AS report_id "
                        "FROM shard.derivations s WHERE s.status != 'pending') AS d "
                        "WHERE main.derivations.url = d.d_url AND main.derivations.sha256 = d.d_sha256 "
                        "AND main.derivations.status = 'pending'")
    result.derivations += done.rowcount


def _merge_report_pictures(conn: Any, result: ShardMerge) -> None:
    """A report page's pictures by (its derivation's url and sha256, src); a picture still awaited
    in the target is completed by a shard that has it. Runs after the derivations are merged."""
    have = _columns(conn, "shard", "report_pictures")
    if not have:
        return  # a shard from before tables-as-pictures were fetched
    columns = [c for c in _shared_columns(conn, "report_pictures")
               if c not in ("id", "derivation_id", "capture_id", "report_id")]
    pictures = (f"SELECT p.id AS shard_id, t.id AS derivation_id, {_names(columns, 'p.')}, "
                "(SELECT m.target_id FROM capture_map m WHERE m.shard_id = p.capture_id) AS capture_id, "
                "(SELECT r.target_id FROM report_map r WHERE r.shard_id = p.report_id) AS report_id "
                "FROM shard.report_pictures p JOIN shard.derivations d ON d.id = p.derivation_id "
                "JOIN main.derivations t ON t.url = d.url AND t.sha256 = d.sha256")
    kept = ["derivation_id", *columns, "capture_id", "report_id"]
    done = conn.execute(f"INSERT INTO main.report_pictures ({_names(kept)}) SELECT {_names(kept, 'n.')} "
                        f"FROM ({pictures}) n WHERE NOT EXISTS (SELECT 1 FROM main.report_pictures x "
                        "WHERE x.derivation_id = n.derivation_id AND x.src = n.src) ORDER BY n.shard_id")
    result.report_pictures += done.rowcount
    updated = [c for c in kept if c not in ("derivation_id", "src")]
    assignments = ", ".join(f"[{c}] = n.[{c}]" for c in updated)
    done = conn.execute(f"UPDATE main.report_pictures SET {assignments} FROM ({pictures}) AS n "
                        "WHERE main.report_pictures.derivation_id = n.derivation_id "
                        "AND main.report_pictures.src = n.src AND main.report_pictures.status = 'awaited' "
                        "AND n.status != 'awaited'")
    result.report_pictures += done.rowcount


def _merge_budgets(conn: Any, result: ShardMerge) -> None:
    done = conn.execute(
        "INSERT INTO main.budgets (site, budget, scope_url, spent, exhausted_at) "
        "SELECT site, budget, scope_url, spent, exhausted_at FROM shard.budgets s WHERE NOT EXISTS "
        "(SELECT 1 FROM main.budgets t WHERE t.site IS s.site AND t.budget = s.budget AND t.scope_url = s.scope_url "
        "AND t.exhausted_at = s.exhausted_at) ORDER BY id")
    result.budgets += done.rowcount


COVERAGE_COLUMNS = "site, list_url, declared, reached, shortfall, evidence, methods, crawled_at, crawl_id, scope"


def _merge_list_coverage(conn: Any, result: ShardMerge) -> None:
    """A process's rows by list, time and figures; a cluster's (scope 'cluster', each worker's reading of
    the whole cluster's tally at its close) one per crawl and list: the reading that reached the most."""
    if "scope" not in _columns(conn, "shard", "list_coverage"):
        conn.execute("CREATE TEMP TABLE coverage_rows AS SELECT id, site, list_url, declared, reached, shortfall, "
                     "evidence, methods, crawled_at, NULL AS crawl_id, NULL AS scope FROM shard.list_coverage")
    else:
        conn.execute(f"CREATE TEMP TABLE coverage_rows AS SELECT id, {COVERAGE_COLUMNS} FROM shard.list_coverage")
    done = conn.execute(
        f"INSERT INTO main.list_coverage ({COVERAGE_COLUMNS}) SELECT {COVERAGE_COLUMNS} FROM coverage_rows s "
        "WHERE s.scope IS NOT 'cluster' AND NOT EXISTS (SELECT 1 FROM main.list_coverage t "
        "WHERE t.list_url = s.list_url AND t.crawled_at = s.crawled_at AND t.declared = s.declared "
        "AND t.reached = s.reached AND t.scope IS s.scope) "
        "ORDER BY s.id")
    result.list_coverage += done.rowcount
    conn.execute("DELETE FROM coverage_rows AS r WHERE scope IS NOT 'cluster' OR EXISTS (SELECT 1 FROM coverage_rows b "
                 "WHERE b.scope = 'cluster' AND b.crawl_id IS r.crawl_id AND b.list_url = r.list_url "
                 "AND (b.reached, b.declared, b.id) > (r.reached, r.declared, r.id))")
    conn.execute("DELETE FROM main.list_coverage WHERE scope = 'cluster' AND EXISTS (SELECT 1 FROM coverage_rows b "
                 "WHERE b.crawl_id IS list_coverage.crawl_id AND b.list_url = list_coverage.list_url "
                 "AND (b.reached, b.declared) > (list_coverage.reached, list_coverage.declared))")
    done = conn.execute(
        f"INSERT INTO main.list_coverage ({COVERAGE_COLUMNS}) SELECT {COVERAGE_COLUMNS} FROM coverage_rows s "
        "WHERE NOT EXISTS (SELECT 1 FROM main.list_coverage t WHERE t.scope = 'cluster' AND t.crawl_id IS s.crawl_id "
        "AND t.list_url = s.list_url) ORDER BY s.id")
    result.list_coverage += done.rowcount


def _settle(conn: Any) -> None:
    """What follows from all the rows: each site's capture count, and reports gone by their URL's latest sighting.

    A shard cannot always tell a removal from a dead link: in a cluster the re-check of a report one
    worker stored may be fetched by another, whose shard never held the report. Across the merged
    archive it can: a URL whose latest sighting is 404/410 and that holds a report is gone."""
    conn.execute("UPDATE sites SET captures = (SELECT count(*) FROM captures WHERE captures.site = sites.host)")
    gone = ", ".join(map(str, sorted(GONE_STATUSES)))
    conn.execute(f"UPDATE urls SET gone_at = last_seen WHERE gone_at IS NULL AND last_status IN ({gone}) "
                 "AND url IN (SELECT url FROM reports)")
    conn.execute("UPDATE reports SET gone_at = (SELECT u.gone_at FROM urls u WHERE u.url = reports.url) "
                 "WHERE gone_at IS NULL AND url IN (SELECT url FROM urls WHERE gone_at IS NOT NULL "
                 f"AND last_status IN ({gone}))")


def _schema_version(shard: sqlite3.Connection) -> int:
    try:
        row = shard.execute("SELECT value FROM archive_info WHERE name = 'schema_version'").fetchone()
    except sqlite3.Error:
        return 0  # from before archive_info
    return int(row[0]) if row else 0


def _database_path(db: sqlite_utils.Database) -> Path:
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2]).resolve()


@contextmanager
def _current_schema(shard_path: Path, version: int, workdir: Path) -> Iterator[Path]:
    """The shard itself when it has this version's schema; an older one upgraded in a temporary copy
    in `workdir` (the target's directory: a shard may be gigabytes), removed after."""
    if version > SCHEMA_VERSION:
        raise MergeError(f"the shard {shard_path} has schema {version}, newer than this gkcrawl's "
                         f"{SCHEMA_VERSION}: merge it with the gkcrawl that wrote it")
    if version == SCHEMA_VERSION:
        yield shard_path
        return
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".merge-upgrade-") as scratch:
        copy = Path(scratch) / "shard.db"
        with closing(open_shard(shard_path)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)
        open_archive(copy).conn.close()
        yield copy


@contextmanager
def _attached(db: sqlite_utils.Database, shard_path: Path) -> Iterator[Any]:
    """The shard attached read-only as `shard` (outside any transaction: SQLite's rule), detached after."""
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    conn.execute("ATTACH DATABASE ? AS shard", [f"file:{quote(str(shard_path.resolve()))}?mode=ro"])
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.rollback()
        for table in ("capture_map", "report_map", "coverage_rows", "cell_keys_map", "cell_hows_map"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        conn.execute("DETACH DATABASE shard")


def merge_shard(db: sqlite_utils.Database, shard_path: Path, *, target_warc: Path,
                shard_warc: Path | None = None) -> ShardMerge:
    """Merge one shard (and its WARC files, from warc/ beside it unless given) into `db`, in one transaction.

    Set-based: the shard is attached and each table copied by one INSERT ... SELECT, ids mapped
    through temporary tables; what is left per report is its derived rows (store.write_copied_derived_rows)."""
    result = ShardMerge(str(shard_path))
    with closing(open_shard(shard_path)) as shard:
        _merge_warc_files(shard, shard_warc or shard_path.parent / "warc", target_warc, result)
        version = _schema_version(shard)
    with _current_schema(shard_path, version, _database_path(db).parent) as current, \
            _attached(db, current), transaction(db) as conn:
        _merge_sites(conn)
        _merge_captures(conn, result)
        _merge_urls(conn, result)
        _merge_reports(conn, result)
        _merge_derivations(conn, result)
        _merge_report_pictures(conn, result)
        _merge_budgets(conn, result)
        _merge_list_coverage(conn, result)
        _settle(conn)
    return result


def merge_shards(db: sqlite_utils.Database, shard_paths: list[Path], *, target_warc: Path) -> list[ShardMerge]:
    """Merge each shard in turn; the target must not be one of them."""
    target = _database_path(db)
    results = []
    for path in shard_paths:
        if path.resolve() == target:
            raise MergeError(f"{path} is the target archive itself")
        results.append(merge_shard(db, path, target_warc=target_warc))
    return results
