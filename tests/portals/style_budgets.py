"""Portals for the crawl's budgets: a long list followed to its end, a generator stopped.

`longlist`: a 年报 column of 200 pages, one report each, linked only by 下一页 (and stating
共200页): every report must land, however far down the chain.
`subcolumns`: a 年报 column with two reports whose year sub-columns each link ten new,
unique year sub-columns, without end: the per-column sub-column budget must stop it, and
the stop is recorded and counted.
"""

from __future__ import annotations

from gkcrawl.demo.furniture import page_html
from gkcrawl.demo.server import Page, Request, StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder

from .style_common import DEPARTMENTS, ReportEntry, identity_for, publish_report, report_entry

LONG_BODY = "长河市人民政府"
LONG_PAGES = 200
GENERATOR_BODY = "千峰县人民政府"
GENERATOR_PREFIX = "/xxgk/nb/fl/"
CRUMBS = [("政府信息公开", "/xxgk/index.html"), ("政府信息公开年报", "/xxgk/nb/index.html")]


def _section(builder: SiteBuilder) -> None:
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    builder.column("/xxgk/index.html", "政府信息公开", CRUMBS[:1],
                   builder.simple_list([("政府信息公开年报", "/xxgk/nb/index.html", "")]))


def _long_entries() -> list[ReportEntry]:
    agencies = [LONG_BODY[:3] + d for d in DEPARTMENTS[:LONG_PAGES // 10]]
    return [report_entry("/xxgk/nb", agency, year, relative=False)
            for year in range(2023, 2013, -1) for agency in agencies]


def _list_page(number: int) -> str:
    return "/xxgk/nb/index.html" if number == 0 else f"/xxgk/nb/index_{number}.html"


def build_longlist(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for(LONG_BODY, 21))
    _section(builder)
    entries = _long_entries()
    for number, entry in enumerate(entries):
        publish_report(builder, entry, CRUMBS)
        pager = f"<p>共{LONG_PAGES}页 第{number + 1}页"
        if number + 1 < len(entries):
            pager += f' <a href="{_list_page(number + 1)}">下一页</a>'
        builder.column(_list_page(number), "政府信息公开年报", CRUMBS,
                       builder.simple_list([(entry.title, entry.path, entry.published)], pager + "</p>"))
    return builder.build()


def manifest_longlist(generation: int = 1) -> Manifest:
    return Manifest({e.path for e in _long_entries()}, set(), {"list_pages": LONG_PAGES})


def _generator_entries() -> list[ReportEntry]:
    return [report_entry("/xxgk/nb", GENERATOR_BODY, year, relative=False) for year in (2022, 2023)]


def build_subcolumns(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for(GENERATOR_BODY, 22))
    ident = builder.identity
    _section(builder)
    entries = _generator_entries()
    for entry in entries:
        publish_report(builder, entry, CRUMBS)

    def children(key: str) -> str:
        return builder.simple_list([(f"{2014 + k}年", f"{GENERATOR_PREFIX}{key}{k}/index.html", "") for k in range(10)])

    builder.column("/xxgk/nb/index.html", "政府信息公开年报", CRUMBS,
                   builder.simple_list([(e.title, e.path, e.published) for e in entries]) + children(""))

    def answer(request: Request) -> Page | None:
        if not (request.path.startswith(GENERATOR_PREFIX) and request.path.endswith("/index.html")):
            return None
        key = request.path[len(GENERATOR_PREFIX):-len("/index.html")]
        if not key.isdigit():
            return None
        return Page(page_html(ident, "政府信息公开年报", CRUMBS, children(key)).encode())

    builder.dynamic.append(answer)
    return builder.build()


def manifest_subcolumns(generation: int = 1) -> Manifest:
    return Manifest({e.path for e in _generator_entries()}, set(), {"generator_prefix": GENERATOR_PREFIX})
