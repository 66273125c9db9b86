"""One derivation job as it crosses the pipe to a worker, and what comes back.

A job names the archived bytes (WARC file and offset, or a plain file) rather than carrying
them, so the crawl process never holds a document's bytes and the worker reads only what
it parses. `run_job` is the worker's whole job, also run in-process by `InlineRunner`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gkcrawl.archive.warc_read import ArchivedBytesError, read_verified
from gkcrawl.extract.ocr import OcrOptions
from gkcrawl.parse.result import ParseResult

Parser = Callable[..., ParseResult]
# The parser turns its own exceptions into `error` strings; a MemoryError must still count as
# the memory limit, so it is recognised by the exception name those strings carry.
_MEMORY_ERROR = re.compile(r"\bMemoryError\b")


@dataclass(frozen=True)
class WorkerJob:
    job_id: int
    url: str
    filename: str
    content_type: str | None = None
    sha256: str | None = None
    warc_path: str | None = None
    warc_offset: int | None = None
    file_path: str | None = None  # bytes from a plain file (no WARC): tests and tools
    # An HTML page's tables published as pictures: {src, url, capture_id, warc_path, warc_offset,
    # sha256} per archived picture (derive/pictures.py); the worker reads them as the parse asks.
    pictures: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkerJob:
        return cls(**{**data, "pictures": tuple(data.get("pictures") or ())})


@dataclass
class JobOutcome:
    """A job's end: a result (JSON form), or why there is none."""

    job_id: int
    result: dict[str, Any] | None = None
    failure: str | None = None      # a broken limit or a dead worker: "parse limit: …"
    unreadable: str | None = None   # the archived bytes could not be read back
    seconds: float = 0.0
    worker_peak_rss_kb: int | None = None


def read_job_bytes(job: WorkerJob) -> tuple[bytes, str | None]:
    """The document's bytes and the Content-Type stored with them."""
    if job.file_path is not None:
        return Path(job.file_path).read_bytes(), job.content_type
    if job.warc_path is None or job.warc_offset is None:
        raise ArchivedBytesError("no WARC record for this document's capture")
    body, content_type = read_verified(Path(job.warc_path), int(job.warc_offset), job.sha256)
    return body, content_type or job.content_type


def job_pictures(job: WorkerJob) -> Callable[[str], bytes | None] | None:
    """`pictures(src)` for the parser: the archived bytes of the job's pictures, read (hash
    checked) when the parse asks; a picture not archived, or unreadable, is None."""
    if not job.pictures:
        return None
    by_src = {str(picture["src"]).strip(): picture for picture in job.pictures}

    def pictures(src: str) -> bytes | None:
        picture = by_src.get((src or "").strip())
        if picture is None:
            return None
        try:
            body, _ = read_verified(Path(picture["warc_path"]), int(picture["warc_offset"]), picture.get("sha256"))
        except (ArchivedBytesError, OSError, ValueError):
            return None
        return body
    return pictures


def run_job(job: WorkerJob, parse: Parser, ocr: OcrOptions | None = None) -> dict[str, Any]:
    """The answer to one job: {"result": …}, {"unreadable": …} or {"memory": true}.
    `ocr` (the worker's OCR budget and page announcer) is passed on to the parser when given."""
    try:
        body, content_type = read_job_bytes(job)
    except (ArchivedBytesError, OSError, ValueError) as exc:
        return {"job_id": job.job_id, "unreadable": str(exc)}
    try:
        extra: dict[str, Any] = {"ocr": ocr} if ocr is not None else {}
        pictures = job_pictures(job)
        if pictures is not None:
            extra["pictures"] = pictures
        result = parse(body, filename=job.filename, content_type=content_type, url=job.url, **extra)
    except MemoryError:
        return {"job_id": job.job_id, "memory": True}
    except Exception as exc:  # noqa: BLE001 - a parser crash becomes the document's recorded error
        result = ParseResult(error=f"parser crashed: {type(exc).__name__}: {exc}")
    if result.error and _MEMORY_ERROR.search(result.error):
        return {"job_id": job.job_id, "memory": True}
    return {"job_id": job.job_id, "result": result.to_json()}
