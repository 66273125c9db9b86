"""Re-derive every report version from its archived bytes with the current parser.

Nothing is fetched: the bytes come from the WARC response record named by the report's
capture (warc_file, warc_offset). Derived rows (cells, checks, spam findings, meta columns,
search index) are replaced in one transaction per report and stamped with the parser
version. A report whose bytes cannot be read keeps its rows and is counted as an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from gkcrawl.parse import ParseResult, parse_document

from .store import derived_columns, transaction, write_derived_rows

Parser = Callable[..., ParseResult]


@dataclass
class ReparseStats:
    reports: int = 0
    reparsed: int = 0
    changed: int = 0  # reports whose cells, checks, meta or text differ from before
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.reparsed}/{self.reports} reports re-derived, {self.changed} changed, "
                f"{len(self.errors)} errors")


class ArchivedBytesError(Exception):
    """The archived response cannot be read back (missing file, bad offset, hash mismatch)."""


def read_response(warc_path: Path, offset: int) -> tuple[bytes, str | None]:
    """The HTTP payload and Content-Type of the response record at `offset`."""
    if not warc_path.is_file():
        raise ArchivedBytesError(f"WARC file missing: {warc_path}")
    with warc_path.open("rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                raise ArchivedBytesError(f"{warc_path}@{offset} is a {record.rec_type} record, not a response")
            content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
            return record.content_stream().read(), content_type
    raise ArchivedBytesError(f"no WARC record at {warc_path}@{offset}")


# Derived report columns whose change counts as a changed report (not the stamps).
_FINGERPRINT_COLUMNS = ("title", "agency", "region", "year", "template", "published", "archived",
                        "index_no", "text", "error")


def _fingerprint(db: sqlite_utils.Database, report_id: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    cells = db.execute("SELECT key, value, uncertain FROM report_cells WHERE report_id = ? ORDER BY key",
                       [report_id]).fetchall()
    checks = db.execute("SELECT name, ok, detail FROM checks WHERE report_id = ? ORDER BY name",
                        [report_id]).fetchall()
    columns = ", ".join(f"[{name}]" for name in _FINGERPRINT_COLUMNS)
    derived = db.execute(f"SELECT {columns} FROM reports WHERE id = ?", [report_id]).fetchall()
    return cells, checks, derived


def reparse_archive(db: sqlite_utils.Database, warc_root: Path, *, parse: Parser = parse_document,
                    now: Callable[[], datetime] | None = None) -> ReparseStats:
    """Re-derive every report version from its WARC bytes; returns what happened."""
    clock = now or (lambda: datetime.now(timezone.utc))
    stats = ReparseStats()
    rows = db.execute(
        "SELECT r.id, r.url, r.sha256, c.warc_file, c.warc_offset, c.content_type "
        "FROM reports r LEFT JOIN captures c ON c.id = r.capture_id ORDER BY r.id").fetchall()
    for report_id, url, sha256, warc_file, warc_offset, capture_content_type in rows:
        stats.reports += 1
        try:
            if warc_file is None or warc_offset is None:
                raise ArchivedBytesError("no WARC record for this report's capture")
            body, content_type = read_response(Path(warc_root) / warc_file, int(warc_offset))
            if sha256 and hashlib.sha256(body).hexdigest() != sha256:
                raise ArchivedBytesError(f"archived bytes do not match sha256 {sha256[:12]}…")
        except (ArchivedBytesError, OSError, ValueError) as exc:
            stats.errors.append(f"report {report_id} ({url}): {exc}")
            continue
        filename = unquote(PurePosixPath(urlsplit(url).path).name)
        try:
            result = parse(body, filename=filename, content_type=content_type or capture_content_type, url=url)
        except Exception as exc:  # noqa: BLE001 - a parser crash becomes the report's recorded error
            result = ParseResult(error=f"parser crashed: {type(exc).__name__}: {exc}")
        before = _fingerprint(db, report_id)
        columns = {**derived_columns(result), "parsed_at": clock().strftime("%Y-%m-%dT%H:%M:%SZ")}
        assignments = ", ".join(f"[{name}] = ?" for name in columns)
        with transaction(db) as conn:
            conn.execute(f"UPDATE reports SET {assignments} WHERE id = ?", [*columns.values(), report_id])
            write_derived_rows(conn, report_id, result)
        stats.reparsed += 1
        if _fingerprint(db, report_id) != before:
            stats.changed += 1
    return stats
