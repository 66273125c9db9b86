"""The `demo` portal: the five seed reports on a miniature TRS-style government portal.

What it makes the crawler do: find 政府信息公开 -> 政府信息公开年报, read the pager from the
`createPageHTML(2, 0, "index", "html")` script (no `<a>` to index_1.html exists), decode a
GBK page whose HTTP header says utf-8, skip distractors (a 图解, a 法治政府建设年度报告, 工作要点,
工作总结, news), and run a browser for the 部门年报 column whose list only JavaScript builds, read a report
published only as a scanned PDF (OCR), and fetch the pictures a report page's tables were pasted as
(parts 二/三/四 as PNG, read by OCR).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from importlib import resources

from . import cross_year, picture_tables
from .furniture import ArticleMeta, Identity, trs_pager_script
from .report_content import make_report, report_body_html
from .server import StaticSite
from .sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial, trs_doc_path

IDENTITY = Identity(body_name="示范市人民政府", icp="示ICP备20210129号-1",
                    police_record="示公网安备 00000000000001号", site_code="0000000001",
                    organizer="示范市人民政府办公室", operator="示范市大数据中心",
                    conac_id="0D5E3C8A9B1F4E2A")

SECTION = "/xxgk/index.html"
REPORT_COLUMN = "/xxgk/zfxxgknb"
JS_COLUMN = "/xxgk/bmnb"
CRUMBS_SECTION = [("政府信息公开", SECTION)]
CRUMBS_REPORTS = [*CRUMBS_SECTION, ("政府信息公开年报", f"{REPORT_COLUMN}/index.html")]


@dataclass(frozen=True)
class SeedReport:
    """How one seed text is published on the demo portal."""

    filename: str
    title: str
    published: str
    source: str
    layout: str            # p | pre | div
    encoding: str = "utf-8"
    index_no: str = ""

    @property
    def path(self) -> str:
        return trs_doc_path(REPORT_COLUMN, self.published, stable_serial(self.filename))


SEEDS = (
    SeedReport("004_9c54dd0711697be7.txt", "市城管执法局2020年政府信息公开工作年度报告", "2021-01-29",
               "德阳市政府", "div", index_no="510600-2021-000510"),
    SeedReport("000_c493ddf6db4f273e.txt", "常德市行政审批服务局2020年度政府信息公开工作报告", "2021-01-29",
               "常德市行政审批服务局", "p"),
    SeedReport("001_a649cb153f94700b.txt", "朔州市人民政府2020年政府信息公开工作年度报告", "2021-01-28",
               "朔州市人民政府办公室", "pre"),
    SeedReport("002_d283978da91e14c9.txt", "海东市平安区政务服务中心 2019年政府信息公开工作制度报告", "2020-01-20",
               "海东市平安区政务服务中心", "pre", encoding="gbk"),
    SeedReport("003_e121fe427aa0e29e.txt", "南通市行政審批局2019年政府信息公開工作年度報告", "2020-01-21",
               "南通市行政審批局", "p"),
)
PAGE_SIZE = 4  # 年报 list: page 0 holds 3 reports and the 图解, page 1 the two 2019 reports

# A report published only as a scan (图片版): a notice links a PDF of page pictures, no text
# layer. The parser reads it by OCR; every number it archives is marked source = ocr.
SCAN_TITLE = "金华市婺城区教育局2021年政府信息公开工作年度报告（扫描件）"
SCAN_PUBLISHED = "2022-01-20"
SCAN_FILE = "jinhua_wucheng_edu_2021_scan.pdf"
SCAN_NOTICE_PATH = trs_doc_path(REPORT_COLUMN, SCAN_PUBLISHED, 5012288)
SCAN_PDF_PATH = f"{REPORT_COLUMN}/202201/P020220120000000012288.pdf"

# A report page whose three tables were pasted as pictures (screenshots of the tables): the
# crawler fetches them with the page, the parser reads them by OCR (gkcrawl/demo/picture_tables.py
# drew them; the committed PNGs are in site/pictures/).
PICTURE_REPORT_PUBLISHED = "2022-01-18"
PICTURE_REPORT_PATH = trs_doc_path(REPORT_COLUMN, PICTURE_REPORT_PUBLISHED, 5012277)
PICTURE_DIR = f"{REPORT_COLUMN}/202201/W020220118"

JS_REPORT_AGENCY = "示范市数据资源管理局"
JS_REPORT_PUBLISHED = "2022-01-25"
JS_REPORT_SERIAL = 5012346
JS_REPORT_PATH = trs_doc_path(JS_COLUMN, JS_REPORT_PUBLISHED, JS_REPORT_SERIAL)

DISTRACTORS = (
    # (path, title, published, column crumbs)
    (trs_doc_path(REPORT_COLUMN, "2021-02-05", 4530112), "图解：示范市2020年政府信息公开工作年度报告", "2021-02-05"),
    (trs_doc_path("/xxgk/fgwj", "2021-03-10", 4588021), "示范市2020年法治政府建设年度报告", "2021-03-10"),
    (trs_doc_path("/xxgk/fgwj", "2021-04-02", 4601377), "示范市2021年政务公开工作要点", "2021-04-02"),
    (trs_doc_path("/xxgk/gzdt", "2021-01-15", 4499810), "示范市2020年政务公开工作总结", "2021-01-15"),
    (trs_doc_path("/xwzx/bmdt", "2021-03-22", 4593005), "示范市召开2021年政务公开工作推进会", "2021-03-22"),
    (trs_doc_path("/xwzx/bmdt", "2021-02-18", 4560441), "市数据资源管理局发布2020年度政务数据开放报告", "2021-02-18"),
    (trs_doc_path("/xwzx/bmdt", "2021-01-08", 4480967), "示范市举办政府信息公开业务培训班", "2021-01-08"),
)


def seed_text(filename: str) -> str:
    """A seed report's text, read from the package data (works installed)."""
    return resources.files("gkcrawl.demo").joinpath("site", "seeds", filename).read_text(encoding="utf-8")


