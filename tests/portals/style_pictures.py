"""A portal whose report pages publish their tables as pictures (tests/test_ocr_pages.py).

Home -> 政府信息公开 -> 政府信息公开年报, three reports: one whose parts 二 and 四 are PNG pictures
(served), one whose part 四 picture answers 404, one whose part 四 picture is under a path
robots.txt disallows. Part 三 stays an HTML table on both, so each
crawl reads only the few pictures OCR must (several seconds each). Not in the registry: the
portal-wide tests do not OCR."""

from __future__ import annotations

from gkcrawl.demo.furniture import ArticleMeta
from gkcrawl.demo.picture_tables import table_pictures
from gkcrawl.demo.report_content import ReportDoc, make_report, report_body_html
from gkcrawl.demo.server import StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder

from .style_common import identity_for, report_entry

COLUMN = "/xxgk/nb"
CRUMBS = [("政府信息公开", "/xxgk/index.html"), ("政府信息公开年报", f"{COLUMN}/index.html")]
PICTURED = ("测试市交通运输局", 2021, 3)      # parts 二 and 四 as pictures, both served
BROKEN = ("测试市水利局", 2021, 4)            # part 四 as a picture that answers 404
ROBOTS = ("测试市统计局", 2021, 5)            # part 四 as a picture robots.txt refuses (/admin/)
PAGES = (("pictured", PICTURED), ("broken", BROKEN), ("robots", ROBOTS))
PICTURE_PARTS = ("二", "四")


def report(spec: tuple[str, int, int]) -> ReportDoc:
    agency, year, seed = spec
    return make_report(agency, year, seed=seed)


def _paths() -> dict[str, str]:
    return {name: report_entry(COLUMN, report(spec).agency, spec[1]).path
            for name, spec in PAGES}




def truth_html(spec: tuple[str, int, int]) -> str:
    """The same report with its tables as HTML: what the pictures should read as."""
    return report_body_html(report(spec))


def build(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for("测试市人民政府", 77))
    builder.common_pages('<div><a href="/xxgk/index.html">政府信息公开</a></div>', [])
    builder.column("/xxgk/index.html", "政府信息公开", CRUMBS[:1],
                   f'<ul><li><a href="{COLUMN}/index.html">政府信息公开年报</a></li></ul>')
    items = []
    for name, spec in PAGES:
        doc = report(spec)
        entry = report_entry(COLUMN, doc.agency, spec[1])
        parts = PICTURE_PARTS if name == "pictured" else ("四",)
        prefix = "/admin/pics/" if name == "robots" else f"./{name}_pics/"
        body, _, pictures = table_pictures(doc, parts, prefix=prefix, draw=name == "pictured")
        meta = ArticleMeta(index_no=f"000077/{entry.published[:4]}-{len(items) + 1:05d}", published=entry.published,
                           source=doc.agency)
        builder.article(entry.path, doc.title, CRUMBS, meta, body)
        folder = entry.path.rsplit("/", 1)[0] + f"/{name}_pics/"
        for file_name, data in pictures.items():
            if name == "pictured":
                builder.raw(folder + file_name, data, "image/png", last_modified=entry.published)
        items.append((doc.title, entry.path, entry.published))
    builder.column(f"{COLUMN}/index.html", "政府信息公开年报", CRUMBS, builder.simple_list(items))
    return builder.build()


def manifest(generation: int = 1) -> Manifest:
    paths = _paths()
    return Manifest(reports=set(paths.values()), extra={"paths": paths})


STALLING = ("测试市审计局", 2021, 6)  # part 四 as a picture that stalls (generation 1), then answers (2)


def build_stalling(context: BuildContext) -> StaticSite:
    """One report whose part 四 picture hangs in generation 1 and is served from generation 2."""
    from gkcrawl.demo.server import Page

    builder = SiteBuilder(identity_for("测试市人民政府", 78))
    builder.common_pages('<div><a href="/xxgk/index.html">政府信息公开</a></div>', [])
    builder.column("/xxgk/index.html", "政府信息公开", CRUMBS[:1],
                   f'<ul><li><a href="{COLUMN}/index.html">政府信息公开年报</a></li></ul>')
    doc = report(STALLING)
    entry = report_entry(COLUMN, doc.agency, STALLING[1])
    body, _, pictures = table_pictures(doc, ("四",), prefix="./stalling_pics/")
    meta = ArticleMeta(index_no=f"000078/{entry.published[:4]}-00001", published=entry.published, source=doc.agency)
    builder.article(entry.path, doc.title, CRUMBS, meta, body)
    picture = entry.path.rsplit("/", 1)[0] + "/stalling_pics/appeals.png"
    builder.pages[picture] = Page(pictures["appeals.png"], "image/png", cacheable=context.generation > 1,
                                  fault="stall" if context.generation == 1 else None)
    builder.column(f"{COLUMN}/index.html", "政府信息公开年报", CRUMBS,
                   builder.simple_list([(doc.title, entry.path, entry.published)]))
    return builder.build()


def manifest_stalling(generation: int = 1) -> Manifest:
    agency, year, _ = STALLING
    return Manifest(reports={report_entry(COLUMN, report(STALLING).agency, year).path})
