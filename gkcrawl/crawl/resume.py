"""Resumable crawls that survive SIGKILL: remember only what is finished.

Scrapy's RFPDupeFilter writes a fingerprint when a request is *scheduled*; a crawl killed
with requests in flight then never fetches them again and their reports are lost. This
filter persists a report request's fingerprint only once its item has left the pipeline
(the report is in the archive) and, for a page that links report files, never (its files
may still be unfetched). Navigation pages are never persisted: a resumed crawl
walks the section and list pages again (cheap, revalidated by the HTTP cache) and skips
every report already stored.

Only Scrapy's public API is used: the completed set is this module's own file (each
fingerprint as its 2-byte big-endian length, then its bytes), read and written here.

The job dir keeps nothing else: no request queue (WalkAgainScheduler), so a crawl stopped
gracefully (Ctrl-C, SIGTERM) resumes exactly as a killed one does. A crawl that finishes
clears its completed set, so a schedule that reuses the job dir revalidates every report.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Request
from scrapy.utils.job import job_dir

from .items import DocumentItem

COMPLETED_FILE = "completed.seen"
QUEUE_DIR = "requests.queue"  # Scrapy's on-disk request queue (not kept: WalkAgainScheduler)
FINISHED = "finished"  # the close reason of a crawl that ran out of requests (not stopped)
LEAF_ROLES = {"report", "attachment"}
LINKS_ATTACHMENT = "links_report_attachment"  # DocumentItem note: the page links report files
_SIZE_BYTES = 2


def read_fingerprints(data: bytes) -> Iterator[bytes]:
    """The fingerprints of a completed file; a record cut short by a kill is dropped."""
    pos = 0
    while pos + _SIZE_BYTES <= len(data):
        size = int.from_bytes(data[pos:pos + _SIZE_BYTES], "big")
        pos += _SIZE_BYTES
        fingerprint = data[pos:pos + size]
        if len(fingerprint) < size:
            return
        yield fingerprint
        pos += size


def fingerprint_record(fingerprint: bytes) -> bytes:
    return len(fingerprint).to_bytes(_SIZE_BYTES, "big") + fingerprint


class CompletedDupeFilter(RFPDupeFilter):
    """In-memory dedup for this run; on disk, the fingerprints of stored reports only."""

    def __init__(self, path: str | None = None, debug: bool = False, **kwargs: Any) -> None:
        super().__init__(None, debug, **kwargs)
        self.completed_file = None
        self.completed: set[bytes] = set()
        if path:
            self.completed_file = Path(path, COMPLETED_FILE).open("a+b")  # noqa: SIM115 -- held until close()
            self.completed_file.seek(0)
            self.completed = set(read_fingerprints(self.completed_file.read()))
        self.completed_count = len(self.completed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CompletedDupeFilter:
        dupefilter = cls(job_dir(crawler.settings), crawler.settings.getbool("DUPEFILTER_DEBUG"),
                         fingerprinter=crawler.request_fingerprinter)
        crawler.signals.connect(dupefilter.item_scraped, signal=signals.item_scraped)
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        if self.fingerprinter.fingerprint(request) in self.completed:
            return True  # stored by an earlier run of this job
        return super().request_seen(request)

    def item_scraped(self, item: Any, response: Any, spider: Any = None) -> None:
        request: Request | None = getattr(response, "request", None)
        if not isinstance(item, DocumentItem) or request is None or request.meta.get("gk_role") not in LEAF_ROLES:
            return
        if LINKS_ATTACHMENT in getattr(item, "notes", ()) or getattr(item, "pictures", None):
            # Its files (or its tables' pictures) may not be fetched yet: a resumed crawl must
            # read the page again to find them.
            return
        self.mark_completed(request)

    def mark_completed(self, request: Request) -> None:
        if self.completed_file is None:
            return
        self.completed_file.write(fingerprint_record(self.fingerprinter.fingerprint(request)))
        self.completed_file.flush()

    def close(self, reason: str) -> None:
        """A crawl that finished is done with its job: the next run (a weekly schedule reusing
        `--job-dir`) must revalidate every report again, so the completed set goes."""
        if self.completed_file is None:
            return
        self.completed_file.close()
        if reason == FINISHED:
            Path(self.completed_file.name).unlink(missing_ok=True)


class WalkAgainScheduler(Scheduler):
    """Scrapy's scheduler without a request queue on disk: a resumed crawl walks again.

    A queue kept across a stop (Ctrl-C, SIGTERM) is read back first, ahead of the start
    page: pages deep in one section then claim, at their depth, the section and column pages
    a walk from the start reaches shallowly, the depth limit cuts their reports and the
    dupefilter drops the shallow path (42% of the `large` portal's reports lost). Walking
    again from the start pages, as after a kill, rebuilds every request at its true depth;
    the completed set skips every report already stored. A queue left by an earlier version
    is removed."""

    def __init__(self, dupefilter: Any, jobdir: str | None = None, *args: Any, **kwargs: Any) -> None:
        if jobdir:
            shutil.rmtree(Path(jobdir, QUEUE_DIR), ignore_errors=True)
        super().__init__(dupefilter, None, *args, **kwargs)  # no jobdir: memory queues only


def prepare_job_dir(path: Path) -> bool:
    """Make a job dir usable after an unclean stop; True when it holds earlier progress.

    A killed crawl leaves a request queue without its index (`active.json`, written only at
    a clean close): that queue cannot be read back, so it is dropped; the completed set stays.
    """
    path.mkdir(parents=True, exist_ok=True)
    queue = path / QUEUE_DIR
    if queue.exists() and not (queue / "active.json").exists():
        shutil.rmtree(queue)
    return (path / COMPLETED_FILE).exists() or queue.exists()
