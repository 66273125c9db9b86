"""Run one crawl in this process: options in, summary out.

A Twisted reactor cannot be restarted, so `run_crawl` runs once per process; tests and the
demo run `gkcrawl crawl` as a subprocess.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from . import settings as default_settings
from .archive_access import check_writable
from .frontier import connect
from .outcome import EXIT_CANNOT_START, exit_status, site_outcomes
from .progress import coverage_note, site_rows


class CrawlCannotStart(Exception):
    """The crawl could not begin (or never ran): one line saying why; exit EXIT_CANNOT_START."""

    exit_status = EXIT_CANNOT_START


@dataclass
class CrawlOptions:
    """Everything about a crawl besides its start URLs and database."""

    warc_dir: Path | None = None          # default: warc/ beside the database
    job_dir: Path | None = None           # JOBDIR: resume a stopped crawl
    cache_dir: Path | None = None         # default: httpcache/<db name>/ beside the database
    site: str | None = None               # a registry entry's name
    max_pages: int = default_settings.CLOSESPIDER_PAGECOUNT  # 0: no cap
    depth: int = default_settings.GKCRAWL_DEPTH_LIMIT
    js: bool = True                       # gkcrawl crawl renders script-built lists unless --no-js
    log_level: str = "WARNING"
    contact_url: str = default_settings.GKCRAWL_CONTACT_URL
    download_timeout: float = default_settings.DOWNLOAD_TIMEOUT
    retry_times: int = default_settings.RETRY_TIMES
    obey_robots: bool = default_settings.ROBOTSTXT_OBEY
    progress_interval: float = default_settings.GKCRAWL_PROGRESS_INTERVAL
    sites_file: Path | None = None
    extra_settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class CrawlSummary:
    finish_reason: str
    pages: int
    bytes_downloaded: int
    reports_seen: int
    reports_new: int
    reports_gone: int
    errors: int
    elapsed_seconds: float
    sites: dict[str, dict[str, Any]]  # per host: counters, and for start hosts `status` (+ `problem`)
    stats: dict[str, Any]
    problems: list[str] = field(default_factory=list)  # one line per failure, for stderr
    exit_status: int = 0
    dead_links: int = 0  # 404/410 for links never archived (a removal of an archived URL is `gone`)
    findings: list[str] = field(default_factory=list)  # lists short of what they declare, per site


def build_settings(db_path: Path, options: CrawlOptions) -> Settings:
    """Scrapy settings for one crawl: the module defaults plus this run's options.

    What a crawl derives from them (WARC dir, cache, handlers, User-Agent, job dir) is the
    run_settings add-on's job, so `scrapy crawl disclosure` derives the same."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    overrides: dict[str, Any] = {
        "GKCRAWL_DB_PATH": str(db_path),
        "GKCRAWL_DEPTH_LIMIT": options.depth,
        "CLOSESPIDER_PAGECOUNT": options.max_pages,
        "GKCRAWL_JS": options.js,
        "LOG_LEVEL": options.log_level.upper(),
        "GKCRAWL_CONTACT_URL": options.contact_url,
        "DOWNLOAD_TIMEOUT": options.download_timeout,
        "RETRY_TIMES": options.retry_times,
        "ROBOTSTXT_OBEY": options.obey_robots,
        "GKCRAWL_PROGRESS_INTERVAL": options.progress_interval,
        "GKCRAWL_SITES_FILE": str(options.sites_file or ""),
    }
    if options.warc_dir:
        overrides["GKCRAWL_WARC_DIR"] = str(options.warc_dir)
    if options.cache_dir:
        overrides["GKCRAWL_CACHE_DIR"] = str(options.cache_dir)
    if options.job_dir:
        overrides["JOBDIR"] = str(options.job_dir)
    overrides.update(options.extra_settings)
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(start_urls: list[str], db_path: Path, options: CrawlOptions | None = None) -> CrawlSummary:
    """Crawl from `start_urls` into the archive at `db_path`; returns what happened.

    Raises CrawlCannotStart when the archive cannot be written or the crawl never ran."""
    from gkcrawl.crawl.spiders.disclosure import DisclosureSpider

    options = options or CrawlOptions()
    try:
        check_writable(Path(db_path))
    except (OSError, sqlite3.Error) as error:
        raise CrawlCannotStart(f"cannot write the archive {db_path}: {error}") from error
    frontier = str(options.extra_settings.get("GKCRAWL_FRONTIER") or "")
    if frontier:
        try:
            connect(frontier).close()
        except redis.RedisError as error:
            raise CrawlCannotStart(f"cannot reach the frontier {frontier}: {error}") from error
    process = CrawlerProcess(build_settings(db_path, options))
    crawler = process.create_crawler(DisclosureSpider)
    process.crawl(crawler, start_urls=list(start_urls), site=options.site)
    logging.getLogger("scrapy").setLevel(options.log_level.upper())
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    if crawler.spider is None or "finish_reason" not in stats:
        raise CrawlCannotStart("the crawl did not start (see the errors above)")
    start_hosts = sorted(hosts_of(list(crawler.spider.start_urls)))
    if frontier:
        # A cluster worker answers for the start sites it fetched from; the others are its peers'.
        start_hosts = [host for host in start_hosts if any(k.startswith(f"gkcrawl/site/{host}/") for k in stats)]
    summary = summarize(stats, start_hosts)
    if stats.get("gkcrawl/frontier/finished_at"):
        finished, hold = stats["gkcrawl/frontier/finished_at"], stats["gkcrawl/frontier/hold_seconds"]
        summary.findings.append(f"the cluster's crawl on this frontier finished at {finished}: this worker only "
                                "re-checked the reports its shard holds (the next crawl starts with the first "
                                f"worker {hold:g} s after that, GKCRAWL_FRONTIER_HOLD)")
    return summary


def summarize(stats: dict[str, Any], start_hosts: list[str] | None = None) -> CrawlSummary:
    """The crawl's counters, and each start host's outcome with the exit status they make."""
    def count(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    sites: dict[str, dict[str, Any]] = dict(site_rows(stats))
    outcomes = site_outcomes(stats, start_hosts or [])
    problems = [o.problem for o in outcomes.values() if o.problem]
    archive_errors = count("gkcrawl/archive_errors")
    if archive_errors:
        problems.append(f"the archive could not store {archive_errors} captures or reports (see the log)")
    for host, outcome in outcomes.items():
        sites.setdefault(host, {})["status"] = outcome.status
        if outcome.problem:
            sites[host]["problem"] = outcome.problem
    return CrawlSummary(
        finish_reason=str(stats.get("finish_reason", "unknown")), pages=count("gkcrawl/pages"),
        bytes_downloaded=count("gkcrawl/bytes"), reports_seen=count("gkcrawl/reports_seen"),
        reports_new=count("gkcrawl/reports_new"), reports_gone=count("gkcrawl/reports_gone"),
        errors=count("gkcrawl/errors"), elapsed_seconds=float(stats.get("gkcrawl/elapsed_seconds", 0.0)),
        sites=sites, stats={k: _plain(v) for k, v in stats.items()}, problems=problems,
        exit_status=exit_status(outcomes, archive_errors), dead_links=count("gkcrawl/dead_links"),
        findings=[f"{host}: {coverage_note(row)}" for host, row in sorted(sites.items()) if coverage_note(row)])


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def hosts_of(urls: list[str]) -> set[str]:
    return {urlsplit(u).netloc for u in urls}
