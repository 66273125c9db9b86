"""Many reports into the archive at once (issue 13: a million-report archive must build in minutes).

`BulkWriter` writes exactly the rows `store.record_report` writes — the same reports row
(`store.insert_report_row`, with its dedupe by url and sha256 and its versions) and the same
derived rows (`store.derived_rows`) — but a batch of reports is one transaction and each
derived table gets one executemany per batch, with cell-key and check-cell-list ids cached.
`bulk_load` additionally sets build PRAGMAs (no fsync, no per-row foreign key checks) and defers
the secondary indexes of the big tables to the end of the load, where they are built once
(ensure_db_shape recreates them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from gkcrawl.parse.result import ParseResult

from . import facet_pairs
from .schema import TABLES, ensure_db_shape
from .store import DerivedRows, derived_rows, insert_report_row

# Indexes no write of a report reads: dropped for a bulk load, rebuilt at its end. (The unique
# (url, sha256) and (url, version) indexes stay: the dedupe and the versions read them.)
DEFERRED_INDEX_TABLES = ("reports", "check_results", "spam_findings")


class BulkWriter:
    """Add reports with `add`; every `batch` reports (and on `flush`) they are committed together."""

    def __init__(self, db: sqlite_utils.Database, *, batch: int = 2000) -> None:
        self.db = db
        self.batch = batch
        self.pending = 0
        self.derived = DerivedRows()
        self.key_ids: dict[str, int] = {}
        self.set_ids: dict[str, int] = {}
        self.how_ids: dict[str, int] = {}

    def add(self, capture_id: int | None, result: ParseResult, *, url: str, fetched_at: str, sha256: str,
            site: str | None, parsed_at: str | None = None) -> tuple[int, bool]:
        """record_report's (report_id, new), written with the batch."""
        conn = self.db.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        try:
            report_id, new = insert_report_row(conn, capture_id, result, url=url, fetched_at=fetched_at,
                                               sha256=sha256, site=site, parsed_at=parsed_at)
            if new:
                self.derived.add(derived_rows(conn, report_id, result, key_ids=self.key_ids, set_ids=self.set_ids,
                                              how_ids=self.how_ids))
        except BaseException:
            self.rollback()
            raise
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()
        return report_id, new

    def flush(self) -> None:
        """Write the batch's derived rows and commit it."""
        conn = self.db.conn
        try:
            self.derived.write(conn)
        except BaseException:
            self.rollback()
            raise
        if conn.in_transaction:
            conn.commit()
        self.pending = 0

    def rollback(self) -> None:
        """Drop the uncommitted batch (a failed write loses the batch, never half of it)."""
        if self.db.conn.in_transaction:
            self.db.conn.rollback()
        self.derived = DerivedRows()
        self.pending = 0
        self.set_ids.clear()  # ids given inside the rolled-back transaction are gone
        self.key_ids.clear()
        self.how_ids.clear()


@contextmanager
def bulk_load(db: sqlite_utils.Database, *, batch: int = 2000, defer_indexes: bool = True) -> Iterator[BulkWriter]:
    """A BulkWriter with build settings: no fsync per commit, a large page cache, and (with
    `defer_indexes`) the secondary indexes of reports, checks and spam findings and the facet pair counts
    built once at the end."""
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    # The writer's ids come from rows it has just written or read: no per-row foreign key lookups.
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")  # 1 GB
    conn.execute("PRAGMA temp_store=MEMORY")
    if defer_indexes:
        _drop_deferred_indexes(conn)
    writer = BulkWriter(db, batch=batch)
    try:
        yield writer
        writer.flush()
    finally:
        writer.rollback()
        ensure_db_shape(db)  # recreates what was dropped
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA cache_size=-2000")


def _drop_deferred_indexes(conn: Any) -> None:
    """Drop the deferred indexes and the facet pair counts (ensure_db_shape rebuilds both at the end)."""
    with conn:
        for statement in facet_pairs.drop_sql():
            conn.execute(statement)
        for table in DEFERRED_INDEX_TABLES:
            for name, _, unique in TABLES[table].indexes:
                if not unique:
                    conn.execute(f"DROP INDEX IF EXISTS [{name}]")
