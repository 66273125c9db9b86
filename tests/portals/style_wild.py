"""The `wild` portal: patterns of real gov.cn portals that the other styles do not show.

- The nav link to 政府信息公开 is an image with alt text only, to a section URL that says
  nothing (`/site/c100/index.shtml`); a separate 政务公开 column lives at `/col/col1234/`.
- 政府信息公开年报 (`/site/c105/`): TRS 海云 pager `createPageHTML('page_div', n, i, 'index',
  'shtml', count)`, `<base href="/">` with base-relative item links, truncated link texts
  with the full title in `title`, title variants (`2022年度政府信息公开工作年度报告`,
  `政府信息公开工作年度报告（2020年）`, `XX局2022年政府信息公开年报`).
- 乡镇年报 (`/site/c106/`): the old pager `createPageHTML(n, 0, "index", "shtml")`, links
  opened by `onclick="window.open('...')"`, 政务公开工作年度报告 with the template's tables
  (a report) and one without (a work summary: a distractor), a `.wps` attachment.
- 政务公开 > 年报 > 政府信息公开年报 > 部门年报 (a frameset whose frame is `index.jhtml`, paged
  by `?pageNo=N`, items in a 索引号 table, an attachment with a percent-encoded Chinese name
  sent with `Content-Disposition: attachment; filename*=UTF-8''…`) and 乡镇年报 (an iframe
  list paged by `?page=N` with only a 下一页 link, items as `javascript:openUrl('../../…')`).
"""

from __future__ import annotations

import dataclasses
from html import escape
from urllib.parse import quote

from gkcrawl.demo.furniture import ArticleMeta
from gkcrawl.demo.server import Page, Request, StaticSite
from gkcrawl.demo.sitebuild import PIXEL_PNG, BuildContext, Manifest, SiteBuilder, news_article, stable_serial

from .style_common import ATTACHMENT_DIR, ReportEntry, explainer_title, identity_for, publish_date, publish_report

BODY = "鹤川区人民政府"
SHORT = "鹤川区"
SECTION = "/site/c100/index.shtml"
NB_DIR = "/site/c105"
TOWN_DIR = "/site/c106"
OPEN_COLUMN = "/col/col1234/index.html"
NB_COLUMN = "/col/col1240/index.html"
OGI_COLUMN = "/col/col1241/index.html"
DEPT_COLUMN = "/col/col1242/index.html"
DEPT_FRAME = "/col/col1242/index.jhtml"
TOWN_COLUMN = "/col/col1243/index.html"
TOWN_FRAME = "/col/col1243/list.html"
STATS_COLUMN = "/col/col1249/index.html"
CHINESE_PDF = "/u/cms/2022/" + quote("附件1.pdf")
WPS_PATH = "/u/cms/2022/P020220301385711.wps"
# An OLE compound-file header and nothing a Word reader understands: WPS's own binary.
WPS_BYTES = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 24 + "WPS Office 金山文字".encode("utf-16-le") * 40
PAGE_SIZE = 4
TOWNS = ("青石镇", "白沙镇", "柳河乡")
DEPTS = ("教育局", "民政局", "财政局", "水利局")

Item = tuple[str, str, str]  # (full title, path, date)


@dataclasses.dataclass
class WildParts:
    """What the build produced: reports, distractors and notices (pages that only link a file)."""

    reports: set[str] = dataclasses.field(default_factory=set)
    distractors: set[str] = dataclasses.field(default_factory=set)
    notices: set[str] = dataclasses.field(default_factory=set)


def _doc_path(column_dir: str, published: str, key: object, ext: str = "shtml") -> str:
    day = published.replace("-", "")
    return f"{column_dir}/{day[:6]}/t{day}_{stable_serial(key)}.{ext}"


def _art_path(column_id: str, published: str, key: object) -> str:
    year, month, day = (int(part) for part in published.split("-"))
    return f"/art/{year}/{month}/{day}/art_{column_id}_{stable_serial(key)}.html"


def _short(title: str, limit: int = 18) -> str:
    """List templates cut titles: `鹤川区2021年政府信息公开工作年…`."""
    return title if len(title) <= limit else title[:limit] + "…"


