"""The HTTP side of the test portals: a threaded stdlib server that answers from a `Site`.

A `Site` maps paths to `Page`s (bytes plus the headers a real CMS would send, lying charsets
included) and may answer some paths dynamically (data proxies, calendars, generated portals).
The server adds what every static page of a real portal has: ETag and Last-Modified with
304 answers to conditional requests, and it performs the documented faults (stall, reset,
truncated body, oversized body, 503 then OK) on the paths that ask for them.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import hashlib
import socket
import struct
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

# Every page of a portal carries a fixed Last-Modified unless it says otherwise, so that a
# re-crawl of an unchanged portal is answered with 304s.
DEFAULT_LAST_MODIFIED = "2021-01-29"
OVERSIZE_BYTES = 30 * 1024 * 1024


def http_date(day: str) -> str:
    """'2021-01-29' -> 'Fri, 29 Jan 2021 08:00:00 GMT' (08:00 GMT = 16:00 Beijing)."""
    year, month, mday = (int(part) for part in day.split("-"))
    moment = datetime.datetime(year, month, mday, 8, 0, 0, tzinfo=datetime.timezone.utc)
    return email.utils.format_datetime(moment, usegmt=True)


@dataclass(frozen=True)
class Page:
    """One answer: status, body bytes and headers. `fault` names a misbehaviour to perform."""

    body: bytes
    content_type: str | None = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    last_modified: str = DEFAULT_LAST_MODIFIED
    cacheable: bool = True
    fault: str | None = None  # retry_after | stall | reset | truncate | oversize

    @functools.cached_property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


@dataclass(frozen=True)
class Request:
    """What a dynamic handler sees of a request."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    generation: int
    body: bytes = b""  # the raw POST body (a JSON list service reads it; `form` parses only urlencoded)


DynamicHandler = Callable[[Request], "Page | None"]


class Site(Protocol):
    """A portal's content for one generation."""

    def page_for(self, request: Request) -> Page | None: ...


@dataclass
class StaticSite:
    """Pages by path plus optional dynamic handlers tried when no static page matches."""

    pages: dict[str, Page] = field(default_factory=dict)
    dynamic: list[DynamicHandler] = field(default_factory=list)

    def page_for(self, request: Request) -> Page | None:
        path = request.path
        page = self.pages.get(path)
        if page is None and path.endswith("/"):
            page = self.pages.get(path + "index.html")
        if page is not None:
            return page  # static servers ignore query strings on static files
        for handler in self.dynamic:
            answer = handler(request)
            if answer is not None:
                return answer
        return None


