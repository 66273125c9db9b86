"""The headless browser stays on the crawl's sites.

A page rendered by chromium (scrapy-playwright, only for requests with meta["playwright"])
would otherwise fetch whatever it names: a stylesheet on a CDN, a counter image, an iframe,
a script's fetch() to another port. None of that is archived, and all of it is sent. So every
browser request passes a route handler first (`confine_page`, installed on each new page by
`BrowserConfinementMiddleware` through scrapy-playwright's `playwright_page_init_callback`):

- a request to a host the crawl may not visit (the spider's `allowed_hosts`, the same rule
  as ConfinementMiddleware: another host or another port is another site) is aborted;
- images, media, fonts and stylesheets are aborted on the site too: building a list's links
  never needs them, and they would be fetched without being archived;
- what remains on the site is what renders the list: the page itself (scrapy-playwright's
  navigation, archived as the rendered page), and its documents, scripts and XHR/fetch calls,
  which the route fetches itself (`route.fetch`), hands to the capture middleware's recorder
  (a WARC response record and a captures row whose referer is the page) and fulfils with the
  very response it archived; any other type ("other", eventsource...) is refused, so nothing
  the browser sends goes unarchived.

Pages the page opens (popups) get the same handler through their browser context; service
workers are blocked (the context is made with service_workers="block") and WebSockets
refused, since neither passes a page's route.

A route sees requests, not connections: chromium opens a TCP connection to an iframe's or a
popup's host as the navigation starts, before any route is asked. So the browser context is
also made with a proxy that is never there (BLACKHOLE_PROXY) for every host but the crawl's
(the proxy bypass list): the browser can reach the crawl's sites directly, and nothing else.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler

from .discovery import host_allowed

logger = logging.getLogger(__name__)

META_BROWSER_HOSTS = "gk_browser_hosts"  # the hosts (netlocs) the browser may reach for this request
META_BROWSER_RECORDER = "gk_browser_recorder"  # key of the crawl's recorder (see register_recorder)
PAGE_INIT_CALLBACK = "gkcrawl.crawl.browser.confine_page"
# Resource types no list needs to be built; refused on the site as well as off it.
REFUSED_TYPES = frozenset({"image", "media", "font", "stylesheet", "manifest", "texttrack", "beacon", "ping"})
# Resource types a list may be built from: fetched by the route itself and archived.
CAPTURED_TYPES = frozenset({"document", "script", "xhr", "fetch"})
_LOCAL_SCHEMES = ("data", "blob", "about")
BROWSER_FETCH_TIMEOUT = 30.0  # seconds for one of the browser's fetches made by the route
# Where the browser would send anything for a host off the crawl's sites: a loopback port
# (discard) with nothing behind it, so such a connection fails on this machine.
BLACKHOLE_PROXY = "http://127.0.0.1:9"
_CONFINED = "_gkcrawl_confined"


def refusal(url: str, resource_type: str, allowed_hosts: set[str]) -> str | None:
    """Why the browser may not make this request (None: it may)."""
    parts = urlsplit(url)
    if parts.scheme in _LOCAL_SCHEMES:
        return None  # never leaves the browser
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme}"
    host = parts.netloc.rsplit("@", 1)[-1]
    if not host or not host_allowed(host, allowed_hosts):
        return f"off-site {host}"
    if resource_type in REFUSED_TYPES:
        return f"{resource_type} (not needed to render a list)"
    return None


@dataclass
class BrowserFetch:
    """One exchange the browser made on the site while rendering `page_url`.

    `body` is the payload as received (content coding kept, transfer coding undone), described
    by `response_headers`, as the capture middleware's exchanges are."""

    page_url: str
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes


Recorder = Callable[[BrowserFetch], None]
# The crawl's recorders by key: a request's meta carries only the key, so it stays picklable.
_RECORDERS: dict[str, Recorder] = {}


def register_recorder(crawler: Crawler, recorder: Recorder) -> str:
    """Make `recorder` archive the browser's fetches for this crawl; returns its key."""
    key = f"crawler-{id(crawler)}"
    _RECORDERS[key] = recorder
    return key


def unregister_recorder(crawler: Crawler) -> None:
    _RECORDERS.pop(f"crawler-{id(crawler)}", None)


def recorder_key(crawler: Crawler) -> str | None:
    key = f"crawler-{id(crawler)}"
    return key if key in _RECORDERS else None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an exchange of its own: the browser follows it through the route


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"})


def _http_exchange(method: str, url: str, headers: list[tuple[str, str]], body: bytes,
                   timeout: float) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """One plain HTTP exchange (no proxy, no redirects): status, reason, headers, payload as received."""
    sent = {k: v for k, v in headers if not k.startswith(":") and k.lower() not in ("accept-encoding", "host")}
    request = urllib.request.Request(url, data=body or None, headers=sent, method=method)
    try:
        response = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as answer:  # 4xx/5xx (and unfollowed 3xx) are answers too
        response = answer
    with response:
        return response.status, response.reason or "", list(response.headers.items()), response.read()


def _decoded(payload: bytes, pairs: list[tuple[str, str]]) -> bytes:
    coding = ", ".join(v for k, v in pairs if k.lower() == "content-encoding").strip().lower()
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(payload)
    if coding == "deflate":
        try:
            return zlib.decompress(payload)
        except zlib.error:
            return zlib.decompress(payload, -zlib.MAX_WBITS)
    return payload


