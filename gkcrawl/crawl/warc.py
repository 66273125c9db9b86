"""Provenance: every HTTP exchange written to WARC and recorded as a `captures` row.

`WarcFileWriter` is plain warcio (clock and record ids injectable, so tests produce
byte-identical files); `WarcCaptureMiddleware` sits next to the network (priority 950,
inside the HTTP cache) so it sees real 304s, redirects, errors and every retry.
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
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]

_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


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
    """ISO 8601 UTC with a Z, second precision: the archive's fetched_at form."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class WrittenRecord:
    warc_file: str     # file name, relative to the WARC directory
    offset: int        # byte offset of the response (or revisit) record
    record_id: str


@dataclass
class Exchange:
    """One HTTP exchange as stored: the body and headers exactly as written to WARC."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched: datetime
    # For a revisit: the earlier capture's URL and date (the payload is not repeated).
    revisit_of: tuple[str, str] | None = None
    revisit_profile: str | None = None
    revisit_digest: str | None = None  # warc_digest() of the unchanged payload


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
        self._set_ids(info.rec_headers)
        self._writer.out = self._file
        self._writer.write_record(info)

    def _set_ids(self, headers: StatusAndHeaders) -> None:
        headers.replace_header("WARC-Record-ID", self.make_record_id())
        headers.replace_header("WARC-Date", datetime_to_iso_date(self.clock().astimezone(timezone.utc)
                                                                 .replace(tzinfo=None), use_micros=True))

    def write(self, exchange: Exchange) -> WrittenRecord:
        """Write request + response (or revisit) records; return where the response landed."""
        if self._file is None or self._file.tell() >= self.max_bytes:
            self._open_next()
        assert self._file is not None
        date = datetime_to_iso_date(exchange.fetched.astimezone(timezone.utc).replace(tzinfo=None), use_micros=True)
        response_id = self.make_record_id()
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in _DROPPED_HEADERS]
        headers.append(("Content-Length", str(len(exchange.body))))
        http_headers = StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(), headers,
                                        protocol="HTTP/1.1")
        common = {"WARC-Record-ID": response_id, "WARC-Date": date}
        if exchange.revisit_of is not None:
            refers_uri, refers_date = exchange.revisit_of
            digest = exchange.revisit_digest or warc_digest(exchange.body)
            record = self._writer.create_revisit_record(exchange.url, digest, refers_uri,
                                                        refers_date, http_headers=http_headers,
                                                        warc_headers_dict=common)
            if exchange.revisit_profile:
                record.rec_headers.replace_header("WARC-Profile", exchange.revisit_profile)
        else:
            record = self._writer.create_warc_record(
                exchange.url, "response", payload=io.BytesIO(exchange.body), length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict={**common, "WARC-Payload-Digest": warc_digest(exchange.body)})
        offset = self._file.tell()
        self._writer.out = self._file
        self._writer.write_record(record)
        request_record = self._request_record(exchange, date, response_id)
        self._writer.write_record(request_record)
        self._file.flush()
        return WrittenRecord(self._name, offset, response_id)

    def _request_record(self, exchange: Exchange, date: str, response_id: str) -> Any:
        parts = exchange.url.split("/", 3)
        path = "/" + (parts[3] if len(parts) > 3 else "")
        req_headers = [(k, v) for k, v in exchange.request_headers if k.lower() not in _DROPPED_HEADERS]
        if exchange.request_body:
            req_headers.append(("Content-Length", str(len(exchange.request_body))))
        http_headers = StatusAndHeaders(f"{exchange.method} {path} HTTP/1.1", req_headers,
                                        protocol="HTTP/1.1", is_http_request=True)
        return self._writer.create_warc_record(
            exchange.url, "request", payload=io.BytesIO(exchange.request_body), length=len(exchange.request_body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Record-ID": self.make_record_id(), "WARC-Date": date,
                               "WARC-Concurrent-To": response_id})

    @property
    def current_file(self) -> str:
        return self._name

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
