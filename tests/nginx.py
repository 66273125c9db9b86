"""A test portal served by a real nginx, the way real portals are served.

`serve_with_nginx(style, directory)` builds a portal style's static pages, writes them under
`directory/www` (Last-Modified set from each page) and starts Debian's nginx on 127.0.0.1 with
`gzip on` for text (`gzip_min_length 1`, so every page is gzip-coded and sent chunked), ETag
and Last-Modified with 304s to conditional requests, and the pages' own Content-Type and extra
headers (Content-Disposition of attachments). nginx runs in the foreground of its own process
(`nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`), is stopped when the block ends, and
writes an access log the test can read (`portal.requests()`).

Only what nginx expresses is served so: styles with dynamic handlers, faults or non-200 pages
keep the stdlib server (gkcrawl.demo.server).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

from gkcrawl.demo.server import Page, StaticSite, http_date

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
NGINX_MISSING = "nginx is not installed (Debian package nginx-light; scripts/bootstrap.sh --test installs it)"

# What nginx itself says a file is, by extension; a page whose Content-Type differs gets its own location.
TYPES = {"html": "text/html", "htm": "text/html", "txt": "text/plain", "css": "text/css", "js": "application/javascript",
         "json": "application/json", "xml": "text/xml", "png": "image/png", "jpg": "image/jpeg", "gif": "image/gif",
         "pdf": "application/pdf", "doc": "application/msword", "xls": "application/vnd.ms-excel",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip": "application/zip"}
REDIRECTS = (301, 302)  # answered by `return` in the page's own location, no file
CHARSET_TYPES = ("text/html", "text/plain", "text/css", "application/javascript", "application/json", "text/xml")
# text/html is always compressed when gzip is on; these are added (as on most portals).
GZIP_TYPES = ("text/plain", "text/css", "application/javascript", "application/json", "text/xml")


# Portal styles that stay on the stdlib server (tests/portals, gkcrawl.demo.server), and why:
# every other style is fixed path -> bytes with fixed headers and is crawled through nginx too
# (tests/test_crawl_nginx.py checks this list against the styles as built).
STDLIB_ONLY: dict[str, str] = {
    "hanweb": "its data proxy builds each list answer from the request's query (dynamic handler)",
    "traps": "calendar, search (fresh sid, not cacheable) and 下一期 generators: endless URLs made on request",
    "faults": "503 + Retry-After then 200, stalls and resets on chosen requests (per-request faults)",
    "large": "thousands of pages rendered lazily on request (dynamic handler; too many files to write)",
    "wild": "its frames page by ?pageNo= / ?page= query strings and 404 beyond (nginx serves by path only)",
    "wild2": "a POST-form pager (page read from the body) and a JSON API answering per parameters",
    "subcolumns": "a generator of unique sub-columns made on request (the trap the budgets stop)",
    "trssearch": "its WAS5 search service answers each POST from the form (page, prepage, classsql)",
    "trsbrowser": "its WAS5 search service answers each POST from the form (page, prepage, classsql)",
    "irs": "its TRS 海云 list service answers each JSON POST body",
    "gopage": "its list pages are answers to a POSTed form (cur_page read from the body)",
    "gkmlpt": "its list API answers per ?page= and ?sid= (dynamic handler)",
}


@dataclass
class NginxPortal:
    """A running nginx serving one portal's files."""

    url: str
    port: int
    directory: Path
    pages: dict[str, Page]                 # URL path -> the page as built
    files: dict[str, Path] = field(default_factory=dict)  # URL path -> the file nginx serves
    process: subprocess.Popen | None = None

    @property
    def www(self) -> Path:
        return self.directory / "www"

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request nginx answered, in order."""
        log = self.directory / "logs" / "access.log"
        out = []
        for line in log.read_text(encoding="latin-1").splitlines() if log.exists() else []:
            method, path, status = line.split("\t")[:3]
            out.append((method, path, int(status)))
        return out

    def write_page(self, path: str, page: Page) -> None:
        """Write (or rewrite) one page's file: served from the next request on."""
        self.pages[path] = page
        if page.status in REDIRECTS:
            self.remove_page(path)
            self.pages[path] = page
            return
        target = self.www / _file_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body)
        stamp = parsedate_to_datetime(http_date(page.last_modified)).timestamp()
        os.utime(target, (stamp, stamp))
        self.files[path] = target

    def remove_page(self, path: str) -> None:
        """Delete one page's file: nginx answers 404 for it from the next request on."""
        self.pages.pop(path, None)
        target = self.files.pop(path, None)
        if target is not None:
            target.unlink(missing_ok=True)

    def set_generation(self, style: str, generation: int) -> None:
        """Serve the style's generation-`generation` site on the same port, as the stdlib portal does.

        Pages whose bytes are unchanged keep their Last-Modified, hence their ETag (304 on revalidation);
        pages gone from the site are deleted (404); nginx restarts with the new locations (redirects)."""
        from gkcrawl.demo.sitebuild import BuildContext
        from portals.registry import _STYLES

        pages = static_pages(_STYLES[style].build(BuildContext(generation=generation, port=self.port)))
        for path in set(self.pages) - set(pages):
            self.remove_page(path)
        for path, page in pages.items():
            self.write_page(path, page)
        self.stop()
        start_nginx(self)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def _file_path(path: str) -> str:
    path = unquote(path.split("?", 1)[0])
    if path.endswith("/"):
        path += "index.html"
    return path.lstrip("/")


