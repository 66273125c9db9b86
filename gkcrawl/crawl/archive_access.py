"""The crawl's one door to the archive: a Scrapy extension that owns the database.

The capture middleware, the pipelines and the spider's re-checks all reach the archive
through `archive_of(crawler)`; no other module in `gkcrawl.crawl` imports `gkcrawl.archive`.
Everything here runs on the reactor thread, so one sqlite connection serves the whole crawl:
it is opened on first use and closed when the engine stops.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from gkcrawl.archive.models import Capture
from gkcrawl.archive.store import (
    StoredCapture,
    find_capture,
    mark_gone,
    open_archive,
    record_budget,
    record_capture,
    record_list_coverage,
    record_report,
    touch_url,
    was_archived,
)
from gkcrawl.archive.warc_read import DEFAULT_DECODED_LIMIT, decode_payload

from . import config
from .items import GoneReportItem

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_DECODED_LIMIT", "ArchiveExtension", "Capture", "StoredCapture", "archive_if_any", "archive_of",
           "check_writable", "decode_payload", "require_archive"]


class ArchiveExtension:
    """Owns the crawl's archive connection and records what the crawl yields about it."""

    def __init__(self, crawler: Crawler, db_path: Path) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self._db: sqlite_utils.Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        raw = config.get(crawler.settings, "GKCRAWL_DB_PATH")
        if not raw:
            raise NotConfigured("GKCRAWL_DB_PATH must be the archive database's path")
        extension = cls(crawler, Path(raw))
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.close, signal=signals.engine_stopped)
        return extension

    @property
    def db(self) -> sqlite_utils.Database:
        """The open archive (opened, and its schema ensured, on first use)."""
        if self._db is None:
            self._db = open_archive(self.db_path)
        return self._db

    def close(self) -> None:
        if self._db is None:
            return
        try:
            self._db.conn.close()
        except Exception:  # noqa: BLE001 - closing at shutdown must never fail the run
            pass
        self._db = None

    # What the crawl records.

    def record_capture(self, capture: Capture, *, url: str, when: str, status: int | None) -> int:
        """One exchange's captures row; a response (not a failure) is also a sighting of `url`."""
        capture_id = record_capture(self.db, capture)
        if status is not None:
            touch_url(self.db, url, when, status)
        return capture_id

    def record_report(self, capture_id: int, result: Any, *, url: str, fetched_at: str, sha256: str,
                      site: str | None) -> tuple[int, bool]:
        """One report version (keyed by url and sha256): (report id, whether it is new)."""
        report_id, new_version = record_report(self.db, capture_id, result, url=url, fetched_at=fetched_at,
                                               sha256=sha256, site=site)
        return int(report_id), bool(new_version)

    def mark_gone(self, url: str, when: str) -> None:
        """A report URL that now answers 404/410: its versions keep their rows and gain gone_at."""
        mark_gone(self.db, url, when)

    def record_budget(self, *, site: str, budget: str, scope_url: str, spent: int, when: str) -> None:
        """A budget that stopped part of the crawl: a `budgets` row (never raises: it is logged)."""
        try:
            record_budget(self.db, site=site, budget=budget, scope_url=scope_url, spent=spent, when=when)
        except Exception:  # noqa: BLE001 - a failed row must not stop the crawl; it is logged
            logger.exception("could not record the %s budget of %s", budget, scope_url)
            self.crawler.stats.inc_value("gkcrawl/archive_errors")

    def record_list_coverage(self, *, site: str, list_url: str, declared: int, reached: int, evidence: str,
                             methods: str, when: str, crawl_id: str | None = None, scope: str | None = None) -> None:
        """A list's declared size against the records reached: a `list_coverage` row (never raises)."""
        try:
            record_list_coverage(self.db, site=site, list_url=list_url, declared=declared, reached=reached,
                                 evidence=evidence, methods=methods, when=when, crawl_id=crawl_id, scope=scope)
        except Exception:  # noqa: BLE001 - a failed row must not stop the crawl; it is logged
            logger.exception("could not record the coverage of %s", list_url)
            self.crawler.stats.inc_value("gkcrawl/archive_errors")

    def was_archived(self, url: str) -> bool:
        """Whether `url` answered 2xx in an earlier capture (or is a stored report): only it can be gone."""
        return was_archived(self.db, url)

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, GoneReportItem):
            try:
                self.mark_gone(item.url, item.when)
            except Exception:  # noqa: BLE001 - a failed row must not stop the crawl; it is logged
                logger.exception("could not mark %s gone", item.url)
                self.crawler.stats.inc_value("gkcrawl/archive_errors")

    # What the crawl reads.

    def earlier_capture(self, url: str, *, payload_digest: str | None = None, sha256s: tuple[str, ...] = (),
                        with_payload: bool = True) -> StoredCapture | None:
        """The latest archived capture of `url` a new record can refer to (see store.find_capture)."""
        return find_capture(self.db, url, payload_digest=payload_digest, sha256s=sha256s, with_payload=with_payload)

    def known_report_urls(self, hosts: set[str]) -> list[str]:
        """Report URLs archived earlier on these hosts: re-checked so removals are noticed."""
        db = self.db
        if "reports" not in db.table_names():
            return []
        columns = {c.name for c in db["reports"].columns}
        if "url" not in columns:
            return []
        where = " where gone_at is null" if "gone_at" in columns else ""
        urls = [row[0] for row in db.execute(f"select distinct url from reports{where}").fetchall()]
        return sorted(u for u in urls if urlsplit(u).netloc in hosts)


def require_archive(crawler: Crawler, component: str) -> None:
    """NotConfigured for a component that writes the archive when this crawl has none
    (`scrapy shell/fetch/view`, where run_settings empties GKCRAWL_DB_PATH): they never write one."""
    if crawler.get_extension(ArchiveExtension) is None:
        raise NotConfigured(f"{component} writes the archive; this crawl has none (GKCRAWL_DB_PATH is empty)")


def check_writable(db_path: Path) -> None:
    """Open (creating it if need be) and write-lock the archive once, so that a crawl that could
    store nothing fails before it starts. Raises OSError or sqlite3.Error with the reason."""
    db = open_archive(db_path)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    finally:
        db.conn.close()


def archive_if_any(crawler: Crawler) -> ArchiveExtension | None:
    """The crawl's archive extension, or None in a run without an archive (`-s GKCRAWL_DB_PATH=`)."""
    return crawler.get_extension(ArchiveExtension)


def archive_of(crawler: Crawler) -> ArchiveExtension:
    """The running crawl's archive extension (Scrapy's public lookup; nothing stashed on the crawler).

    Extensions are built before the engine, so downloader middlewares and pipelines may call
    this from their `from_crawler`."""
    extension = crawler.get_extension(ArchiveExtension)
    if extension is not None:
        return extension
    raise RuntimeError("no archive in this crawl: enable gkcrawl.crawl.archive_access.ArchiveExtension "
                       "in EXTENSIONS and set GKCRAWL_DB_PATH")
