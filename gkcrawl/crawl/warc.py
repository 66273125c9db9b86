"""Provenance: every HTTP exchange written to WARC as web archivists write it.

`WarcFileWriter` is plain warcio (clock and record ids injectable, so tests produce
byte-identical files). What it writes, as Heritrix, warcprox and Browsertrix do:

- a `response` record holds the entity body exactly as received, content coding included
  (`Content-Encoding: gzip` stays, with the gzip bytes); the transfer coding is undone (Twisted
  de-chunks the body), so `Transfer-Encoding` is dropped and `Content-Length` is the stored
  length. `WARC-Payload-Digest` is the SHA-256 of those stored bytes;
- a `revisit` record (unchanged payload) carries a full HTTP header block (status line and
  headers of the response whose payload it stands for, `Content-Length` of that payload) and
  `WARC-Refers-To-Target-URI`, `WARC-Refers-To-Date` and, when the archive knows it,
  `WARC-Refers-To`, so a replay tool serves the earlier payload with these headers. A 304
  answer becomes such a revisit (profile server-not-modified) with the confirmed response's
  headers; the 304's own status line and headers go in a `metadata` record beside it;
- a `resource` record holds what a browser made of a page (the rendered DOM), under
  `urn:dom:<url>` so that replay of `<url>` still serves the server's response, and refers to
  that response record;
- every response or revisit has its `request` record (WARC-Concurrent-To).
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]

SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# The target URI prefix of a rendered page's resource record (beside, never instead of, the page).
RENDERED_PREFIX = "urn:dom:"

# Hop-by-hop framing the stored record no longer has (the payload is stored de-chunked).
_FRAMING_HEADERS = {"transfer-encoding", "content-length"}
_REQUEST_DROPPED = {"content-encoding", "transfer-encoding", "content-length"}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def warc_digest(body: bytes) -> str:
    """The WARC-Payload-Digest form of a body's SHA-256 (`sha256:BASE32`)."""
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode("ascii")


