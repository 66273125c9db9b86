"""What the spider hands the pipelines and the archive: documents that may be reports, and reports gone.

Items are dataclasses whose fields are all JSON-able, so Scrapy's feed exports
(`scrapy crawl disclosure -O items.jsonl`) write them. A document's bytes ride beside the
fields (`item.body`), not as one: they are in the WARC, found again from `capture_id` and
`sha256`.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field


@dataclass
class DocumentItem:
    """A report candidate exactly as fetched, with the discovery decision beside it."""

    url: str
    body: InitVar[bytes]  # kept as an attribute, not a field: never exported nor repr'd
    content_type: str | None
    capture_id: int | None
    fetched_at: str
    sha256: str
    site: str
    # Discovery's judgement: "report" (title says so), "attachment" (file of a report notice).
    role: str = "report"
    title_hint: str = ""
    link_text: str = ""
    referer: str | None = None
    notes: list[str] = field(default_factory=list)
    # The server's file name for an attachment (`filename*=UTF-8''附件1.pdf`), when it sent one.
    content_disposition: str | None = None
    # A report page whose tables are pictures: (src as written, resolved URL) of each picture
    # the spider asked for; the page's derivation waits for them (gkcrawl/derive/pictures.py).
    pictures: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self, body: bytes) -> None:
        # An attribute beside the fields (mypy does not model an InitVar kept this way).
        self.body = body  # type: ignore[attr-defined]


@dataclass
class GoneReportItem:
    """A report URL archived earlier that now answers 404/410: the archive marks it gone."""

    url: str
    when: str
    status: int


@dataclass
class PictureItem:
    """A report picture's fetch ended: its capture, or why there is none (http 404, not an image,
    refused by robots.txt, a network failure). `page_url` is the page that referred to it."""

    url: str
    page_url: str
    capture_id: int | None
    error: str | None = None
