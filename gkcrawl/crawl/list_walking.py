"""The spider's part that walks a list to the end its page declares (issue 11).

After a list page is read, `walk_declared_list` compares what the page declares
(`list_services.declared_records`) with the records it links (`page_reading.list_record_links`)
and, when the page holds more than it shows or shows nothing but calls a service:

1. walks the search/data service its script calls (`list_services.find_list_services`:
   WAS5, TRS 海云 JSON bodies, any `$.ajax`/`fetch`/XHR call with a page parameter), page by
   page until the declared total, the service's own total, an empty page or the list budget
   (a call whose first answer holds no records, such as a visit counter, gives way to the next);
2. else, or when no call answers records, renders the page in chromium and drives
   its pager (`browser_pager.drive_pager`: 下一页 or the next page number), every service
   response the page makes archived by the browser's route (captures with WARC records).

Every list that declares a size gets a `ListCoverage` tally (declared, reached, how); the
spider writes them to the archive's `list_coverage` table when it closes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse

from . import browser_pager, coverage, list_endpoints, list_services, page_reading
from .archive_access import archive_if_any
from .cluster_coverage import CLUSTER_SCOPE, ClusterCoverage
from .warc import iso_utc, utc_now

logger = logging.getLogger(__name__)

META_SERVICE = "gk_service"
META_SERVICE_PAGE = "gk_service_page"
META_LIST_ROOT = "gk_list_root"


class ListWalking:
    """Mixin for DisclosureSpider: service walks, the browser pager, declared-vs-reached tallies."""

    crawler: Any
    js_enabled: bool
    column_page_budget: int
    list_coverage: coverage.ListCoverage
    cluster_coverage: ClusterCoverage | None  # a cluster worker's: the cluster's figures at close

    # Provided by the spider (DisclosureSpider): request building, link following, budgets.
    _request: Any
    _follow_links: Any
    _allowed: Any
    _spend: Any

    # -- the decision ---------------------------------------------------------------------

    def walk_declared_list(self, response: TextResponse, text: str, other_pager: bool) -> Iterator[Request]:
        """Tally the list page; walk its service or drive its pager when it shows less than it has."""
        root = response.meta.get(META_LIST_ROOT) or response.url
        records = page_reading.list_record_links(response)
        declared = list_services.declared_records(text)
        method = coverage.BROWSER if response.meta.get("gk_rendered") else coverage.STATIC
        if declared is not None and declared.expected is not None and root == response.url:
            self.list_coverage.declare(root, declared.expected, declared.evidence)
        if self._tallied(root):
            self.list_coverage.reach(root, records, method)
            self._coverage_stats()
        if response.meta.get("gk_rendered") or root != response.url or other_pager:
            return
        shows_less = declared is not None and declared.expected is not None and declared.expected > len(records)
        gkmlpt = list_services.find_gkmlpt_service(text, response.url, response.meta.get("gk_fragment", ""))
        services = [s for s in [*([gkmlpt] if gkmlpt else []), *list_services.find_list_services(text, response.url)]
                    if self._allowed(s.url)]
        known_apis = {api.url for api in list_endpoints.find_json_list_apis(text, response.url)}
        services = [s for s in services if s.url not in known_apis]
        if services and (shows_less or not records):
            self.list_coverage.tally(root)
            self.crawler.stats.inc_value("gkcrawl/list_services_found")
            logger.info("%s: %s; walking its service %s", response.url,
                        declared.evidence if declared else "no static records", services[0].evidence)
            yield self._service_request(response, services[0], services[0].first_page, root,
                                        alternatives=services[1:])
        elif shows_less:
            yield from self._browser_pager(response, root, "declares more records than it links; no service found")

    # -- the service ----------------------------------------------------------------------

    def _service_request(self, response: Response, service: list_services.ListService, page: int,
                         root: str, size: int | None = None,
                         alternatives: list[list_services.ListService] | None = None) -> Request:
        url, method, body, headers = service.request_for(page)
        self.crawler.stats.inc_value("gkcrawl/list_service_pages")
        return self._request(url, role="column", link_text="", depth=response.meta.get("gk_depth", 0),
                             priority=20, callback=self.parse_service_page, method=method, body=body,
                             headers={**headers, "Referer": root, "X-Requested-With": "XMLHttpRequest",
                                      "Accept": "application/json, text/javascript, */*; q=0.01"},
                             extra={META_SERVICE: service, META_SERVICE_PAGE: page, META_LIST_ROOT: root,
                                    "gk_list_pages": page, "gk_service_size": size,
                                    "gk_service_alternatives": alternatives or []})

    def parse_service_page(self, response: Response) -> Iterator[Request]:
        """One service answer: its records are the list's items; ask for the next page until the end."""
        service: list_services.ListService = response.meta[META_SERVICE]
        page: int = response.meta[META_SERVICE_PAGE]
        root: str = response.meta[META_LIST_ROOT]
        body = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        links, total = list_services.service_records(body, root)
        if total is not None:
            self.list_coverage.declare(root, total, f"service total={total}")
        self.list_coverage.reach(root, [u for _, u in links], coverage.SERVICE)
        self._coverage_stats()
        if not links:
            if page == service.first_page:
                # Not the list's service (a visit counter also sends `page`): the next call the
                # page makes, then the browser.
                self.crawler.stats.inc_value("gkcrawl/list_service_unreadable")
                others: list[list_services.ListService] = response.meta.get("gk_service_alternatives") or []
                if others:
                    yield self._service_request(response, others[0], others[0].first_page, root,
                                                alternatives=others[1:])
                else:
                    yield from self._browser_pager(response, root,
                                                   f"its service {service.evidence} answered no records")
            return
        yield from self._follow_links(response, "column", links, False, [""])
        # A service that does not say its page size pages by what its first answer held.
        size = service.page_size or response.meta.get("gk_service_size") or len(links)
        expected = self.list_coverage.tally(root).declared
        done = page - service.first_page + 1
        more = done * size < expected if expected is not None else len(links) >= size
        if not more:
            return
        if done >= min(self.column_page_budget, list_services.MAX_SERVICE_PAGES):
            self._spend("column_pages", root, done)
            return
        yield self._service_request(response, service, page + 1, root, size)

    # -- the browser ----------------------------------------------------------------------

    def _browser_pager(self, response: Response, root: str, why: str) -> Iterator[Request]:
        self.list_coverage.tally(root)
        if not self.js_enabled:
            self.crawler.stats.inc_value("gkcrawl/js_needed_but_off")
            logger.warning("%s %s; re-run with --js to drive its pager in the browser", root, why)
            return
        self.crawler.stats.inc_value("gkcrawl/browser_pagers")
        logger.info("%s %s: driving its pager in the browser", root, why)
        yield self._request(root, role="column", link_text="", depth=response.meta.get("gk_depth", 0), priority=20,
                            callback=self.parse_browser_pager, dont_filter=True,
                            extra={"playwright": True, "playwright_include_page": True, "gk_rendered": True,
                                   META_LIST_ROOT: root, "gk_pager_drive": True})

    async def parse_browser_pager(self, response: Response) -> AsyncIterator[Request]:
        """Each state of the rendered list, 下一页 after 下一页: its records followed and tallied."""
        page = response.meta.get("playwright_page")
        root: str = response.meta[META_LIST_ROOT]
        if page is None:
            return
        try:
            async for html in browser_pager.drive_pager(page, self.column_page_budget):
                state = HtmlResponse(url=response.url, body=html.encode("utf-8"), encoding="utf-8",
                                     request=response.request)
                self.list_coverage.reach(root, page_reading.list_record_links(state), coverage.BROWSER)
                self._coverage_stats()
                self.crawler.stats.inc_value("gkcrawl/browser_pager_states")
                for request in self._follow_links(state, "column", page_reading.page_links(state, html), False, [""]):
                    yield request
        finally:
            await page.close()

    # -- the tallies ----------------------------------------------------------------------

    def _tallied(self, root: str) -> bool:
        """Whether records reached on `root`'s pages count: a list this process saw declare its size or
        walked, or in a cluster any list (the page that declares it may be another worker's)."""
        return root in self.list_coverage.lists or self.cluster_coverage is not None

    def _tally_service_answer(self, root: str, links: list[tuple[str, str]], total: int | None, what: str) -> None:
        """A Hanweb datastore or JSON list answer: its total is the list's declaration, its records reached."""
        if total is not None:
            self.list_coverage.declare(root, total, f"{what}={total}")
        if self._tallied(root):
            self.list_coverage.reach(root, [u for _, u in links], coverage.SERVICE)
            self._coverage_stats()

    def _coverage_stats(self) -> None:
        stats = self.crawler.stats
        for host, row in self.list_coverage.site_counters().items():
            for key, value in row.items():
                stats.set_value(f"gkcrawl/site/{host}/{key}", value)

    def record_list_coverage(self) -> None:
        """One `list_coverage` row per list that declared its size (the spider's close): this process's
        figures, or in a cluster the whole cluster's (cluster_coverage.py)."""
        archive = archive_if_any(self.crawler)
        when = iso_utc(utc_now())
        tallies, crawl_id, scope = self.list_coverage.declared_lists(), None, None
        if self.cluster_coverage is not None:
            try:
                crawl_id, tallies = self.cluster_coverage.combine(self.list_coverage)
                scope = CLUSTER_SCOPE
            except redis.RedisError as error:  # the worker's own figures, marked as such, rather than none
                logger.warning("frontier: cannot combine the cluster's list coverage (%s); recording this "
                               "worker's own", error)
                scope = "worker"
        for tally in tallies:
            if tally.shortfall:
                logger.warning("%s declares %d records; the %s reached %d", tally.list_url, tally.declared,
                               "cluster" if scope == CLUSTER_SCOPE else "crawl", len(tally.reached))
            if archive is not None:
                archive.record_list_coverage(site=urlsplit(tally.list_url).netloc, list_url=tally.list_url,
                                             declared=tally.declared or 0, reached=len(tally.reached),
                                             evidence=tally.evidence, methods=",".join(sorted(tally.methods)),
                                             when=when, crawl_id=crawl_id, scope=scope)
