"""The `large` portal: 大川市 with 120 bodies (30 city departments, 10 districts that also carry
their own departments' reports, 80 townships), each with its own 政府信息公开 section, 指南,
通知公告, 工作动态, 法定主动公开内容 and 年报 column. Half the 年报 columns have year
sub-columns, half are one long list; both paginate with TRS createPageHTML. Some reports
carry a PDF twin. 解读 pages and 编制通知 sit inside the 年报 columns as distractors.

A focused crawl of the full portal visits about 6,000 pages (the crawl benchmark); pages are
rendered on request and deterministic. `LargePortal(units=...)` makes a smaller portal of the
same shape for tests that must stay fast.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from gkcrawl.demo.furniture import trs_pager_script
from gkcrawl.demo.server import Page, PortalServer, Request, RunningPortal, StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial, trs_doc_path

from .style_common import (
    ATTACHMENT_DIR,
    DEPARTMENTS,
    ReportEntry,
    explainer_title,
    identity_for,
    publish_report,
    report_entry,
)

BODY = "大川市人民政府"
IDENTITY = identity_for(BODY, 19)
DISTRICTS = ("东城区", "西城区", "南湖区", "北山区", "高新区", "云岭县", "青溪县", "白沙县", "红石县", "临江县")
TOWN_NAMES = ("安宁", "和平", "新华", "长青", "永丰", "太平", "兴隆", "青石")
DISTRICT_DEPARTMENTS = DEPARTMENTS[:8]   # a district's 年报 column also carries these bodies' reports
REPORT_YEARS = range(2008, 2024)         # since the 2008 条例; from 2019 on the template has tables
YEAR_PAGE_SIZE = 5
LIST_PAGE_SIZE = 10
NEWS_PER_UNIT = 12
EXPLAINED_YEARS = 3                      # the latest years each get a 解读 in the 年报 column
PDF_EVERY = 25                           # about one 2019+ report in 25 also links a PDF of itself
PDF_FILE = "pdf_964635.pdf"
FULL_UNITS = len(DEPARTMENTS) + len(DISTRICTS) + len(DISTRICTS) * len(TOWN_NAMES)
KIND_DIRS = {"department": "bm", "district": "qx", "town": "xz"}

Renderer = Callable[[], Page]


@dataclass(frozen=True)
class Unit:
    """One body with its own disclosure section; `agencies` publish in its 年报 column."""

    number: int
    name: str
    kind: str                      # department | district | town
    agencies: tuple[str, ...]
    by_year: bool                  # year sub-columns, or one paginated list

    @property
    def base(self) -> str:
        return f"/{KIND_DIRS[self.kind]}/{self.number + 1:03d}/xxgk"


def all_units(count: int = FULL_UNITS) -> tuple[Unit, ...]:
    """The first `count` bodies, in blocks of 3 departments, 1 district and its 8 towns, so that
    a small portal has every kind."""
    named: list[tuple[str, str, tuple[str, ...]]] = []
    for block, district in enumerate(DISTRICTS):
        for department in DEPARTMENTS[3 * block:3 * block + 3]:
            named.append(("department", f"大川市{department}", (f"大川市{department}",)))
        named.append(("district", f"大川市{district}人民政府",
                      (f"大川市{district}人民政府", *(f"{district}{d}" for d in DISTRICT_DEPARTMENTS))))
        for town in TOWN_NAMES:
            name = f"{district}{town}{'镇' if district.endswith('县') else '街道'}"
            named.append(("town", name, (f"{name}人民政府" if name.endswith("镇") else f"{name}办事处",)))
    # Districts file their departments' reports under year sub-columns; the others alternate.
    return tuple(Unit(number, name, kind, agencies, by_year=kind == "district" or number % 2 == 0)
                 for number, (kind, name, agencies) in enumerate(named[:count]))


def _pdf_bytes() -> bytes:
    return ATTACHMENT_DIR.joinpath(PDF_FILE).read_bytes()


def _pdf_path(entry: ReportEntry) -> str:
    day = entry.published.replace("-", "")
    return f"{posixpath.dirname(entry.path)}/P0{day}{stable_serial(entry.path, digits=12)}.pdf"


class LargePortal:
    """Every path of a large portal with `units` bodies, its manifest, and on-demand pages."""

    def __init__(self, units: int = FULL_UNITS) -> None:
        if not 1 <= units <= FULL_UNITS:
            raise ValueError(f"units must be 1..{FULL_UNITS}, not {units}")
        self.units = all_units(units)
        self.renderers: dict[str, Renderer] = {}
        self.reports: set[str] = set()
        self.distractors: set[str] = set()
        for unit in self.units:
            self._plan_unit(unit)

    # -- planning: paths and how to render them ------------------------------------------

    def _plan_unit(self, unit: Unit) -> None:
        base = unit.base
        section = [("政府信息公开", "/xxgk/index.html"), (unit.name, f"{base}/index.html")]
        side = [("政府信息公开指南", f"{base}/zfxxgkzn/index.html"), ("法定主动公开内容", f"{base}/fdzdgknr/index.html"),
                ("政府信息公开年报", f"{base}/nb/index.html"), ("通知公告", f"{base}/tzgg/index.html"),
                ("工作动态", f"{base}/gzdt/index.html")]
        self._column(f"{base}/index.html", f"{unit.name}政府信息公开", section,
                     [(n, h, "") for n, h in side], side)
        self._column(f"{base}/zfxxgkzn/index.html", "政府信息公开指南", [*section, ("政府信息公开指南", side[0][1])],
                     [], side, text="本指南适用于公民、法人和其他组织向本机关申请获取政府信息。")
        fd = [*section, ("法定主动公开内容", side[1][1])]
        subs = (("机构信息", "jgxx"), ("规划信息", "ghxx"), ("财政信息", "czxx"))
        self._column(side[1][1], "法定主动公开内容", fd,
                     [(n, f"./{d}/index.html", "") for n, d in subs] + [("政府信息公开年报", "../nb/index.html", "")], side)
        for name, directory in subs:
            self._column(f"{base}/fdzdgknr/{directory}/index.html", name, [*fd, (name, f"{base}/fdzdgknr/{directory}/index.html")],
                         [], side, text="暂无信息")
        self._notices(unit, section, side)
        self._news(unit, section, side)
        nb_crumbs = [*section, ("政府信息公开年报", f"{base}/nb/index.html")]
        if unit.by_year:
            self._year_columns(unit, nb_crumbs, side)
        else:
            self._flat_column(unit, nb_crumbs, side)

    def _column(self, path: str, name: str, crumbs: list[tuple[str, str]], items: list[tuple[str, str, str]],
                side: list[tuple[str, str]], *, pager: str = "", text: str = "") -> None:
        def render() -> Page:
            builder = SiteBuilder(IDENTITY)
            body = f"<p>{escape(text)}</p>" if text else builder.simple_list(items, pager)
            builder.column(path, name, crumbs, body, side_links=side)
            return builder.pages[path]
        self.renderers[path] = render

    def _article(self, path: str, title: str, published: str, source: str, paragraphs: list[str],
                 crumbs: list[tuple[str, str]]) -> None:
        def render() -> Page:
            builder = SiteBuilder(IDENTITY)
            news_article(builder, path, title, published, source, paragraphs, crumbs)
            return builder.pages[path]
        self.renderers[path] = render

    def _paged(self, column_dir: str, name: str, crumbs: list[tuple[str, str]], items: list[tuple[str, str, str]],
               side: list[tuple[str, str]], page_size: int) -> None:
        """index.html, index_1.html ... linked only by the createPageHTML() script, newest first."""
        items = sorted(items, key=lambda item: item[2], reverse=True)
        pages = [items[i:i + page_size] for i in range(0, len(items), page_size)] or [[]]
        for number, page_items in enumerate(pages):
            page_name = "index.html" if number == 0 else f"index_{number}.html"
            self._column(f"{column_dir}/{page_name}", name, crumbs, page_items, side,
                         pager=trs_pager_script(len(pages), number))

    def _notices(self, unit: Unit, section: list[tuple[str, str]], side: list[tuple[str, str]]) -> None:
        column = f"{unit.base}/tzgg"
        crumbs = [*section, ("通知公告", f"{column}/index.html")]
        items = []
        for title, published in ((f"{unit.name}2022年法治政府建设年度报告", "2023-03-25"),
                                 (f"{unit.name}2023年政务公开工作要点", "2023-04-12")):
            path = trs_doc_path(column, published, stable_serial(title))
            self._article(path, title, published, unit.agencies[0], [f"{title}全文如下。", "（略）"], crumbs)
            items.append((title, path, published))
            self.distractors.add(path)
        self._column(f"{column}/index.html", "通知公告", crumbs, items, side)

    def _news(self, unit: Unit, section: list[tuple[str, str]], side: list[tuple[str, str]]) -> None:
        column = f"{unit.base}/gzdt"
        crumbs = [*section, ("工作动态", f"{column}/index.html")]
        items = []
        for number in range(NEWS_PER_UNIT):
            day = f"2023-{1 + (number * 7 + unit.number) % 12:02d}-{10 + number % 18:02d}"
            title = f"{unit.name}召开第{number + 1}次工作会议"
            path = trs_doc_path(column, day, stable_serial("news", unit.number, number))
            self._article(path, title, day, unit.agencies[0],
                          [f"{day}，{unit.name}召开工作会议，研究部署近期重点工作。", "会议强调，要坚持问题导向，狠抓工作落实。"],
                          crumbs)
            items.append((title, path, day))
        self._paged(column, "工作动态", crumbs, items, side, LIST_PAGE_SIZE)

    def _report(self, entry: ReportEntry, crumbs: list[tuple[str, str]]) -> None:
        # Only table reports get a PDF twin: a short prose page beside its file reads as a notice.
        with_pdf = entry.year >= 2019 and stable_serial("pdf", entry.path) % PDF_EVERY == 0
        pdf_path = _pdf_path(entry) if with_pdf else ""

        def render() -> Page:
            builder = SiteBuilder(IDENTITY)
            link = ""
            if with_pdf:
                href = "./" + posixpath.basename(pdf_path)
                link = (f'<div class="attachments"><p>附件：<a href="{href}" title="{escape(entry.title)}.pdf">'
                        f'{escape(entry.title)}.pdf</a></p></div>')
            publish_report(builder, entry, crumbs, attachments_html=link)
            return builder.pages[entry.path]
        self.renderers[entry.path] = render
        self.reports.add(entry.path)
        if with_pdf:
            self.renderers[pdf_path] = lambda: Page(_pdf_bytes(), "application/pdf", last_modified=entry.published)
            self.reports.add(pdf_path)

    def _explainer(self, column_dir: str, unit: Unit, year: int, crumbs: list[tuple[str, str]]) -> tuple[str, str, str]:
        published = f"{year + 1}-03-20"
        path = trs_doc_path(column_dir, published, stable_serial("jd", unit.name, year))
        title = explainer_title(unit.agencies[0], year)
        self._article(path, title, published, unit.agencies[0], ["一图读懂年度报告：主动公开、依申请公开、复议诉讼情况。"], crumbs)
        self.distractors.add(path)
        return title, "./" + path[len(column_dir) + 1:], published

    def _year_columns(self, unit: Unit, nb_crumbs: list[tuple[str, str]], side: list[tuple[str, str]]) -> None:
        nb_dir = f"{unit.base}/nb"
        year_links = []
        for year in REPORT_YEARS:
            year_dir = f"{nb_dir}/{year}n"
            crumbs = [*nb_crumbs, (f"{year}年", f"{year_dir}/index.html")]
            entries = [report_entry(year_dir, agency, year) for agency in unit.agencies]
            for entry in entries:
                self._report(entry, crumbs)
            items = [(e.title, e.href, e.published) for e in entries]
            if year > REPORT_YEARS[-1] - EXPLAINED_YEARS:
                items.append(self._explainer(year_dir, unit, year, crumbs))
            self._paged(year_dir, f"{year}年", crumbs, items, side, YEAR_PAGE_SIZE)
            year_links.append((f"{year}年", f"./{year}n/index.html", ""))
        self._column(f"{nb_dir}/index.html", "政府信息公开年报", nb_crumbs, year_links[::-1], side)

    def _flat_column(self, unit: Unit, nb_crumbs: list[tuple[str, str]], side: list[tuple[str, str]]) -> None:
        nb_dir = f"{unit.base}/nb"
        items = []
        for year in REPORT_YEARS:
            for agency in unit.agencies:
                entry = report_entry(nb_dir, agency, year)
                self._report(entry, nb_crumbs)
                items.append((entry.title, entry.href, entry.published))
            if year > REPORT_YEARS[-1] - EXPLAINED_YEARS:
                items.append(self._explainer(nb_dir, unit, year, nb_crumbs))
        title = f"关于做好{REPORT_YEARS[-1]}年政府信息公开工作年度报告编制发布工作的通知"
        published = f"{REPORT_YEARS[-1]}-12-20"
        path = trs_doc_path(nb_dir, published, stable_serial("tz", unit.name))
        self._article(path, title, published, f"{BODY}办公室", ["请各单位按要求编制并按时发布年度报告。"], nb_crumbs)
        self.distractors.add(path)
        items.append((title, path, published))
        self._paged(nb_dir, "政府信息公开年报", nb_crumbs, items, side, LIST_PAGE_SIZE)

    # -- serving ---------------------------------------------------------------------------

    def site(self) -> StaticSite:
        """Home, furniture and the city's section are static; everything else is rendered on request."""
        builder = SiteBuilder(IDENTITY)
        builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
        groups = {"department": "市政府部门", "district": "区县政府", "town": "乡镇（街道）"}
        lists = "".join(
            f'<h3>{label}</h3>' + builder.simple_list([(u.name, f"{u.base}/index.html", "") for u in self.units if u.kind == kind])
            for kind, label in groups.items())
        builder.column("/xxgk/index.html", "政府信息公开", [("政府信息公开", "/xxgk/index.html")], lists)
        builder.dynamic.append(self.answer)
        return builder.build()

    def answer(self, request: Request) -> Page | None:
        path = request.path + "index.html" if request.path.endswith("/") else request.path
        return self._page(path)

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one portal object lives as long as its server
    def _page(self, path: str) -> Page | None:
        render = self.renderers.get(path)
        return render() if render else None

    def manifest(self) -> Manifest:
        # "pages": every page the portal serves (renderers plus the 10 static ones).
        return Manifest(set(self.reports), set(self.distractors),
                        {"pages": len(self.renderers) + 10, "units": len(self.units)})

    def start(self, host: str = "127.0.0.1", port: int = 0) -> RunningPortal:
        """Serve this portal in a background thread (what `start_portal("large")` does at full size)."""
        site = self.site()
        server = PortalServer((host, port), lambda generation: site, stall_seconds=1.0)
        return RunningPortal("large", server)


@functools.lru_cache(maxsize=4)
def large_portal(units: int = FULL_UNITS) -> LargePortal:
    """One shared plan per size: planning the full portal takes about a second."""
    return LargePortal(units)


def build(context: BuildContext) -> StaticSite:
    return large_portal().site()


def manifest(generation: int = 1) -> Manifest:
    return large_portal().manifest()
