"""Reading an archived response's bytes back from its WARC record, checked against its hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord


class ArchivedBytesError(Exception):
    """The archived response cannot be read back (missing file, bad offset, hash mismatch)."""


def _response_record(stream: BinaryIO, warc_path: Path, offset: int) -> ArcWarcRecord:
    stream.seek(offset)
    for record in ArchiveIterator(stream):
        if record.rec_type != "response":
            raise ArchivedBytesError(f"{warc_path}@{offset} is a {record.rec_type} record, not a response")
        return record
    raise ArchivedBytesError(f"no WARC record at {warc_path}@{offset}")


def read_response(warc_path: Path, offset: int) -> tuple[bytes, str | None]:
    """The HTTP payload (transfer and content encodings undone) and Content-Type at `offset`."""
    if not warc_path.is_file():
        raise ArchivedBytesError(f"WARC file missing: {warc_path}")
    with warc_path.open("rb") as stream:
        record = _response_record(stream, warc_path, offset)
        content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
        return record.content_stream().read(), content_type


def read_verified(warc_path: Path, offset: int, sha256: str | None) -> tuple[bytes, str | None]:
    """`read_response`, refusing bytes that match neither the decoded nor the stored payload hash.

    The crawl hashes the payload as received (gzip applied when the server sent it so); the
    parser needs it decoded: either hash proves the record is the one the row names."""
    body, content_type = read_response(warc_path, offset)
    if not sha256 or hashlib.sha256(body).hexdigest() == sha256:
        return body, content_type
    with warc_path.open("rb") as stream:
        raw = _response_record(stream, warc_path, offset).raw_stream.read()
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ArchivedBytesError(f"archived bytes do not match sha256 {sha256[:12]}…")
    return body, content_type
