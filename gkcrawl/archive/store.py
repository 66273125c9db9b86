"""The only writer of the archive. Every call is one transaction, so a crash leaves a
consistent database; every call is keyed, so repeating it changes nothing.

Rows are written with plain SQL inside an explicit BEGIN IMMEDIATE ... COMMIT: the
sqlite-utils insert helpers commit on their own and would split a report across
transactions.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from gkcrawl.parse.result import ParseResult

from .cell_location import MAX_HOW_IN_BITS, CompactLocation, compact_location, pack_bits, printed_is_value
from .models import Capture
from .schema import (
    CHARS_FTS_TABLE,
    META_COLUMNS,
    TABLES,
    TOTALS,
    WIDE,
    cell_keys,
    ensure_db_shape,
    wide_backfill_sql,
    wide_column,
)
from .search_text import search_form

GONE_STATUSES = {404, 410}


def open_archive(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the archive: WAL, foreign keys on, schema ensured.

    A new archive appears complete or not at all (see create_archive_file), so a reader that
    sees the file always finds its tables."""
    if str(path) != ":memory:":
        create_archive_file(Path(path))
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA foreign_keys=ON")
    ensure_db_shape(db)
    return db


def create_archive_file(path: Path) -> None:
    """Create the archive file with its whole schema, unless it exists.

    The schema is built in a temporary file beside the target and then hard-linked into
    place: link, unlike rename, refuses to overwrite, so when two processes race to create
    the archive the loser drops its copy and opens the winner's, which may already hold rows."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite_utils.Database(temporary)
        try:
            ensure_db_shape(db)
        finally:
            db.conn.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process created it first: theirs is complete too
    finally:
        os.unlink(temporary)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[Any]:
    """One write transaction: all of it lands, or none of it."""
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _host(url: str) -> str | None:
    return urlsplit(url).netloc or None


def _ensure_site(conn: Any, host: str | None, when: str, *, counts_capture: bool = False) -> None:
    if not host:
        return
    conn.execute(
        "INSERT INTO sites (host, first_crawl, last_crawl, captures) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(host) DO UPDATE SET "
        "first_crawl = min(coalesce(first_crawl, excluded.first_crawl), excluded.first_crawl), "
        "last_crawl = max(coalesce(last_crawl, excluded.last_crawl), excluded.last_crawl), "
        "captures = captures + excluded.captures",
        [host, when, when, 1 if counts_capture else 0])


def record_capture(db: sqlite_utils.Database, capture: Capture) -> int:
    """Store one HTTP response; returns its captures.id. The same WARC record twice is one row."""
    site = capture.site or _host(capture.url)
    with transaction(db) as conn:
        if capture.warc_record_id:
            row = conn.execute("SELECT id FROM captures WHERE warc_record_id = ?",
                               [capture.warc_record_id]).fetchone()
            if row:
                return int(row[0])
        _ensure_site(conn, site, capture.fetched_at, counts_capture=True)
        cursor = conn.execute(
            "INSERT INTO captures (url, final_url, method, status, fetched_at, request_headers, "
            "response_headers, sha256, size, content_type, warc_file, warc_offset, warc_record_id, site, "
            "referer, error, revisit, payload_digest, warc_type, refers_to) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [capture.url, capture.final_url or capture.url, capture.method, capture.status, capture.fetched_at,
             json.dumps(capture.request_headers or {}, ensure_ascii=False),
             json.dumps(capture.response_headers or {}, ensure_ascii=False),
             capture.sha256, capture.size, capture.content_type, capture.warc_file, capture.warc_offset,
             capture.warc_record_id, site, capture.referer, capture.error, int(bool(capture.revisit)),
             capture.payload_digest, capture.warc_type, capture.refers_to])
        return int(cursor.lastrowid)


@dataclass(frozen=True)
class StoredCapture:
    """An earlier capture a new WARC record can refer to (WARC-Refers-To and its target and date)."""

    id: int
    url: str
    fetched_at: str
    warc_record_id: str
    sha256: str | None
    size: int | None
    payload_digest: str | None
    content_type: str | None


def find_capture(db: sqlite_utils.Database, url: str, *, payload_digest: str | None = None,
                 sha256s: tuple[str, ...] = (), with_payload: bool = True) -> StoredCapture | None:
    """The latest capture of `url` with a WARC record: one holding a payload (a response, not a
    revisit) when `with_payload`, with this payload digest (or, for rows written before the
    digest was kept, one of these sha256 values) when given; else any response or revisit."""
    where = ["url = ?", "warc_record_id IS NOT NULL", "status IS NOT NULL"]
    params: list[Any] = [url]
    if with_payload:
        where.append("revisit = 0 AND coalesce(warc_type, 'response') = 'response'")
    else:
        where.append("coalesce(warc_type, 'response') IN ('response', 'revisit')")
    if payload_digest is not None or sha256s:
        alternatives = []
        if payload_digest is not None:
            alternatives.append("payload_digest = ?")
            params.append(payload_digest)
        if sha256s:
            alternatives.append(f"(payload_digest IS NULL AND sha256 IN ({', '.join('?' for _ in sha256s)}))")
            params.extend(sha256s)
        where.append("(" + " OR ".join(alternatives) + ")")
    row = db.execute("SELECT id, final_url, fetched_at, warc_record_id, sha256, size, payload_digest, content_type "
                     f"FROM captures WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 1", params).fetchone()
    return StoredCapture(*row) if row else None


def touch_url(db: sqlite_utils.Database, url: str, when: str, status: int) -> None:
    """Keep first_seen / last_seen / last_status per URL; a 2xx clears an earlier gone_at, a
    404/410 sets it only for a URL archived before (`was_archived`)."""
    site = _host(url)
    # A 404 for a URL never archived is a dead link, not a removal: only what was there can be gone.
    gone_at = when if status in GONE_STATUSES and was_archived(db, url) else None
    with transaction(db) as conn:
        _ensure_site(conn, site, when)
        conn.execute(
            "INSERT INTO urls (url, site, first_seen, last_seen, last_status, gone_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET "
            "first_seen = min(first_seen, excluded.first_seen), "
            "last_seen = max(last_seen, excluded.last_seen), "
            "last_status = CASE WHEN excluded.last_seen >= last_seen THEN excluded.last_status ELSE last_status END, "
            "gone_at = CASE WHEN excluded.last_status BETWEEN 200 AND 299 THEN NULL "
            "               ELSE coalesce(gone_at, excluded.gone_at) END",
            [url, site, when, when, status, gone_at])


def mark_gone(db: sqlite_utils.Database, url: str, when: str) -> None:
    """A report URL that now answers 404/410: every version of it keeps its rows, gains gone_at."""
    site = _host(url)
    with transaction(db) as conn:
        _ensure_site(conn, site, when)
        conn.execute(
            "INSERT INTO urls (url, site, first_seen, last_seen, gone_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET gone_at = coalesce(gone_at, excluded.gone_at)",
            [url, site, when, when, when])
        conn.execute("UPDATE reports SET gone_at = ? WHERE url = ? AND gone_at IS NULL", [when, url])


def record_budget(db: sqlite_utils.Database, *, site: str, budget: str, scope_url: str, spent: int,
                  when: str) -> None:
    """A crawl budget spent at `scope_url` (the list, column or site it bounded)."""
    with transaction(db) as conn:
        _ensure_site(conn, site, when)
        conn.execute("INSERT INTO budgets (site, budget, scope_url, spent, exhausted_at) VALUES (?, ?, ?, ?, ?)",
                     [site, budget, scope_url, spent, when])


def record_list_coverage(db: sqlite_utils.Database, *, site: str, list_url: str, declared: int, reached: int,
                         evidence: str, methods: str, when: str, crawl_id: str | None = None,
                         scope: str | None = None) -> None:
    """A list's declared size against the records a crawl reached on it (list_coverage); `scope`
    'cluster' with the cluster's `crawl_id` when the figures are the whole cluster's."""
    with transaction(db) as conn:
        _ensure_site(conn, site, when)
        conn.execute("INSERT INTO list_coverage (site, list_url, declared, reached, shortfall, evidence, methods, "
                     "crawled_at, crawl_id, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [site, list_url, declared, reached, max(0, declared - reached), evidence, methods, when,
                      crawl_id, scope])


def was_archived(db: sqlite_utils.Database, url: str) -> bool:
    """Whether `url` ever answered 2xx in a capture or is a stored report: only such a URL can be gone."""
    row = db.execute("SELECT 1 FROM captures WHERE url = ? AND status BETWEEN 200 AND 299 LIMIT 1", [url]).fetchone()
    if row is None and "reports" in db.table_names():
        row = db.execute("SELECT 1 FROM reports WHERE url = ? LIMIT 1", [url]).fetchone()
    return row is not None


def _as_year(value: Any) -> int | None:
    try:
        return int(str(value).strip()[:4]) if value not in (None, "") else None
    except ValueError:
        return None


def _arithmetic(result: ParseResult) -> str:
    if any(check.ok is False for check in result.checks):
        return "failed"
    if any(check.ok is True for check in result.checks):
        return "ok"
    return "unchecked"


def _totals(cells: dict[str, Any]) -> dict[str, Any]:
    """Headline sums per report; 2019's single 其他处理 row and 2021's three sub-rows both count."""
    out: dict[str, Any] = {}
    for column, keys in TOTALS.items():
        values = [cells[k] for k in keys if isinstance(cells.get(k), (int, float))]
        if column == "requests_other" and isinstance(cells.get("requests.other.total"), (int, float)):
            values = [cells["requests.other.total"]]
        out[column] = sum(values) if values else None
    return out


def meta_beyond_columns(meta: dict[str, Any]) -> str | None:
    """reports.meta: what the parser read that the report's own columns do not hold (JSON), None when
    they hold it all (every parser key today). A copy of the columns was 244 bytes a report (issue 13)."""
    rest = {key: value for key, value in meta.items()
            if key not in META_COLUMNS or (key == "year" and _as_year(value) != value)}
    return json.dumps(rest, ensure_ascii=False, default=str) if rest else None


def derived_columns(result: ParseResult) -> dict[str, Any]:
    """The report columns that come from the parser (replaced wholesale by reparse)."""
    meta = result.meta or {}
    return {
        "title": meta.get("title"), "agency": meta.get("agency"), "region": meta.get("region"),
        "year": _as_year(meta.get("year")), "template": result.template, "published": meta.get("published"),
        "archived": meta.get("archived"), "index_no": meta.get("index_no"), "text": result.text,
        "kind": result.kind, "flags": json.dumps(list(result.flags), ensure_ascii=False),
        "error": result.error, "needs_ocr": int("needs_ocr" in result.flags),
        "spam_found": int(bool(result.spam.found)),
        "spam_identity": json.dumps(result.spam.identity, ensure_ascii=False) if result.spam.identity else None,
        "cells_found": sum(value is not None for value in result.cells.values()),
        "cells_uncertain": len(set(result.uncertain)),
        "checks_failed": sum(check.ok is False for check in result.checks),
        "arithmetic": _arithmetic(result),
        **_totals(result.cells),
        "meta": meta_beyond_columns(meta),
        "parser_version": result.parser_version,
        # {"pdfplumber": "0.11.10", ...}: what read the document, beside parser_version.
        "tool_versions": json.dumps(result.tool_versions, ensure_ascii=False, sort_keys=True)
        if result.tool_versions else None,
        "text_source": result.text_source,
    }


def _cell_source(result: ParseResult, key: str, how_ids: dict[str, int]) -> tuple[int | None, CompactLocation]:
    """(how id, stored location) of one cell, from the parser's one `sources` record; its `medium`
    ("ocr" when read from pixels) is stored apart, as report_cells.source."""
    source = result.sources.get(key)
    if not source:
        return None, compact_location(key, None)
    how = source.get("how")
    location = {k: v for k, v in source.items() if k not in ("how", "medium")}
    return None if how is None else how_ids[how], compact_location(key, location)


def _how_ids(conn: Any, hows: set[str], known: dict[str, int] | None = None) -> dict[str, int]:
    """The cell_hows id of every how, adding new ones; cached like _key_ids."""
    ids = known if known is not None else {}
    missing = sorted(hows - set(ids))
    if missing:
        conn.executemany("INSERT OR IGNORE INTO cell_hows (how) VALUES (?)", [(how,) for how in missing])
        for how in missing:
            ids[how] = conn.execute("SELECT id FROM cell_hows WHERE how = ?", [how]).fetchone()[0]
    return ids


def _key_ids(conn: Any, keys: list[str], known: dict[str, int] | None = None) -> dict[str, int]:
    """The cell_keys id of every key, adding the keys no archive has seen yet. Ids never change once
    given, so `known` (a bulk writer's cache) is filled and trusted."""
    ids = known if known is not None else {}
    if all(key in ids for key in keys):
        return ids
    ids.update(conn.execute("SELECT key, id FROM cell_keys").fetchall())
    missing = [key for key in keys if key not in ids]
    if missing:
        conn.executemany("INSERT OR IGNORE INTO cell_keys (key, part) VALUES (?, ?)",
                         [(key, key.split(".", 1)[0]) for key in missing])
        ids.update(conn.execute("SELECT key, id FROM cell_keys").fetchall())
    return ids


def _cell_set_ids(conn: Any, lists: list[str], known: dict[str, int] | None = None) -> dict[str, int]:
    """The check_cell_sets id of every check's cell list (JSON), adding new lists; cached like _key_ids."""
    ids = known if known is not None else {}
    missing = sorted(set(lists) - set(ids))
    if missing:
        conn.executemany("INSERT OR IGNORE INTO check_cell_sets (cells) VALUES (?)", [(c,) for c in missing])
        for cells in missing:
            ids[cells] = conn.execute("SELECT id FROM check_cell_sets WHERE cells = ?", [cells]).fetchone()[0]
    return ids


@cache
def _wide_insert(table: str, prefix: str) -> tuple[str, tuple[str, ...]]:
    """(INSERT statement, cell keys in column order) of one wide table."""
    wide_keys = tuple(cell_keys(prefix))
    names = ", ".join(f"[{wide_column(key)}]" for key in wide_keys)
    marks = ", ".join("?" for _ in wide_keys)
    return f"INSERT INTO [{table}] (report_id, {names}) VALUES (?, {marks})", wide_keys


CELLS_INSERT = "INSERT INTO cells (report_id, key_id, value, bits) VALUES (?, ?, ?, ?)"
SPANS_INSERT = "INSERT INTO cell_spans (report_id, span, start, length, page, page_end) VALUES (?, ?, ?, ?, ?, ?)"
EXTRAS_INSERT = ("INSERT INTO cell_extras (report_id, key_id, note, uncertain_reason, row, location, source, "
                 "printed, how_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
CHECKS_INSERT = "INSERT INTO check_results (report_id, name, ok, detail, cell_set_id) VALUES (?, ?, ?, ?, ?)"
SPAM_INSERT = ("INSERT INTO spam_findings (report_id, kind, string, start, [end], domain, evidence, parser_version) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
SEARCH_INSERT = f"INSERT INTO {CHARS_FTS_TABLE} (rowid, chars) VALUES (?, ?)"


@dataclass
class DerivedRows:
    """Every row derived from one parse, statement -> parameter rows, in the order they are written.
    record_report writes one report's; the bulk writer (bulk.py) the same rows of many reports at once."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, other: DerivedRows) -> None:
        for statement, rows in other.rows.items():
            self.rows.setdefault(statement, []).extend(rows)

    def write(self, conn: Any) -> None:
        for statement, rows in self.rows.items():
            if rows:
                conn.executemany(statement, rows)
        self.rows.clear()


def derived_rows(conn: Any, report_id: int, result: ParseResult, *, key_ids: dict[str, int] | None = None,
                 set_ids: dict[str, int] | None = None, how_ids: dict[str, int] | None = None) -> DerivedRows:
    """The cells, wide rows, checks, spam findings and search row of one report, ready to insert
    (cell keys and check cell lists it needs are added to their tables here)."""
    version = result.parser_version
    out = DerivedRows()
    uncertain = set(result.uncertain)
    keys = list(result.cells) + sorted(uncertain - set(result.cells))
    ids = _key_ids(conn, keys, key_ids)
    hows = _how_ids(conn, {source["how"] for source in result.sources.values() if source.get("how") is not None},
                    how_ids)
    cells, extras = out.rows.setdefault(CELLS_INSERT, []), out.rows.setdefault(EXTRAS_INSERT, [])
    spans: dict[tuple[Any, ...], int] = {}  # a printed row's span -> its number in this report
    for key in keys:
        how_id, where = _cell_source(result, key, hows)
        medium = result.medium(key)
        span = None if where.span is None else spans.setdefault(where.span, len(spans))
        value = result.cells.get(key)
        as_value = printed_is_value(where.printed, value)
        cells.append((report_id, ids[key], value,
                      pack_bits(key in uncertain, medium == "ocr", how_id, span, where.column, as_value)))
        extra = (result.cell_notes.get(key), result.uncertain_reasons.get(key) if key in uncertain else None,
                 where.row, where.location, None if medium == "ocr" else medium,
                 None if as_value else where.printed,
                 how_id if how_id is not None and how_id > MAX_HOW_IN_BITS else None)
        if extra != (None,) * 7:
            extras.append((report_id, ids[key], *extra))
    out.rows[SPANS_INSERT] = [(report_id, number, *span_) for span_, number in spans.items()]
    for prefix, (_, table) in WIDE.items():
        statement, wide_keys = _wide_insert(table, prefix)
        rows = out.rows.setdefault(statement, [])
        if any(key.startswith(prefix) for key in keys):
            rows.append((report_id, *[result.cells.get(key) for key in wide_keys]))
    cell_lists = [json.dumps(list(check.cells), ensure_ascii=False) for check in result.checks]
    sets = _cell_set_ids(conn, cell_lists, set_ids)
    out.rows[CHECKS_INSERT] = [
        (report_id, check.name, None if check.ok is None else int(check.ok), check.detail, sets[cells])
        for check, cells in zip(result.checks, cell_lists, strict=True)]
    spam = result.spam
    findings: list[tuple[Any, ...]] = [
        (report_id, "string", pos.get("string"), pos.get("start"), pos.get("end"), None, None, version)
        for pos in spam.positions]
    positioned = {pos.get("string") for pos in spam.positions}
    findings += [(report_id, "string", s, None, None, None, None, version)
                 for s in spam.strings if s not in positioned]
    findings += [(report_id, "domain", None, None, None, domain, None, version) for domain in spam.spam_domains]
    if spam.identity:
        label = " ".join(str(spam.identity.get(k) or "") for k in ("region", "agency")).strip()
        findings.append((report_id, "identity", label or None, None, None, None,
                         json.dumps(spam.identity.get("evidence", []), ensure_ascii=False), version))
    out.rows[SPAM_INSERT] = findings
    meta = result.meta or {}
    out.rows[SEARCH_INSERT] = [
        (report_id, search_form(meta.get("title"), meta.get("agency"), meta.get("region"), result.text))]
    return out


def write_derived_rows(conn: Any, report_id: int, result: ParseResult) -> None:
    """(Re)write cells, wide rows, checks, spam findings and the per-character index of one report.

    Call it before the reports row's title, agency, region or text change (reparse): the index's
    delete is rebuilt from them."""
    for table in ("cells", "cell_spans", "cell_extras", "check_results", "spam_findings",
                  *(table for _, table in WIDE.values())):
        conn.execute(f"DELETE FROM [{table}] WHERE report_id = ?", [report_id])
    _unindex(conn, report_id)
    derived_rows(conn, report_id, result).write(conn)


def write_copied_derived_rows(conn: Any, report_ids: list[int]) -> None:
    """The derived-on-write state of reports whose rows were copied in, not parsed (gkcrawl merge):
    their wide rows from their cells, their per-character index row from their report row (the index is
    contentless, so it is rebuilt, never copied). The one place that knows what a write derives;
    facet_counts and latest_year_totals follow the reports rows by trigger and need nothing here."""
    for prefix, (_, table) in WIDE.items():
        conn.executemany(f"DELETE FROM [{table}] WHERE report_id = ?", [(i,) for i in report_ids])
        conn.executemany(wide_backfill_sql(prefix, one_report=True), [(i,) for i in report_ids])
    for report_id in report_ids:
        _unindex(conn, report_id)
    conn.executemany(f"INSERT INTO {CHARS_FTS_TABLE} (rowid, chars) VALUES (?, ?)",
                     ((row[0], search_form(*row[1:])) for row in _report_rows(conn, report_ids)))


def _report_rows(conn: Any, report_ids: list[int], chunk: int = 500) -> Iterator[tuple[Any, ...]]:
    for start in range(0, len(report_ids), chunk):
        ids = report_ids[start:start + chunk]
        marks = ", ".join("?" for _ in ids)
        yield from conn.execute(f"SELECT id, title, agency, region, text FROM reports WHERE id IN ({marks})", ids)


def _unindex(conn: Any, report_id: int) -> None:
    """Take a report out of the per-character index. The index keeps no copy of the text (contentless),
    so FTS5's delete is given the form that was indexed, rebuilt from the report row as it still is."""
    if not conn.execute(f"SELECT 1 FROM {CHARS_FTS_TABLE}_docsize WHERE id = ?", [report_id]).fetchone():
        return
    row = conn.execute("SELECT title, agency, region, text FROM reports WHERE id = ?", [report_id]).fetchone()
    if row:
        conn.execute(f"INSERT INTO {CHARS_FTS_TABLE} ({CHARS_FTS_TABLE}, rowid, chars) VALUES ('delete', ?, ?)",
                     [report_id, search_form(*row)])


def record_report(db: sqlite_utils.Database, capture_id: int | None, result: ParseResult, *, url: str,
                  fetched_at: str, sha256: str, site: str | None, parsed_at: str | None = None) -> tuple[int, bool]:
    """Store a report version keyed by (url, sha256); returns (report_id, whether it is new).

    A new hash for a known URL becomes version n+1; earlier versions stay untouched.
    Re-recording a known (url, sha256) writes nothing except clearing a stale gone_at.
    """
    with transaction(db) as conn:
        report_id, new = insert_report_row(conn, capture_id, result, url=url, fetched_at=fetched_at, sha256=sha256,
                                           site=site, parsed_at=parsed_at)
        if new:
            write_derived_rows(conn, report_id, result)
        return report_id, new


def insert_report_row(conn: Any, capture_id: int | None, result: ParseResult, *, url: str, fetched_at: str,
                      sha256: str, site: str | None, parsed_at: str | None = None) -> tuple[int, bool]:
    """The reports row of record_report (and of bulk.BulkWriter), without the rows derived beside it."""
    site = site or _host(url)
    row = conn.execute("SELECT id, gone_at FROM reports WHERE url = ? AND sha256 = ?", [url, sha256]).fetchone()
    if row:
        if row[1] is not None:
            conn.execute("UPDATE reports SET gone_at = NULL WHERE id = ?", [row[0]])
        return int(row[0]), False
    _ensure_site(conn, site, fetched_at)
    version = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM reports WHERE url = ?", [url]).fetchone()[0]
    columns = {"url": url, "version": version, "fetched_at": fetched_at, "sha256": sha256,
               "capture_id": capture_id, "site": site, "parsed_at": parsed_at or _now_iso(),
               **derived_columns(result)}
    statement = _report_insert(tuple(columns))
    cursor = conn.execute(statement, list(columns.values()))
    return int(cursor.lastrowid), True


@cache
def _report_insert(names: tuple[str, ...]) -> str:
    return (f"INSERT INTO reports ({', '.join(f'[{name}]' for name in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})")


def replace_rows(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> int:
    """Replace every row of a derived table (cross-report analysis) in one transaction; returns the count.

    The analysis is recomputed from the reports each time, so its tables are rewritten whole:
    running it twice leaves the same rows."""
    names = [name for name, _ in TABLES[table].columns]
    with transaction(db) as conn:
        conn.execute(f"DELETE FROM [{table}]")
        if rows:
            columns = ", ".join(f"[{name}]" for name in names)
            marks = ", ".join("?" for _ in names)
            conn.executemany(f"INSERT INTO [{table}] ({columns}) VALUES ({marks})",
                             [[row.get(name) for name in names] for row in rows])
    return len(rows)


@dataclass(frozen=True)
class ImportRecord:
    """A document imported by hand, as the `imports` table keeps it."""

    file_name: str
    sha256: str
    size: int
    url: str
    imported_at: str
    source_url: str | None = None
    fetched_at: str | None = None
    capture_id: int | None = None


def find_import(db: sqlite_utils.Database, url: str, sha256: str) -> int | None:
    """The imports row of these bytes at this URL, if they were imported before."""
    row = db.execute("SELECT id FROM imports WHERE url = ? AND sha256 = ?", [url, sha256]).fetchone()
    return int(row[0]) if row else None


def record_import(db: sqlite_utils.Database, item: ImportRecord) -> int:
    """Insert an imports row (keyed by url and sha256: the same file twice is one row)."""
    with transaction(db) as conn:
        row = conn.execute("SELECT id FROM imports WHERE url = ? AND sha256 = ?", [item.url, item.sha256]).fetchone()
        if row:
            return int(row[0])
        cursor = conn.execute(
            "INSERT INTO imports (file_name, sha256, size, source_url, url, fetched_at, imported_at, capture_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [item.file_name, item.sha256, item.size, item.source_url, item.url, item.fetched_at, item.imported_at,
             item.capture_id])
        return int(cursor.lastrowid)


def finish_import(db: sqlite_utils.Database, import_id: int, *, report_id: int | None, outcome: str,
                  error: str | None) -> None:
    """What an imported document became: a report (maybe with a parse error), or why not."""
    with transaction(db) as conn:
        conn.execute("UPDATE imports SET report_id = ?, outcome = ?, error = ? WHERE id = ?",
                     [report_id, outcome, error, import_id])
