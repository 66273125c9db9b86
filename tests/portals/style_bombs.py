"""The `bombs` portal: ordinary reports beside report files built to break the parser.

Each bomb is the attachment of a short notice, as real portals publish report files: a
tiny PDF that draws hundreds of thousands of objects, a 1,000-page PDF, a DOCX zip bomb,
and two .doc files whose converter hangs (with `bombs.fake_converters` on the crawl's PATH).
The bombs are generated when the portal is built, never committed.

Manifest: "reports" are the ordinary reports (stored with their tables); "bombs" maps each
bomb file's path to its kind (stored as failed parses); "notices" are the notice pages.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from gkcrawl.demo.furniture import ArticleMeta
from gkcrawl.demo.server import StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder, stable_serial, trs_doc_path

from . import bombs
from .style_common import identity_for, publish_date, publish_report, report_entry

BODY = "爆竹区人民政府"
COLUMN = "/xxgk/nb"
NORMAL_REPORTS = (("爆竹区教育局", 2021), ("爆竹区民政局", 2020), ("爆竹区财政局", 2022))
CONTENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class Bomb:
    agency: str
    year: int
    kind: str
    name: str                   # what it is, in the manifest
    make: Callable[[], bytes]

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    @property
    def published(self) -> str:
        return publish_date(self.year, self.agency)

    @property
    def notice_path(self) -> str:
        return trs_doc_path(COLUMN, self.published, stable_serial("notice", self.agency, self.year))

    @property
    def file_path(self) -> str:
        day = self.published.replace("-", "")
        return f"{COLUMN}/{day[:6]}/P0{day}{stable_serial(self.agency, self.year, digits=12)}.{self.kind}"


BOMBS = (
    Bomb("爆竹区公安局", 2021, "pdf", "pathological_pdf", bombs.pathological_pdf),
    Bomb("爆竹区司法局", 2021, "pdf", "thousand_page_pdf", bombs.thousand_page_pdf),
    Bomb("爆竹区水利局", 2021, "docx", "docx_zip_bomb", bombs.docx_zip_bomb),
    Bomb("爆竹区审计局", 2021, "doc", "antiword_hangs", lambda: bombs.HANG_ANTIWORD_DOC),
    Bomb("爆竹区统计局", 2021, "doc", "soffice_hangs", lambda: bombs.HANG_SOFFICE_DOC),
)


def _attachment_link(bomb: Bomb) -> str:
    href = posixpath.relpath(bomb.file_path, posixpath.dirname(bomb.notice_path))
    return (f'<div class="attachments"><p>附件：<a href="./{href}">{escape(bomb.title)}.{bomb.kind}</a></p></div>')


def build(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for(BODY, 66))
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    crumbs = [("政府信息公开", "/xxgk/index.html")]
    builder.column("/xxgk/index.html", "政府信息公开", crumbs,
                   builder.simple_list([("政府信息公开年报", f"{COLUMN}/index.html", "")]))
    nb_crumbs = [*crumbs, ("政府信息公开年报", f"{COLUMN}/index.html")]
    items = []
    for agency, year in NORMAL_REPORTS:
        entry = report_entry(COLUMN, agency, year, relative=False)
        publish_report(builder, entry, nb_crumbs)
        items.append((entry.title, entry.path, entry.published))
    for bomb in BOMBS:
        builder.raw(bomb.file_path, bomb.make(), CONTENT_TYPES[bomb.kind], last_modified=bomb.published)
        meta = ArticleMeta(index_no=f"{stable_serial(bomb.agency, digits=9)}/{bomb.published[:4]}-00009",
                           published=bomb.published, source=bomb.agency)
        builder.article(bomb.notice_path, bomb.title, nb_crumbs, meta,
                        f'<p style="text-indent:2em">现将{escape(bomb.title)}予以公布。</p>',
                        attachments_html=_attachment_link(bomb))
        items.append((bomb.title, bomb.notice_path, bomb.published))
    builder.column(f"{COLUMN}/index.html", "政府信息公开年报", nb_crumbs,
                   builder.simple_list(sorted(items, key=lambda item: item[2], reverse=True)))
    return builder.build()


def manifest(generation: int = 1) -> Manifest:
    reports = {report_entry(COLUMN, agency, year, relative=False).path for agency, year in NORMAL_REPORTS}
    return Manifest(reports, set(), {"bombs": {bomb.file_path: bomb.name for bomb in BOMBS},
                                     "notices": {bomb.notice_path for bomb in BOMBS}})