def seed_body_html(text: str, layout: str) -> str:
    """The seed's words and numbers exactly, in the page layout the seed came from."""
    lines = text.split("\n")
    if layout == "pre":
        return f'<pre class="report-text">{escape(text)}</pre>'
    tag = "div" if layout == "div" else "p"
    return "\n".join(f"<{tag}>{escape(line)}</{tag}>" if line.strip() else f"<{tag}><br></{tag}>"
                     for line in lines)


def _distractor_text(title: str) -> list[str]:
    if "法治政府" in title:
        return ["现将2020年法治政府建设情况报告如下。", "一、2020年推进法治政府建设的主要举措和成效",
                "二、存在的不足和原因", "三、2021年推进法治政府建设的主要安排"]
    if "图解" in title:
        return ["图解内容：主动公开政府信息、依申请公开办理、行政复议和行政诉讼情况一图读懂。"]
    return [f"{title}。", "会议要求，各单位要进一步提高认识，压实责任，推动政务公开工作提质增效。"]


def _js_column_html() -> str:
    # The list is built at run time from an array; the URL is assembled from the date and id,
    # so no static reading of the page finds the report's address.
    data = json.dumps([[JS_REPORT_SERIAL, f"{JS_REPORT_AGENCY}2021年政府信息公开工作年度报告", JS_REPORT_PUBLISHED]],
                      ensure_ascii=False)
    return ('<ul class="list" id="docList"></ul>\n<script type="text/javascript">\n'
            f"var docData = {data};\n"
            "(function(){\n  var ul = document.getElementById('docList');\n"
            "  for (var i = 0; i < docData.length; i++) {\n"
            "    var d = docData[i], day = d[2].replace(/-/g, '');\n"
            "    var li = document.createElement('li'), a = document.createElement('a');\n"
            "    a.setAttribute('href', './' + day.substring(0, 6) + '/t' + day + '_' + d[0] + '.html');\n"
            "    a.setAttribute('title', d[1]); a.appendChild(document.createTextNode(d[1]));\n"
            "    var span = document.createElement('span'); span.appendChild(document.createTextNode(d[2]));\n"
            "    li.appendChild(a); li.appendChild(span); ul.appendChild(li);\n  }\n})();\n</script>")


