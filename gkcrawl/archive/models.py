"""Plain records handed to the store: what the crawler observed, before it becomes rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Capture:
    """One HTTP response as fetched (or a fetch that failed), with where its bytes are kept.

    `sha256` is the SHA-256 of the decoded document (the payload with its Content-Encoding
    undone: what a researcher's download of the URL hashes to) and `size` its length;
    `payload_digest` is the record's WARC-Payload-Digest (`sha256:BASE32` of the payload as
    received and stored, gzip included). `warc_file` is relative to the crawl's WARC
    directory, `warc_offset` the byte offset of the record and `warc_type` its type:
    `response`, `revisit` (an unchanged payload: a 304, or the same payload digest again;
    `revisit` is then true) or `resource` (a page as the browser rendered it). `refers_to` is
    the captures.id of the capture a revisit or rendered page stands on.
    """

    url: str
    status: int | None
    fetched_at: str
    final_url: str | None = None
    method: str = "GET"
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    site: str | None = None
    referer: str | None = None
    error: str | None = None
    revisit: bool = False
    payload_digest: str | None = None
    warc_type: str | None = None
    refers_to: int | None = None
