"""WARC records as web archivists write them, checked against a real nginx and a real pywb.

The demo portal (6 reports, one list built by a script) and the attachments portal (PDF,
DOCX, DOC reports) are served by nginx as real portals are: `gzip on` for every text page
(so pages arrive gzip-coded and chunked), ETag/Last-Modified and 304s. Each is crawled, then
crawled again without the HTTP cache (the same payloads again: identical-payload revisits),
then again with it (304s: server-not-modified revisits). Then:

- response records keep the payload as received with the headers that describe it
  (Content-Encoding kept, chunking undone, Content-Length the stored length);
  captures.sha256 / reports.sha256 are the SHA-256 of the file nginx served, payload_digest
  the WARC-Payload-Digest of the gzip bytes;
- `gkcrawl reparse` reproduces every report exactly;
- revisits carry a full status line and headers and WARC-Refers-To(-Target-URI, -Date);
- the rendered list is a `resource` record referring to the page's response, and chromium
  sent nothing to a second loopback server the page names (stylesheet, image, iframe,
  script, fetch, XHR, WebSocket, popup);
- pywb (.venv-pywb) replays the latest capture of every page and attachment as the bytes
  nginx served, after the first crawl and after each re-crawl.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import io
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawl_helpers import crawl, rows
from gkcrawl.archive.warc_read import decode_payload, read_response, read_verified
from gkcrawl.crawl.browser import proxy_bypass, refusal
from gkcrawl.crawl.warc import IDENTICAL_PAYLOAD, RENDERED_PREFIX, SERVER_NOT_MODIFIED
from gkcrawl.demo.server import Page
from nginx import NGINX, NGINX_MISSING, NginxPortal, free_port, serve_with_nginx
from portals import EXPECTED

ROOT = Path(__file__).resolve().parents[1]
PYWB_BIN = ROOT / ".venv-pywb" / "bin"
PYWB_MISSING = "pywb is not installed in .venv-pywb (scripts/bootstrap.sh --test builds it)"
CHROMIUM = Path("/usr/bin/chromium")

needs_nginx = pytest.mark.skipif(NGINX is None, reason=NGINX_MISSING)
needs_pywb = pytest.mark.skipif(not (PYWB_BIN / "wayback").exists(), reason=PYWB_MISSING)


def hex_of(digest: str) -> str:
    algorithm, _, value = digest.partition(":")
    assert algorithm == "sha256"
    return base64.b32decode(value).hex()


# -- reading back: units --------------------------------------------------------------------

DOCUMENT = "<html><body><h1>某县2023年政府信息公开工作年度报告</h1></body></html>".encode()


def _one_response(path: Path, payload: bytes, headers: list[tuple[str, str]]) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        record = writer.create_warc_record("http://a.gov.cn/nb.html", "response", payload=io.BytesIO(payload),
                                           length=len(payload),
                                           http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"))
        writer.write_record(record)


def test_decode_payload_undoes_every_content_coding_or_keeps_the_bytes() -> None:
    assert decode_payload(gzip.compress(DOCUMENT), "gzip") == DOCUMENT
    assert decode_payload(gzip.compress(DOCUMENT), "x-gzip") == DOCUMENT
    assert decode_payload(zlib.compress(DOCUMENT), "deflate") == DOCUMENT
    raw_deflate = zlib.compressobj(wbits=-15)
    assert decode_payload(raw_deflate.compress(DOCUMENT) + raw_deflate.flush(), "deflate") == DOCUMENT
    import brotli  # type: ignore[import-untyped]

    assert decode_payload(brotli.compress(gzip.compress(DOCUMENT)), "gzip, br") == DOCUMENT
    assert decode_payload(DOCUMENT, None) == DOCUMENT and decode_payload(DOCUMENT, "identity") == DOCUMENT
    assert decode_payload(b"not gzip", "gzip") == b"not gzip"  # what the header says is not so
    assert decode_payload(b"\x28\xb5\x2f\xfd", "zstd") == b"\x28\xb5\x2f\xfd"  # unknown: as stored
    two_members = gzip.compress(DOCUMENT[:20]) + gzip.compress(DOCUMENT[20:])
    assert decode_payload(two_members, "gzip") == DOCUMENT
    truncated = decode_payload(gzip.compress(DOCUMENT)[:-8], "gzip")  # the trailer lost: what it holds
    assert truncated == DOCUMENT
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    assert decode_payload(bomb, "gzip", limit=1024 * 1024) == bomb  # not expanded past the limit
    assert len(decode_payload(bomb, "gzip")) == 8 * 1024 * 1024


def test_read_verified_decodes_and_checks_the_decoded_hash(tmp_path: Path) -> None:
    warc = tmp_path / "a.warc.gz"
    payload = gzip.compress(DOCUMENT)
    _one_response(warc, payload, [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                                  ("Content-Length", str(len(payload)))])
    assert read_verified(warc, 0, hashlib.sha256(DOCUMENT).hexdigest()) == (DOCUMENT, "text/html; charset=utf-8")
    with pytest.raises(Exception, match="do not match"):
        read_verified(warc, 0, "0" * 64)


def test_read_verified_rescues_records_that_lost_their_content_encoding(tmp_path: Path) -> None:
    """Earlier gkcrawl WARCs kept the gzip bytes, dropped the header and hashed the gzip bytes."""
    warc = tmp_path / "old.warc.gz"
    payload = gzip.compress(DOCUMENT)
    _one_response(warc, payload, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(payload)))])
    assert read_verified(warc, 0, hashlib.sha256(payload).hexdigest())[0] == DOCUMENT
    assert read_response(warc, 0)[0] == DOCUMENT


def test_browser_refusals_keep_to_the_crawls_hosts() -> None:
    allowed = {"127.0.0.1:8080", "www.example.gov.cn"}
    assert refusal("http://127.0.0.1:8080/list.html", "document", allowed) is None
    assert refusal("http://127.0.0.1:8080/api/list.json", "fetch", allowed) is None
    assert refusal("http://xxgk.example.gov.cn/a.js", "script", allowed) is None  # the www. site's sibling
    assert refusal("http://127.0.0.1:8081/x.js", "script", allowed) == "off-site 127.0.0.1:8081"
    assert refusal("https://cdn.example.com/x.css", "stylesheet", allowed) == "off-site cdn.example.com"
    assert refusal("http://127.0.0.1:8080/logo.png", "image", allowed) is not None  # never needed for a list
    assert refusal("data:image/png;base64,AAAA", "image", allowed) is None
    assert refusal("ftp://127.0.0.1:8080/x", "other", allowed) == "scheme ftp"
    # Connections too: everything but these goes to a proxy that is not there.
    assert proxy_bypass(allowed) == "127.0.0.1:8080,www.example.gov.cn,example.gov.cn,*.example.gov.cn"


# -- a second loopback server that must never hear from the crawl -------------------------

class _Counting(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.connections = 0
        self.request_lines: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _CountingHandler)


class _CountingHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: _Counting = self.server  # type: ignore[assignment]
        with server.lock:
            server.connections += 1
        self.connection.settimeout(5)
        with contextlib.suppress(OSError):
            line = self.rfile.readline(4096).decode("latin-1").strip()
            with server.lock:
                server.request_lines.append(line)
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                             b"Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\nok")


@contextlib.contextmanager
def counting_server() -> Iterator[_Counting]:
    server = _Counting()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def offsite_markup(port: int) -> str:
    """Everything a script-built list page may make a browser fetch from another site."""
    other = f"http://127.0.0.1:{port}"
    return (f'<link rel="stylesheet" href="{other}/off.css">\n<img src="{other}/off.png" alt="">\n'
            f'<iframe src="{other}/frame.html"></iframe>\n<script src="{other}/off.js"></script>\n'
            "<script>\n(function () {\n"
            f'  try {{ fetch("{other}/api/list.json").catch(function () {{}}); }} catch (e) {{}}\n'
            f'  try {{ var x = new XMLHttpRequest(); x.open("GET", "{other}/xhr.json"); x.send(); }} catch (e) {{}}\n'
            f'  try {{ new WebSocket("ws://127.0.0.1:{port}/socket"); }} catch (e) {{}}\n'
            f'  try {{ window.open("{other}/popup.html"); }} catch (e) {{}}\n'
            f'  try {{ new Image().src = "{other}/beacon.gif"; }} catch (e) {{}}\n'
            "})();\n</script>\n")


def with_offsite_references(port: int) -> object:
    def edit(pages: dict[str, Page], _nginx_port: int) -> None:
        scripted = [path for path, page in pages.items() if b'id="docList"' in page.body]
        assert scripted, "the demo portal has a script-built list"
        for path in scripted:
            page = pages[path]
            body = page.body.replace(b"</body>", offsite_markup(port).encode() + b"</body>")
            pages[path] = replace(page, body=body)
    return edit


# -- pywb -------------------------------------------------------------------------------------

@dataclass
class Wayback:
    """A pywb collection `C` in `directory`, served by `wayback` while `running()`."""

    directory: Path
    files: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._run("wb-manager", "init", "C")

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([str(PYWB_BIN / tool), *args], cwd=self.directory, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]

    def add(self, warcs: list[Path]) -> None:
        new = [w for w in warcs if w not in self.files]
        if new:
            self._run("wb-manager", "add", "C", *map(str, new))
            self.files += new

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        port = free_port()
        log = (self.directory / f"wayback-{port}.log").open("wb")
        process = subprocess.Popen([str(PYWB_BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                                   cwd=self.directory, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}/C/"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (self.directory / f"wayback-{port}.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "wayback did not start listening"
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
            log.close()


def replayed(base: str, url: str) -> tuple[int, bytes, str | None]:
    """(status, decoded body, Memento-Datetime) of pywb's latest capture of `url` (id_: no rewriting)."""
    request = urllib.request.Request(base + "id_/" + url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
            encoding = answer.headers.get("Content-Encoding")
            return answer.status, decode_payload(body, encoding), answer.headers.get("Memento-Datetime")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), None


