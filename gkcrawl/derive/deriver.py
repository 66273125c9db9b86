"""Between the archive and the workers: a derivation row -> a job, a job's outcome -> rows.

Everything here runs in one thread with one archive connection. Writes go through
`gkcrawl.archive.store` (record_report, write_derived_rows). Two modes:
- "crawl": a candidate is derived once; its version already derived (or already a report)
  is only re-recorded, never parsed again;
- "reparse": every report version is derived again; a failure keeps the report's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from gkcrawl.archive.store import derived_columns, record_report, transaction, write_derived_rows
from gkcrawl.archive.warc_read import ArchivedBytesError, read_verified
from gkcrawl.extract.document import decode_bytes
from gkcrawl.parse.result import PARSER_VERSION, ParseResult

from .candidates import DerivationRow, load_row, payload_location
from .decision import filename_of, is_report
from .jobs import JobOutcome, WorkerJob
from .limits import PARSE_FAILED_FLAG
from .pictures import (
    PICTURES_MISSING_FLAG,
    PictureLocation,
    adopt_pictures,
    describe_missing,
    newest_picture,
    picture_rows,
    record_read,
)
from .regressions import Loss, loss_of
from .result_json import result_from_json

Mode = Literal["crawl", "reparse"]
Clock = Callable[[], datetime]

# Derived report columns whose change counts as a changed report (not the stamps).
_FINGERPRINT_COLUMNS = ("title", "agency", "region", "year", "template", "published", "archived",
                        "index_no", "text", "error")


@dataclass
class Recorded:
    """What one derivation came to, for the crawl's stats and reparse's summary."""

    derivation_id: int
    url: str
    site: str | None
    report_id: int | None = None
    new_version: bool = False
    parsed: bool = False          # a worker ran (False: already derived, or unreadable)
    failed: bool = False          # a limit broke or the worker died: `error` says which
    unreadable: bool = False      # the archived bytes could not be read back
    changed: bool = False         # reparse: cells, checks, meta or text differ from before
    rederived: bool = False       # reparse of an existing report version
    loss: Loss | None = None      # reparse: what the new parse loses against the stored rows
    held_back: bool = False       # reparse: the loss was not applied (the stored rows stay)
    error: str | None = None
    seconds: float = 0.0
    worker_peak_rss_kb: int | None = None


def fingerprint(db: sqlite_utils.Database, report_id: int) -> tuple[list[Any], ...]:
    cells = db.execute("SELECT key, value, uncertain FROM report_cells WHERE report_id = ? ORDER BY key",
                       [report_id]).fetchall()
    checks = db.execute("SELECT name, ok, detail FROM checks WHERE report_id = ? ORDER BY name",
                        [report_id]).fetchall()
    columns = ", ".join(f"[{name}]" for name in _FINGERPRINT_COLUMNS)
    derived = db.execute(f"SELECT {columns} FROM reports WHERE id = ?", [report_id]).fetchall()
    return cells, checks, derived


def converter_trouble(result: ParseResult) -> str | None:
    """A converter that timed out leaves a flag; the derivation row says so in words."""
    timeouts = [flag.split(":", 1)[1] for flag in result.flags if flag.startswith("converter_timeout:")]
    return f"converter timeout: {', '.join(timeouts)}" if timeouts else None


class Deriver:
    """Turns derivation rows into worker jobs and worker outcomes into archive rows."""

    def __init__(self, db: sqlite_utils.Database, warc_root: Path, *, mode: Mode,
                 clock: Clock | None = None, accept_regressions: bool = False) -> None:
        self.db = db
        self.warc_root = Path(warc_root)
        self.mode = mode
        self.accept_regressions = accept_regressions
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._given: dict[int, list[PictureLocation]] = {}  # job id -> the pictures its worker was given

    def _now(self) -> str:
        return self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")

    def prepare(self, derivation_id: int) -> WorkerJob | Recorded:
        """The job for this row, or at once what it came to when no parse is needed."""
        row = load_row(self.db, derivation_id)
        candidate = row.candidate
        if self.mode == "crawl":
            known = self._known_report(row)
            if known is not None or row.status != "pending":
                return self._seen_again(row, known)
        location = payload_location(self.db, candidate.capture_id, candidate.sha256)
        if location is None:
            return self._unreadable(row, "no WARC record for this document's capture")
        warc_file, offset, content_type = location
        if self.mode == "reparse":
            self._adopt_pictures(row, warc_file, offset)
        return WorkerJob(job_id=row.id, url=candidate.url,
                         filename=filename_of(candidate.url, candidate.content_disposition),
                         content_type=content_type or candidate.content_type, sha256=candidate.sha256,
                         warc_path=str(self.warc_root / warc_file), warc_offset=offset,
                         pictures=tuple(picture.to_json() for picture in self._give_pictures(row.id)))

    def _give_pictures(self, derivation_id: int) -> list[PictureLocation]:
        given = self._pictures(derivation_id)
        if given:
            self._given[derivation_id] = given
        return given

    def _adopt_pictures(self, row: DerivationRow, warc_file: str, offset: int) -> None:
        """Reparse of a report flagged tables_as_images whose pictures were never recorded: look
        them up among the captures (only such reports: the page is read here to list them)."""
        if row.report_id is None or picture_rows(self.db, row.id):
            return
        flagged = self.db.execute("SELECT 1 FROM reports WHERE id = ? AND flags LIKE '%\"tables_as_images\"%'",
                                  [row.report_id]).fetchone()
        if flagged is None:
            return
        try:
            body, content_type = read_verified(self.warc_root / warc_file, offset, row.candidate.sha256)
        except (ArchivedBytesError, OSError, ValueError):
            return  # the worker will say the bytes are unreadable
        html, _ = decode_bytes(body, content_type, is_html=True)
        adopt_pictures(self.db, row.id, row.candidate.url, html, now=self._now())

    def _pictures(self, derivation_id: int) -> list[PictureLocation]:
        """The page's pictures archived by now: each by its URL's newest 2xx capture."""
        found = []
        for src, url, _, _ in picture_rows(self.db, derivation_id):
            newest = newest_picture(self.db, url)
            if newest is not None:
                capture_id, warc_file, offset, sha256 = newest
                found.append(PictureLocation(src, url, capture_id, str(self.warc_root / warc_file), offset, sha256))
        return found

    def _known_report(self, row: DerivationRow) -> int | None:
        found = self.db.execute("SELECT id FROM reports WHERE url = ? AND sha256 = ?",
                                [row.candidate.url, row.candidate.sha256]).fetchone()
        return int(found[0]) if found else row.report_id

    def _seen_again(self, row: DerivationRow, report_id: int | None) -> Recorded:
        """A version derived before: re-recording it clears a stale gone_at, nothing more."""
        candidate = row.candidate
        recorded = Recorded(row.id, candidate.url, candidate.site, failed=row.status == "failed")
        if report_id is None:
            return recorded
        recorded.report_id, _ = record_report(self.db, candidate.capture_id, ParseResult(), url=candidate.url,
                                              fetched_at=candidate.fetched_at, sha256=candidate.sha256,
                                              site=candidate.site)
        if row.report_id is None:  # a report stored before this table existed, or before a crash
            with transaction(self.db) as conn:
                conn.execute("UPDATE derivations SET status = 'done', outcome = 'report', report_id = ?, "
                             "finished_at = ? WHERE id = ?", [recorded.report_id, self._now(), row.id])
        return recorded

    def _unreadable(self, row: DerivationRow, reason: str) -> Recorded:
        error = f"archived bytes unreadable: {reason}"
        with transaction(self.db) as conn:
            conn.execute("UPDATE derivations SET status = CASE WHEN report_id IS NULL THEN 'failed' ELSE status END, "
                         "error = ?, finished_at = ? WHERE id = ?", [error, self._now(), row.id])
        return Recorded(row.id, row.candidate.url, row.candidate.site, report_id=row.report_id, unreadable=True,
                        error=reason)

    def record(self, outcome: JobOutcome) -> Recorded:
        """Store what a job came to: report rows on success; a failure as data, never lost."""
        row = load_row(self.db, outcome.job_id)
        if outcome.unreadable is not None:
            return self._unreadable(row, outcome.unreadable)
        if outcome.failure is not None:
            result = ParseResult(error=outcome.failure, flags=[PARSE_FAILED_FLAG])
        else:
            result = result_from_json(outcome.result or {})
        failed = outcome.failure is not None
        pictures = picture_rows(self.db, row.id)
        used = self._given.pop(row.id, []) if pictures else []
        missing = describe_missing(pictures, used) if pictures else None
        if missing and not failed:
            result.flags.append(f"{PICTURES_MISSING_FLAG}:{len(pictures) - len(used)}")
        recorded = Recorded(row.id, row.candidate.url, row.candidate.site, report_id=row.report_id, parsed=True,
                            failed=failed, error=outcome.failure or converter_trouble(result),
                            seconds=outcome.seconds, worker_peak_rss_kb=outcome.worker_peak_rss_kb)
        if row.report_id is not None and self.mode == "reparse":
            self._rederive(row, result, recorded, missing)
        else:
            self._derive(row, result, recorded, missing)
        if pictures and recorded.report_id is not None and not recorded.held_back and not failed:
            with transaction(self.db) as conn:
                record_read(conn, row.id, recorded.report_id, used)
        return recorded

    def _derive(self, row: DerivationRow, result: ParseResult, recorded: Recorded, note: str | None = None) -> None:
        candidate = row.candidate
        if is_report(candidate, result):
            recorded.report_id, recorded.new_version = record_report(
                self.db, candidate.capture_id, result, url=candidate.url, fetched_at=candidate.fetched_at,
                sha256=candidate.sha256, site=candidate.site, parsed_at=self._now())
        with transaction(self.db) as conn:
            self._finish(conn, row, recorded, outcome="report" if recorded.report_id else "not_report", note=note)

    def _rederive(self, row: DerivationRow, result: ParseResult, recorded: Recorded,
                  note: str | None = None) -> None:
        """A report version derived again; a failure keeps the rows it had."""
        assert row.report_id is not None
        recorded.rederived = True
        if recorded.failed:
            with transaction(self.db) as conn:
                self._finish(conn, row, recorded, outcome="report")
            return
        loss = loss_of(self.db, row.report_id, result)
        if loss:
            recorded.loss = loss
            if not self.accept_regressions:
                recorded.held_back = True
                with transaction(self.db) as conn:
                    self._finish(conn, row, recorded, outcome="report",
                                 note=f"regression held back: {loss.describe()}")
                return
        before = fingerprint(self.db, row.report_id)
        columns = {**derived_columns(result), "parsed_at": self._now()}
        assignments = ", ".join(f"[{name}] = ?" for name in columns)
        with transaction(self.db) as conn:
            write_derived_rows(conn, row.report_id, result)  # first: it unindexes the text about to change
            conn.execute(f"UPDATE reports SET {assignments} WHERE id = ?", [*columns.values(), row.report_id])
            self._finish(conn, row, recorded, outcome="report", note=note)
        recorded.changed = fingerprint(self.db, row.report_id) != before

    def _finish(self, conn: Any, row: DerivationRow, recorded: Recorded, *, outcome: str,
                note: str | None = None) -> None:
        same_version = row.parser_version == PARSER_VERSION
        failures = (row.failures if same_version else 0) + 1 if recorded.failed else 0
        conn.execute(
            "UPDATE derivations SET status = ?, outcome = ?, report_id = ?, attempts = attempts + 1, failures = ?, "
            "error = ?, parser_version = ?, finished_at = ?, seconds = ?, worker_peak_rss_kb = ? WHERE id = ?",
            ["failed" if recorded.failed else "done", outcome, recorded.report_id, failures, recorded.error or note,
             PARSER_VERSION, self._now(), round(recorded.seconds, 3), recorded.worker_peak_rss_kb, row.id])