def _report(builder: SiteBuilder, parts: WildParts, path: str, agency: str, year: int, title: str,
            crumbs: list[tuple[str, str]]) -> Item:
    entry = ReportEntry(agency, year, path, publish_date(year, agency + title), title, path)
    publish_report(builder, entry, crumbs)
    parts.reports.add(path)
    return title, path, entry.published


def _distractor(builder: SiteBuilder, parts: WildParts, path: str, title: str, published: str,
                crumbs: list[tuple[str, str]], paragraphs: list[str] | None = None) -> Item:
    news_article(builder, path, title, published, BODY, paragraphs or [f"{title}全文如下。", "（略）"], crumbs)
    parts.distractors.add(path)
    return title, path, published


def _notice_with_file(builder: SiteBuilder, parts: WildParts, path: str, title: str, published: str,
                      crumbs: list[tuple[str, str]], file_href: str, file_label: str) -> Item:
    meta = ArticleMeta(index_no=f"{stable_serial(path, digits=9)}/{published[:4]}-00011", published=published,
                       source=BODY)
    builder.article(path, title, crumbs, meta, f'<p style="text-indent:2em">现将{escape(title)}予以公布。</p>',
                    attachments_html=f'<p>附件：<a href="{escape(file_href)}">{escape(file_label)}</a></p>')
    parts.notices.add(path)
    return title, path, published


def _pager_new(total: int, current: int, count: int) -> str:
    return ('<div id="page_div"></div><script type="text/javascript">'
            f"createPageHTML('page_div', {total}, {current}, 'index', 'shtml', {count});</script>")


def _pager_old(total: int, current: int) -> str:
    return f'<div class="page"><script>createPageHTML({total}, {current}, "index", "shtml");</script></div>'


def _section(builder: SiteBuilder, side: list[tuple[str, str]]) -> list[tuple[str, str]]:
    crumbs = [("政府信息公开", SECTION)]
    builder.column(SECTION, "政府信息公开", crumbs, builder.simple_list([(n, h, "") for n, h in side]),
                   side_links=side)
    guide = "/site/c101/index.shtml"
    builder.column(guide, "政府信息公开指南", [*crumbs, ("政府信息公开指南", guide)],
                   "<p>本指南适用于公民、法人和其他组织向本机关申请获取政府信息。</p>", side_links=side)
    return crumbs


def _nb_column(builder: SiteBuilder, parts: WildParts, crumbs: list[tuple[str, str]],
               side: list[tuple[str, str]]) -> None:
    """政府信息公开年报: title variants, truncated texts, base-relative links, the 海云 pager."""
    crumbs = [*crumbs, ("政府信息公开年报", f"{NB_DIR}/index.shtml")]
    items: list[Item] = []
    variants = {2023: f"{SHORT}2023年政府信息公开工作年度报告", 2022: "2022年度政府信息公开工作年度报告",
                2021: f"{SHORT}2021年政府信息公开工作年度报告", 2020: "政府信息公开工作年度报告（2020年）",
                2019: f"{BODY}2019年政府信息公开年报"}
    for year, title in variants.items():
        published = publish_date(year, title)
        items.append(_report(builder, parts, _doc_path(NB_DIR, published, title), BODY, year, title, crumbs))
    for dept in DEPTS:
        for year in (2021, 2022):
            title = f"{SHORT}{dept}{year}年政府信息公开年报"
            published = publish_date(year, title)
            items.append(_report(builder, parts, _doc_path(NB_DIR, published, title), SHORT + dept, year, title,
                                 crumbs))
    for title, published in ((f"{SHORT}2021年法治政府建设年度报告", "2022-03-20"),
                             (f"{SHORT}2021年政府信息公开工作要点", "2021-04-02"),
                             (explainer_title(BODY, 2022), "2023-02-08")):
        items.append(_distractor(builder, parts, _doc_path(NB_DIR, published, title), title, published, crumbs))
    items.sort(key=lambda item: (item[2], item[1]), reverse=True)
    pages = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]
    for number, page_items in enumerate(pages):
        # <base href="/">: the hrefs are site-relative without a leading slash.
        rows = "\n".join(f'<li><a href="{escape(path[1:])}" target="_blank" title="{escape(title)}">'
                         f'{escape(_short(title))}</a><span>{date}</span></li>' for title, path, date in page_items)
        name = "index.shtml" if number == 0 else f"index_{number}.shtml"
        builder.column(f"{NB_DIR}/{name}", "政府信息公开年报", crumbs,
                       f'<ul class="list">{rows}</ul>{_pager_new(len(pages), number, len(items))}',
                       side_links=side, extra_head='<base href="/">\n')