def build(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(IDENTITY)
    columns = [("机构职能", "/xxgk/jgzn/index.html"), ("法规文件", "/xxgk/fgwj/index.html"),
               ("政府信息公开指南", "/xxgk/gkzn/index.html"), ("政府信息公开年报", f"{REPORT_COLUMN}/index.html"),
               ("部门年报", f"{JS_COLUMN}/index.html"), ("工作动态", "/xxgk/gzdt/index.html"),
               (cross_year.COLUMN_NAME, f"{cross_year.COLUMN}/index.html")]
    news = [(t, p, d) for p, t, d in DISTRACTORS if p.startswith("/xwzx/")]
    home = ('<div class="home-xxgk"><h2><a href="/xxgk/index.html">政府信息公开</a></h2><ul>'
            + "".join(f'<li><a href="{href}">{name}</a></li>' for name, href in columns) + "</ul></div>"
            + '<div class="home-news"><h2><a href="/xwzx/index.html">新闻中心</a></h2>'
            + builder.simple_list(news) + "</div>")
    builder.common_pages(home, news)
    section_list = "".join(f'<li class="col"><a href="{href}">{name}</a></li>' for name, href in columns)
    builder.column(SECTION, "政府信息公开", CRUMBS_SECTION, f'<ul class="columns">{section_list}</ul>',
                   side_links=columns)
    builder.column("/xxgk/jgzn/index.html", "机构职能", [*CRUMBS_SECTION, ("机构职能", "/xxgk/jgzn/index.html")],
                   "<p>示范市人民政府办公室是市人民政府的工作部门，负责市政府日常工作的综合协调。</p>",
                   side_links=columns)
    builder.column("/xxgk/gkzn/index.html", "政府信息公开指南",
                   [*CRUMBS_SECTION, ("政府信息公开指南", "/xxgk/gkzn/index.html")],
                   "<p>公民、法人或者其他组织可以通过门户网站政府信息公开专栏获取主动公开的政府信息，"
                   "也可以依法申请获取政府信息。</p>", side_links=columns)

    by_column: dict[str, list[tuple[str, str, str]]] = {}
    for path, title, published in DISTRACTORS:
        column = path.rsplit("/", 2)[0]
        column_names = {href.rsplit("/", 1)[0]: name for name, href in columns}
        crumbs = ([("新闻中心", "/xwzx/index.html")] if column.startswith("/xwzx")
                  else [*CRUMBS_SECTION, (column_names[column], f"{column}/index.html")])
        news_article(builder, path, title, published, "示范市人民政府办公室", _distractor_text(title), crumbs)
        by_column.setdefault(column, []).append((title, path, published))
    for column in ("/xxgk/fgwj", "/xxgk/gzdt"):
        name = {"/xxgk/fgwj": "法规文件", "/xxgk/gzdt": "工作动态"}[column]
        builder.column(f"{column}/index.html", name, [*CRUMBS_SECTION, (name, f"{column}/index.html")],
                       builder.simple_list(by_column[column]), side_links=columns)

    report_items = []
    for seed in SEEDS:
        index_no = seed.index_no or f"{stable_serial(seed.filename, digits=9)}/{seed.published[:4]}-00012"
        meta = ArticleMeta(index_no=index_no,
                           published=seed.published, source=seed.source)
        content = seed_body_html(seed_text(seed.filename), seed.layout)
        if seed.encoding == "gbk":
            # GBK bytes, a <meta> that says gb2312, and an HTTP header that lies (utf-8).
            builder.article(seed.path, seed.title, CRUMBS_REPORTS, meta, content, encoding="gbk",
                            content_type="text/html; charset=utf-8", meta_charset="gb2312")
        else:
            builder.article(seed.path, seed.title, CRUMBS_REPORTS, meta, content)
        report_items.append((seed.title, seed.path, seed.published))
    scan = resources.files("gkcrawl.demo").joinpath("site", "scans", SCAN_FILE).read_bytes()
    builder.raw(SCAN_PDF_PATH, scan, "application/pdf", last_modified=SCAN_PUBLISHED)
    builder.article(SCAN_NOTICE_PATH, SCAN_TITLE, CRUMBS_REPORTS,
                    ArticleMeta(index_no="000014349/2022-00019", published=SCAN_PUBLISHED, source="金华市婺城区教育局"),
                    f'<p style="text-indent:2em">现将{escape(SCAN_TITLE)}予以公布。</p>',
                    attachments_html=f'<div class="attachments"><p>附件：<a href="./{SCAN_PDF_PATH.rsplit("/", 1)[1]}">'
                                     f'{escape(SCAN_TITLE)}.pdf</a></p></div>')
    report_items.append((SCAN_TITLE, SCAN_NOTICE_PATH, SCAN_PUBLISHED))
    report_items.append(_picture_report(builder))
    items = sorted(report_items + by_column[REPORT_COLUMN], key=lambda item: item[2], reverse=True)
    pages = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]
    for number, page_items in enumerate(pages):
        name = "index.html" if number == 0 else f"index_{number}.html"
        builder.column(f"{REPORT_COLUMN}/{name}", "政府信息公开年报", CRUMBS_REPORTS,
                       builder.simple_list(page_items, trs_pager_script(len(pages), number)), side_links=columns)

    doc = make_report(JS_REPORT_AGENCY, 2021, seed=6)
    js_meta = ArticleMeta(index_no="000014349/2022-00031", published=JS_REPORT_PUBLISHED, source=JS_REPORT_AGENCY)
    builder.article(JS_REPORT_PATH, doc.title, [*CRUMBS_SECTION, ("部门年报", f"{JS_COLUMN}/index.html")],
                    js_meta, report_body_html(doc))
    builder.column(f"{JS_COLUMN}/index.html", "部门年报", [*CRUMBS_SECTION, ("部门年报", f"{JS_COLUMN}/index.html")],
                   _js_column_html(), side_links=columns)
    _cross_year_column(builder, columns)
    return builder.build()


