"""Downloader middlewares that repair what portals get wrong: lying charsets, Retry-After."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import deferred_to_future
from twisted.internet.task import deferLater

from . import config, discovery

logger = logging.getLogger(__name__)

_HEADER_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
# Legacy Chinese charsets are all read as their superset.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
            "cp936": "gb18030", "utf8": "utf-8"}


def _normal(charset: bytes | str) -> str:
    name = charset.decode("ascii", "ignore") if isinstance(charset, bytes) else charset
    return _ALIASES.get(name.strip().lower(), name.strip().lower())


def decodes(body: bytes, charset: str) -> bool:
    try:
        body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def true_charset(body: bytes, header_value: bytes | None) -> str | None:
    """The charset to read `body` with when the HTTP header's charset is wrong; else None."""
    if not header_value:
        return None
    found = _HEADER_CHARSET.search(header_value)
    if not found:
        return None
    declared = _normal(found.group(1))
    if decodes(body, declared):
        return None
    meta = _META_CHARSET.search(body[:4096])
    candidates = [_normal(meta.group(1))] if meta else []
    candidates += ["utf-8", "gb18030"]
    for candidate in candidates:
        if candidate != declared and decodes(body, candidate):
            return candidate
    return None


class CharsetFixMiddleware:
    """Re-make a text response with the charset its bytes really use (bytes untouched)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetFixMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        charset = true_charset(response.body, response.headers.get("Content-Type"))
        if charset is None:
            return response
        self.stats.inc_value("gkcrawl/charset_fixed")
        logger.debug("charset of %s is %s, not what the header says", response.url, charset)
        return response.replace(encoding=charset)


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware:
    """Wait what a 503/429's Retry-After asks (capped) before the retry middleware retries."""

    def __init__(self, crawler: Crawler, max_wait: float) -> None:
        self.stats = crawler.stats
        self.max_wait = max_wait
        self.retry_codes = set(crawler.settings.getlist("RETRY_HTTP_CODES"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler, config.get_float(crawler.settings, "GKCRAWL_MAX_RETRY_AFTER"))

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in self.retry_codes:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if not wait:
            return response
        wait = min(wait, self.max_wait)
        self.stats.inc_value("gkcrawl/retry_after_waits")
        from twisted.internet import reactor  # the installed one, never installed here

        await deferred_to_future(deferLater(reactor, wait, lambda: None))
        return response


class ConfinementMiddleware:
    """Drop any request for a host outside the crawl's sites, redirects included.

    The spider filters the links it follows; a redirect (301 to another domain, a hijacked
    page's jump to a spam site) is scheduled by Scrapy itself and passes through here."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConfinementMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        from scrapy.exceptions import IgnoreRequest

        spider = self.crawler.spider
        allowed = getattr(spider, "allowed_hosts", None)
        if not allowed or request.url.startswith(("data:", "file:", "about:")):
            return None
        host = urlsplit(request.url).netloc.rsplit("@", 1)[-1]
        if discovery.host_allowed(host, allowed):
            return None
        self.stats.inc_value("gkcrawl/offsite_dropped")
        logger.info("not leaving the crawl's sites: %s", request.url)
        raise IgnoreRequest(f"offsite: {host}")
