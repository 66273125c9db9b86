"""The store pipeline: a report candidate -> the archive's `derivations` table -> derivation.

The crawl never parses. It records each fetched document that may be a report (with
discovery's judgement: role, notes, link text, title) and hands it to the derivation room
(`gkcrawl.derive`), whose worker processes parse it from the archived bytes beside the
crawl, under time and memory limits. Whether it is a report is decided there, after the
parse (`gkcrawl.derive.decision.is_report`). The spider's close waits for the room to drain,
so a crawl still ends with every report derived and its counts in the stats.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_to_future
from twisted.internet.threads import deferToThread

from gkcrawl.derive.candidates import pending_ids, record_candidate
from gkcrawl.derive.decision import Candidate, disposition_filename, filename_of, is_report
from gkcrawl.derive.deriver import Recorded
from gkcrawl.derive.limits import ParseLimits
from gkcrawl.derive.pictures import AWAITING, CRAWL_ENDED, await_pictures, picture_landed, release_waiting
from gkcrawl.derive.room import BackgroundRoom
from gkcrawl.derive.supervisor import Supervisor

from . import config
from .archive_access import archive_of, require_archive
from .items import DocumentItem, PictureItem
from .warc import iso_utc, utc_now

logger = logging.getLogger(__name__)

__all__ = ["StoreReportPipeline", "disposition_filename", "filename_of", "is_report", "limits_from"]


def limits_from(settings: Any) -> ParseLimits:
    """GKCRAWL_PARSE_TIMEOUT / _MEMORY_MB / _WORKERS as limits; NotConfigured when out of range."""
    try:
        return ParseLimits(wall_seconds=config.get_float(settings, "GKCRAWL_PARSE_TIMEOUT"),
                           memory_mb=config.get_int(settings, "GKCRAWL_PARSE_MEMORY_MB"),
                           workers=config.get_int(settings, "GKCRAWL_PARSE_WORKERS"),
                           ocr_page_seconds=config.get_float(settings, "GKCRAWL_OCR_PAGE_SECONDS"),
                           ocr_max_pages=config.get_int(settings, "GKCRAWL_OCR_MAX_PAGES"))
    except ValueError as error:
        raise NotConfigured(f"GKCRAWL_PARSE_*: {error}") from error


def candidate_of(item: DocumentItem) -> Candidate:
    return Candidate(url=item.url, sha256=item.sha256, capture_id=item.capture_id, fetched_at=item.fetched_at,
                     site=item.site, content_type=item.content_type, content_disposition=item.content_disposition,
                     role=item.role, title_hint=item.title_hint, link_text=item.link_text, notes=list(item.notes))


class StoreReportPipeline:
    """Record each report candidate and hand it to the derivation room; count what it became."""

    def __init__(self, crawler: Crawler, limits: ParseLimits) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.limits = limits
        self.room: BackgroundRoom | None = None
        self.supervisor: Supervisor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreReportPipeline:
        require_archive(crawler, "the store pipeline")
        return cls(crawler, limits_from(crawler.settings))

    def open_spider(self) -> None:
        archive = archive_of(self.crawler)
        db = archive.db  # opened (created) before the room's thread connects to the file
        warc_root = Path(config.get(self.crawler.settings, "GKCRAWL_WARC_DIR"))
        self.supervisor = Supervisor(self.limits)
        self.room = BackgroundRoom(archive.db_path, warc_root, self.supervisor, self._recorded_from_thread)
        # Pages a stopped crawl left waiting for pictures stay held: this crawl reads such a page
        # again (a resumed job does not count it completed) and asks for its pictures; whatever
        # is still held when this crawl closes is derived then, with the pictures archived.
        for derivation_id in pending_ids(db):  # left underived by a stopped crawl
            self.stats.inc_value("gkcrawl/derive/resumed")
            self.room.submit(derivation_id)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, PictureItem):
            self._picture_landed(item)
            return item
        if not isinstance(item, DocumentItem):
            return item
        if item.capture_id is None:
            self.stats.inc_value("gkcrawl/archive_errors")
            logger.error("no capture row for %s: report not stored", item.url)
            return item
        assert self.room is not None
        try:
            derivation_id, status = record_candidate(archive_of(self.crawler).db, candidate_of(item),
                                                     now=iso_utc(utc_now()))
        except Exception:  # noqa: BLE001 - one bad row never stops the crawl
            logger.exception("could not record the report candidate %s", item.url)
            self.stats.inc_value("gkcrawl/archive_errors")
            return item
        self.stats.inc_value("gkcrawl/derive/queued")
        if status == AWAITING or item.pictures and self._hold_for_pictures(derivation_id, item):
            return item  # derived when its pictures have landed (this page seen twice: already held)
        self.room.submit(derivation_id)
        return item

    def _hold_for_pictures(self, derivation_id: int, item: DocumentItem) -> bool:
        """A page whose tables are pictures is derived when each picture landed or failed."""
        try:
            held = await_pictures(archive_of(self.crawler).db, derivation_id, item.url, item.pictures,
                                  now=iso_utc(utc_now()))
        except Exception:  # noqa: BLE001 - derived at once rather than lost
            logger.exception("could not record the pictures of %s", item.url)
            self.stats.inc_value("gkcrawl/archive_errors")
            return False
        if held:
            self.stats.inc_value("gkcrawl/derive/awaiting_pictures")
        return held

    def _picture_landed(self, item: PictureItem) -> None:
        assert self.room is not None
        try:
            released = picture_landed(archive_of(self.crawler).db, item.url, capture_id=item.capture_id,
                                      error=item.error, now=iso_utc(utc_now()))
        except Exception:  # noqa: BLE001 - the page is still derived when the crawl ends
            logger.exception("could not record the picture %s", item.url)
            self.stats.inc_value("gkcrawl/archive_errors")
            return
        if item.error:
            logger.info("report picture missing (%s): %s on %s", item.error, item.url, item.page_url)
        for derivation_id in released:
            self.room.submit(derivation_id)

    def _recorded_from_thread(self, recorded: Recorded) -> None:
        # Imported here, not at module level: importing the reactor installs one, and this
        # module is also imported outside a crawl (tests, tools).
        from twisted.internet import reactor

        reactor.callFromThread(self._count, recorded)

    def _count(self, recorded: Recorded) -> None:
        """The stats a stored report always had, plus the derivation's own."""
        inc = self.stats.inc_value
        if recorded.parsed:
            inc("gkcrawl/derive/parsed")
            inc("gkcrawl/derive/parse_ms", int(recorded.seconds * 1000))
        if recorded.failed and recorded.parsed:
            inc("gkcrawl/parse_failures")
            inc(f"gkcrawl/site/{recorded.site}/parse_failures")
            logger.warning("parse failed for %s: %s", recorded.url, recorded.error)
        elif recorded.error and not recorded.unreadable:
            inc("gkcrawl/derive/converter_timeouts")
        if recorded.unreadable:
            inc("gkcrawl/archive_errors")
            logger.error("could not derive %s: %s", recorded.url, recorded.error)
            return
        if recorded.report_id is None:
            inc("gkcrawl/not_reports")
            return
        inc("gkcrawl/reports_seen")
        inc(f"gkcrawl/site/{recorded.site}/reports")
        if recorded.new_version:
            inc("gkcrawl/reports_new")
            inc(f"gkcrawl/site/{recorded.site}/reports_new")

    async def close_spider(self) -> None:
        """Wait for every derivation (before spider_closed, so the summary counts them all)."""
        if self.room is None:
            return
        released = release_waiting(archive_of(self.crawler).db, reason=CRAWL_ENDED, now=iso_utc(utc_now()))
        if released:
            logger.warning("%d report pages derived without all their pictures: %s", len(released), CRAWL_ENDED)
            self.stats.inc_value("gkcrawl/derive/pictures_unfinished", len(released))
        for derivation_id in released:
            self.room.submit(derivation_id)
        started = time.monotonic()
        waiting = self.room.outstanding
        await deferred_to_future(deferToThread(self.room.close))
        drained = round(time.monotonic() - started, 3)
        self.stats.set_value("gkcrawl/derive/drain_seconds", drained)
        logger.info("derivation: %s documents still deriving when the crawl ended, drained in %.1f s",
                    waiting, drained)
        self.stats.set_value("gkcrawl/derive/waiting_at_close", waiting)
        if self.supervisor is not None:
            self.stats.set_value("gkcrawl/derive/workers_started", self.supervisor.workers_started)
            self.stats.set_value("gkcrawl/derive/worker_peak_rss_kb", self.supervisor.peak_rss_kb)