async def _fetch_and_record(route: Any, request: Any, page_url: str, recorder: Recorder) -> None:
    """Fetch a browser request ourselves, archive the exchange, and give the browser that response.

    The route's own `route.fetch` would go through the context's black-hole proxy, so the
    exchange is made here (in a worker thread, off the reactor), exactly as the browser asked."""
    sent = [(h["name"], h["value"]) for h in await request.headers_array()]
    body = request.post_data_buffer or b""
    try:
        status, reason, pairs, payload = await asyncio.to_thread(
            _http_exchange, request.method, request.url, sent, body, BROWSER_FETCH_TIMEOUT)
        shown = _decoded(payload, pairs)
    except Exception as error:  # noqa: BLE001 - a failed fetch is refused to the page, and said
        logger.info("browser fetch failed %s %s on %s: %s", request.method, request.url, page_url, error)
        await route.abort("failed")
        return
    fetch = BrowserFetch(page_url=page_url, method=request.method, url=request.url, request_headers=sent,
                         request_body=body, status=status, reason=reason, response_headers=pairs, body=payload)
    try:
        recorder(fetch)
    except Exception:  # noqa: BLE001 - an exchange that cannot be archived is not given to the page
        logger.exception("could not archive the browser's fetch of %s", request.url)
        await route.abort("failed")
        return
    try:
        await route.fulfill(status=status, headers={k: v for k, v in pairs if k.lower() not in _HOP_BY_HOP},
                            body=shown)
    except Exception as error:  # noqa: BLE001 - the page closed meanwhile: the exchange is archived anyway
        logger.debug("could not hand %s to the page: %s", request.url, error)


def proxy_bypass(allowed_hosts: set[str]) -> str:
    """Chromium proxy bypass rules for exactly what `discovery.host_allowed` lets through:
    an allowed host:port itself and, for a name, the site and its subdomains on any port."""
    rules: dict[str, None] = {}
    for allowed in sorted(h.lower() for h in allowed_hosts if h):
        rules[allowed] = None
        if not allowed[0].isdigit() and not allowed.startswith("["):
            site = allowed.split(":")[0]
            site = site[4:] if site.startswith("www.") else site
            rules[site] = None
            rules["*." + site] = None
    return ",".join(rules)


def _handler(allowed: set[str], page_url: str, recorder: Recorder | None) -> Any:
    async def route_request(route: Any, request: Any) -> None:
        reason = refusal(request.url, request.resource_type, allowed)
        local = urlsplit(request.url).scheme in _LOCAL_SCHEMES
        if reason is None and (local or recorder is None or _is_page_itself(request)):
            await route.fallback()  # on to scrapy-playwright's own handler
            return
        if reason is None and request.resource_type in CAPTURED_TYPES:
            await _fetch_and_record(route, request, page_url, recorder)  # type: ignore[arg-type]
            return
        reason = reason or f"{request.resource_type} (not needed to render a list)"
        logger.info("browser refused %s %s on %s: %s", request.method, request.url, page_url, reason)
        await route.abort("blockedbyclient")

    return route_request


def _is_page_itself(request: Any) -> bool:
    """The navigation of the page's own top frame: scrapy-playwright's request, archived as the page."""
    try:
        return bool(request.is_navigation_request()) and request.frame.parent_frame is None
    except Exception:  # noqa: BLE001 - a request with no frame (a service worker's) is not the page
        return False


async def _refuse_socket(socket: Any) -> None:
    logger.info("browser refused WebSocket %s", socket.url)
    await socket.close()


async def confine_page(page: Any, request: Request) -> None:
    """scrapy-playwright page init callback: route every request of the page through `refusal`.

    Registered after scrapy-playwright's own route, so it is asked first and falls back to it."""
    allowed = set(request.meta.get(META_BROWSER_HOSTS) or ()) or {urlsplit(request.url).netloc}
    recorder = _RECORDERS.get(request.meta.get(META_BROWSER_RECORDER) or "")
    handler = _handler(allowed, request.url, recorder)
    await page.route("**", handler)
    await page.route_web_socket(re.compile(".*"), _refuse_socket)
    context = page.context
    if not getattr(context, _CONFINED, False):
        # Pages opened by the page itself (window.open, target=_blank) are routed by the context.
        setattr(context, _CONFINED, True)
        await context.route("**", handler)
        await context.route_web_socket(re.compile(".*"), _refuse_socket)


class BrowserConfinementMiddleware:
    """Downloader middleware: every browser request carries `confine_page` and the crawl's hosts."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserConfinementMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("playwright"):
            return None
        spider = self.crawler.spider
        hosts = set(getattr(spider, "allowed_hosts", None) or ()) | {urlsplit(request.url).netloc}
        request.meta[META_BROWSER_HOSTS] = sorted(hosts)
        key = recorder_key(self.crawler)
        if key is not None:
            request.meta[META_BROWSER_RECORDER] = key
        request.meta["playwright_page_init_callback"] = PAGE_INIT_CALLBACK
        # Service workers fetch past every page route, and navigations connect before it: the
        # context this request creates has none, and reaches only the crawl's hosts directly.
        kwargs = dict(request.meta.get("playwright_context_kwargs") or {})
        kwargs.setdefault("service_workers", "block")
        kwargs.setdefault("proxy", {"server": BLACKHOLE_PROXY, "bypass": proxy_bypass(hosts)})
        request.meta["playwright_context_kwargs"] = kwargs
        return None
