"""The `wild2` portal: CMS families of gov.cn portals the `wild` style does not imitate.

- 开普云/政务云 site group: the home page and the 政务公开 page are blocks (通知公告, 政府信息公开年报 …),
  each with a `更多>>` link; the block title is the only name of the list behind it.
- The 政府信息公开年报 list is a JSP page (`/info/iList.jsp?cat_id=10234`) paginated only by a
  POST form (`pageForm`, hidden `cur_page`) driven by `javascript:goPage(n)` links.
- 部门年报 is filled by a script from a JSON API (`/api/list?columnId=2106&pageNo=1&pageSize=8`).
- 单位年报 has year sub-columns (`2022年度`) whose items are only agency names.
- A report notice shows its PDF in a pdf.js viewer `<iframe>` (`viewer.html?file=/uploads/…pdf`).
- The 政府信息公开平台 lives on a sibling host: `http://localhost:PORT/xxgk/…` (the same server
  reached under another host name), entered only when the registry allows that host.
- Distractors in the same columns: a 解读, a 关于报送…的通知, a 图解, a 人口统计年报.
"""

from __future__ import annotations

import dataclasses
import json
import re
from html import escape

from gkcrawl.demo.furniture import ArticleMeta, column_html, page_html
from gkcrawl.demo.server import Page, Request, StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial

from .style_common import ATTACHMENT_DIR, ReportEntry, identity_for, publish_date, publish_report

BODY = "澜江市人民政府"
SHORT = "澜江市"
SECTION = "/zwgk/index.html"
NOTICE_COLUMN = "/col/col2001/index.html"
ILIST = "/info/iList.jsp"
ILIST_CAT = "10234"
DEPT_COLUMN = "/col/col2106/index.html"
API_LIST = "/api/list"
API_COLUMN_ID = "2106"
API_PAGE_SIZE = 8
UNIT_COLUMN = "/col/col2107/index.html"
YEAR_COLUMNS = {2022: "/col/col2108/index.html", 2021: "/col/col2109/index.html"}
VIEWER = "/pdfjs/web/viewer.html"
VIEWER_PDF = "/uploads/2022/P020220315390012345678.pdf"
SIBLING_PREFIX = "/xxgk/"
SIBLING_HOST = "localhost"
ILIST_PAGE_SIZE = 4
UNITS = ("市发展和改革委员会", "市公安局", "市司法局", "市商务局")
DEPTS = ("教育局", "民政局", "财政局", "水利局", "审计局", "统计局", "林业局", "体育局", "信访局")

Item = tuple[str, str, str]  # (title as listed, path, date)


@dataclasses.dataclass
class Wild2Parts:
    """What the build produced, by kind; sibling-host reports are kept apart."""

    reports: set[str] = dataclasses.field(default_factory=set)
    distractors: set[str] = dataclasses.field(default_factory=set)
    notices: set[str] = dataclasses.field(default_factory=set)
    sibling_reports: set[str] = dataclasses.field(default_factory=set)


def _art_path(column_id: str, published: str, key: object) -> str:
    year, month, day = (int(part) for part in published.split("-"))
    return f"/art/{year}/{month}/{day}/art_{column_id}_{stable_serial(key, digits=6)}.html"


def _content_path(folder: str, key: object) -> str:
    return f"/zwgk/{folder}/content_{stable_serial(key, digits=6)}.html"


def _report(builder: SiteBuilder, reports: set[str], path: str, agency: str, year: int, title: str,
            crumbs: list[tuple[str, str]]) -> Item:
    entry = ReportEntry(agency, year, path, publish_date(year, agency + title), title, path)
    publish_report(builder, entry, crumbs)
    reports.add(path)
    return title, path, entry.published


def _distractor(builder: SiteBuilder, parts: Wild2Parts, path: str, title: str, published: str,
                crumbs: list[tuple[str, str]]) -> Item:
    news_article(builder, path, title, published, BODY, [f"{title}全文如下。", "（略）"], crumbs)
    parts.distractors.add(path)
    return title, path, published


def _block(title: str, more_href: str, items: list[Item]) -> str:
    """A 开普云 home-page block: a title, a `更多>>` link beside it, the newest few items."""
    rows = "".join(f'<li><a href="{escape(p)}" target="_blank" title="{escape(t)}">{escape(t)}</a>'
                   f'<span>{d}</span></li>' for t, p, d in items)
    return (f'<div class="bm-box"><div class="bm-hd"><span class="bm-title">{escape(title)}</span>'
            f'<a class="more" href="{escape(more_href)}" target="_blank">更多&gt;&gt;</a></div>'
            f'<div class="bm-bd"><ul>{rows}</ul></div></div>\n')


