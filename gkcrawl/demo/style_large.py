"""The `large` portal: 60 department sites, 4,800 news pages and 300 annual reports, about
5,500 pages in all, rendered on request (deterministic) for the crawl benchmark."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from .furniture import trs_pager_script
from .server import Page, Request, StaticSite
from .sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial, trs_doc_path
from .style_common import DEPARTMENTS, identity_for, publish_report, report_entry

BODY = "大川市人民政府"
DISTRICTS = tuple(f"{a}{b}" for b in ("城区", "湖区", "山区") for a in "东西南北中上下新高云")
UNITS = tuple(f"大川市{d}" for d in DEPARTMENTS) + tuple(f"大川市{d}人民政府" for d in DISTRICTS)
NEWS_PER_UNIT = 80
NEWS_PAGE_SIZE = 20
REPORT_YEARS = range(2017, 2022)
IDENTITY = identity_for(BODY, 19)


@dataclass(frozen=True)
class PageKey:
    kind: str      # unit_home | news_list | news | report_list | report
    unit: int
    number: int = 0


def _unit_dir(unit: int) -> str:
    return f"/bm/{unit + 1:03d}"


def _news_path(unit: int, number: int) -> tuple[str, str]:
    day = datetime.date(2021, 1, 1) + datetime.timedelta(days=(number * 4 + unit) % 365)
    return trs_doc_path(f"{_unit_dir(unit)}/gzdt", day.isoformat(), stable_serial("news", unit, number)), day.isoformat()


@functools.lru_cache(maxsize=1)
def page_index() -> dict[str, PageKey]:
    """Every generated path and what it shows."""
    index: dict[str, PageKey] = {}
    for unit in range(len(UNITS)):
        base = _unit_dir(unit)
        index[f"{base}/index.html"] = PageKey("unit_home", unit)
        pages = NEWS_PER_UNIT // NEWS_PAGE_SIZE
        for number in range(pages):
            index[f"{base}/gzdt/index.html" if number == 0 else f"{base}/gzdt/index_{number}.html"] = \
                PageKey("news_list", unit, number)
        for number in range(NEWS_PER_UNIT):
            index[_news_path(unit, number)[0]] = PageKey("news", unit, number)
        index[f"{base}/nb/index.html"] = PageKey("report_list", unit)
        for year in REPORT_YEARS:
            index[report_entry(f"{base}/nb", UNITS[unit], year).path] = PageKey("report", unit, year)
    return index


def _render(path: str, key: PageKey) -> Page:
    builder = SiteBuilder(IDENTITY)
    unit_name = UNITS[key.unit]
    base = _unit_dir(key.unit)
    crumbs = [("政府信息公开", "/xxgk/index.html"), (unit_name, f"{base}/index.html")]
    if key.kind == "unit_home":
        builder.column(path, unit_name, crumbs, builder.simple_list(
            [("工作动态", "./gzdt/index.html", ""), ("政府信息公开年报", "./nb/index.html", "")]))
    elif key.kind == "news_list":
        start = key.number * NEWS_PAGE_SIZE
        items = []
        for number in range(start, start + NEWS_PAGE_SIZE):
            news_path, day = _news_path(key.unit, number)
            items.append((f"{unit_name[3:]}召开第{number + 1}次工作会议", news_path, day))
        pager = trs_pager_script(NEWS_PER_UNIT // NEWS_PAGE_SIZE, key.number)
        builder.column(path, "工作动态", [*crumbs, ("工作动态", f"{base}/gzdt/index.html")],
                       builder.simple_list(items, pager))
    elif key.kind == "news":
        _, day = _news_path(key.unit, key.number)
        news_article(builder, path, f"{unit_name[3:]}召开第{key.number + 1}次工作会议", day, unit_name,
                     [f"{day}，{unit_name}召开工作会议，研究部署近期重点工作。", "会议强调，要坚持问题导向，狠抓工作落实。"],
                     [*crumbs, ("工作动态", f"{base}/gzdt/index.html")])
    elif key.kind == "report_list":
        entries = [report_entry(f"{base}/nb", unit_name, year) for year in reversed(REPORT_YEARS)]
        builder.column(path, "政府信息公开年报", [*crumbs, ("政府信息公开年报", path)],
                       builder.simple_list([(e.title, e.href, e.published) for e in entries]))
    else:
        entry = report_entry(f"{base}/nb", unit_name, key.number)
        publish_report(builder, entry, [*crumbs, ("政府信息公开年报", f"{base}/nb/index.html")])
    return builder.pages[path]


@functools.lru_cache(maxsize=2048)
def _cached(path: str) -> Page | None:
    key = page_index().get(path)
    return _render(path, key) if key else None


def _answer(request: Request) -> Page | None:
    path = request.path + "index.html" if request.path.endswith("/") else request.path
    return _cached(path)


def build(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(IDENTITY)
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    units = [(name, f"{_unit_dir(unit)}/index.html", "") for unit, name in enumerate(UNITS)]
    builder.column("/xxgk/index.html", "政府信息公开", [("政府信息公开", "/xxgk/index.html")],
                   builder.simple_list(units))
    builder.dynamic.append(_answer)
    return builder.build()


def manifest(generation: int = 1) -> Manifest:
    index = page_index()
    return Manifest({path for path, key in index.items() if key.kind == "report"},
                    {path for path, key in index.items() if key.kind == "news"},
                    {"pages": len(index) + 8})
