"""The `attachments` portal: reports published as .pdf, .docx and .doc files linked from short
notice pages (`附件：XX局2021年政府信息公开工作年度报告.pdf`), and one report published both as
an HTML page and as a PDF.

Manifest: the files (and the full HTML report) are reports; a notice page that only links its
file is listed under "notices": it is neither a report nor a distractor.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from html import escape
from pathlib import Path

from gkcrawl.demo.furniture import ArticleMeta
from gkcrawl.demo.server import StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial, trs_doc_path

from .style_common import ATTACHMENT_DIR, identity_for, publish_date, publish_report, report_entry

BODY = "白鹭区人民政府"
CONTENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class AttachmentSpec:
    """One report file: who, which year, which format, and whether an HTML twin exists."""

    agency: str
    year: int
    kind: str                 # pdf | docx | doc
    seed: int
    html_twin: bool = False   # the report is also published as an HTML page

    @property
    def filename(self) -> str:
        return f"{self.kind}_{stable_serial(self.agency, self.year, digits=6)}.{self.kind}"

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    @property
    def published(self) -> str:
        return publish_date(self.year, self.agency)

    @property
    def notice_path(self) -> str:
        return trs_doc_path("/xxgk/nb", self.published, stable_serial("notice", self.agency, self.year))

    @property
    def file_path(self) -> str:
        day = self.published.replace("-", "")
        return f"/xxgk/nb/{day[:6]}/P0{day}{stable_serial(self.agency, self.year, digits=12)}.{self.kind}"


ATTACHMENTS = (
    AttachmentSpec("白鹭区教育局", 2021, "pdf", seed=21),
    AttachmentSpec("白鹭区民政局", 2020, "docx", seed=22),
    AttachmentSpec("白鹭区财政局", 2019, "doc", seed=23),
    AttachmentSpec(BODY, 2021, "pdf", seed=24, html_twin=True),
)


WORK_POINTS_TITLE = "白鹭区2022年政务公开工作要点"
WORK_POINTS_FILE = "work_points_2022.docx"   # a Word attachment that is not a report
WORK_POINTS_PATH = "/xxgk/tzgg/202204/P020220406000000000001.docx"


def attachment_bytes(spec: AttachmentSpec) -> bytes:
    """The committed file, read as package data."""
    return ATTACHMENT_DIR.joinpath(spec.filename).read_bytes()


def _attachment_link(spec: AttachmentSpec, page_path: str) -> str:
    """`附件：title.pdf`, linked relative to the page as TRS writes it (./P0....pdf)."""
    href = posixpath.relpath(spec.file_path, posixpath.dirname(page_path))
    return (f'<div class="attachments"><p>附件：<a href="./{href}" title="{escape(spec.title)}.{spec.kind}">'
            f'{escape(spec.title)}.{spec.kind}</a></p></div>')


def build(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for(BODY, 20))
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    crumbs = [("政府信息公开", "/xxgk/index.html")]
    builder.column("/xxgk/index.html", "政府信息公开", crumbs,
                   builder.simple_list([("政府信息公开年报", "/xxgk/nb/index.html", ""),
                                        ("通知公告", "/xxgk/tzgg/index.html", "")]))
    nb_crumbs = [*crumbs, ("政府信息公开年报", "/xxgk/nb/index.html")]
    items = []
    for spec in ATTACHMENTS:
        builder.raw(spec.file_path, attachment_bytes(spec), CONTENT_TYPES[spec.kind], last_modified=spec.published,
                    headers=(("Content-Disposition", f"inline; filename={Path(spec.file_path).name}"),))
        if spec.html_twin:
            entry = report_entry("/xxgk/nb", spec.agency, spec.year, relative=False)
            publish_report(builder, entry, nb_crumbs, attachments_html=_attachment_link(spec, entry.path))
            items.append((entry.title, entry.path, entry.published))
            continue
        meta = ArticleMeta(index_no=f"{stable_serial(spec.agency, digits=9)}/{spec.published[:4]}-00008",
                           published=spec.published, source=spec.agency)
        builder.article(spec.notice_path, spec.title, nb_crumbs, meta,
                        f'<p style="text-indent:2em">现将{escape(spec.title)}予以公布。</p>',
                        attachments_html=_attachment_link(spec, spec.notice_path))
        items.append((spec.title, spec.notice_path, spec.published))
    builder.column("/xxgk/nb/index.html", "政府信息公开年报", nb_crumbs,
                   builder.simple_list(sorted(items, key=lambda item: item[2], reverse=True)))
    tz_crumbs = [*crumbs, ("通知公告", "/xxgk/tzgg/index.html")]
    title = "关于印发《白鹭区2022年政务公开工作要点》的通知"
    path = trs_doc_path("/xxgk/tzgg", "2022-04-06", stable_serial(title))
    file_path = WORK_POINTS_PATH
    news_article(builder, path, title, "2022-04-06", BODY, ["各街道、各部门：现将工作要点印发给你们，请认真贯彻落实。"],
                 tz_crumbs)
    page = builder.pages[path]
    body = page.body.replace(b'<div class="editor">', f'<p>附件：<a href="{file_path}">白鹭区2022年政务公开工作要点.docx</a></p><div class="editor">'.encode(), 1)
    builder.raw(path, body, page.content_type, last_modified="2022-04-06")
    builder.raw(file_path, ATTACHMENT_DIR.joinpath(WORK_POINTS_FILE).read_bytes(),
                CONTENT_TYPES["docx"], last_modified="2022-04-06")
    builder.column("/xxgk/tzgg/index.html", "通知公告", tz_crumbs, builder.simple_list([(title, path, "2022-04-06")]))
    return builder.build()


def manifest(generation: int = 1) -> Manifest:
    reports = {spec.file_path for spec in ATTACHMENTS}
    reports |= {report_entry("/xxgk/nb", s.agency, s.year, relative=False).path for s in ATTACHMENTS if s.html_twin}
    notices = {spec.notice_path for spec in ATTACHMENTS if not spec.html_twin}
    distractors = {trs_doc_path("/xxgk/tzgg", "2022-04-06", stable_serial("关于印发《白鹭区2022年政务公开工作要点》的通知")),
                   WORK_POINTS_PATH}
    return Manifest(reports, distractors, {"notices": notices,
                                           "kinds": {spec.file_path: spec.kind for spec in ATTACHMENTS}})
