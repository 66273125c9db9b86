"""Plain records handed to the store: what the crawler observed, before it becomes rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Capture:
    """One HTTP response as fetched (or a fetch that failed), with where its bytes are kept.

    `sha256` is the hash of the body exactly as stored in the WARC record; `warc_file` is
    relative to the crawl's WARC directory, `warc_offset` the byte offset of the response
    record. `revisit` marks an unchanged payload (304 / same hash) recorded as a revisit.
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
