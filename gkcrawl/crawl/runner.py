"""Run one crawl in this process: options in, summary out.

A Twisted reactor cannot be restarted, so `run_crawl` runs once per process; tests and the
demo run `gkcrawl crawl` as a subprocess.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from gkcrawl import __version__

from . import settings as default_settings
from .progress import site_rows
from .resume import prepare_job_dir

PLAYWRIGHT_HANDLERS = {"http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                       "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"}


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
    sites: dict[str, dict[str, int]]
    stats: dict[str, Any]


def user_agent(contact_url: str) -> str:
    return f"gkcrawl/{__version__} (+{contact_url})"


def archive_cache_dir(db_path: Path, cache_dir: Path | None = None) -> Path:
    """The conditional-request cache of this archive, and only this one.

    A 304 is only evidence when the archive holds the response it confirms: a cache shared
    between archives, or left behind by a deleted database, would make a fresh archive
    record revisits of bytes it never stored. So the default cache is per database, and a
    database with no captures yet starts with an empty cache."""
    cache = (cache_dir or db_path.parent / "httpcache" / db_path.stem).resolve()
    if cache.exists() and not _has_captures(db_path):
        shutil.rmtree(cache)
    return cache


def _has_captures(db_path: Path) -> bool:
    if not db_path.exists():
        return False
    try:
        with closing(sqlite3.connect(db_path)) as conn:
            return conn.execute("SELECT 1 FROM captures LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return False


def build_settings(db_path: Path, options: CrawlOptions) -> Settings:
    """Scrapy settings for one crawl: the module defaults plus this run's choices."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    db_path = Path(db_path)
    base = db_path.parent
    overrides: dict[str, Any] = {
        "GKCRAWL_DB_PATH": str(db_path),
        "GKCRAWL_WARC_DIR": str(options.warc_dir or base / "warc"),
        "HTTPCACHE_DIR": str(archive_cache_dir(db_path, options.cache_dir)),
        "GKCRAWL_DEPTH_LIMIT": options.depth,
        # The spider counts depth itself (a list's further pages are not deeper); Scrapy's own
        # limit stays as a backstop against an endless chain the spider failed to see.
        "DEPTH_LIMIT": options.depth + default_settings.DEPTH_BACKSTOP,
        "CLOSESPIDER_PAGECOUNT": options.max_pages,
        "GKCRAWL_JS": options.js,
        "LOG_LEVEL": options.log_level.upper(),
        "USER_AGENT": user_agent(options.contact_url),
        "GKCRAWL_CONTACT_URL": options.contact_url,
        "DOWNLOAD_TIMEOUT": options.download_timeout,
        "RETRY_TIMES": options.retry_times,
        "ROBOTSTXT_OBEY": options.obey_robots,
        "GKCRAWL_PROGRESS_INTERVAL": options.progress_interval,
        "GKCRAWL_SITES_FILE": str(options.sites_file or ""),
    }
    if options.js:
        overrides["DOWNLOAD_HANDLERS"] = PLAYWRIGHT_HANDLERS
    if options.job_dir:
        prepare_job_dir(Path(options.job_dir))
        overrides["JOBDIR"] = str(options.job_dir)
    overrides.update(options.extra_settings)
    settings.setdict(overrides, priority="cmdline")
    return settings


def crawl_delays(start_urls: list[str], options: CrawlOptions) -> dict[str, dict[str, float]]:
    """DOWNLOAD_SLOTS from the registry's per-site crawl delays."""
    from .registry import entries_for, load_registry

    slots: dict[str, dict[str, float]] = {}
    for entry in entries_for(load_registry(options.sites_file), start_urls, options.site):
        if entry.crawl_delay:
            for host in entry.hosts:
                slots[host.split(":")[0]] = {"delay": float(entry.crawl_delay)}
    return slots


def run_crawl(start_urls: list[str], db_path: Path, options: CrawlOptions | None = None) -> CrawlSummary:
    """Crawl from `start_urls` into the archive at `db_path`; returns what happened."""
    from gkcrawl.crawl.spiders.disclosure import DisclosureSpider

    options = options or CrawlOptions()
    settings = build_settings(db_path, options)
    slots = crawl_delays(start_urls, options)
    if slots:
        settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DisclosureSpider)
    process.crawl(crawler, start_urls=list(start_urls), site=options.site)
    logging.getLogger("scrapy").setLevel(options.log_level.upper())
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return summarize(stats)


def summarize(stats: dict[str, Any]) -> CrawlSummary:
    def count(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    return CrawlSummary(
        finish_reason=str(stats.get("finish_reason", "unknown")), pages=count("gkcrawl/pages"),
        bytes_downloaded=count("gkcrawl/bytes"), reports_seen=count("gkcrawl/reports_seen"),
        reports_new=count("gkcrawl/reports_new"), reports_gone=count("gkcrawl/reports_gone"),
        errors=count("gkcrawl/errors"), elapsed_seconds=float(stats.get("gkcrawl/elapsed_seconds", 0.0)),
        sites=site_rows(stats), stats={k: _plain(v) for k, v in stats.items()})


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def hosts_of(urls: list[str]) -> set[str]:
    return {urlsplit(u).netloc for u in urls}
