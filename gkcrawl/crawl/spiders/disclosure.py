"""The one generic spider: from a portal's home page to its annual reports.

Every page gets a role from the link that led to it (start, section, column, report,
attachment, other); discovery.py says what each link is, strategies.py adds the pages a
CMS family hides in scripts (TRS page counts, Hanweb data proxy, JS-built lists). The
spider stays on the start hosts (plus registry hints), caps query variants per path and
counts its own depth so that walking a long list's pages never exhausts it. Lists and trap
generators are bounded by budgets (settings.py: pages per list, sub-columns per column,
URLs per site); a spent budget is logged, recorded in the archive's `budgets` table and
counted (`budget_exhausted`), never a silent cut.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import FormRequest, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_base_url
from twisted.python.failure import Failure

from gkcrawl.crawl import (
    budget_counts,
    cluster_coverage,
    config,
    coverage,
    discovery,
    frontier,
    list_endpoints,
    list_services,
    page_reading,
    strategies,
)
from gkcrawl.crawl.archive_access import archive_if_any
from gkcrawl.crawl.capture import META_CAPTURE_ID, META_FETCHED_AT, META_SHA256
from gkcrawl.crawl.discovery import LinkKind
from gkcrawl.crawl.faults import failure_reason
from gkcrawl.crawl.items import DocumentItem, GoneReportItem, PictureItem
from gkcrawl.crawl.list_walking import ListWalking
from gkcrawl.crawl.registry import entries_for, load_registry
from gkcrawl.crawl.resume import LINKS_ATTACHMENT
from gkcrawl.crawl.warc import iso_utc, sha256_hex, utc_now

logger = logging.getLogger(__name__)

NAV_ROLES = {"start", "section", "column"}
PRIORITY = {"report": 30, "attachment": 30, "column": 20, "section": 10, "start": 10, "other": 0}
# Text outside links that a report page has and a list page lacks (the shortest real
# reports run to several thousand characters).
MIN_REPORT_PROSE_CHARS = 1500
NOTE_LINKS_ATTACHMENT = LINKS_ATTACHMENT
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


def is_image(body: bytes, content_type: str) -> bool:
    """Picture bytes by their signature (JPEG, PNG, GIF, BMP, TIFF, WebP), or an image/* type
    whose bytes are not markup (a soft-404 page served in a picture's place is not one)."""
    if body.startswith(_IMAGE_MAGIC) or (body[:4] == b"RIFF" and body[8:12] == b"WEBP"):
        return True
    return content_type.lower().startswith("image/") and bool(body) and body.lstrip()[:1] != b"<"


class DisclosureSpider(ListWalking, Spider):
    """Find the 政府信息公开 section, its annual-report column, and every report in it."""

    name = "disclosure"

    def __init__(self, start_urls: list[str] | str | None = None, site: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(start_urls, str):
            start_urls = [u for u in start_urls.split(",") if u.strip()]
        self.start_urls = [u.strip() for u in (start_urls or [])]
        self.site_name = site
        self.allowed_hosts: set[str] = {urlsplit(u).netloc for u in self.start_urls}
        self.js_hosts: set[str] = set()
        self.js_enabled = False
        self.depth_limit: int = config.default("GKCRAWL_DEPTH_LIMIT")
        self.max_other_hops = 1
        self.max_query_variants: int = config.default("GKCRAWL_MAX_QUERY_VARIANTS")
        self.query_variants: dict[str, set[str]] = defaultdict(set)
        self.recheck_known: bool = config.default("GKCRAWL_RECHECK_KNOWN")
        self.requisites: bool = config.default("GKCRAWL_REQUISITES")
        self.column_page_budget: int = config.default("GKCRAWL_COLUMN_PAGE_BUDGET")
        self.subcolumn_budget: int = config.default("GKCRAWL_COLUMN_SUBCOLUMN_BUDGET")
        self.site_request_budget: int = config.default("GKCRAWL_SITE_REQUEST_BUDGET")
        # URLs followed per site and sub-columns per column: this process's, or the cluster's in Redis.
        self.budget_counts: budget_counts.BudgetCounts = budget_counts.LocalBudgetCounts()
        self.budgets_spent: set[tuple[str, str]] = set()
        self.list_coverage = coverage.ListCoverage()  # declared vs reached, per list (list_walking.py)
        self.cluster_coverage: cluster_coverage.ClusterCoverage | None = None  # a cluster worker's

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DisclosureSpider:
        spider: DisclosureSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.js_enabled = config.get_bool(settings, "GKCRAWL_JS")
        spider.depth_limit = config.get_int(settings, "GKCRAWL_DEPTH_LIMIT")
        spider.max_query_variants = config.get_int(settings, "GKCRAWL_MAX_QUERY_VARIANTS")
        spider.recheck_known = config.get_bool(settings, "GKCRAWL_RECHECK_KNOWN")
        spider.requisites = config.get_bool(settings, "GKCRAWL_REQUISITES")
        spider.column_page_budget = config.get_int(settings, "GKCRAWL_COLUMN_PAGE_BUDGET")
        spider.subcolumn_budget = config.get_int(settings, "GKCRAWL_COLUMN_SUBCOLUMN_BUDGET")
        spider.site_request_budget = config.get_int(settings, "GKCRAWL_SITE_REQUEST_BUDGET")
        frontier_url = config.get(settings, "GKCRAWL_FRONTIER")
        if frontier_url:
            server = frontier.connect(frontier_url)
            keys = frontier.FrontierKeys(config.get(settings, "GKCRAWL_FRONTIER_NAME"))
            spider.budget_counts = budget_counts.ClusterBudgetCounts(server, keys)
            spider.cluster_coverage = cluster_coverage.ClusterCoverage(server, keys)
        registry = load_registry(config.get(settings, "GKCRAWL_SITES_FILE") or None)
        for entry in entries_for(registry, spider.start_urls, spider.site_name):
            if not spider.start_urls or spider.site_name == entry.name:
                spider.start_urls.extend(u for u in entry.start_urls if u not in spider.start_urls)
            spider.allowed_hosts |= entry.hosts
            if entry.needs_js:
                spider.js_hosts |= entry.hosts
        spider.allowed_hosts |= {urlsplit(u).netloc for u in spider.start_urls}
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            yield self._request(url, role="start", link_text="", depth=0, priority=PRIORITY["start"])
        archive = archive_if_any(self.crawler)  # None: a run without an archive (-s GKCRAWL_DB_PATH=)
        if self.recheck_known and self.start_urls and archive is not None:
            # Reports archived earlier: a re-crawl notices the ones removed (404/410) or moved (301).
            for url in archive.known_report_urls(self.allowed_hosts):
                role = "attachment" if discovery.is_attachment_url(url) else "report"
                yield self._request(url, role=role, link_text="", depth=0, priority=PRIORITY[role],
                                    extra={"gk_known": True})

    # -- requests -------------------------------------------------------------------------

    def _request(self, url: str, *, role: str, link_text: str, depth: int, priority: int,
                 extra: dict[str, Any] | None = None, callback: Any = None, **kwargs: Any) -> Request:
        meta = {"gk_role": role, "gk_link_text": link_text[:200], "gk_depth": depth, **(extra or {})}
        factory = kwargs.pop("factory", Request)
        errback = kwargs.pop("errback", self.on_error)
        return factory(url, callback=callback or self.parse_page, errback=errback, meta=meta,
                       priority=priority, **kwargs)

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        return discovery.host_allowed(parts.netloc, self.allowed_hosts)

    def _within_query_cap(self, url: str) -> bool:
        query = urlsplit(url).query
        if not query:
            return True
        seen = self.query_variants[discovery.path_key(url)]
        if query in seen:
            return True
        if len(seen) >= self.max_query_variants:
            self.crawler.stats.inc_value("gkcrawl/query_variants_capped")
            return False
        seen.add(query)
        return True

    def _follow(self, response: Response, url: str, *, role: str, link_text: str, depth_step: int = 1,
                extra: dict[str, Any] | None = None) -> Request | None:
        fragment = urlsplit(url).fragment  # `/gkmlpt/annualreport#2629`: the list's category
        url = discovery.canonical_url(url)
        if not self._allowed(url) or not self._within_query_cap(url):
            return None
        depth = response.meta.get("gk_depth", 0) + depth_step
        if depth > self.depth_limit:
            self.crawler.stats.inc_value("gkcrawl/depth_limited")
            return None
        meta_extra = dict(extra or {})
        if fragment.isdigit():
            meta_extra["gk_fragment"] = fragment
        if not self._within_site_budget(url):
            return None
        if role == "column" and depth_step and response.meta.get("gk_role") == "column":
            root = response.meta.get("gk_column_root") or response.url
            if not self._within_subcolumn_budget(root, url):
                return None
            meta_extra["gk_column_root"] = root
        if role == "column" and urlsplit(url).netloc in self.js_hosts and self.js_enabled:
            meta_extra.update(self._browser_meta())
        return self._request(url, role=role, link_text=link_text, depth=depth, priority=PRIORITY[role],
                             extra=meta_extra, headers={"Referer": response.url})

    def _next_list_page(self, response: Response, url: str, role: str) -> Request | None:
        """A further page of a list: same depth, but a chain bounded by the list's page budget."""
        pages = self._list_page_number(response)
        if pages is None:
            return None
        extra = {"gk_list_pages": pages, "gk_list_root": response.meta.get("gk_list_root") or response.url}
        if response.meta.get("gk_column_root"):
            extra["gk_column_root"] = response.meta["gk_column_root"]
        return self._follow(response, url, role=role, link_text="", depth_step=0, extra=extra)

    def _list_page_number(self, response: Response) -> int | None:
        """How many further pages this list's chain has followed with the next; None past its budget."""
        pages: int = response.meta.get("gk_list_pages", 0) + 1
        if pages > self.column_page_budget:
            self.crawler.stats.inc_value("gkcrawl/list_pages_capped")
            self._spend("column_pages", response.meta.get("gk_list_root") or response.url, pages - 1)
            return None
        return pages

    # -- budgets --------------------------------------------------------------------------

    def _within_site_budget(self, url: str) -> bool:
        host = urlsplit(url).netloc
        admission = self.budget_counts.admit(f"site_requests {host}", url, self.site_request_budget)
        if admission.first_refusal:
            self._spend("site_requests", f"{urlsplit(url).scheme}://{host}/", admission.spent)
        return admission.admitted

    def _within_subcolumn_budget(self, root: str, url: str) -> bool:
        if url == root:
            return True
        admission = self.budget_counts.admit(f"column_subcolumns {root}", url, self.subcolumn_budget)
        if admission.first_refusal:
            self._spend("column_subcolumns", root, admission.spent)
        return admission.admitted

    def _spend(self, budget: str, scope_url: str, spent: int) -> None:
        """A budget ran out at `scope_url`: said once, recorded in the archive, counted per site."""
        if (budget, scope_url) in self.budgets_spent:
            return
        self.budgets_spent.add((budget, scope_url))
        site = urlsplit(scope_url).netloc
        self.crawler.stats.inc_value("gkcrawl/budget_exhausted")
        self.crawler.stats.inc_value(f"gkcrawl/site/{site}/budget_exhausted")
        logger.warning("budget %s exhausted at %s after %d: the rest of it is not crawled", budget, scope_url, spent)
        archive = archive_if_any(self.crawler)
        if archive is not None:
            archive.record_budget(site=site, budget=budget, scope_url=scope_url, spent=spent, when=iso_utc(utc_now()))

    @staticmethod
    def _browser_meta() -> dict[str, Any]:
        from scrapy_playwright.page import PageMethod

        return {"playwright": True, "gk_rendered": True,
                "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")]}

    # -- callbacks ------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[Any]:
        """Any fetched page: yield the report it is (if any) and the links worth following."""
        role = response.meta.get("gk_role", "other")
        link_text = response.meta.get("gk_link_text", "")
        if not isinstance(response, TextResponse) or role == "attachment" and discovery.is_attachment_url(response.url):
            if role in ("report", "attachment"):
                yield self._item(response, role="attachment", title=link_text)
            return
        text = response.text
        titles = page_reading.page_titles(response)
        links = page_reading.page_links(response, text)
        report_links = sum(1 for t, u in links if discovery.classify_link(t, u) is LinkKind.REPORT)
        is_report = self._is_report_page(role, link_text, titles, report_links) \
            and not discovery.looks_like_list_url(response.url)
        if role == "report" and not is_report:
            role = "column"  # a "report" link that led to a list of reports (a year column)
        elif role == "column" and not is_report and self._is_report_behind_column_link(response, titles, report_links):
            is_report = True  # a link labelled only "2020年度" in a 年报 list led to the report itself
        if is_report:
            item = self._item(response, role="report", title=next((t for t in titles if t), link_text))
            if any(discovery.is_attachment_url(u) and self._attachment_wanted(t, True, role) for t, u in links):
                item.notes.append(NOTE_LINKS_ATTACHMENT)  # maybe a short notice whose file is the report
            pictures = list(self._report_pictures(response))
            item.pictures = [(src, url) for src, url, _ in pictures]
            yield item
            for _, url, request_or_refusal in pictures:
                if isinstance(request_or_refusal, str):
                    yield PictureItem(url=url, page_url=response.url, capture_id=None, error=request_or_refusal)
                else:
                    yield request_or_refusal
            if self.requisites:
                yield from self._requisite_requests(response)
        yield from self._follow_links(response, role, links, is_report, titles)
        if role in ("column", "section") and not is_report:
            pagers: list[Request] = list(self._strategy_requests(response, text, role))
            yield from pagers
            paged = bool(pagers) or any(discovery.classify_link(t, u) is LinkKind.PAGINATION for t, u in links) \
                or strategies.find_hanweb_proxy(text, response.url) is not None \
                or bool(list_endpoints.find_json_list_apis(text, response.url)) \
                or list_endpoints.find_form_pager(text, response.url) is not None
            if role == "column":  # a section's counts are of many lists, not of one
                yield from self.walk_declared_list(response, text, paged)

    def closed(self, reason: str) -> None:
        self.record_list_coverage()

    def _requisite_requests(self, response: TextResponse) -> Iterator[Request]:
        """`--requisites`: the report page's stylesheets and images on its own host, archived
        (by the capture middleware) so that replay looks like the page; never parsed."""
        host = urlsplit(response.url).netloc
        for src in page_reading.page_requisites(response):
            if urlsplit(src).netloc != host or not self._within_site_budget(src):
                continue
            self.crawler.stats.inc_value("gkcrawl/requisites")
            yield self._request(src, role="requisite", link_text="", depth=response.meta.get("gk_depth", 0),
                                priority=PRIORITY["other"] - 10, callback=self.parse_requisite,
                                headers={"Referer": response.url})

    def _report_pictures(self, response: TextResponse) -> Iterator[tuple[str, str, Request | str]]:
        """(src, URL, request or why not) for each picture a report page's tables were published
        as (`page_forms.picture_sources`, the parser's own reading). Fetched without `--requisites`
        (the report's facts are in them), from the page's host or another (a CDN), robots.txt
        obeyed as for every request and counted in that host's request budget; never followed."""
        if b"<img" not in response.body.lower():
            return
        from gkcrawl.parse.page_forms import picture_sources

        base = get_base_url(response)
        for src in picture_sources(response.text):
            url = discovery.canonical_url(urljoin(base, src.strip()))
            if urlsplit(url).scheme not in ("http", "https"):
                yield src, url, "not fetched: not an http(s) URL"
                continue
            if not self._within_site_budget(url):
                yield src, url, "not fetched: the host's request budget is spent"
                continue
            self.crawler.stats.inc_value("gkcrawl/report_pictures")
            yield src, url, self._request(
                url, role="report_picture", link_text="", depth=response.meta.get("gk_depth", 0),
                priority=PRIORITY["report"] + 5, callback=self.parse_picture,
                extra={"gk_picture_url": url, "gk_page_url": response.url},
                headers={"Referer": response.url}, dont_filter=True, errback=self.on_picture_error)

    def parse_picture(self, response: Response) -> Iterator[PictureItem]:
        """A report picture arrived: its capture serves the page's derivation (unless not an image)."""
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        error = None if is_image(response.body, content_type) else \
            f"not an image: {content_type or 'no Content-Type'}, {len(response.body)} bytes"
        yield self._picture_item(response.request, response.meta, error)

    def on_picture_error(self, failure: Failure) -> Iterator[PictureItem]:
        """A report picture that could not be had: its reason is recorded with the page."""
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("gkcrawl/report_pictures_missing")
        if isinstance(failure.value, HttpError):
            error = f"http {failure.value.response.status}"
        elif isinstance(failure.value, IgnoreRequest):
            error = f"not fetched: {failure.getErrorMessage() or 'refused (robots.txt)'}"
        else:
            error = failure_reason(failure.value) if failure.value is not None else "fetch failed"
        yield self._picture_item(request, request.meta, error)

    @staticmethod
    def _picture_item(request: Request | None, meta: dict[str, Any], error: str | None) -> PictureItem:
        url = meta.get("gk_picture_url") or (request.url if request is not None else "")
        return PictureItem(url=url, page_url=meta.get("gk_page_url", ""), capture_id=meta.get(META_CAPTURE_ID),
                           error=error)

    def parse_requisite(self, response: Response) -> Iterator[Any]:
        """A stylesheet or image: its capture is all it is for."""
        return iter(())

    @staticmethod
    def _is_report_page(role: str, link_text: str, titles: list[str], report_links: int) -> bool:
        """A report notice page: led to by a report title, or titled as one, and not a list."""
        if role == "column" or report_links >= 3:
            return False
        if any(t and discovery.is_excluded_title(t) for t in titles[:2]):
            return False
        if role == "report":
            return True
        return any(discovery.is_report_title(t) for t in titles)

    @staticmethod
    def _is_report_behind_column_link(response: TextResponse, titles: list[str], report_links: int) -> bool:
        """A page reached as a column that is a report: its own heading is a report title and
        most of its text is prose, not links (a list page is mostly links)."""
        if report_links >= 3 or discovery.looks_like_list_url(response.url):
            return False
        headings = [t for t in titles[:2] if t]
        if not any(discovery.is_report_title(t) for t in headings):
            return False
        if any(discovery.is_excluded_title(t) for t in headings):
            return False
        return page_reading.prose_chars(response) >= MIN_REPORT_PROSE_CHARS

    def _follow_links(self, response: Response, role: str, links: list[tuple[str, str]], is_report: bool,
                      titles: list[str]) -> Iterator[Request]:
        hops = response.meta.get("gk_hops", 0)
        usable = 0
        for label, url in links:
            kind = discovery.classify_link(label, url)
            request: Request | None = None
            if kind is LinkKind.ATTACHMENT:
                if self._attachment_wanted(label, is_report, role):
                    request = self._follow(response, url, role="attachment", link_text=label or titles[0])
                    usable += 1
            elif kind is LinkKind.REPORT:
                request = self._follow(response, url, role="report", link_text=label)
                usable += 1
            elif kind is LinkKind.REPORT_COLUMN:
                request = self._follow(response, url, role="column", link_text=label)
                usable += int(discovery.is_child_column(response.url, url))
            elif kind is LinkKind.YEAR_COLUMN and role == "column":
                request = self._follow(response, url, role="column", link_text=label)
                usable += 1
            elif kind is LinkKind.PAGINATION and role in ("column", "section"):
                request = self._next_list_page(response, url, role)
                usable += 1
            elif kind is LinkKind.SECTION:
                request = self._follow(response, url, role="section", link_text=label)
            elif kind is LinkKind.OTHER and role in NAV_ROLES and hops < self.max_other_hops:
                if not label and role == "column" and not url.endswith(discovery.ATTACHMENT_EXTENSIONS):
                    request = self._follow(response, url, role="column", link_text=label)  # frames
                else:
                    request = self._follow(response, url, role="other", link_text=label,
                                           extra={"gk_hops": hops + 1})
            if request is not None:
                yield request
        if role == "column" and isinstance(response, TextResponse) and self._wants_browser(response, usable):
            self.crawler.stats.inc_value("gkcrawl/browser_requests")
            yield self._request(response.url, role="column", link_text=response.meta.get("gk_link_text", ""),
                                depth=response.meta.get("gk_depth", 0), priority=PRIORITY["column"],
                                extra=self._browser_meta(), dont_filter=True)

    def _wants_browser(self, response: TextResponse, usable: int) -> bool:
        if response.meta.get("gk_rendered") or not strategies.needs_browser(response.text, usable):
            return False
        if list_endpoints.find_json_list_apis(response.text, response.url):
            return False  # its list API is read directly (_strategy_requests)
        if not self.js_enabled:
            self.crawler.stats.inc_value("gkcrawl/js_needed_but_off")
            logger.warning("%s lists its items with scripts; re-run with --js to render it", response.url)
            return False
        return True

    @staticmethod
    def _attachment_wanted(label: str, on_report_page: bool, role: str) -> bool:
        if label and discovery.is_excluded_title(label):
            return False
        if discovery.is_report_title(label) or (role == "column" and discovery.looks_like_report_name(label)):
            return True
        return on_report_page

    def _strategy_requests(self, response: TextResponse, text: str, role: str) -> Iterator[Request]:
        trs_pages = strategies.trs_page_urls(text, response.url)  # as many as the page states it has
        if len(trs_pages) > self.column_page_budget:
            self._spend("column_pages", response.url, self.column_page_budget)
        for url in trs_pages[:self.column_page_budget]:
            request = self._next_list_page(response, url, role)
            if request is not None:
                yield request
        proxy = strategies.find_hanweb_proxy(text, response.url)
        if proxy is not None and self._allowed(proxy.url):
            yield self._proxy_request(response, proxy, 0)
        pager = list_endpoints.find_form_pager(text, response.url)
        if pager is not None and self._allowed(pager.action):
            # 共8页 beside goPage(1)..goPage(5): the pages the numbers skip exist too.
            declared = list_services.declared_records(text)
            last = max([*pager.page_numbers, *([declared.pages] if declared and declared.pages else [])])
            numbers = sorted({*pager.page_numbers, *range(pager.current + 1, min(last, self.column_page_budget) + 1)})
            for number in (n for n in numbers if n > pager.current):
                request = self._form_page_request(response, pager, number)
                if request is not None:
                    yield request
        for api in list_endpoints.find_json_list_apis(text, response.url):
            if self._allowed(api.url):
                yield self._api_request(response, api, 1)

    def _browser_fallback(self, response: Response, page_url: str) -> Iterator[Request]:
        """The API answer named no links (the script builds them from ids): render the page instead."""
        self.crawler.stats.inc_value("gkcrawl/json_api_unreadable")
        if not self.js_enabled:
            self.crawler.stats.inc_value("gkcrawl/js_needed_but_off")
            logger.warning("%s lists its items with scripts; re-run with --js to render it", page_url)
            return
        self.crawler.stats.inc_value("gkcrawl/browser_requests")
        yield self._request(page_url, role="column", link_text="", depth=response.meta.get("gk_depth", 0),
                            priority=PRIORITY["column"], extra=self._browser_meta(), dont_filter=True)

    def _form_page_request(self, response: Response, pager: list_endpoints.FormPager, number: int) -> Request | None:
        """The next page of a list paged by a POSTed form (`goPage(n)` -> cur_page=n)."""
        pages = self._list_page_number(response)
        if pages is None:
            return None
        self.crawler.stats.inc_value("gkcrawl/form_pages")
        return self._request(pager.action, role=response.meta.get("gk_role", "column"),
                             link_text=response.meta.get("gk_link_text", ""), depth=response.meta.get("gk_depth", 0),
                             priority=PRIORITY["column"], factory=FormRequest, formdata=pager.formdata(number),
                             extra={"gk_list_pages": pages,
                                    "gk_list_root": response.meta.get("gk_list_root") or response.url},
                             headers={"Referer": response.url})

    def _api_request(self, response: Response, api: list_endpoints.JsonListApi, page: int) -> Request:
        self.crawler.stats.inc_value("gkcrawl/json_api_pages")
        return self._request(api.page_url(page), role="column", link_text="", depth=response.meta.get("gk_depth", 0),
                             priority=PRIORITY["column"], callback=self.parse_json_list,
                             extra={"gk_api": api, "gk_api_page": page,
                                    "gk_page_url": response.meta.get("gk_page_url", response.url)},
                             headers={"Referer": response.url, "Accept": "application/json, text/javascript, */*"})

    def parse_json_list(self, response: Response) -> Iterator[Any]:
        """A JSON list API answer: its records are list items; ask for the next page while any come."""
        api: list_endpoints.JsonListApi = response.meta["gk_api"]
        page: int = response.meta["gk_api_page"]
        body = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        page_url = response.meta.get("gk_page_url", response.url)
        links, total = list_endpoints.json_list_links(body, page_url)
        self._tally_service_answer(page_url, links, total, "api total")
        if not links:
            if page == 1:
                yield from self._browser_fallback(response, page_url)
            return
        yield from self._follow_links(response, "column", links, False, [""])
        size = api.page_size or len(links)
        more = page * size < total if total is not None else len(links) >= size
        if more and page < list_endpoints.MAX_API_PAGES:
            yield self._api_request(response, api, page + 1)

    def _proxy_request(self, response: Response, proxy: strategies.HanwebProxy, batch: int) -> Request:
        return self._request(proxy.batch_url(batch), role="column", link_text="",
                             depth=response.meta.get("gk_depth", 0), priority=PRIORITY["column"],
                             callback=self.parse_datastore, factory=FormRequest, formdata=proxy.params,
                             extra={"gk_proxy": proxy, "gk_batch": batch, "gk_page_url": response.url})

    def parse_datastore(self, response: Response) -> Iterator[Any]:
        """A Hanweb `dataproxy.jsp` answer: its records are list items; ask for the next batch."""
        proxy: strategies.HanwebProxy = response.meta["gk_proxy"]
        batch: int = response.meta["gk_batch"]
        text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        base = response.meta.get("gk_page_url", response.url)
        links, total = strategies.parse_datastore(text, base)
        self._tally_service_answer(base, links, total or proxy.total_records, "totalrecord")
        yield from self._follow_links(response, "column", links, False, [""])
        total = total or proxy.total_records
        more = (batch + 1) * proxy.batch_size < total if total else strategies.record_count(text) >= proxy.batch_size
        if more and batch + 1 >= self.column_page_budget:
            self._spend("column_pages", base, batch + 1)
        elif more:
            yield self._proxy_request(response, proxy, batch + 1)

    def _item(self, response: Response, *, role: str, title: str) -> DocumentItem:
        meta = response.meta
        return DocumentItem(
            url=response.url, body=response.body,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1") or None,
            capture_id=meta.get(META_CAPTURE_ID), fetched_at=meta.get(META_FETCHED_AT) or iso_utc(utc_now()),
            sha256=meta.get(META_SHA256) or sha256_hex(response.body), site=urlsplit(response.url).netloc,
            role=role, title_hint=title, link_text=meta.get("gk_link_text", ""),
            content_disposition=(response.headers.get("Content-Disposition") or b"").decode("latin-1") or None,
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None
            if response.request else None)

    def _gone_or_dead(self, request: Request, status: int) -> Iterator[GoneReportItem]:
        """`gone` means gone: a report URL archived before that now answers 404/410. A 404 for a
        link never archived (a dead link on the portal, a missing asset) is counted as dead."""
        host = urlsplit(request.url).netloc
        archive = archive_if_any(self.crawler)
        if request.meta.get("gk_role") in ("report", "attachment") and archive is not None \
                and archive.was_archived(request.url):
            when = request.meta.get(META_FETCHED_AT) or iso_utc(utc_now())
            yield GoneReportItem(url=request.url, when=when, status=status)
            self.crawler.stats.inc_value("gkcrawl/reports_gone")
            self.crawler.stats.inc_value(f"gkcrawl/site/{host}/reports_gone")
            logger.info("report gone (%s): %s", status, request.url)
            return
        self.crawler.stats.inc_value("gkcrawl/dead_links")
        self.crawler.stats.inc_value(f"gkcrawl/site/{host}/dead_links")
        logger.info("dead link (%s, never archived): %s", status, request.url)

    def on_error(self, failure: Failure) -> Iterator[GoneReportItem]:
        """A failed request: already captured with its reason; a vanished report yields a gone item."""
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("gkcrawl/failed_requests")
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            if response.status in (404, 410):
                yield from self._gone_or_dead(request, response.status)
            return
        logger.info("request failed %s: %s", request.url, failure.getErrorMessage())
