"""Reading an archived document back from its WARC record, checked against its hash.

A response record holds the payload as the server sent it (`Content-Encoding: gzip` and the
gzip bytes); the document is that payload with its content coding undone, as a browser or
`curl --compressed` would save it. `captures.sha256` and `reports.sha256` are the SHA-256 of
that decoded document; `captures.payload_digest` (the record's WARC-Payload-Digest) is the
hash of the stored, still encoded, payload. `decode_payload` is the one decoder: the crawl
hashes with it and reading back decodes with it.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.recordloader import ArcWarcRecord

# Records that hold a document: a server's response, or what a browser made of it (gkcrawl
# writes the rendered DOM as a `resource`; other tools use `conversion`).
DOCUMENT_RECORDS = ("response", "resource", "conversion")
_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_TYPES = ("application/gzip", "application/x-gzip", "application/x-tar", "application/octet-stream")


class ArchivedBytesError(Exception):
    """The archived response cannot be read back (missing file, bad offset, hash mismatch)."""


# Decoding is bounded: a small gzip payload can expand a thousandfold (a "gzip bomb").
DEFAULT_DECODED_LIMIT = 512 * 1024 * 1024


class _TooLarge(Exception):
    pass


def _check(size: int, limit: int) -> None:
    if size > limit:
        raise _TooLarge


def _zlib(data: bytes, wbits: int, limit: int) -> bytes:
    """Every member of a gzip (or one zlib/raw deflate) stream, up to `limit` bytes; a
    truncated stream yields what it holds (as Scrapy and browsers do)."""
    out = bytearray()
    while data:
        decompressor = zlib.decompressobj(wbits)
        try:
            out += decompressor.decompress(data, limit + 1 - len(out))
        except zlib.error:
            if out:
                break
            raise
        _check(len(out), limit)
        if decompressor.unconsumed_tail:
            raise _TooLarge
        data = decompressor.unused_data if decompressor.eof and wbits > 16 else b""
        if data and not data.startswith(_GZIP_MAGIC):
            break  # trailing garbage after the last member
    return bytes(out)


def _inflate(data: bytes, limit: int) -> bytes:
    try:
        return _zlib(data, zlib.MAX_WBITS, limit)
    except zlib.error:
        return _zlib(data, -zlib.MAX_WBITS, limit)  # raw deflate, as some servers send


def _brotli(data: bytes, limit: int) -> bytes:
    import brotli  # type: ignore[import-untyped]  # Scrapy advertises br only when brotli is installed

    decompressor = brotli.Decompressor()
    try:
        out = bytes(decompressor.process(data, output_buffer_limit=limit + 1))
    except TypeError:  # an older brotli without output limits
        out = bytes(decompressor.process(data))
    _check(len(out), limit)
    return out


_DECODERS = {
    "gzip": lambda data, limit: _zlib(data, 16 + zlib.MAX_WBITS, limit),
    "x-gzip": lambda data, limit: _zlib(data, 16 + zlib.MAX_WBITS, limit),
    "deflate": _inflate,
    "br": _brotli,
}


def decode_payload(payload: bytes, content_encoding: str | None, limit: int = DEFAULT_DECODED_LIMIT) -> bytes:
    """The document a payload encodes: each content coding undone, last applied first.

    `identity` and no header leave the bytes as they are. A coding this cannot undo (an
    unknown one, bytes that are not what the header says, or a document past `limit`
    bytes) leaves the whole payload as stored, so the hash is still of something the
    record holds."""
    if not content_encoding:
        return payload
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    data = payload
    for coding in reversed(codings):
        if coding == "identity":
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            return payload
        try:
            data = decoder(data, limit)
        except Exception:  # noqa: BLE001 - zlib, brotli, import errors and _TooLarge alike: keep the stored bytes
            return payload
    return data


def _record_at(stream: BinaryIO, warc_path: Path, offset: int) -> ArcWarcRecord:
    stream.seek(offset)
    for record in ArchiveIterator(stream):
        if record.rec_type not in DOCUMENT_RECORDS:
            raise ArchivedBytesError(f"{warc_path}@{offset} is a {record.rec_type} record, not a response")
        return record
    raise ArchivedBytesError(f"no WARC record at {warc_path}@{offset}")


def _header(record: ArcWarcRecord, name: str) -> str | None:
    if record.http_headers is None:
        return None
    value: str | None = record.http_headers.get_header(name)
    return value


def _entity(record: ArcWarcRecord) -> bytes:
    """The stored entity body: the record's payload with any (stored) chunked framing removed."""
    if (_header(record, "Transfer-Encoding") or "").lower() == "chunked":
        return bytes(ChunkedDataReader(record.raw_stream).read())
    return bytes(record.raw_stream.read())


def read_record(warc_path: Path, offset: int) -> tuple[bytes, bytes, str | None, str | None]:
    """(document, stored payload, Content-Type, Content-Encoding) of the record at `offset`."""
    if not warc_path.is_file():
        raise ArchivedBytesError(f"WARC file missing: {warc_path}")
    with warc_path.open("rb") as stream:
        record = _record_at(stream, warc_path, offset)
        if record.http_headers is None or record.rec_type != "response":
            content_type = record.rec_headers.get_header("Content-Type")
            payload = bytes(record.raw_stream.read())
            return payload, payload, content_type, None
        content_type = _header(record, "Content-Type")
        encoding = _header(record, "Content-Encoding")
        payload = _entity(record)
        document = decode_payload(payload, encoding) if encoding else _legacy_document(payload, content_type)
        return document, payload, content_type, encoding


def read_response(warc_path: Path, offset: int) -> tuple[bytes, str | None]:
    """The document (transfer and content codings undone) and Content-Type at `offset`."""
    document, _payload, content_type, _encoding = read_record(warc_path, offset)
    return document, content_type


def read_verified(warc_path: Path, offset: int, sha256: str | None) -> tuple[bytes, str | None]:
    """`read_response`, refusing a document whose SHA-256 is not `sha256`.

    Archives written before the payload kept its Content-Encoding dropped the header and
    hashed the stored bytes: such a record is recognised by its stored bytes' hash, and its
    gzip payload (under a Content-Type that is not itself gzip) is decoded all the same."""
    document, payload, content_type, _encoding = read_record(warc_path, offset)
    if sha256 and hashlib.sha256(document).hexdigest() != sha256 and hashlib.sha256(payload).hexdigest() != sha256:
        raise ArchivedBytesError(f"archived bytes do not match sha256 {sha256[:12]}…")
    return document, content_type


def _legacy_document(payload: bytes, content_type: str | None) -> bytes:
    """A payload stored without its Content-Encoding (earlier gkcrawl WARCs dropped the header)."""
    if not payload.startswith(_GZIP_MAGIC):
        return payload
    if content_type and content_type.split(";")[0].strip().lower() in _GZIP_TYPES:
        return payload  # a .gz file is its own document
    return decode_payload(payload, "gzip")