# -- the crawls -----------------------------------------------------------------------------

@dataclass
class Crawled:
    style: str
    portal: NginxPortal
    db: Path
    warc_dir: Path
    runs: list[list[Path]]            # the WARC files each run wrote
    offsite: _Counting | None = None
    reports_before_reparse: list[tuple] = field(default_factory=list)

    def served(self, url: str) -> bytes:
        """The file nginx serves at `url` (decoded: what a browser saves)."""
        path = urlsplit(url).path
        if path.endswith("/"):
            path += "index.html"
        return self.portal.files[path].read_bytes()


def _crawl_three_times(portal: NginxPortal, db: Path, *extra: str) -> list[list[Path]]:
    warc_dir = db.parent / "warc"
    runs: list[list[Path]] = []
    seen: set[Path] = set()
    for settings in ((), ("-s", "HTTPCACHE_ENABLED=False"), ()):
        if runs:
            # WARC-Date has whole seconds: a re-crawl within the same second as the last one would
            # give its revisits the same memento time, and replay could not tell the runs apart.
            time.sleep(1.1)
        crawl([portal.url], db, *extra, *settings, timeout=240)
        files = sorted(set(warc_dir.glob("*.warc.gz")) - seen)
        seen |= set(files)
        runs.append(files)
    return runs


