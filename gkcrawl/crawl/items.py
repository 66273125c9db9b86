"""What the spider hands the pipelines and the archive: documents that may be reports, and reports gone."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocumentItem:
    """A report candidate exactly as fetched, with the discovery decision beside it."""

    url: str
    body: bytes = field(repr=False)
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


@dataclass
class GoneReportItem:
    """A report URL archived earlier that now answers 404/410: the archive marks it gone."""

    url: str
    when: str
    status: int
