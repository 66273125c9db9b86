"""Archives as an older gkcrawl left them, for the tests of what opening one backfills."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from gkcrawl.archive.store import open_archive

REPORTS_KEEPING_TRIGGERS = ("reports_facets_insert", "reports_facets_update", "reports_facets_delete",
                            "reports_facet_pairs_insert", "reports_facet_pairs_update", "reports_facet_pairs_delete")


def reopened_without(path: Path, table: str) -> sqlite_utils.Database:
    """The closed archive at `path` stripped of `table` and the reports triggers that keep it up to
    date (as before they existed), then opened again: open_archive rebuilds and backfills them."""
    conn = sqlite3.connect(path)
    for trigger in REPORTS_KEEPING_TRIGGERS:
        conn.execute(f"drop trigger {trigger}")
    conn.execute(f"drop table {table}")
    conn.commit()
    conn.close()
    return open_archive(path)