def iso_utc(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, second precision: the archive's fetched_at form, and WARC-Date's."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def stored_headers(headers: list[tuple[str, str]], payload_length: int) -> list[tuple[str, str]]:
    """The response headers that describe the payload as stored: content coding kept, the
    transfer coding (undone) dropped, Content-Length the stored length, in the server's order."""
    out: list[tuple[str, str]] = []
    placed = False
    for name, value in headers:
        lower = name.lower()
        if lower == "content-length":
            if not placed:
                out.append((name, str(payload_length)))
                placed = True
        elif lower not in _FRAMING_HEADERS:
            out.append((name, value))
    if not placed:
        out.append(("Content-Length", str(payload_length)))
    return out


@dataclass
class WrittenRecord:
    warc_file: str     # file name, relative to the WARC directory
    offset: int        # byte offset of the response (revisit, resource) record
    record_id: str
    date: str = ""     # its WARC-Date


@dataclass
class RefersTo:
    """The record a revisit or a rendered page stands on: its URI and date, and its id when known."""

    target_uri: str
    date: str
    record_id: str | None = None


@dataclass
class Exchange:
    """One HTTP exchange as written to WARC.

    `body` is the entity body as received (content coding applied, transfer coding undone);
    `response_headers` the server's headers. For a revisit (`revisit_profile` set) `status`,
    `reason` and `response_headers` are the HTTP header block of the revisit record (for a
    304: the confirmed earlier response's), `revisit_digest` the payload digest it stands for
    and `revisit_length` that payload's length; `not_modified` keeps the 304's own answer."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched: datetime
    ip_address: str | None = None
    refers_to: RefersTo | None = None
    revisit_profile: str | None = None
    revisit_digest: str | None = None  # warc_digest() of the unchanged payload
    revisit_length: int | None = None  # its length in bytes (the revisit's Content-Length)
    not_modified: tuple[str, list[tuple[str, str]]] | None = None  # the 304's status line and headers


class WarcFileWriter:
    """Append-only gzip WARC files under one directory, rotated at `max_bytes`."""

    def __init__(self, directory: Path, *, max_bytes: int = 100 * 1024 * 1024, clock: Clock = utc_now,
                 make_record_id: IdFactory = new_record_id, prefix: str = "gkcrawl") -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.clock = clock
        self.make_record_id = make_record_id
        self.prefix = prefix
        self._file: io.BufferedWriter | None = None
        self._name = ""
        self._serial = 0
        self._writer = WARCWriter(None, gzip=True, warc_version="1.1")

    def _open_next(self) -> None:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = self.clock().strftime("%Y%m%d%H%M%S")
        while True:
            self._serial += 1
            name = f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
            if not (self.directory / name).exists():
                break
        self._name = name
        self._file = (self.directory / name).open("xb")
        info = self._writer.create_warcinfo_record(name, {
            "software": "gkcrawl (warcio)", "format": "WARC File Format 1.1",
            "description": "Government information disclosure annual reports crawl"})
        info.rec_headers.replace_header("WARC-Record-ID", self.make_record_id())
        info.rec_headers.replace_header("WARC-Date", iso_utc(self.clock()))
        self._writer.out = self._file
        self._writer.write_record(info)

    def _ready(self) -> io.BufferedWriter:
        if self._file is None or self._file.tell() >= self.max_bytes:
            self._open_next()
        assert self._file is not None
        self._writer.out = self._file
        return self._file

    def write(self, exchange: Exchange) -> WrittenRecord:
        """Write the response (or revisit) record and its request record; return where the first landed."""
        out = self._ready()
        date = iso_utc(exchange.fetched)
        record_id = self.make_record_id()
        common = {"WARC-Record-ID": record_id, "WARC-Date": date}
        if exchange.ip_address:
            common["WARC-IP-Address"] = exchange.ip_address
        if exchange.revisit_profile:
            length = exchange.revisit_length if exchange.revisit_length is not None else len(exchange.body)
            http_headers = StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(),
                                            stored_headers(exchange.response_headers, length), protocol="HTTP/1.1")
            refers = exchange.refers_to or RefersTo(exchange.url, date)
            if refers.record_id:
                common["WARC-Refers-To"] = refers.record_id
            digest = exchange.revisit_digest or warc_digest(exchange.body)
            record = self._writer.create_revisit_record(exchange.url, digest, refers.target_uri, refers.date,
                                                        http_headers=http_headers, warc_headers_dict=common)
            record.rec_headers.replace_header("WARC-Profile", exchange.revisit_profile)
        else:
            http_headers = StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(),
                                            stored_headers(exchange.response_headers, len(exchange.body)),
                                            protocol="HTTP/1.1")
            record = self._writer.create_warc_record(
                exchange.url, "response", payload=io.BytesIO(exchange.body), length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict={**common, "WARC-Payload-Digest": warc_digest(exchange.body)})
        offset = out.tell()
        self._writer.write_record(record)
        self._writer.write_record(self._request_record(exchange, date, record_id))
        if exchange.not_modified is not None:
            self._writer.write_record(self._not_modified_record(exchange, date, record_id))
        out.flush()
        return WrittenRecord(self._name, offset, record_id, date)

    def write_resource(self, url: str, payload: bytes, content_type: str, fetched: datetime,
                       refers_to: RefersTo | None) -> WrittenRecord:
        """A rendered page: `resource` record at `urn:dom:<url>` referring to the page's response."""
        out = self._ready()
        date = iso_utc(fetched)
        record_id = self.make_record_id()
        headers = {"WARC-Record-ID": record_id, "WARC-Date": date, "Content-Type": content_type,
                   "WARC-Payload-Digest": warc_digest(payload)}
        if refers_to is not None:
            if refers_to.record_id:
                headers["WARC-Refers-To"] = refers_to.record_id
            headers["WARC-Refers-To-Target-URI"] = refers_to.target_uri
            headers["WARC-Refers-To-Date"] = refers_to.date
        record = self._writer.create_warc_record(RENDERED_PREFIX + url, "resource", payload=io.BytesIO(payload),
                                                 length=len(payload), warc_content_type=content_type,
                                                 warc_headers_dict=headers)
        offset = out.tell()
        self._writer.write_record(record)
        out.flush()
        return WrittenRecord(self._name, offset, record_id, date)

    def _request_record(self, exchange: Exchange, date: str, response_id: str) -> Any:
        parts = exchange.url.split("/", 3)
        path = "/" + (parts[3] if len(parts) > 3 else "")
        req_headers = [(k, v) for k, v in exchange.request_headers if k.lower() not in _REQUEST_DROPPED]
        if exchange.request_body:
            req_headers.append(("Content-Length", str(len(exchange.request_body))))
        http_headers = StatusAndHeaders(f"{exchange.method} {path} HTTP/1.1", req_headers,
                                        protocol="HTTP/1.1", is_http_request=True)
        return self._writer.create_warc_record(
            exchange.url, "request", payload=io.BytesIO(exchange.request_body), length=len(exchange.request_body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Record-ID": self.make_record_id(), "WARC-Date": date,
                               "WARC-Concurrent-To": response_id})

    def _not_modified_record(self, exchange: Exchange, date: str, revisit_id: str) -> Any:
        """The 304 as the server sent it (status line, headers), as warc-fields beside its revisit."""
        assert exchange.not_modified is not None
        status_line, headers = exchange.not_modified
        lines = [f"http-status-line: HTTP/1.1 {status_line}"]
        lines += [f"http-header: {name}: {value}" for name, value in headers]
        fields = ("\r\n".join(_one_line(line) for line in lines) + "\r\n").encode("utf-8")
        return self._writer.create_warc_record(
            exchange.url, "metadata", payload=io.BytesIO(fields), length=len(fields),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Record-ID": self.make_record_id(), "WARC-Date": date,
                               "WARC-Concurrent-To": revisit_id})

    @property
    def current_file(self) -> str:
        return self._name

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")