def _picture_report(builder: SiteBuilder) -> tuple[str, str, str]:
    """The report whose tables are pictures: its page, and its three PNGs beside it."""
    doc = picture_tables.demo_report()
    body, sources, _ = picture_tables.table_pictures(doc, tuple(picture_tables.PART_FILES), prefix="./W020220118/",
                                                     draw=False)
    folder = resources.files("gkcrawl.demo").joinpath(*picture_tables.DEMO_PICTURES)
    for src in sources.values():
        name = src.rsplit("/", 1)[1]
        builder.raw(f"{PICTURE_DIR}/{name}", folder.joinpath(name).read_bytes(), "image/png",
                    last_modified=PICTURE_REPORT_PUBLISHED)
    meta = ArticleMeta(index_no="000014349/2022-00017", published=PICTURE_REPORT_PUBLISHED, source=doc.agency)
    builder.article(PICTURE_REPORT_PATH, doc.title, CRUMBS_REPORTS, meta, body)
    return doc.title, PICTURE_REPORT_PATH, PICTURE_REPORT_PUBLISHED


def _cross_year_column(builder: SiteBuilder, columns: list[tuple[str, str]]) -> None:
    """部门年度报告: one body over three years, a copy, a page with its PDF (cross_year.py)."""
    crumbs = [*CRUMBS_SECTION, (cross_year.COLUMN_NAME, f"{cross_year.COLUMN}/index.html")]
    items = []
    for report in cross_year.reports():
        meta = ArticleMeta(index_no=f"{stable_serial(report.key, digits=9)}/{report.published[:4]}-00021",
                           published=report.published, source=report.doc.agency)
        attachments = ""
        if report.attachment:
            name = report.attachment.rsplit("/", 1)[1]
            builder.raw(report.attachment, cross_year.pdf_bytes(), "application/pdf", last_modified=report.published,
                        headers=(("Content-Disposition", f"inline; filename={name}"),))
            attachments = (f'<div class="attachments"><p>附件：<a href="{report.attachment}" '
                           f'title="{escape(report.doc.title)}.pdf">{escape(report.doc.title)}.pdf</a></p></div>')
        builder.article(report.path, report.doc.title, crumbs, meta, report_body_html(report.doc),
                        attachments_html=attachments)
        items.append((report.doc.title, report.path, report.published))
    builder.column(f"{cross_year.COLUMN}/index.html", cross_year.COLUMN_NAME, crumbs,
                   builder.simple_list(sorted(items, key=lambda item: item[2], reverse=True)), side_links=columns)


def manifest(generation: int = 1) -> Manifest:
    linked = cross_year.reports()
    return Manifest(reports={seed.path for seed in SEEDS} | {JS_REPORT_PATH, SCAN_PDF_PATH, PICTURE_REPORT_PATH}
                    | {r.path for r in linked}
                    | {r.attachment for r in linked if r.attachment},
                    distractors={path for path, _, _ in DISTRACTORS},
                    extra={"gbk": {seed.path for seed in SEEDS if seed.encoding == "gbk"},
                           "js_only": {JS_REPORT_PATH}, "scanned": {SCAN_PDF_PATH}, "notices": {SCAN_NOTICE_PATH},
                           "pictured": {PICTURE_REPORT_PATH},
                           "cross_year": {r.key: r.path for r in linked},
                           "renditions": {(r.path, r.attachment) for r in linked if r.attachment}})
