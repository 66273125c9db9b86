"""`gkcrawl import`: files obtained elsewhere become archived, parsed, published reports.

Each file is stored first (a WARC resource record, warc_import.py; a `captures` row pointing at
it; an `imports` row with its file name, SHA-256, size, import time and, when known, its source
URL and fetch time), then derived exactly like a crawled document (a `derivations` row, the
supervised parse workers, `gkcrawl.archive.store`), so `gkcrawl reparse` re-derives it from the
WARC like any other. The same bytes under the same URL twice are one version: the second import
writes nothing. A document the parser cannot read is still kept, its report row carrying the
reason (reports.error, imports.error). The cross-report analysis runs at the end."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlite_utils

from gkcrawl.analyze import analyze_archive
from gkcrawl.archive.models import Capture
from gkcrawl.archive.store import ImportRecord, find_import, finish_import, record_capture, record_import
from gkcrawl.derive.candidates import record_candidate
from gkcrawl.derive.decision import Candidate
from gkcrawl.derive.limits import ParseLimits
from gkcrawl.derive.room import derive_batch
from gkcrawl.derive.supervisor import InlineRunner, Runner, Supervisor
from gkcrawl.parse.result import ParseResult

from .warc_import import ImportWarc

Parser = Callable[..., ParseResult]
_MAGIC = ((b"%PDF", "application/pdf"), (b"\xd0\xcf\x11\xe0", "application/msword"))


@dataclass
class Imported:
    """What one file came to."""

    path: Path
    url: str
    sha256: str
    import_id: int | None = None
    report_id: int | None = None
    outcome: str = ""       # report / not_report / already archived / unreadable file
    error: str | None = None


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> str:
    """`--fetched-at` as the archive writes times (UTC, second precision); a bare date is its midnight UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return iso(moment)


def content_type_of(name: str, data: bytes) -> str:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed + ("; charset=utf-8" if guessed.startswith("text/") and _utf8(data) else "")
    return "application/octet-stream"


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def import_files(db: sqlite_utils.Database, warc_root: Path, paths: list[Path], *, url: str | None = None,
                 fetched_at: str | None = None, parse: Parser | None = None, limits: ParseLimits | None = None,
                 now: Callable[[], datetime] | None = None, analyze: bool = True) -> list[Imported]:
    """Archive, derive and (by default) analyse these files; one `Imported` per file, in order.

    `url` is the source URL (one file only: two files cannot come from one URL at one time).
    `parse` runs a given parser in this process; by default the supervised workers parse."""
    if url is not None and len(paths) > 1:
        raise ValueError("--url names the source of one file; import files from different URLs one by one")
    clock = now or (lambda: datetime.now(timezone.utc))
    started = clock()
    warc = ImportWarc(Path(warc_root), started)
    done: list[Imported] = []
    jobs: dict[int, Imported] = {}
    try:
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError as unreadable:  # nothing to keep; the others go on
                done.append(Imported(path, url or "", "", outcome="unreadable file",
                                     error=f"{type(unreadable).__name__}: {unreadable.strerror or unreadable}"))
                continue
            sha = hashlib.sha256(data).hexdigest()
            item = Imported(path, url or f"urn:sha256:{sha}", sha)
            done.append(item)
            known = db.execute("SELECT id FROM reports WHERE url = ? AND sha256 = ?", [item.url, sha]).fetchone()
            item.import_id = find_import(db, item.url, sha)
            if known or item.import_id is not None:
                item.report_id = int(known[0]) if known else None
                item.outcome = "already archived"
                continue
            imported_at = iso(clock())
            when = fetched_at or imported_at
            content_type = content_type_of(path.name, data)
            warc_file, offset, record_id = warc.write(url=item.url, data=data, content_type=content_type,
                                                      file_name=path.name, warc_date=when, imported_at=imported_at)
            site = urlsplit(item.url).netloc or None
            capture_id = record_capture(db, Capture(
                url=item.url, status=None, fetched_at=when, sha256=sha, size=len(data), content_type=content_type,
                warc_file=warc_file, warc_offset=offset, warc_record_id=record_id, site=site,
                payload_digest=None, warc_type="resource"))
            item.import_id = record_import(db, ImportRecord(
                file_name=path.name, sha256=sha, size=len(data), url=item.url, imported_at=imported_at,
                source_url=url, fetched_at=fetched_at, capture_id=capture_id))
            derivation_id, _ = record_candidate(db, Candidate(
                url=item.url, sha256=sha, capture_id=capture_id, fetched_at=when, site=site,
                content_type=content_type, content_disposition=f"attachment; filename*=UTF-8''{quote(path.name)}",
                role="report", title_hint=path.stem, notes=["imported"]), now=imported_at)
            jobs[derivation_id] = item
    finally:
        warc.close()
    if jobs:
        runner: Runner = InlineRunner(parse) if parse is not None else Supervisor(limits or ParseLimits())
        try:
            recorded = derive_batch(db, Path(warc_root), list(jobs), runner, mode="crawl", clock=now)
        finally:
            runner.close()
        for step in recorded:
            item = jobs[step.derivation_id]
            item.report_id = step.report_id
            item.outcome = "report" if step.report_id else "not_report"
            item.error = step.error
            if step.report_id and not item.error:
                row = db.execute("SELECT error FROM reports WHERE id = ?", [step.report_id]).fetchone()
                item.error = row[0] if row else None
            assert item.import_id is not None
            finish_import(db, item.import_id, report_id=item.report_id, outcome=item.outcome, error=item.error)
    if analyze:
        analyze_archive(db)
    return done
