"""The store pipeline: a report candidate -> parse_document -> record_report.

Discovery says a document is a report by its title; the parser says so by its tables.
Either is enough (pre-2019 reports have no standard tables, `template` null), except
that a document the parser flags `not_a_report` with no table is kept only as a capture.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_to_future
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from . import discovery
from .archive_link import ArchiveLink
from .items import DocumentItem

logger = logging.getLogger(__name__)


# A notice page ("现将…予以公布", 附件：….pdf) says little; its attachment is the report.
NOTICE_MAX_TEXT = 600


def is_report(item: DocumentItem, result: Any) -> bool:
    """The decision to store a report row, from discovery's role and the parse."""
    if result.template is not None:
        return True
    if "links_report_attachment" in item.notes and (
            "notice_with_attachment" in (result.flags or []) or len((result.text or "").strip()) < NOTICE_MAX_TEXT):
        return False  # the parser or the length says: a notice; its attachment is the report
    if "not_a_report" in (result.flags or []) and item.role != "report":
        return False
    if not result.error and discovery.needs_template(item.link_text or item.title_hint):
        return False  # a 政务公开 work summary: the OGI report under that name has the tables
    return item.role in ("report", "attachment")


def filename_of(url: str, content_disposition: str | None = None) -> str:
    """The document's file name: the server's Content-Disposition first, else the URL's last part."""
    if content_disposition:
        name = disposition_filename(content_disposition)
        if name:
            return name
    return unquote(PurePosixPath(urlsplit(url).path).name)


def disposition_filename(header: str) -> str | None:
    """`attachment; filename*=UTF-8''%E9%99%84.pdf` or `filename="a.pdf"` -> the name (RFC 6266)."""
    extended = re.search(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", header, re.I)
    if extended:
        charset = extended.group(1).lower().replace("gb2312", "gb18030").replace("gbk", "gb18030")
        try:
            return PurePosixPath(unquote(extended.group(2).strip().strip('"'), encoding=charset)).name or None
        except LookupError:
            return None
    plain = re.search(r"filename\s*=\s*\"?([^\";]+)", header, re.I)
    return PurePosixPath(unquote(plain.group(1).strip())).name or None if plain else None


class StoreReportPipeline:
    """Parse each report candidate and store it as a report version (keyed by url, sha256)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        # One parser thread: documents are parsed off the reactor thread, one at a time, so the
        # parser's own caches never see two callers at once.
        self.parse_pool = ThreadPool(minthreads=1, maxthreads=1, name="gkcrawl-parse")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StoreReportPipeline":
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.parse_pool.start, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.parse_pool.stop, signal=signals.spider_closed)
        return pipeline

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        from gkcrawl.archive.store import record_report
        from gkcrawl.parse import ParseResult, parse_document

        try:
            # Parsing a PDF takes seconds: off the reactor thread, so downloads go on meanwhile.
            # The archive connection stays on the reactor thread (sqlite connections are per thread).
            from twisted.internet import reactor

            result = await deferred_to_future(deferToThreadPool(
                reactor, self.parse_pool, parse_document, item.body,
                filename=filename_of(item.url, item.content_disposition), content_type=item.content_type,
                url=item.url))
        except Exception as exc:  # noqa: BLE001 - a parser crash is recorded, never fatal
            logger.exception("parser failed on %s", item.url)
            self.stats.inc_value("gkcrawl/parse_errors")
            result = ParseResult(error=f"parser crashed: {type(exc).__name__}: {exc}")
        if not is_report(item, result):
            self.stats.inc_value("gkcrawl/not_reports")
            return item
        if item.capture_id is None:
            self.stats.inc_value("gkcrawl/archive_errors")
            logger.error("no capture row for %s: report not stored", item.url)
            return item
        db = ArchiveLink.for_crawler(self.crawler).db
        try:
            _, new_version = record_report(db, item.capture_id, result, url=item.url, fetched_at=item.fetched_at,
                                           sha256=item.sha256, site=item.site)
        except Exception:  # noqa: BLE001 - one bad row never stops the crawl
            logger.exception("could not store the report %s", item.url)
            self.stats.inc_value("gkcrawl/archive_errors")
            return item
        self.stats.inc_value("gkcrawl/reports_seen")
        self.stats.inc_value(f"gkcrawl/site/{item.site}/reports")
        if new_version:
            self.stats.inc_value("gkcrawl/reports_new")
            self.stats.inc_value(f"gkcrawl/site/{item.site}/reports_new")
        return item