@pytest.fixture(scope="module")
def demo_crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    if NGINX is None:
        pytest.skip(NGINX_MISSING)
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    base = tmp_path_factory.mktemp("demo-nginx")
    with counting_server() as offsite, serve_with_nginx(
            "demo", base / "nginx", edit=with_offsite_references(offsite.server_address[1])) as portal:
        db = base / "archive" / "a.db"
        runs = _crawl_three_times(portal, db)
        yield Crawled("demo", portal, db, db.parent / "warc", runs, offsite)


@pytest.fixture(scope="module")
def files_crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    if NGINX is None:
        pytest.skip(NGINX_MISSING)
    base = tmp_path_factory.mktemp("files-nginx")
    with serve_with_nginx("attachments", base / "nginx") as portal:
        db = base / "archive" / "a.db"
        runs = _crawl_three_times(portal, db, "--no-js")
        yield Crawled("attachments", portal, db, db.parent / "warc", runs)


def _record(crawled: Crawled, warc_file: str, offset: int) -> tuple[object, bytes]:
    with (crawled.warc_dir / warc_file).open("rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        return record, record.raw_stream.read()


def _portal_param(request: pytest.FixtureRequest) -> Crawled:
    return request.getfixturevalue(request.param)


PORTALS = pytest.mark.parametrize("crawled", ["demo_crawled", "files_crawled"], indirect=True)


@pytest.fixture
def crawled(request: pytest.FixtureRequest) -> Crawled:
    return _portal_param(request)


@needs_nginx
@pytest.mark.slow
@PORTALS
def test_every_report_is_archived_and_hashed_as_nginx_served_it(crawled: Crawled) -> None:
    expected = {crawled.portal.url.rstrip("/") + path for path in EXPECTED[crawled.style]["reports"]}  # type: ignore[union-attr]
    reports = rows(crawled.db, "select url, sha256, title, template from reports")
    assert {url for url, *_ in reports} == expected
    for url, sha256, title, template in reports:
        assert sha256 == hashlib.sha256(crawled.served(url)).hexdigest(), url
        assert title and template, url


@needs_nginx
@pytest.mark.slow
@PORTALS
def test_response_records_hold_the_payload_as_received(crawled: Crawled) -> None:
    captures = rows(crawled.db, "select url, final_url, warc_file, warc_offset, sha256, size, payload_digest "
                                "from captures where warc_type = 'response' and status = 200")
    gzipped = 0
    for url, final_url, warc_file, offset, sha256, size, payload_digest in captures:
        record, payload = _record(crawled, warc_file, offset)
        headers = record.http_headers
        assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == final_url
        assert headers.get_header("Transfer-Encoding") is None  # stored de-chunked
        assert headers.get_header("Content-Length") == str(len(payload))
        assert record.rec_headers.get_header("WARC-Payload-Digest") == payload_digest
        assert hex_of(payload_digest) == hashlib.sha256(payload).hexdigest()
        served = crawled.served(url)
        encoding = headers.get_header("Content-Encoding")
        if encoding:
            gzipped += 1
            assert encoding == "gzip" and payload != served and gzip.decompress(payload) == served
        else:
            assert payload == served
        assert sha256 == hashlib.sha256(served).hexdigest() and size == len(served), url
        assert read_verified(crawled.warc_dir / warc_file, offset, sha256)[0] == served
    assert gzipped >= len(captures) // 2  # nginx gzips every text page


@needs_nginx
@pytest.mark.slow
@PORTALS
def test_revisits_stand_for_the_archived_payload(crawled: Crawled) -> None:
    originals = {row[0]: row[1:] for row in rows(
        crawled.db, "select id, warc_record_id, final_url, fetched_at, payload_digest, warc_file, warc_offset "
                    "from captures where warc_type = 'response'")}
    revisits = rows(crawled.db, "select status, warc_file, warc_offset, refers_to, payload_digest, sha256 "
                                "from captures where warc_type = 'revisit'")
    profiles = {SERVER_NOT_MODIFIED: 0, IDENTICAL_PAYLOAD: 0}
    for status, warc_file, offset, refers_to, payload_digest, _sha256 in revisits:
        record, _ = _record(crawled, warc_file, offset)
        record_id, target, date, original_digest, original_file, original_offset = originals[refers_to]
        warc = record.rec_headers
        assert record.rec_type == "revisit"
        profiles[warc.get_header("WARC-Profile")] += 1
        assert warc.get_header("WARC-Refers-To") == record_id
        assert warc.get_header("WARC-Refers-To-Target-URI") == target
        assert warc.get_header("WARC-Refers-To-Date") == date
        assert warc.get_header("WARC-Payload-Digest") == payload_digest == original_digest
        original, original_payload = _record(crawled, original_file, original_offset)
        # A full header block: status 200 and the headers that describe the original payload.
        assert record.http_headers.get_statuscode() == "200"
        assert record.http_headers.get_header("Content-Length") == str(len(original_payload))
        assert record.http_headers.get_header("Content-Encoding") == original.http_headers.get_header(
            "Content-Encoding")
        assert (status == 304) == (warc.get_header("WARC-Profile") == SERVER_NOT_MODIFIED)
    # Run 2 (no cache: the same payloads again) and run 3 (304s) revisit every page of run 1.
    assert profiles[IDENTICAL_PAYLOAD] >= len(originals) // 2 and profiles[SERVER_NOT_MODIFIED] >= len(originals) // 2
    # The 304's own answer is kept beside its revisit.
    with crawled.runs[2][0].open("rb") as stream:
        metadata = [r.content_stream().read() for r in ArchiveIterator(stream) if r.rec_type == "metadata"]
    assert metadata and all(m.startswith(b"http-status-line: HTTP/1.1 304 Not Modified") for m in metadata)
    # Nothing new was archived: the reports are the versions of run 1.
    assert rows(crawled.db, "select count(*), max(version) from reports")[0][1] == 1


@needs_nginx
@pytest.mark.slow
def test_rendered_list_is_a_resource_beside_the_response_and_the_browser_stayed_home(demo_crawled: Crawled) -> None:
    rendered = rows(demo_crawled.db, "select url, warc_file, warc_offset, refers_to, sha256 from captures "
                                     "where warc_type = 'resource'")
    assert len(rendered) == len(demo_crawled.runs)  # the script-built list, rendered once per run
    for url, warc_file, offset, refers_to, sha256 in rendered:
        record, payload = _record(demo_crawled, warc_file, offset)
        assert record.rec_type == "resource"
        assert record.rec_headers.get_header("WARC-Target-URI") == RENDERED_PREFIX + url
        (record_id, kind), = rows(demo_crawled.db, f"select warc_record_id, warc_type from captures where id = {refers_to}")
        assert kind in ("response", "revisit") and record.rec_headers.get_header("WARC-Refers-To") == record_id
        assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == url
        assert hashlib.sha256(payload).hexdigest() == sha256 and b"t20220125_5012346.html" in payload
    # The server's answer stays the one response record of the page per run.
    (url, *_), = {(u,) for u, *_ in rendered}
    responses = rows(demo_crawled.db, f"select count(*) from captures where url = '{url}' and warc_type = 'response'")
    assert responses == [(1,)]
    # The JS-only report was found through the rendered list, and chromium sent nothing off-site.
    js_report = demo_crawled.portal.url.rstrip("/") + next(iter(EXPECTED["demo"]["js_only"]))  # type: ignore[call-overload]
    assert rows(demo_crawled.db, f"select count(*) from reports where url = '{js_report}'") == [(1,)]
    assert demo_crawled.offsite is not None
    assert demo_crawled.offsite.connections == 0, demo_crawled.offsite.request_lines


@needs_nginx
@pytest.mark.slow
@PORTALS
def test_reparse_reproduces_every_report(crawled: Crawled) -> None:
    columns = ("url, version, title, agency, region, year, template, published, index_no, sha256, text, kind, "
               "flags, error, needs_ocr, cells_found, cells_uncertain, checks_failed, arithmetic")
    reports = f"select {columns} from reports order by url, version"
    cells = ("select r.url, c.key, c.value, c.uncertain from report_cells c join reports r on r.id = c.report_id "
             "order by 1, 2")
    checks = "select r.url, c.name, c.ok, c.detail from checks c join reports r on r.id = c.report_id order by 1, 2, 4"
    before = (rows(crawled.db, reports), rows(crawled.db, cells), rows(crawled.db, checks))
    assert before[0] and before[1]
    done = subprocess.run([sys.executable, "-m", "gkcrawl", "reparse", "--db", str(crawled.db)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    n = len(before[0])
    assert f"{n}/{n} reports re-derived" in done.stdout + done.stderr, done.stdout + done.stderr
    assert (rows(crawled.db, reports), rows(crawled.db, cells), rows(crawled.db, checks)) == before


@needs_nginx
@needs_pywb
@pytest.mark.slow
@PORTALS
def test_pywb_replays_every_page_as_nginx_served_it_after_each_crawl(crawled: Crawled,
                                                                     tmp_path: Path) -> None:
    urls = sorted({url for (url,) in rows(crawled.db, "select final_url from captures where status in (200, 304) "
                                                      "and warc_type in ('response', 'revisit')")})
    assert len(urls) >= 10
    wayback = Wayback(tmp_path / "pywb")
    latest_kinds = []
    for run, files in enumerate(crawled.runs, start=1):
        wayback.add(files)
        with wayback.running() as base:
            for url in urls:
                status, body, memento = replayed(base, url)
                assert status == 200, (run, url, status, body[:200])
                assert body == crawled.served(url), (run, url, len(body))
                latest_kinds.append(memento)
    # After each re-crawl the latest capture is the new revisit, not the first response.
    assert len(set(latest_kinds)) >= 3