def _town_column(builder: SiteBuilder, parts: WildParts, crumbs: list[tuple[str, str]],
                 side: list[tuple[str, str]]) -> None:
    """乡镇年报: 政务公开工作年度报告 with and without tables, window.open links, a .wps file."""
    crumbs = [*crumbs, ("乡镇年报", f"{TOWN_DIR}/index.shtml")]
    items: list[Item] = []
    for town in TOWNS:
        for year in (2022, 2023):
            title = f"{SHORT}{town}{year}年度政务公开工作年度报告"
            published = publish_date(year, title)
            items.append(_report(builder, parts, _doc_path(TOWN_DIR, published, title), SHORT + town, year, title,
                                 crumbs))
    summary = f"{SHORT}青石镇2021年度政务公开工作年度报告"
    items.append(_distractor(builder, parts, _doc_path(TOWN_DIR, "2022-01-20", summary), summary, "2022-01-20",
                             crumbs, ["2021年，青石镇扎实推进政务公开标准化规范化建设，公开栏更新42期。",
                                      "下一步，青石镇将继续深化基层政务公开。"]))
    wps_title = f"{SHORT}白沙镇2021年政府信息公开工作年度报告"
    notice = _doc_path(TOWN_DIR, "2022-03-01", wps_title)
    items.append(_notice_with_file(builder, parts, notice, wps_title, "2022-03-01", crumbs,
                                   "../../../" + WPS_PATH[1:], "白沙镇2021年政府信息公开工作年度报告.wps"))
    builder.raw(WPS_PATH, WPS_BYTES, "application/kswps", last_modified="2022-03-01")
    parts.reports.add(WPS_PATH)
    items.sort(key=lambda item: (item[2], item[1]), reverse=True)
    pages = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]
    for number, page_items in enumerate(pages):
        rows = "\n".join(f'<li><a href="javascript:void(0);" onclick="window.open(\'.{escape(path[len(TOWN_DIR):])}\')"'
                         f' title="{escape(title)}">{escape(_short(title))}</a><span>{date}</span></li>'
                         for title, path, date in page_items)
        name = "index.shtml" if number == 0 else f"index_{number}.shtml"
        builder.column(f"{TOWN_DIR}/{name}", "乡镇年报", crumbs,
                       f'<ul class="list">{rows}</ul>{_pager_old(len(pages), number)}', side_links=side)


def _dept_frame(builder: SiteBuilder, parts: WildParts, crumbs: list[tuple[str, str]]) -> list[list[Item]]:
    """部门年报 records (2019-2020 and notices), paged for the `index.jhtml?pageNo=N` frame."""
    items: list[Item] = []
    for dept in DEPTS[:3]:
        for year in (2019, 2020):
            title = f"{SHORT}{dept}{year}年政府信息公开工作年度报告"
            published = publish_date(year, title)
            items.append(_report(builder, parts, _art_path("1242", published, title), SHORT + dept, year, title,
                                 crumbs))
    pdf_title = f"{SHORT}水利局2021年政府信息公开年报"
    notice = _art_path("1242", "2022-01-18", pdf_title)
    items.append(_notice_with_file(builder, parts, notice, pdf_title, "2022-01-18", crumbs,
                                   "../../../../" + CHINESE_PDF[1:], "附件1.pdf"))
    pdf = ATTACHMENT_DIR.joinpath("pdf_783436.pdf").read_bytes()
    builder.raw(CHINESE_PDF, pdf, "application/octet-stream", last_modified="2022-01-18",
                headers=(("Content-Disposition", "attachment; filename*=UTF-8''" + quote("附件1.pdf")),))
    parts.reports.add(CHINESE_PDF)
    for title, published in ((f"{SHORT}财政局2021年部门决算", "2022-08-30"),
                             ("鹤川区市场主体2021年度企业年报公示", "2022-07-01")):
        items.append(_distractor(builder, parts, _art_path("1242", published, title), title, published, crumbs))
    items.sort(key=lambda item: (item[2], item[1]), reverse=True)
    return [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]


