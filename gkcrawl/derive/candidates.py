"""The `derivations` table: report candidates in, their derivation's status out.

A row is keyed by the document version (url, sha256), like a report version: the same
bytes seen again by a re-crawl are not parsed again, and a document that failed keeps its
count of failures so it is retried once and not forever.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from gkcrawl.archive.store import transaction

from .decision import Candidate
from .limits import MAX_FAILURES


@dataclass
class DerivationRow:
    """One `derivations` row as the room reads it."""

    id: int
    candidate: Candidate
    status: str
    report_id: int | None
    attempts: int
    failures: int
    parser_version: str | None


def record_candidate(db: sqlite_utils.Database, candidate: Candidate, *, now: str) -> tuple[int, str]:
    """Insert a pending candidate (or find its version's row); returns (id, status)."""
    with transaction(db) as conn:
        row = conn.execute("SELECT id, status FROM derivations WHERE url = ? AND sha256 = ?",
                           [candidate.url, candidate.sha256]).fetchone()
        if row:
            return int(row[0]), str(row[1])
        cursor = conn.execute(
            "INSERT INTO derivations (url, sha256, capture_id, site, fetched_at, content_type, content_disposition, "
            "role, title_hint, link_text, notes, status, queued_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            [candidate.url, candidate.sha256, candidate.capture_id, candidate.site, candidate.fetched_at,
             candidate.content_type, candidate.content_disposition, candidate.role, candidate.title_hint,
             candidate.link_text, json.dumps(candidate.notes, ensure_ascii=False), now])
        return int(cursor.lastrowid), "pending"


_COLUMNS = ("id, url, sha256, capture_id, site, fetched_at, content_type, content_disposition, role, title_hint, "
            "link_text, notes, status, report_id, attempts, failures, parser_version")


def load_row(db: sqlite_utils.Database, derivation_id: int) -> DerivationRow:
    row = db.execute(f"SELECT {_COLUMNS} FROM derivations WHERE id = ?", [derivation_id]).fetchone()
    if row is None:
        raise KeyError(f"no derivation {derivation_id}")
    (row_id, url, sha256, capture_id, site, fetched_at, content_type, disposition, role, title_hint, link_text,
     notes, status, report_id, attempts, failures, parser_version) = row
    candidate = Candidate(url=url, sha256=sha256, capture_id=capture_id, fetched_at=fetched_at or "", site=site,
                          content_type=content_type, content_disposition=disposition, role=role or "report",
                          title_hint=title_hint or "", link_text=link_text or "", notes=json.loads(notes or "[]"))
    return DerivationRow(int(row_id), candidate, str(status), report_id, int(attempts), int(failures), parser_version)


def pending_ids(db: sqlite_utils.Database) -> list[int]:
    """Candidates never finished (a crawl stopped before deriving them)."""
    return [int(r[0]) for r in db.execute("SELECT id FROM derivations WHERE status = 'pending' ORDER BY id")]


def adopt_reports(db: sqlite_utils.Database) -> int:
    """Give every report version without a derivations row one (archives older than this table)."""
    with transaction(db) as conn:
        cursor = conn.execute(
            "INSERT INTO derivations (url, sha256, capture_id, site, fetched_at, role, notes, status, outcome, "
            "report_id, attempts, parser_version, error) "
            "SELECT r.url, r.sha256, r.capture_id, r.site, r.fetched_at, 'report', '[]', 'done', 'report', r.id, 1, "
            "r.parser_version, r.error FROM reports r "
            "WHERE NOT EXISTS (SELECT 1 FROM derivations d WHERE d.url = r.url AND d.sha256 = r.sha256) ORDER BY r.id")
        return int(cursor.rowcount or 0)


def reparse_selection(db: sqlite_utils.Database, parser_version: str) -> tuple[list[int], list[int]]:
    """(to derive, skipped): every report version and unfinished candidate, except documents that
    already failed MAX_FAILURES times under this parser version."""
    chosen: list[int] = []
    skipped: list[int] = []
    for row_id, status, failures, version in db.execute(
            "SELECT id, status, failures, parser_version FROM derivations "
            "WHERE report_id IS NOT NULL OR status IN ('pending', 'failed') ORDER BY id"):
        if status == "failed" and failures >= MAX_FAILURES and version == parser_version:
            skipped.append(int(row_id))
        else:
            chosen.append(int(row_id))
    return chosen, skipped


def payload_location(db: sqlite_utils.Database, capture_id: int | None,
                     sha256: str) -> tuple[str, int, str | None] | None:
    """(warc_file, offset, content_type) of a response record holding these bytes.

    A revisit capture (304, identical payload) stores no body: the bytes then come from the
    earlier capture with the same hash that does."""
    query = ("SELECT warc_file, warc_offset, content_type FROM captures WHERE {where} AND revisit = 0 "
             "AND warc_file IS NOT NULL AND warc_offset IS NOT NULL ORDER BY id DESC LIMIT 1")
    row: Any = None
    if capture_id is not None:
        row = db.execute(query.format(where="id = ?"), [capture_id]).fetchone()
        if row is None:
            own = db.execute("SELECT warc_file FROM captures WHERE id = ? AND revisit = 0", [capture_id]).fetchone()
            if own is not None:
                return None  # the capture holds the bytes but has no WARC record: unreadable
    if row is None and sha256:
        row = db.execute(query.format(where="sha256 = ?"), [sha256]).fetchone()
    return (str(row[0]), int(row[1]), row[2]) if row else None
