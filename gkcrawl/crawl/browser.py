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
- what remains (the page, its scripts, its own API calls on the site) is what renders the list.

Pages the page opens (popups) get the same handler through their browser context; service
workers are blocked (the context is made with service_workers="block") and WebSockets
refused, since neither passes a page's route.

A route sees requests, not connections: chromium opens a TCP connection to an iframe's or a
popup's host as the navigation starts, before any route is asked. So the browser context is
also made with a proxy that is never there (BLACKHOLE_PROXY) for every host but the crawl's
(the proxy bypass list): the browser can reach the crawl's sites directly, and nothing else.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler

from .discovery import host_allowed

logger = logging.getLogger(__name__)

META_BROWSER_HOSTS = "gk_browser_hosts"  # the hosts (netlocs) the browser may reach for this request
PAGE_INIT_CALLBACK = "gkcrawl.crawl.browser.confine_page"
# Resource types no list needs to be built; refused on the site as well as off it.
REFUSED_TYPES = frozenset({"image", "media", "font", "stylesheet", "manifest", "texttrack", "beacon", "ping"})
_LOCAL_SCHEMES = ("data", "blob", "about")
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


def _handler(allowed: set[str], page_url: str) -> Any:
    async def route_request(route: Any, request: Any) -> None:
        reason = refusal(request.url, request.resource_type, allowed)
        if reason is None:
            await route.fallback()  # on to scrapy-playwright's own handler
            return
        logger.info("browser refused %s %s on %s: %s", request.method, request.url, page_url, reason)
        await route.abort("blockedbyclient")

    return route_request


async def _refuse_socket(socket: Any) -> None:
    logger.info("browser refused WebSocket %s", socket.url)
    await socket.close()


async def confine_page(page: Any, request: Request) -> None:
    """scrapy-playwright page init callback: route every request of the page through `refusal`.

    Registered after scrapy-playwright's own route, so it is asked first and falls back to it."""
    allowed = set(request.meta.get(META_BROWSER_HOSTS) or ()) or {urlsplit(request.url).netloc}
    handler = _handler(allowed, request.url)
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
        request.meta["playwright_page_init_callback"] = PAGE_INIT_CALLBACK
        # Service workers fetch past every page route, and navigations connect before it: the
        # context this request creates has none, and reaches only the crawl's hosts directly.
        kwargs = dict(request.meta.get("playwright_context_kwargs") or {})
        kwargs.setdefault("service_workers", "block")
        kwargs.setdefault("proxy", {"server": BLACKHOLE_PROXY, "bypass": proxy_bypass(hosts)})
        request.meta["playwright_context_kwargs"] = kwargs
        return None