def _sub_nav() -> list[tuple[str, str]]:
    # No link named 政府信息公开年报 back to the JSP list: only the 更多 link reaches it.
    return [("部门年报", DEPT_COLUMN), ("单位年报", UNIT_COLUMN), ("政府信息公开指南", "/col/col2101/index.html")]


def _ilist_items(builder: SiteBuilder, parts: Wild2Parts) -> list[Item]:
    """政府信息公开年报 (the JSP list): the city's reports, a pdf.js notice, distractors."""
    crumbs = [("政务公开", SECTION)]
    items = [_report(builder, parts.reports, _art_path(ILIST_CAT[-4:], publish_date(year, str(year)), (BODY, year)),
                     BODY, year, f"{BODY}{year}年政府信息公开工作年度报告", crumbs) for year in range(2019, 2024)]
    title = f"{SHORT}交通运输局2022年政府信息公开工作年度报告"
    notice = _art_path(ILIST_CAT[-4:], "2023-03-15", title)
    meta = ArticleMeta(index_no=f"{stable_serial(notice, digits=9)}/2023-00031", published="2023-03-15",
                       source=f"{SHORT}交通运输局")
    builder.article(notice, title, crumbs, meta, f'<p style="text-indent:2em">现将{escape(title)}予以公布。</p>',
                    attachments_html=f'<iframe src="{VIEWER}?file={VIEWER_PDF}" width="100%" height="800" '
                                     'frameborder="0"></iframe>')
    parts.notices.add(notice)
    items.append((title, notice, "2023-03-15"))
    pdf = ATTACHMENT_DIR.joinpath("pdf_964635.pdf").read_bytes()
    builder.raw(VIEWER_PDF, pdf, "application/pdf", last_modified="2023-03-15")
    builder.html(VIEWER, '<!DOCTYPE html><html><head><meta charset="utf-8"><title>PDF.js viewer</title>'
                 '<script src="../build/pdf.js"></script></head><body><div id="viewerContainer"></div>'
                 '<script src="viewer.js"></script></body></html>')
    parts.reports.add(VIEWER_PDF)
    for title, published in ((f"{SHORT}2022年政府信息公开工作年度报告解读", "2023-01-30"),
                             ("关于报送2022年度政府信息公开工作年度报告的通知", "2022-12-20"),
                             (f"图解：{SHORT}2022年政府信息公开工作年度报告", "2023-01-31"),
                             (f"{SHORT}2022年度人口统计年报", "2023-02-20")):
        items.append(_distractor(builder, parts, _art_path(ILIST_CAT[-4:], published, title), title, published,
                                 crumbs))
    items.sort(key=lambda item: (item[2], item[1]), reverse=True)
    return items


