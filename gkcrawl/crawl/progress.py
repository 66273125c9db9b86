"""Live progress on stderr every few seconds, and a per-site summary at the end.

Replaces Scrapy's LogStats: one line a human can read while a crawl runs
(pages, reports found, errors, rate), independent of the log level.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from . import config


def site_rows(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per-site counters out of the flat stats (`gkcrawl/site/HOST/KEY`)."""
    sites: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith("gkcrawl/site/"):
            host, _, counter = key[len("gkcrawl/site/"):].rpartition("/")
            sites.setdefault(host, {})[counter] = int(value)
    return sites


def budget_note(row: dict[str, int]) -> str:
    """A site row's spent budgets (the archive's `budgets` table says where): never silent."""
    spent = row.get("budget_exhausted", 0)
    return f", {spent} budget{'s' if spent != 1 else ''} exhausted (see the budgets table)" if spent else ""


def coverage_note(row: dict[str, Any]) -> str:
    """A site row's lists that declare more records than the crawl reached (the archive's
    `list_coverage` table says which): a shortfall is a finding, never silent. "" when none."""
    short = int(row.get("lists_short", 0) or 0)
    if not short:
        return ""
    return (f"{short} list{'s' if short != 1 else ''} short of what {'they' if short != 1 else 'it'} declare"
            f"{'' if short != 1 else 's'} ({row.get('records_declared', 0)} records declared, "
            f"{row.get('records_reached', 0)} reached; see the list_coverage table)")


def dead_link_note(row: dict[str, Any]) -> str:
    dead = int(row.get("dead_links", 0) or 0)
    return f", {dead} dead link{'s' if dead != 1 else ''} (404/410, never archived)" if dead else ""


def progress_line(stats: dict[str, Any], elapsed: float) -> str:
    pages = int(stats.get("gkcrawl/pages", 0))
    rate = pages / elapsed if elapsed > 0 else 0.0
    return (f"gkcrawl: {pages} pages, {int(stats.get('gkcrawl/reports_seen', 0))} reports "
            f"({int(stats.get('gkcrawl/reports_new', 0))} new), {int(stats.get('gkcrawl/errors', 0))} errors, "
            f"{rate:.1f} pages/s")


class ProgressExtension:
    """Prints `progress_line` every GKCRAWL_PROGRESS_INTERVAL seconds and a final summary."""

    def __init__(self, crawler: Crawler, interval: float, out: TextIO = sys.stderr) -> None:
        self.crawler = crawler
        self.interval = interval
        self.out = out
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        interval = config.get_float(crawler.settings, "GKCRAWL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("GKCRAWL_PROGRESS_INTERVAL must be > 0 to print progress")
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        stats = self.crawler.stats.get_stats()
        print(progress_line(stats, time.monotonic() - self.started), file=self.out, flush=True)

    def spider_closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        stats = self.crawler.stats.get_stats()
        self.crawler.stats.set_value("gkcrawl/elapsed_seconds", round(time.monotonic() - self.started, 3))
        print(progress_line(stats, time.monotonic() - self.started) + f" - finished ({reason})",
              file=self.out, flush=True)
        for host, row in sorted(site_rows(stats).items()):
            print(f"  {host}: {row.get('pages', 0)} pages, {row.get('reports', 0)} reports "
                  f"({row.get('reports_new', 0)} new), {row.get('errors', 0)} errors{budget_note(row)}"
                  f"{dead_link_note(row)}{', ' + coverage_note(row) if coverage_note(row) else ''}",
                  file=self.out, flush=True)
