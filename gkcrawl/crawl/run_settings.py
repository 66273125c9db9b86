"""The settings a disclosure crawl derives from its archive, for `gkcrawl crawl` and `scrapy crawl` alike.

A Scrapy add-on (ADDONS in settings.py), so the same derivation runs whichever command
started the crawl: `gkcrawl crawl` only turns its options into settings, and
`scrapy crawl disclosure -a start_urls=... -s GKCRAWL_DB_PATH=...` gets the same WARC
directory, per-archive HTTP cache, download handlers (scrapy-playwright when GKCRAWL_JS),
depth limit off, User-Agent, job directory and per-site delays. A setting given explicitly
(above the project's priority) is never replaced.

Only the disclosure spider with somewhere to start writes an archive: Scrapy's other
commands (`shell`, `fetch`, `view`, `parse`) run Scrapy's DefaultSpider, or no spider yet
when settings are applied, and get no database (GKCRAWL_DB_PATH emptied) and no HTTP cache,
so the archive extension, the capture middleware and the store pipeline stay off.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from gkcrawl import __version__

from . import config
from .registry import entries_for, load_registry
from .resume import prepare_job_dir

PLAYWRIGHT_HANDLERS = {"http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                       "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"}
DISCLOSURE_SPIDER = "disclosure"  # DisclosureSpider.name (the spider is not imported here: contracts)
PROJECT = SETTINGS_PRIORITIES["project"]
# Above `-s` (cmdline): a Scrapy command that is not a disclosure crawl never gets a database.
NO_ARCHIVE_PRIORITY = SETTINGS_PRIORITIES["cmdline"] + 10


def user_agent(contact_url: str) -> str:
    return f"gkcrawl/{__version__} (+{contact_url})"


def archives(spider: Spider | None) -> bool:
    """Whether this crawler's spider is a disclosure crawl with somewhere to start (the only
    thing that writes an archive; `scrapy fetch --spider disclosure URL` has no start URLs)."""
    return spider is not None and spider.name == DISCLOSURE_SPIDER and bool(getattr(spider, "start_urls", None))


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


def _explicit(settings: BaseSettings, name: str) -> bool:
    return (settings.getpriority(name) or 0) > PROJECT


def _derive(settings: BaseSettings, name: str, value: Any) -> None:
    """Set a derived value unless the user set `name` explicitly."""
    if not _explicit(settings, name):
        settings.set(name, value, priority="project")


def derive_settings(settings: BaseSettings, spider: Spider) -> None:
    """Everything a crawl of `spider` into GKCRAWL_DB_PATH derives from its settings."""
    db_name = config.get(settings, "GKCRAWL_DB_PATH")
    db_path = Path(db_name)
    if not db_name:
        # `-s GKCRAWL_DB_PATH=`: a crawl with no archive writes no WARC and keeps no cache.
        _derive(settings, "HTTPCACHE_ENABLED", False)
    else:
        _derive(settings, "GKCRAWL_WARC_DIR", str(db_path.parent / "warc"))
    if db_name and not _explicit(settings, "HTTPCACHE_DIR"):
        cache = config.get(settings, "GKCRAWL_CACHE_DIR")
        _derive(settings, "HTTPCACHE_DIR", str(archive_cache_dir(db_path, Path(cache) if cache else None)))
    # The spider counts depth itself (a list's further pages are not deeper) and bounds lists
    # and trap generators with its budgets (recorded when spent); Scrapy's own depth limit,
    # which counts every further list page, would cut a long list silently: off.
    _derive(settings, "DEPTH_LIMIT", 0)
    _derive(settings, "USER_AGENT", user_agent(config.get(settings, "GKCRAWL_CONTACT_URL")))
    if config.get_bool(settings, "GKCRAWL_JS") and not _explicit(settings, "DOWNLOAD_HANDLERS"):
        handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
        handlers.update(PLAYWRIGHT_HANDLERS)
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="project")
    if config.get(settings, "GKCRAWL_FRONTIER"):
        derive_cluster_settings(settings, db_path)
    if settings.get("JOBDIR"):
        prepare_job_dir(Path(settings["JOBDIR"]))
    slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
    registry = load_registry(config.get(settings, "GKCRAWL_SITES_FILE") or None)
    for entry in entries_for(registry, list(spider.start_urls), getattr(spider, "site_name", None)):
        if entry.crawl_delay:
            for host in entry.hosts:
                slots.setdefault(host.split(":")[0], {"delay": float(entry.crawl_delay)})
    if slots:
        settings.set("DOWNLOAD_SLOTS", slots, priority=max(settings.getpriority("DOWNLOAD_SLOTS") or 0, PROJECT))


CLUSTER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "gkcrawl.crawl.cluster_politeness.ClusterRobotsTxtMiddleware": 100,  # where Scrapy's own sits
    # After the cache (900) adds its validators, just before the request leaves (capture: 950).
    "gkcrawl.crawl.cluster_politeness.ClusterSlotMiddleware": 940,
}


def derive_cluster_settings(settings: BaseSettings, db_path: Path) -> None:
    """A worker of a crawl cluster (GKCRAWL_FRONTIER): the shared Redis frontier as its scheduler,
    cluster-wide politeness, and WARC names of its own (workers may share a WARC directory)."""
    settings.set("SCHEDULER", "gkcrawl.crawl.frontier.FrontierScheduler", priority=NO_ARCHIVE_PRIORITY)
    settings.set("JOBDIR", None, priority=NO_ARCHIVE_PRIORITY)  # the frontier is the job's state
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares.update(CLUSTER_MIDDLEWARES)
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares,
                 priority=max(settings.getpriority("DOWNLOADER_MIDDLEWARES") or 0, PROJECT))
    _derive(settings, "GKCRAWL_WARC_PREFIX", f"gkcrawl-{db_path.stem}")


class DisclosureRunAddon:
    """Scrapy add-on: derive a disclosure crawl's settings, or switch the archive off for anything else."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DisclosureRunAddon:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        spider = self.crawler.spider
        if spider is not None and archives(spider):
            derive_settings(settings, spider)
        else:
            settings.set("GKCRAWL_DB_PATH", "", priority=NO_ARCHIVE_PRIORITY)
            # The HTTP cache is an archive's (its 304s are evidence only beside that archive).
            _derive(settings, "HTTPCACHE_ENABLED", False)
