"""The capture middleware: each HTTP exchange (or failure) -> WARC records + a captures row.

It sits at priority 950, between the HTTP cache (900) and the network, so it sees what the
server really said: 304s, redirects, 5xx before a retry, and every download error, with the
payload still in its content coding (HttpCompressionMiddleware, at 590, decodes it later for
the spider). The record is written as received (see warc.py); the row's sha256 is the hash of
the decoded document, the one the spider's items and `reports.sha256` carry. The capture id,
fetch time and document hash ride on `request.meta` to the spider and pipeline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response, TextResponse
from scrapy.utils.response import response_status_message

from . import browser, config
from .archive_access import (
    DEFAULT_DECODED_LIMIT,
    ArchiveExtension,
    Capture,
    StoredCapture,
    archive_of,
    decode_payload,
    require_archive,
)
from .faults import failure_reason
from .warc import (
    IDENTICAL_PAYLOAD,
    SERVER_NOT_MODIFIED,
    Clock,
    Exchange,
    IdFactory,
    RefersTo,
    WarcFileWriter,
    WrittenRecord,
    iso_utc,
    new_record_id,
    sha256_hex,
    utc_now,
    warc_digest,
)

logger = logging.getLogger(__name__)

__all__ = ["IDENTICAL_PAYLOAD", "META_CAPTURE_ID", "META_FETCHED_AT", "META_SHA256", "SERVER_NOT_MODIFIED",
           "WarcCaptureMiddleware"]

# request.meta keys this middleware sets.
META_CAPTURE_ID = "gk_capture_id"
META_FETCHED_AT = "gk_fetched_at"
META_SHA256 = "gk_sha256"  # SHA-256 of the decoded document (reports.sha256)


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


def header_value(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k.lower() == name.lower()]
    return ", ".join(values) if values else None


@dataclass
class Facts:
    """What the captures row says about the document an exchange delivered."""

    sha256: str          # of the decoded document
    size: int            # its length
    payload_digest: str  # WARC-Payload-Digest of the payload as received
    content_type: str | None
    revisit: bool = False
    refers_to: int | None = None  # captures.id of the earlier capture it stands on


class WarcCaptureMiddleware:
    """Downloader middleware writing WARC and `captures` for every exchange."""

    def __init__(self, crawler: Crawler, writer: WarcFileWriter, clock: Clock) -> None:
        self.crawler = crawler
        self.writer = writer
        self.clock = clock
        self.stats = crawler.stats
        self.decoded_limit = DEFAULT_DECODED_LIMIT

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        require_archive(crawler, "the WARC capture middleware")
        settings = crawler.settings
        clock: Clock = config.get(settings, "GKCRAWL_CLOCK") or utc_now
        make_id: IdFactory = config.get(settings, "GKCRAWL_RECORD_IDS") or new_record_id
        writer = WarcFileWriter(config.get(settings, "GKCRAWL_WARC_DIR"),
                                max_bytes=config.get_int(settings, "GKCRAWL_WARC_MAX_BYTES"),
                                clock=clock, make_record_id=make_id,
                                prefix=config.get(settings, "GKCRAWL_WARC_PREFIX"))
        middleware = cls(crawler, writer, clock)
        # Decoding to hash is bounded like Scrapy's own decompression (a gzip bomb is not
        # expanded past it; such a payload is hashed as stored, and Scrapy drops it anyway).
        middleware.decoded_limit = settings.getint("DOWNLOAD_MAXSIZE") or DEFAULT_DECODED_LIMIT
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        browser.register_recorder(crawler, middleware.record_browser_fetch)
        return middleware

    @property
    def archive(self) -> ArchiveExtension:
        return archive_of(self.crawler)

    def spider_closed(self) -> None:
        browser.unregister_recorder(self.crawler)
        self.writer.close()

    def record_browser_fetch(self, fetch: browser.BrowserFetch) -> None:
        """An exchange the browser made on the site while rendering a page (see browser.py): a
        response record and a captures row like the crawl's own, whose referer is the page.
        Called by the page's route handler on the reactor's asyncio loop (the same thread)."""
        fetched = self.clock()
        exchange = Exchange(
            url=fetch.url, method=fetch.method, request_headers=fetch.request_headers,
            request_body=fetch.request_body, status=fetch.status, reason=fetch.reason or _reason(fetch.status),
            response_headers=fetch.response_headers, body=fetch.body, fetched=fetched)
        document = decode_payload(fetch.body, header_value(fetch.response_headers, "Content-Encoding"),
                                  self.decoded_limit)
        facts = Facts(sha256=sha256_hex(document), size=len(document), payload_digest=warc_digest(fetch.body),
                      content_type=header_value(fetch.response_headers, "Content-Type"))
        if fetch.status == 200 and fetch.body:
            facts = self._identical_payload(exchange, facts)
        written = self.writer.write(exchange)
        self.stats.inc_value("gkcrawl/browser_fetches")
        stand_in = Request(fetch.url, method=fetch.method, headers=header_dict(fetch.request_headers))
        capture = self._capture(stand_in, url=fetch.url, status=fetch.status, fetched=fetched,
                                response_headers=header_dict(fetch.response_headers), facts=facts, warc=written,
                                warc_type="revisit" if exchange.revisit_profile else "response",
                                error=f"http {fetch.status}" if fetch.status >= 400 else None)
        capture.referer = fetch.page_url  # what marks the browser's fetches: the page it rendered
        self._store(capture, fetch.url, fetched, fetch.status)

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response  # served from the cache after a download error: no exchange happened
        if "playwright" in response.flags:
            self._record_rendered(request, response)
            return response
        fetched = self.clock()
        received = response.body
        headers = header_pairs(response.headers)
        exchange = Exchange(
            url=response.url, method=request.method, request_headers=header_pairs(request.headers),
            request_body=request.body or b"", status=response.status, reason=_reason(response.status),
            response_headers=headers, body=received, fetched=fetched,
            ip_address=str(response.ip_address) if response.ip_address else None)
        document = decode_payload(received, header_value(headers, "Content-Encoding"), self.decoded_limit)
        facts = Facts(sha256=sha256_hex(document), size=len(document), payload_digest=warc_digest(received),
                      content_type=header_value(headers, "Content-Type"))
        cached: Response | None = request.meta.get("cached_response")
        if cached is not None and response.status == 304:
            facts = self._not_modified(exchange, cached)
        elif response.status == 200 and received:
            facts = self._identical_payload(exchange, facts)
        # robots.txt 404 is the normal "no rules" answer, not a fault.
        fault = response.status >= 400 and not response.url.endswith("/robots.txt")
        error = f"http {response.status}" if fault else None
        self._record(request, exchange, facts, error=error, network_bytes=len(received))
        return response

    def _not_modified(self, exchange: Exchange, cached: Response) -> Facts:
        """A 304: a revisit (server-not-modified) that stands for the cached, archived response,
        with that response's status line and headers, so replay serves its full payload."""
        payload = cached.body
        cached_headers = header_pairs(cached.headers)
        document = decode_payload(payload, header_value(cached_headers, "Content-Encoding"), self.decoded_limit)
        facts = Facts(sha256=sha256_hex(document), size=len(document), payload_digest=warc_digest(payload),
                      content_type=header_value(cached_headers, "Content-Type"), revisit=True)
        original = self._earlier(exchange.url, facts, payload)
        exchange.not_modified = (f"{exchange.status} {exchange.reason}", exchange.response_headers)
        exchange.status, exchange.reason = cached.status, _reason(cached.status)
        exchange.response_headers = cached_headers
        exchange.revisit_profile = SERVER_NOT_MODIFIED
        exchange.revisit_digest = facts.payload_digest
        exchange.revisit_length = len(payload)
        if original is not None:
            exchange.refers_to = RefersTo(original.url, original.fetched_at, original.warc_record_id)
            facts.sha256 = original.sha256 or facts.sha256  # the version the archive already holds
            facts.refers_to = original.id
        else:
            # The cache knows bytes the archive does not (see run_settings.archive_cache_dir): still a
            # revisit of what the cache held, but replay may not find its payload.
            self.stats.inc_value("gkcrawl/revisits_without_original")
            exchange.refers_to = RefersTo(cached.url, _cached_date(cached))
        self.stats.inc_value("gkcrawl/revisits_not_modified")
        return facts

    def _identical_payload(self, exchange: Exchange, facts: Facts) -> Facts:
        """A 200 whose payload the archive already holds for this URL: an identical-payload-digest
        revisit with this response's own status line and headers."""
        original = self._earlier(exchange.url, facts, exchange.body)
        if original is None:
            return facts
        exchange.revisit_profile = IDENTICAL_PAYLOAD
        exchange.revisit_digest = facts.payload_digest
        exchange.revisit_length = len(exchange.body)
        exchange.refers_to = RefersTo(original.url, original.fetched_at, original.warc_record_id)
        exchange.body = b""  # the payload is not repeated
        facts.sha256 = original.sha256 or facts.sha256
        facts.revisit, facts.refers_to = True, original.id
        self.stats.inc_value("gkcrawl/revisits_identical")
        return facts

    def _earlier(self, url: str, facts: Facts, payload: bytes) -> StoredCapture | None:
        """The archived capture of `url` holding this payload (rows from before payload_digest
        was kept are matched on their sha256, then the hash of the stored bytes)."""
        legacy = tuple(dict.fromkeys((sha256_hex(payload), facts.sha256)))
        try:
            return self.archive.earlier_capture(url, payload_digest=facts.payload_digest, sha256s=legacy)
        except Exception:  # noqa: BLE001 - no archive to ask: the exchange is written in full
            logger.debug("no earlier capture lookup for %s", url, exc_info=True)
            return None

    def _record_rendered(self, request: Request, response: Response) -> None:
        """A page as the browser rendered it: a `resource` record beside the server's response."""
        fetched = self.clock()
        body = response.body
        encoding = getattr(response, "encoding", None)
        served_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
        content_type = f"text/html; charset={encoding}" if isinstance(response, TextResponse) and encoding \
            else served_type or "application/octet-stream"
        prior: StoredCapture | None = None
        try:
            prior = self.archive.earlier_capture(request.url, with_payload=False)
        except Exception:  # noqa: BLE001 - the rendered page is still kept, referring to nothing
            logger.debug("no capture of %s to refer to", request.url, exc_info=True)
        refers = RefersTo(prior.url, prior.fetched_at, prior.warc_record_id) if prior else None
        written = self.writer.write_resource(response.url, body, content_type, fetched, refers)
        self.stats.inc_value("gkcrawl/rendered_pages")
        facts = Facts(sha256=sha256_hex(body), size=len(body), payload_digest=warc_digest(body),
                      content_type=content_type, refers_to=prior.id if prior else None)
        self._row(request, written, response.url, response.status, fetched, header_pairs(response.headers), facts,
                  warc_type="resource", error=None, network_bytes=len(body))

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if isinstance(exception, IgnoreRequest):
            return None  # refused before any exchange (robots.txt, offsite): nothing was fetched
        reason = failure_reason(exception)
        fetched = self.clock()
        self.stats.inc_value("gkcrawl/errors")
        self.stats.inc_value(f"gkcrawl/site/{urlsplit(request.url).netloc}/errors")
        self.stats.inc_value(f"gkcrawl/error_reason/{reason.split(':', 1)[0]}")
        capture = self._capture(request, url=request.url, status=None, fetched=fetched, response_headers={},
                                facts=None, warc=None, warc_type=None, error=reason)
        request.meta[META_CAPTURE_ID] = self._store(capture, request.url, fetched, None)
        logger.info("capture failed %s: %s", request.url, reason)
        return None

    def _record(self, request: Request, exchange: Exchange, facts: Facts, *, error: str | None,
                network_bytes: int) -> None:
        written = self.writer.write(exchange)
        # The row keeps what the server said (a 304's own status and headers).
        status, headers = exchange.status, exchange.response_headers
        if exchange.not_modified is not None:
            status, headers = 304, exchange.not_modified[1]
        self._row(request, written, exchange.url, status, exchange.fetched, headers, facts,
                  warc_type="revisit" if exchange.revisit_profile else "response", error=error,
                  network_bytes=network_bytes)

    def _row(self, request: Request, written: WrittenRecord, url: str, status: int, fetched: Any,
             headers: list[tuple[str, str]], facts: Facts, *, warc_type: str, error: str | None,
             network_bytes: int) -> None:
        host = urlsplit(url).netloc
        self.stats.inc_value("gkcrawl/pages")
        self.stats.inc_value("gkcrawl/bytes", network_bytes)
        self.stats.inc_value(f"gkcrawl/site/{host}/pages")
        self.stats.inc_value(f"gkcrawl/status/{status}")
        if error:
            self.stats.inc_value("gkcrawl/errors")
            self.stats.inc_value(f"gkcrawl/site/{host}/errors")
        capture = self._capture(request, url=request.url, status=status, fetched=fetched,
                                response_headers=header_dict(headers), facts=facts, warc=written,
                                warc_type=warc_type, error=error)
        capture.final_url = url
        request.meta[META_CAPTURE_ID] = self._store(capture, url, fetched, status)
        request.meta[META_FETCHED_AT] = iso_utc(fetched)
        request.meta[META_SHA256] = facts.sha256

    def _capture(self, request: Request, *, url: str, status: int | None, fetched: Any,
                 response_headers: dict[str, str], facts: Facts | None, warc: WrittenRecord | None,
                 warc_type: str | None, error: str | None) -> Capture:
        referer = request.headers.get("Referer")
        return Capture(
            url=url, final_url=url, method=request.method, status=status, fetched_at=iso_utc(fetched),
            request_headers=header_dict(header_pairs(request.headers)), response_headers=response_headers,
            sha256=facts.sha256 if facts else None, size=facts.size if facts else None,
            content_type=facts.content_type if facts else None,
            warc_file=warc.warc_file if warc else None, warc_offset=warc.offset if warc else None,
            warc_record_id=warc.record_id if warc else None, site=urlsplit(url).netloc,
            referer=referer.decode("latin-1") if referer else None, error=error,
            revisit=facts.revisit if facts else False, payload_digest=facts.payload_digest if facts else None,
            warc_type=warc_type, refers_to=facts.refers_to if facts else None)

    def _store(self, capture: Capture, url: str, fetched: Any, status: int | None) -> int | None:
        try:
            # A failed fetch (status None) is not a sighting of the URL.
            return self.archive.record_capture(capture, url=url, when=iso_utc(fetched), status=status)
        except Exception:  # noqa: BLE001 - a failed row must not stop the crawl; it is logged
            logger.exception("could not record the capture of %s", url)
            self.stats.inc_value("gkcrawl/archive_errors")
            return None


def _reason(status: int) -> str:
    return response_status_message(status).split(" ", 1)[-1]


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