def _dept_frame_html(pages: list[list[Item]], number: int) -> str:
    rows = "\n".join(f'<tr><td>{stable_serial(path, digits=9)}/{date[:4]}-{stable_serial(title, digits=5)}</td>'
                     f'<td><a href="{escape(path)}" target="_blank" title="{escape(title)}">{escape(_short(title))}</a>'
                     f'</td><td>{date}</td></tr>' for title, path, date in pages[number - 1])
    numbers = " ".join(f'<a href="index.jhtml?pageNo={n}">{n}</a>' if n != number else f"<b>{n}</b>"
                       for n in range(1, len(pages) + 1))
    return ('<html><head><meta charset="utf-8"><title>部门年报</title></head><body>'
            '<table class="xxgk-list"><tr><th>索引号</th><th>名称</th><th>发布日期</th></tr>\n'
            f'{rows}</table><div class="pages">{numbers}</div></body></html>')


def _town_frame(builder: SiteBuilder, parts: WildParts, crumbs: list[tuple[str, str]]) -> list[list[Item]]:
    items: list[Item] = []
    for town in TOWNS:
        for year in (2019, 2020):
            title = f"{town}{year}年政府信息公开工作年度报告"
            published = publish_date(year, title)
            items.append(_report(builder, parts, _art_path("1243", published, title), SHORT + town, year, title,
                                 crumbs))
    title = f"{SHORT}2022年度统计年报"
    items.append(_distractor(builder, parts, _art_path("1243", "2023-03-01", title), title, "2023-03-01", crumbs))
    items.sort(key=lambda item: (item[2], item[1]), reverse=True)
    return [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]


def _town_frame_html(pages: list[list[Item]], number: int) -> str:
    # openUrl() takes a path relative to the frame (/col/col1243/): ../../art/...
    rows = "\n".join(f'<li><a href="javascript:openUrl(\'../..{escape(path)}\')" title="{escape(title)}">'
                     f'{escape(_short(title))}</a><span>{date}</span></li>' for title, path, date in pages[number - 1])
    pager = f'<a href="list.html?page={number + 1}">下一页</a>' if number < len(pages) else ""
    return ('<html><head><meta charset="utf-8"><title>乡镇年报</title><script>function openUrl(u){'
            'window.open(u);}</script></head><body>'
            f'<ul class="list">{rows}</ul><div class="pages">{pager}</div></body></html>')


def _frame_answer(pages_dept: list[list[Item]], pages_town: list[list[Item]]):
    def answer(request: Request) -> Page | None:
        if request.path == DEPT_FRAME:
            chosen, render, key = pages_dept, _dept_frame_html, "pageNo"
        elif request.path == TOWN_FRAME:
            chosen, render, key = pages_town, _town_frame_html, "page"
        else:
            return None
        raw = request.query.get(key, "1")
        number = int(raw) if raw.isdigit() else 0
        if not 1 <= number <= len(chosen):
            return Page(b"<html><body>no such page</body></html>", "text/html; charset=utf-8", status=404)
        return Page(render(chosen, number).encode("utf-8"), "text/html; charset=utf-8")
    return answer


