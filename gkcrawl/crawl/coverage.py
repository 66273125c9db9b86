"""A list that says it has more than it gave is a finding: declared versus reached, per list.

A column page may declare its size (`共23条`, `recordCount: 23`, pages × page size) and the
crawl then reaches some of those records: from its static pages, its search service's
answers, or the browser driving its pager. `ListCoverage` keeps, per list (the URL of its
first page), the number declared, the distinct record URLs reached and how; the spider
writes one `list_coverage` row per list at the end and keeps per-site counters current in
the stats, so the summary shows a shortfall while the crawl runs and when it ends. Pure
bookkeeping, no Scrapy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

STATIC, SERVICE, BROWSER = "static", "service", "browser"


@dataclass
class ListTally:
    """One list: what it declares (and where it says so), what the crawl reached and how."""

    list_url: str
    declared: int | None = None
    evidence: str = ""
    reached: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)

    @property
    def shortfall(self) -> int:
        return max(0, self.declared - len(self.reached)) if self.declared is not None else 0


class ListCoverage:
    """Every list of the crawl that declared its size, by the URL of its first page."""

    def __init__(self) -> None:
        self.lists: dict[str, ListTally] = {}

    def tally(self, list_url: str) -> ListTally:
        return self.lists.setdefault(list_url, ListTally(list_url))

    def declare(self, list_url: str, declared: int, evidence: str) -> None:
        """The list's own statement; the largest one seen wins (a service's total may exceed the page's)."""
        tally = self.tally(list_url)
        if tally.declared is None or declared > tally.declared:
            tally.declared, tally.evidence = declared, evidence

    def reach(self, list_url: str, record_urls: list[str], method: str) -> None:
        tally = self.tally(list_url)
        tally.reached.update(record_urls)
        if record_urls:
            tally.methods.add(method)

    def declared_lists(self) -> list[ListTally]:
        return [t for t in self.lists.values() if t.declared is not None]

    def site_counters(self) -> dict[str, dict[str, int]]:
        """Per host: lists that declared a size, those short of it, records declared and reached."""
        sites: dict[str, dict[str, int]] = {}
        for tally in self.declared_lists():
            row = sites.setdefault(urlsplit(tally.list_url).netloc, {
                "lists_declared": 0, "lists_short": 0, "records_declared": 0, "records_reached": 0})
            row["lists_declared"] += 1
            row["lists_short"] += int(tally.shortfall > 0)
            row["records_declared"] += tally.declared or 0
            row["records_reached"] += min(len(tally.reached), tally.declared or 0)
        return sites
