"""The capture middleware: each HTTP exchange (or failure) -> WARC records + a captures row.

It sits at priority 950, between the HTTP cache (900) and the network, so it sees what the
server really said: 304s, redirects, 5xx before a retry, and every download error. The
capture id, fetch time and body hash ride on `request.meta` to the spider and pipeline.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.utils.response import response_status_message

from . import config
from .archive_access import ArchiveExtension, Capture, archive_of
from .faults import failure_reason
from .warc import Clock, Exchange, IdFactory, WarcFileWriter, iso_utc, new_record_id, sha256_hex, utc_now, warc_digest

logger = logging.getLogger(__name__)

SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

# request.meta keys this middleware sets.
META_CAPTURE_ID = "gk_capture_id"
META_FETCHED_AT = "gk_fetched_at"
META_SHA256 = "gk_sha256"


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    pairs = []
    for key, values in headers.items():
        name = key.decode("latin-1")
        for value in values:
            pairs.append((name, value.decode("latin-1")))
    return pairs


def header_dict(pairs: list[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in pairs:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


class WarcCaptureMiddleware:
    """Downloader middleware writing WARC and `captures` for every exchange."""

    def __init__(self, crawler: Crawler, writer: WarcFileWriter, clock: Clock) -> None:
        self.crawler = crawler
        self.writer = writer
        self.clock = clock
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        clock: Clock = config.get(settings, "GKCRAWL_CLOCK") or utc_now
        make_id: IdFactory = config.get(settings, "GKCRAWL_RECORD_IDS") or new_record_id
        writer = WarcFileWriter(config.get(settings, "GKCRAWL_WARC_DIR"),
                                max_bytes=config.get_int(settings, "GKCRAWL_WARC_MAX_BYTES"),
                                clock=clock, make_record_id=make_id)
        middleware = cls(crawler, writer, clock)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def archive(self) -> ArchiveExtension:
        return archive_of(self.crawler)

    def spider_closed(self) -> None:
        self.writer.close()

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response  # served from the cache after a download error: no exchange happened
        fetched = self.clock()
        cached: Response | None = request.meta.get("cached_response")
        body = response.body
        payload_sha = sha256_hex(body)
        exchange = Exchange(
            url=response.url, method=request.method, request_headers=header_pairs(request.headers),
            request_body=request.body or b"", status=response.status,
            reason=response_status_message(response.status).split(" ", 1)[-1],
            response_headers=header_pairs(response.headers), body=body, fetched=fetched)
        revisit = False
        if cached is not None and response.status == 304:
            revisit = True
            payload_sha = sha256_hex(cached.body)
            exchange.revisit_of = (cached.url, _cached_date(cached))
            exchange.revisit_profile = SERVER_NOT_MODIFIED
            exchange.revisit_digest = warc_digest(cached.body)
        elif cached is not None and response.status == 200 and cached.body == body:
            revisit = True
            exchange.revisit_of = (cached.url, _cached_date(cached))
            exchange.revisit_profile = IDENTICAL_PAYLOAD
            exchange.revisit_digest = warc_digest(body)
            exchange.body = b""
        # robots.txt 404 is the normal "no rules" answer, not a fault.
        fault = response.status >= 400 and not response.url.endswith("/robots.txt")
        error = f"http {response.status}" if fault else None
        self._record(request, exchange, error=error, revisit=revisit, payload_sha=payload_sha,
                     stored_size=len(exchange.body), network_bytes=len(body))
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if isinstance(exception, IgnoreRequest):
            return None  # refused before any exchange (robots.txt, offsite): nothing was fetched
        reason = failure_reason(exception)
        fetched = self.clock()
        self.stats.inc_value("gkcrawl/errors")
        self.stats.inc_value(f"gkcrawl/site/{urlsplit(request.url).netloc}/errors")
        self.stats.inc_value(f"gkcrawl/error_reason/{reason.split(':', 1)[0]}")
        capture = self._capture(request, url=request.url, status=None, fetched=fetched, response_headers={},
                                sha256=None, size=None, content_type=None, warc=None, error=reason, revisit=False)
        request.meta[META_CAPTURE_ID] = self._store(capture, request.url, fetched, None)
        logger.info("capture failed %s: %s", request.url, reason)
        return None

    def _record(self, request: Request, exchange: Exchange, *, error: str | None, revisit: bool,
                payload_sha: str, stored_size: int, network_bytes: int) -> None:
        written = self.writer.write(exchange)
        host = urlsplit(exchange.url).netloc
        self.stats.inc_value("gkcrawl/pages")
        self.stats.inc_value("gkcrawl/bytes", network_bytes)
        self.stats.inc_value(f"gkcrawl/site/{host}/pages")
        self.stats.inc_value(f"gkcrawl/status/{exchange.status}")
        if error:
            self.stats.inc_value("gkcrawl/errors")
            self.stats.inc_value(f"gkcrawl/site/{host}/errors")
        response_headers = header_dict(exchange.response_headers)
        content_type = next((v for k, v in exchange.response_headers if k.lower() == "content-type"), None)
        capture = self._capture(request, url=request.url, status=exchange.status, fetched=exchange.fetched,
                                response_headers=response_headers, sha256=payload_sha, size=stored_size,
                                content_type=content_type, warc=written, error=error, revisit=revisit)
        capture.final_url = exchange.url
        request.meta[META_CAPTURE_ID] = self._store(capture, exchange.url, exchange.fetched, exchange.status)
        request.meta[META_FETCHED_AT] = iso_utc(exchange.fetched)
        request.meta[META_SHA256] = payload_sha

    def _capture(self, request: Request, *, url: str, status: int | None, fetched: Any,
                 response_headers: dict[str, str], sha256: str | None, size: int | None, content_type: str | None,
                 warc: Any, error: str | None, revisit: bool) -> Capture:
        referer = request.headers.get("Referer")
        return Capture(
            url=url, final_url=url, method=request.method, status=status, fetched_at=iso_utc(fetched),
            request_headers=header_dict(header_pairs(request.headers)), response_headers=response_headers,
            sha256=sha256, size=size, content_type=content_type,
            warc_file=warc.warc_file if warc else None, warc_offset=warc.offset if warc else None,
            warc_record_id=warc.record_id if warc else None, site=urlsplit(url).netloc,
            referer=referer.decode("latin-1") if referer else None, error=error, revisit=revisit)

    def _store(self, capture: Capture, url: str, fetched: Any, status: int | None) -> int | None:
        try:
            # A failed fetch (status None) is not a sighting of the URL.
            return self.archive.record_capture(capture, url=url, when=iso_utc(fetched), status=status)
        except Exception:  # noqa: BLE001 - a failed row must not stop the crawl; it is logged
            logger.exception("could not record the capture of %s", url)
            self.stats.inc_value("gkcrawl/archive_errors")
            return None


def _cached_date(cached: Response) -> str:
    """The earlier capture's date as WARC wants it (from its Date header, else now)."""
    from email.utils import parsedate_to_datetime

    raw = cached.headers.get("Date")
    if raw:
        try:
            return iso_utc(parsedate_to_datetime(raw.decode("latin-1")))
        except (TypeError, ValueError):
            pass
    return iso_utc(utc_now())
