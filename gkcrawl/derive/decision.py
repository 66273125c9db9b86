"""A report candidate and the decision, taken after parsing, whether it is stored as a report.

Discovery says a document is a report by its title; the parser says so by its tables.
Either is enough (pre-2019 reports have no standard tables, `template` null), except
that a document the parser flags `not_a_report` with no table is kept only as a capture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from gkcrawl.parse import titles
from gkcrawl.parse.result import ParseResult

# A notice page ("现将…予以公布", 附件：….pdf) says little; its attachment is the report.
NOTICE_MAX_TEXT = 600


@dataclass
class Candidate:
    """A fetched document that may be a report, with discovery's judgement beside it."""

    url: str
    sha256: str
    capture_id: int | None
    fetched_at: str
    site: str | None = None
    content_type: str | None = None
    content_disposition: str | None = None
    # "report" (title says so) or "attachment" (a file linked from a report notice).
    role: str = "report"
    title_hint: str = ""
    link_text: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return filename_of(self.url, self.content_disposition)


def is_report(candidate: Candidate, result: ParseResult) -> bool:
    """The decision to store a report row, from discovery's role and the parse."""
    if result.template is not None:
        return True
    if "links_report_attachment" in candidate.notes and (
            "notice_with_attachment" in (result.flags or []) or len((result.text or "").strip()) < NOTICE_MAX_TEXT):
        return False  # the parser or the length says: a notice; its attachment is the report
    if "not_a_report" in (result.flags or []) and candidate.role != "report":
        return False
    if not result.error and titles.needs_template(candidate.link_text or candidate.title_hint):
        return False  # a 政务公开 work summary: the OGI report under that name has the tables
    return candidate.role in ("report", "attachment")


def filename_of(url: str, content_disposition: str | None = None) -> str:
    """The document's file name: the server's Content-Disposition first, else the URL's last part."""
    if content_disposition:
        name = disposition_filename(content_disposition)
        if name:
            return name
    return unquote(PurePosixPath(urlsplit(url).path).name)


def disposition_filename(header: str) -> str | None:
    """`attachment; filename*=UTF-8''%E9%99%84.pdf` or `filename="a.pdf"` -> the name (RFC 6266)."""
    extended = re.search(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", header, re.I)
    if extended:
        charset = extended.group(1).lower().replace("gb2312", "gb18030").replace("gbk", "gb18030")
        try:
            return PurePosixPath(unquote(extended.group(2).strip().strip('"'), encoding=charset)).name or None
        except LookupError:
            return None
    plain = re.search(r"filename\s*=\s*\"?([^\";]+)", header, re.I)
    return PurePosixPath(unquote(plain.group(1).strip())).name or None if plain else None