def _ilist_page(builder: SiteBuilder, items: list[Item], number: int) -> Page:
    pages = max(1, -(-len(items) // ILIST_PAGE_SIZE))
    shown = items[(number - 1) * ILIST_PAGE_SIZE:number * ILIST_PAGE_SIZE]
    rows = "\n".join(f'<li><a href="{escape(p)}" target="_blank" title="{escape(t)}">{escape(t)}</a>'
                     f'<span>{d}</span></li>' for t, p, d in shown)
    pager = [f"共{len(items)}条 第{number}/{pages}页"]
    if number > 1:
        pager.append(f'<a href="javascript:goPage({number - 1})">上一页</a>')
    if number < pages:
        pager.append(f'<a href="javascript:goPage({number + 1})">下一页</a>')
    form = (f'<form name="pageForm" method="post" action="{ILIST}">'
            f'<input type="hidden" name="cat_id" value="{ILIST_CAT}">'
            f'<input type="hidden" name="cur_page" value="{number}"></form>'
            '<script>function goPage(n){document.pageForm.cur_page.value=n;document.pageForm.submit();}</script>')
    html = f'<ul class="list">{rows}</ul><div class="page">{" ".join(pager)}</div>{form}'
    crumbs = [("政务公开", SECTION), ("政府信息公开年报", f"{ILIST}?cat_id={ILIST_CAT}")]
    page = column_html(builder.identity, "政府信息公开年报", crumbs, html, side_links=_sub_nav())
    return Page(page.encode("utf-8"), "text/html;charset=UTF-8", cacheable=False)


def _dept_items(builder: SiteBuilder, parts: Wild2Parts) -> list[dict[str, str]]:
    """部门年报 records for the JSON API (newest first)."""
    crumbs = [("政务公开", SECTION), ("部门年报", DEPT_COLUMN)]
    items: list[Item] = []
    for dept in DEPTS:
        for year in (2021, 2022):
            title = f"{SHORT}{dept}{year}年政府信息公开工作年度报告"
            items.append(_report(builder, parts.reports, _content_path("bmxxgk", title), SHORT + dept, year, title,
                                 crumbs))
    title = f"《{SHORT}教育局2022年政府信息公开工作年度报告》解读"
    items.append(_distractor(builder, parts, _content_path("bmxxgk", title), title, "2023-02-10", crumbs))
    items.sort(key=lambda item: (item[2], item[1]), reverse=True)
    return [{"id": stable_serial(p, digits=6), "title": t, "url": p, "publishTime": f"{d} 09:30:00",
             "source": SHORT} for t, p, d in items]


def _dept_column(builder: SiteBuilder) -> None:
    script = ('<div id="infoList"><p class="loading">加载中…</p></div><div id="pager"></div>\n<script>\n'
              f'var columnId = "{API_COLUMN_ID}";\nvar pageSize = {API_PAGE_SIZE};\n'
              'function loadList(pageNo) {\n'
              f'  fetch("{API_LIST}?columnId=" + columnId + "&pageNo=" + pageNo + "&pageSize=" + pageSize)\n'
              '    .then(function (r) { return r.json(); }).then(function (res) {\n'
              '      var html = res.data.list.map(function (it) { return "<li><a href=\\"" + it.url + "\\">" +'
              ' it.title + "</a><span>" + it.publishTime.substring(0, 10) + "</span></li>"; }).join("");\n'
              '      document.getElementById("infoList").innerHTML = "<ul class=\\"list\\">" + html + "</ul>";\n'
              '      var pages = Math.ceil(res.data.total / pageSize), links = "";\n'
              '      for (var i = 1; i <= pages; i++) { links += "<a href=\\"javascript:loadList(" + i + ")\\">" + i'
              ' + "</a> "; }\n'
              '      document.getElementById("pager").innerHTML = links;\n'
              '    });\n}\nloadList(1);\n</script>')
    builder.column(DEPT_COLUMN, "部门年报", [("政务公开", SECTION), ("部门年报", DEPT_COLUMN)], script,
                   side_links=_sub_nav())


def _api_answer(records: list[dict[str, str]], request: Request) -> Page:
    raw_page, raw_size = request.query.get("pageNo", "1"), request.query.get("pageSize", "15")
    page_no = int(raw_page) if raw_page.isdigit() else 1
    size = min(int(raw_size), 50) if raw_size.isdigit() and int(raw_size) > 0 else 15
    if request.query.get("columnId") != API_COLUMN_ID:
        body = {"code": 404, "msg": "栏目不存在", "data": {"list": [], "total": 0}}
    else:
        chosen = records[(page_no - 1) * size:page_no * size]
        body = {"code": 200, "msg": "success", "data": {"list": chosen, "total": len(records), "pageNo": page_no,
                                                         "pageSize": size}}
    return Page(json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8",
                cacheable=False)


def _unit_columns(builder: SiteBuilder, parts: Wild2Parts) -> None:
    """单位年报 > 2022年度 / 2021年度: items named only by the agency."""
    crumbs = [("政务公开", SECTION), ("单位年报", UNIT_COLUMN)]
    years = [(f"{year}年度", path, "") for year, path in YEAR_COLUMNS.items()]
    builder.column(UNIT_COLUMN, "单位年报", crumbs, builder.simple_list(years), side_links=_sub_nav())
    for year, column in YEAR_COLUMNS.items():
        year_crumbs = [*crumbs, (f"{year}年度", column)]
        items: list[Item] = []
        for unit in UNITS:
            agency = SHORT + unit[1:]
            title = f"{agency}{year}年政府信息公开工作年度报告"
            _, path, date = _report(builder, parts.reports, _art_path(column[8:12], publish_date(year, title), title),
                                    agency, year, title, year_crumbs)
            items.append((unit, path, date))
        if year == 2022:
            title = f"{SHORT}统计局2022年度人口统计年报"
            items.append(_distractor(builder, parts, _art_path(column[8:12], "2023-03-02", title), title,
                                     "2023-03-02", year_crumbs))
        builder.column(column, f"{year}年度", year_crumbs, builder.simple_list(items), side_links=_sub_nav())


def _sibling_site(builder: SiteBuilder, parts: Wild2Parts, port: int) -> None:
    """The 政府信息公开平台 on its own host: linked back to the main host absolutely."""
    crumbs = [("政府信息公开平台", SIBLING_PREFIX + "index.html")]
    nb = SIBLING_PREFIX + "gknb/index.html"
    items = []
    for year in (2021, 2022):
        title = f"{SHORT}人民政府办公室{year}年政府信息公开工作年度报告"
        path = f"{SIBLING_PREFIX}gknb/{year + 1}03/t{year + 1}0320_{stable_serial(title)}.html"
        items.append(_report(builder, parts.sibling_reports, path, SHORT + "人民政府办公室", year, title,
                             [*crumbs, ("政府信息公开年报", nb)]))
    builder.column(SIBLING_PREFIX + "index.html", "政府信息公开平台", crumbs,
                   builder.simple_list([("政府信息公开年报", nb, "")]))
    builder.column(nb, "政府信息公开年报", [*crumbs, ("政府信息公开年报", nb)], builder.simple_list(items))
    main_host = f"http://127.0.0.1:{port}/"
    for path, page in list(builder.pages.items()):
        if path.startswith(SIBLING_PREFIX):
            body = re.sub(rb'href="/(?!xxgk/)', f'href="{main_host}'.encode(), page.body)
            builder.pages[path] = dataclasses.replace(page, body=body)


def _portal(port: int = 0) -> tuple[SiteBuilder, Wild2Parts, list[Item], list[dict[str, str]]]:
    builder = SiteBuilder(dataclasses.replace(identity_for(BODY, 32), section_path=SECTION))
    parts = Wild2Parts()
    notices_crumbs = [("通知公告", NOTICE_COLUMN)]
    notices = [_distractor(builder, parts, _art_path("2001", d, t), t, d, notices_crumbs) for t, d in (
        (f"关于做好{SHORT}2022年度政府信息公开工作年度报告编制发布工作的通知", "2022-12-28"),
        (f"{SHORT}2023年政府工作报告", "2023-01-16"))]
    builder.column(NOTICE_COLUMN, "通知公告", notices_crumbs, builder.simple_list(notices))
    ilist = _ilist_items(builder, parts)
    records = _dept_items(builder, parts)
    _dept_column(builder)
    _unit_columns(builder, parts)
    guide = "/col/col2101/index.html"
    builder.column(guide, "政府信息公开指南", [("政务公开", SECTION), ("政府信息公开指南", guide)],
                   "<p>本指南适用于公民、法人和其他组织向本机关申请获取政府信息。</p>", side_links=_sub_nav())
    ilist_url = f"{ILIST}?cat_id={ILIST_CAT}"
    sibling = f"http://{SIBLING_HOST}:{port}{SIBLING_PREFIX}index.html"
    section_main = (_block("政府信息公开指南", guide, []) + _block("政府信息公开年报", ilist_url, ilist[:2])
                    + _block("通知公告", NOTICE_COLUMN, notices[:1])
                    + f'<div class="platform"><a href="{sibling}" target="_blank">政府信息公开平台</a></div>')
    builder.html(SECTION, page_html(builder.identity, "政务公开", [("政务公开", SECTION)], section_main))
    news = [notices[1]]
    builder.common_pages(_block("通知公告", NOTICE_COLUMN, notices[:1]) + _block("政务公开", SECTION, []), news)
    _sibling_site(builder, parts, port)
    return builder, parts, ilist, records


def _dynamic(builder: SiteBuilder, ilist: list[Item], records: list[dict[str, str]]):
    def answer(request: Request) -> Page | None:
        if request.path == ILIST:
            if request.query.get("cat_id", request.form.get("cat_id")) != ILIST_CAT \
                    and request.form.get("cat_id") != ILIST_CAT:
                return Page(b"<html><body>no such column</body></html>", "text/html; charset=utf-8", status=404)
            raw = request.form.get("cur_page", "1")  # the JSP reads the page from the POSTed form only
            number = int(raw) if raw.isdigit() else 1
            pages = max(1, -(-len(ilist) // ILIST_PAGE_SIZE))
            return _ilist_page(builder, ilist, min(max(number, 1), pages))
        if request.path == API_LIST:
            return _api_answer(records, request)
        return None
    return answer


def build(context: BuildContext) -> StaticSite:
    builder, _, ilist, records = _portal(context.port)
    builder.dynamic.append(_dynamic(builder, ilist, records))
    return builder.build()


def manifest(generation: int = 1) -> Manifest:
    _, parts, _, _ = _portal()
    return Manifest(set(parts.reports), set(parts.distractors),
                    {"notices": set(parts.notices), "sibling_reports": set(parts.sibling_reports),
                     "sibling_host": SIBLING_HOST, "viewer_pdf": VIEWER_PDF})
