"""What became of each site a crawl started from, and the exit status cron reads from it.

A crawl that reached nothing must not look like a crawl that found nothing new. The
downloader middleware here counts, per host, the answers that are pages (robots.txt is
not one), the requests robots.txt refused and the network failures; `site_outcomes` turns
those counts into one status per start site (ok / unreachable / robots_forbidden /
no_pages / db_error) with one line a person can act on. Download errors are data (each
has its captures row), so Scrapy's tracebacks for them are kept out of the log, and a
failed archive write is one line naming the database's error.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser

from .faults import failure_reason

# Exit statuses of `gkcrawl crawl` (2 is click's usage error; 1 an unexpected failure).
EXIT_OK = 0
EXIT_CANNOT_START = 3  # the archive cannot be written, the registry cannot be read, the crawl never ran
EXIT_NO_PAGES = 4  # a start site yielded no page: unreachable, robots.txt forbids it, only errors
EXIT_DB_ERROR = 5  # the archive failed during the crawl: some captures or reports were not stored

# Stats key prefix of a cluster worker: a start host some worker of the cluster had a page from (frontier.py).
CLUSTER_REACHED = "gkcrawl/cluster_reached/"

OK, UNREACHABLE, ROBOTS_FORBIDDEN, NO_PAGES, DB_ERROR = "ok", "unreachable", "robots_forbidden", "no_pages", "db_error"

_FAULT_WORDS = {"dns": "dns lookup failed", "timeout": "timed out", "connection refused": "connection refused",
                "connection reset": "connection reset"}
_ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"
# The crawl's own writers log a failed archive write with logger.exception.
_ARCHIVE_WRITER_LOGGERS = ("gkcrawl.crawl.capture", "gkcrawl.crawl.pipelines", "gkcrawl.crawl.archive_access")


@dataclass(frozen=True)
class SiteOutcome:
    status: str
    problem: str | None  # the one line to print, None when the site is fine


def _key(host: str, counter: str) -> str:
    return f"gkcrawl/site/{host}/{counter}"


def good_responses(stats: Any, host: str) -> int:
    """How many responses of `host` counted as pages (not an error, not a robots.txt check)."""
    return int(stats.get(_key(host, "good_responses"), 0) or 0)


def site_outcomes(stats: dict[str, Any], hosts: list[str]) -> dict[str, SiteOutcome]:
    """Each start host's status from the crawl's stats (see SiteOutcomeMiddleware). A cluster worker's
    host is fine when any worker had a page from it (`gkcrawl/cluster_reached/HOST`, frontier.py): its
    own share may be nothing, or only re-checks of removed reports."""
    archive_failed = int(stats.get("gkcrawl/archive_errors", 0) or 0) > 0
    outcomes: dict[str, SiteOutcome] = {}
    for host in hosts:
        def count(counter: str, host: str = host) -> int:
            return int(stats.get(_key(host, counter), 0) or 0)

        if good_responses(stats, host) or stats.get(f"{CLUSTER_REACHED}{host}"):
            outcome = SiteOutcome(OK, None)
        elif count("robots_refused"):
            what = "every page" if stats.get(f"gkcrawl/robots_disallow_all/{host}") else "the start page"
            outcome = SiteOutcome(ROBOTS_FORBIDDEN, f"robots.txt of {host} disallows {what}")
        elif count("responses"):
            status = stats.get(f"gkcrawl/site_http_error/{host}")
            outcome = SiteOutcome(NO_PAGES, f"{host} yielded no page (http {status})")
        elif count("network_errors"):
            fault = str(stats.get(f"gkcrawl/site_fault/{host}", "error"))
            outcome = SiteOutcome(UNREACHABLE, f"cannot reach {host}: {fault}")
        else:
            outcome = SiteOutcome(NO_PAGES, f"{host} yielded no page (nothing was requested)")
        if archive_failed and outcome.status == OK:
            outcome = SiteOutcome(DB_ERROR, None)  # reported once for the archive, not per site
        outcomes[host] = outcome
    return outcomes


def exit_status(outcomes: dict[str, SiteOutcome], archive_errors: int) -> int:
    if archive_errors:
        return EXIT_DB_ERROR
    if any(o.status != OK for o in outcomes.values()):
        return EXIT_NO_PAGES
    return EXIT_OK


class _NetworkErrorsAreData(logging.Filter):
    """Scrapy logs a failed robots.txt download as an error with a traceback; the failure is
    already a captures row and part of the site's outcome, so it becomes an INFO line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.levelno >= logging.ERROR:
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class _ArchiveErrorsAreOneLine(logging.Filter):
    """A failed archive write (sqlite, disk) is one ERROR line naming the error, not a
    traceback per capture: the cause is the database, not the code (exit EXIT_DB_ERROR)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (sqlite3.Error, OSError)):
            record.msg, record.args = f"{record.getMessage()}: {error}", None
            record.exc_info, record.exc_text = None, None
        return True


def _add_filter(name: str, kind: type[logging.Filter]) -> None:
    target = logging.getLogger(name)
    if not any(isinstance(f, kind) for f in target.filters):
        target.addFilter(kind())


class SiteOutcomeMiddleware:
    """Downloader middleware counting, per host, what `site_outcomes` needs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteOutcomeMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        _add_filter(_ROBOTS_LOGGER, _NetworkErrorsAreData)
        for name in _ARCHIVE_WRITER_LOGGERS:
            _add_filter(name, _ArchiveErrorsAreOneLine)
        return middleware

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        parts = urlsplit(request.url)
        user_agent = self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or self.crawler.settings.get("USER_AGENT")
        if not robotparser.allowed(f"{parts.scheme}://{parts.netloc}/", user_agent):
            self.stats.set_value(f"gkcrawl/robots_disallow_all/{parts.netloc}", True)

    def process_response(self, request: Request, response: Response) -> Response:
        if urlsplit(response.url).path == "/robots.txt" and request.meta.get("dont_obey_robotstxt"):
            return response
        host = urlsplit(request.url).netloc
        self.stats.inc_value(_key(host, "responses"))
        if response.status < 400:
            self.stats.inc_value(_key(host, "good_responses"))
        else:
            self.stats.set_value(f"gkcrawl/site_http_error/{host}", response.status)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        host = urlsplit(request.url).netloc
        if isinstance(exception, IgnoreRequest):
            if "robots.txt" in str(exception):
                self.stats.inc_value(_key(host, "robots_refused"))
            return None
        kind, _, _detail = failure_reason(exception).partition(":")
        self.stats.inc_value(_key(host, "network_errors"))
        self.stats.set_value(f"gkcrawl/site_fault/{host}", _FAULT_WORDS.get(kind, kind))
        return None