def _extension(path: str) -> str:
    name = _file_path(path).rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _nginx_type(path: str) -> str:
    """The Content-Type nginx sends for a file at `path` without a location of its own."""
    mime = TYPES.get(_extension(path), "application/octet-stream")
    return f"{mime}; charset=utf-8" if mime in CHARSET_TYPES else mime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _location(path: str, page: Page) -> str | None:
    """An exact location for a page nginx would not serve as built by default, else None."""
    if page.status in REDIRECTS:
        return f"location = {path} {{ return {page.status} {_quoted(dict(page.headers)['Location'])}; }}"
    wanted = page.content_type
    lines = []
    if wanted is not None and wanted.replace(" ", "").lower() != _nginx_type(path).replace(" ", "").lower():
        lines += ["types { }", f"default_type {_quoted(wanted)};", "charset off;"]
    lines += [f"add_header {name} {_quoted(value)};" for name, value in page.headers]
    if not lines:
        return None
    return f"location = {path} {{\n    " + "\n    ".join(lines) + "\n  }"


def nginx_conf(portal: NginxPortal) -> str:
    directory = portal.directory
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's private tmp dir
    temp = "\n".join(f"  {name}_temp_path {directory / 'tmp' / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    types = "\n".join(f"    {mime} {ext};" for ext, mime in TYPES.items())
    locations = "\n  ".join(filter(None, (_location(path, page) for path, page in sorted(portal.pages.items()))))
    return f"""{user}worker_processes 1;
pid {directory / 'nginx.pid'};
error_log {directory / 'logs' / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
{temp}
  types {{
{types}
  }}
  default_type application/octet-stream;
  log_format tabs '$request_method\\t$request_uri\\t$status\\t$body_bytes_sent\\t$http_accept_encoding';
  access_log {directory / 'logs' / 'access.log'} tabs;
  sendfile on;
  keepalive_timeout 30;
  gzip on;
  gzip_min_length 1;
  gzip_comp_level 6;
  gzip_vary on;
  gzip_types {' '.join(GZIP_TYPES)};
  charset utf-8;
  charset_types {' '.join(CHARSET_TYPES)};
  etag on;
  if_modified_since exact;
  server {{
    listen 127.0.0.1:{portal.port};
    server_name localhost;
    root {portal.www};
    index index.html;
  {locations}
  }}
}}
"""


def static_pages(site: object) -> dict[str, Page]:
    """The pages of a static site, refusing what nginx cannot serve as built."""
    if not isinstance(site, StaticSite) or site.dynamic:
        raise ValueError("only static sites can be served by nginx")
    pages: dict[str, Page] = {}
    for path, page in site.pages.items():
        redirect = page.status in REDIRECTS and "Location" in dict(page.headers)
        # A redirect carries no validators (cacheable=False) on either server: nginx's `return` has none.
        if not (page.status == 200 or redirect) or page.fault or not (page.cacheable or redirect):
            raise ValueError(f"nginx cannot serve {path} as built (status {page.status}, fault {page.fault})")
        if path == "/" and "/index.html" in site.pages:
            if site.pages["/index.html"].body != page.body:
                raise ValueError("/ and /index.html differ")
            continue
        pages[path] = page
    return pages


def start_nginx(portal: NginxPortal, timeout: float = 10.0) -> None:
    if NGINX is None:
        raise RuntimeError(NGINX_MISSING)
    for sub in ("logs", "tmp"):
        (portal.directory / sub).mkdir(parents=True, exist_ok=True)
    conf = portal.directory / "nginx.conf"
    conf.write_text(nginx_conf(portal), encoding="utf-8")
    portal.process = subprocess.Popen([NGINX, "-p", str(portal.directory), "-c", str(conf), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if portal.process.poll() is not None:
            error = portal.process.stderr.read().decode("utf-8", "replace") if portal.process.stderr else ""
            raise RuntimeError(f"nginx exited {portal.process.returncode}: {error}")
        with contextlib.suppress(OSError), urllib.request.urlopen(portal.url + "robots.txt", timeout=2):
            return
        time.sleep(0.05)
    portal.stop()
    raise RuntimeError("nginx did not answer within the timeout")


@contextlib.contextmanager
def serve_with_nginx(style: str, directory: Path, *, generation: int = 1,
                     edit: Callable[[dict[str, Page], int], None] | None = None) -> Iterator[NginxPortal]:
    """Serve portal `style` (tests/portals) through nginx on a free loopback port.

    `edit(pages, port)` may change the built pages (add one, rewrite one) before they are written."""
    from gkcrawl.demo.sitebuild import BuildContext
    from portals.registry import _STYLES

    port = free_port()
    site = _STYLES[style].build(BuildContext(generation=generation, port=port))
    pages = static_pages(site)
    if edit is not None:
        edit(pages, port)
    portal = NginxPortal(url=f"http://127.0.0.1:{port}/", port=port, directory=directory, pages={})
    for path, page in pages.items():
        portal.write_page(path, page)
    start_nginx(portal)
    try:
        yield portal
    finally:
        portal.stop()