class PortalStats:
    """Thread-safe counters of what the portal served."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.bytes_sent = 0
        self.not_modified = 0
        self.hits: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.methods: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()

    def record(self, method: str, path: str, status: int, body_bytes: int, host: str = "") -> None:
        with self._lock:
            self.hosts[host] += 1
            self.requests += 1
            self.bytes_sent += body_bytes
            self.hits[path] += 1
            self.statuses[status] += 1
            self.methods[method] += 1
            if status == 304:
                self.not_modified += 1

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes_sent += count

    def snapshot(self) -> dict[str, object]:
        """A consistent copy: requests, bytes_sent, not_modified, hits, statuses, methods, hosts."""
        with self._lock:
            return {"requests": self.requests, "bytes_sent": self.bytes_sent,
                    "not_modified": self.not_modified, "hits": dict(self.hits),
                    "statuses": dict(self.statuses), "methods": dict(self.methods),
                    "hosts": dict(self.hosts)}

    def reset(self) -> None:
        with self._lock:
            self.requests = self.bytes_sent = self.not_modified = 0
            self.hits.clear()
            self.statuses.clear()
            self.methods.clear()
            self.hosts.clear()


class PortalServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding the portal state the handler needs."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sites: Callable[[int], Site],
                 stall_seconds: float) -> None:
        super().__init__(address, PortalRequestHandler)
        self.sites_for_generation = sites
        self.generation = 1
        self.stats = PortalStats()
        self.stall_seconds = stall_seconds
        self.stopping = threading.Event()
        self._fault_attempts: Counter[str] = Counter()
        self._fault_lock = threading.Lock()

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        # Clients that hang up (a crawler giving up on a 30 MB body, a reset we caused) are
        # part of the job; anything else is a bug worth the traceback.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)

    def next_attempt(self, path: str) -> int:
        with self._fault_lock:
            self._fault_attempts[path] += 1
            return self._fault_attempts[path]


def _not_modified(page: Page, headers: dict[str, str]) -> bool:
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = {tag.strip().removeprefix("W/") for tag in inm.split(",")}
        return page.etag in tags or "*" in tags
    ims = headers.get("if-modified-since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            modified = email.utils.parsedate_to_datetime(http_date(page.last_modified))
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


class PortalRequestHandler(BaseHTTPRequestHandler):
    """Answers GET/HEAD/POST from the portal's current site."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 30  # idle keep-alive connections end instead of holding a thread forever
    server: PortalServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return

    def _record(self, path: str, status: int, body_bytes: int) -> None:
        self.server.stats.record(self.command, path, status, body_bytes, self.headers.get("Host", ""))

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        self._answer(send_body=True)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _form_of(self, raw: bytes) -> dict[str, str]:
        if "json" in (self.headers.get("Content-Type") or "").lower():
            return {}
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        raw = self._read_body() if self.command == "POST" else b""
        request = Request(method=self.command, path=parts.path or "/",
                          query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                          form=self._form_of(raw), generation=self.server.generation, body=raw)
        site = self.server.sites_for_generation(self.server.generation)
        try:
            page = site.page_for(request)
        except Exception as error:  # a bug in one page must not kill the portal
            page = Page(f"internal error: {error!r}".encode(), "text/plain; charset=utf-8",
                        status=500, cacheable=False)
        if page is None:
            page = not_found_page()
        if page.fault and self._perform_fault(page, request, send_body):
            return
        headers = {key.lower(): value for key, value in self.headers.items()}
        if page.status == 200 and page.cacheable and _not_modified(page, headers):
            self.send_response(304)
            self._cache_headers(page)
            self.send_header("Content-Length", "0")
            self._record(request.path, 304, 0)
            self.end_headers()
            return
        self._send(page, send_body)

    def _cache_headers(self, page: Page) -> None:
        if page.cacheable:
            self.send_header("ETag", page.etag)
            self.send_header("Last-Modified", http_date(page.last_modified))

    def _start(self, page: Page, length: int) -> None:
        self.send_response(page.status)
        if page.content_type:
            self.send_header("Content-Type", page.content_type)
        for name, value in page.headers:
            self.send_header(name, value)
        if page.status == 200:
            self._cache_headers(page)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, page: Page, send_body: bool) -> None:
        # Counted before the bytes go out, so a client that has its answer sees it counted.
        self._record(urlsplit(self.path).path, page.status, len(page.body) if send_body else 0)
        self._start(page, len(page.body))
        if send_body:
            self.wfile.write(page.body)

    def _perform_fault(self, page: Page, request: Request, send_body: bool) -> bool:
        """Misbehave as the page asks; True when the answer has been given (or refused)."""
        fault = page.fault
        path = request.path
        if fault == "retry_after":
            if self.server.next_attempt(path) % 2 == 1:
                busy = Page("服务器繁忙，请稍后再试".encode(), "text/plain; charset=utf-8",
                            status=503, headers=(("Retry-After", "1"),), cacheable=False)
                self._send(busy, send_body)
                return True
            return False
        if fault == "reset":
            self._record(path, 0, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return True
        if fault == "truncate":
            self._start(page, len(page.body) * 2)
            half = page.body[: len(page.body) // 2] if send_body else b""
            self.wfile.write(half)
            self.wfile.flush()
            self._record(path, page.status, len(half))
            self.close_connection = True
            return True
        if fault == "stall":
            self._start(page, len(page.body))
            head = page.body[:512] if send_body else b""
            self.wfile.write(head)
            self.wfile.flush()
            self._record(path, page.status, len(head))
            self.server.stopping.wait(self.server.stall_seconds)
            self.close_connection = True
            return True
        if fault == "oversize":
            self._start(page, OVERSIZE_BYTES)
            self._record(path, page.status, 0)
            if send_body:
                chunk = (page.body * (65536 // max(len(page.body), 1) + 1))[:65536]
                remaining = OVERSIZE_BYTES
                try:
                    while remaining > 0 and not self.server.stopping.is_set():
                        piece = chunk[: min(len(chunk), remaining)]
                        self.wfile.write(piece)
                        remaining -= len(piece)
                        self.server.stats.add_bytes(len(piece))
                except OSError:
                    pass  # the client gave up on the oversized body, as it should
            self.close_connection = True
            return True
        return False


def not_found_page() -> Page:
    body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title>"
            "</head><body><h1>404</h1><p>您访问的页面不存在或已被删除。</p></body></html>").encode()
    return Page(body, status=404, cacheable=False)


class RunningPortal:
    """A portal served in a background thread; `stop()` ends it and every stalled answer."""

    def __init__(self, style: str, server: PortalServer) -> None:
        self.style = style
        self._server = server
        host, port = server.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.url = f"http://{self.host}:{self.port}/"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"portal-{style}-{self.port}", daemon=True)
        self._thread.start()

    @property
    def stats(self) -> PortalStats:
        return self._server.stats

    @property
    def generation(self) -> int:
        return self._server.generation

    def set_generation(self, generation: int) -> None:
        """Switch the whole site to its generation-`generation` state (1, 2, ...: a style says how many)."""
        if not isinstance(generation, int) or generation < 1:
            raise ValueError(f"generation must be 1 or more, not {generation!r}")
        self._server.generation = generation

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningPortal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