def _open_columns(builder: SiteBuilder, parts: WildParts) -> None:
    """政务公开 > 年报 > 政府信息公开年报 > 部门年报 (frameset) / 乡镇年报 (iframe); 统计年报."""
    open_crumbs = [("政务公开", OPEN_COLUMN)]
    side = [("政策文件", "/col/col1235/index.html"), ("年报", NB_COLUMN), ("统计信息", STATS_COLUMN)]
    builder.column(OPEN_COLUMN, "政务公开", open_crumbs, builder.simple_list([(n, h, "") for n, h in side]),
                   side_links=side)
    builder.column("/col/col1235/index.html", "政策文件", [*open_crumbs, side[0]], "<p>暂无信息</p>", side_links=side)
    nb_crumbs = [*open_crumbs, ("年报", NB_COLUMN)]
    builder.column(NB_COLUMN, "年报", nb_crumbs, builder.simple_list(
        [("政府信息公开年报", OGI_COLUMN, ""), ("统计年报", STATS_COLUMN, "")]), side_links=side)
    ogi_crumbs = [*nb_crumbs, ("政府信息公开年报", OGI_COLUMN)]
    builder.column(OGI_COLUMN, "政府信息公开年报", ogi_crumbs, builder.simple_list(
        [("部门年报", DEPT_COLUMN, ""), ("乡镇年报", TOWN_COLUMN, "")]), side_links=side)
    stats_crumbs = [*open_crumbs, ("统计信息", STATS_COLUMN)]
    title = f"{SHORT}2022年度统计年报"
    stats_path = _art_path("1249", "2023-03-10", title)
    _distractor(builder, parts, stats_path, title, "2023-03-10", stats_crumbs)
    builder.column(STATS_COLUMN, "统计年报", stats_crumbs, builder.simple_list([(title, stats_path, "2023-03-10")]),
                   side_links=side)
    dept_crumbs = [*ogi_crumbs, ("部门年报", DEPT_COLUMN)]
    builder.html(DEPT_COLUMN, '<!DOCTYPE html><html><head><meta charset="utf-8"><title>部门年报</title></head>'
                 '<frameset rows="120,*"><frame src="/col/col1242/head.html" name="head">'
                 f'<frame src="{DEPT_FRAME}?pageNo=1" name="list"></frameset></html>')
    builder.html("/col/col1242/head.html", '<html><head><meta charset="utf-8"></head><body>'
                 f'<h2>{escape(BODY)} 部门年报</h2></body></html>')
    town_crumbs = [*ogi_crumbs, ("乡镇年报", TOWN_COLUMN)]
    builder.column(TOWN_COLUMN, "乡镇年报", town_crumbs,
                   f'<iframe src="{TOWN_FRAME}" width="100%" height="600" frameborder="0" scrolling="no"></iframe>',
                   side_links=side)
    builder.dynamic.append(_frame_answer(_dept_frame(builder, parts, dept_crumbs),
                                         _town_frame(builder, parts, town_crumbs)))


def _image_nav(builder: SiteBuilder) -> None:
    """Every page's nav reaches 政府信息公开 through an image: only its alt text names it."""
    text_link = f'<a href="{SECTION}" target="_self">政务公开</a>'.encode()
    image_link = (f'<a href="{SECTION}" target="_self"><img src="/images/nav_xxgk.png" '
                  'alt="政府信息公开"></a>').encode()
    for path, page in list(builder.pages.items()):
        if text_link in page.body:
            builder.pages[path] = dataclasses.replace(page, body=page.body.replace(text_link, image_link))
    builder.raw("/images/nav_xxgk.png", PIXEL_PNG, "image/png")


def _portal() -> tuple[SiteBuilder, WildParts]:
    builder = SiteBuilder(dataclasses.replace(identity_for(BODY, 31), section_path=SECTION))
    parts = WildParts()
    news = []
    for title, published in ((f"{SHORT}2022年政府工作报告", "2022-01-12"), (f"{SHORT}召开政务公开工作推进会", "2022-05-06")):
        news.append(_distractor(builder, parts, _doc_path("/xwzx", published, title), title, published,
                                [("新闻中心", "/xwzx/index.html")]))
    builder.common_pages(f'<div class="zwgk-entry"><a href="{OPEN_COLUMN}">政务公开</a></div>', news)
    side = [("政府信息公开指南", "/site/c101/index.shtml"), ("政府信息公开年报", f"{NB_DIR}/index.shtml"),
            ("乡镇年报", f"{TOWN_DIR}/index.shtml")]
    crumbs = _section(builder, side)
    _nb_column(builder, parts, crumbs, side)
    _town_column(builder, parts, crumbs, side)
    _open_columns(builder, parts)
    _image_nav(builder)
    return builder, parts


def build(context: BuildContext) -> StaticSite:
    return _portal()[0].build()


def manifest(generation: int = 1) -> Manifest:
    _, parts = _portal()
    return Manifest(set(parts.reports), set(parts.distractors),
                    {"notices": set(parts.notices), "wps": WPS_PATH, "chinese_name": CHINESE_PDF})
