"""Lists whose later pages come only from a search or data service (issue 11).

Each style re-creates the structure of a real family's list page (sources in
`tests/portals/site/services/SOURCES.json`, the fixtures' sidecar):

- `trssearch`: a TRS WCM 年报 column that prints its first 10 records as static HTML and
  nothing else (no page URL, no createPageHTML, no 下一页, no index_1.htm). Its script
  POSTs the WAS5 search service `/was5/web/search` (channelid, templet=docs.jsp,
  classsql=chnlid=N, prepage, page) with values from `var pageConfig = {...}` (channel id,
  column id, page size, record count) and draws the pager and pages 2... from the loose JSON
  answers (`{"count":..,"docs":[{..},]}`, trailing commas as WAS5 templates print them).
  The service answers POST only.
- `trsbrowser`: the same page whose script builds the service address at run time
  (`["", "was5", "web", "search"].join("/")`): the crawler cannot read it, so only the
  browser driving the pager (下一页) reaches page 2.
- `irs`: a TRS 海云 column with no static list; its script POSTs a JSON body to
  `/irs/front/list` (tenantId, tableName, pageNo, pageSize, searchFields with the channel)
  and answers `{"data":{"list":[{"f_…": title, "doc_pub_url": …}], "pager":{"total":N}}}`.
- `gopage`: a JSP list paged by POSTing `pageForm` (cur_page) from `goPage(n)`; the pager
  always shows pages 1-5 and 尾页 (goPage(8)) and says 共8页: pages 6 and 7 are never linked.
"""

from __future__ import annotations

import dataclasses
import json
from html import escape
from urllib.parse import parse_qsl

from gkcrawl.demo.server import Page, Request, StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial, trs_doc_path

from .style_common import DEPARTMENTS, explainer_title, identity_for, publish_report, report_entry

STATIC_PAGE_SIZE = 10
WAS5_PATH = "/was5/web/search"
WAS5_CHANNEL = "290792"
WAS5_COLUMN = "5727"
IRS_PATH = "/irs/front/list"
IRS_TENANT = "303"
IRS_TABLE = "t_179d1430e47"
IRS_CHANNEL = "5818754"
IRS_PAGE_SIZE = 8
GOPAGE_SIZE = 3
GOPAGE_VISIBLE = 5

# A few lines of jQuery's $.ajax, enough for the list scripts (real pages load jquery.min.js).
JQUERY_SHIM = b"""(function(){
  var $ = function(fn){ if (typeof fn === 'function') { if (document.readyState !== 'loading') fn();
    else document.addEventListener('DOMContentLoaded', fn); } };
  $.ajax = function(o){
    var x = new XMLHttpRequest(), m = (o.type || 'GET').toUpperCase(), d = o.data || {}, q = d;
    if (typeof d !== 'string') { q = Object.keys(d).map(function(k){
      return encodeURIComponent(k) + '=' + encodeURIComponent(d[k]); }).join('&'); }
    var u = o.url; if (m === 'GET' && q) { u += (u.indexOf('?') < 0 ? '?' : '&') + q; }
    x.open(m, u);
    if (m === 'POST') x.setRequestHeader('Content-Type', o.contentType || 'application/x-www-form-urlencoded; charset=UTF-8');
    x.onload = function(){ if (o.success) o.success(x.responseText); };
    x.send(m === 'POST' ? q : null);
  };
  window.$ = window.jQuery = $;
})();
"""


@dataclasses.dataclass(frozen=True)
class Record:
    title: str
    path: str
    published: str


def _records(builder: SiteBuilder, body: str, column_dir: str, crumbs: list[tuple[str, str]]
             ) -> tuple[list[Record], set[str], set[str]]:
    """23 records newest first: 18 reports (3 years x 6 agencies) and 5 distractors."""
    records: list[Record] = []
    reports: set[str] = set()
    for year in (2019, 2020, 2021):
        for agency in [body] + [body[:3] + d for d in DEPARTMENTS[:5]]:
            entry = report_entry(column_dir, agency, year, relative=False)
            publish_report(builder, entry, crumbs)
            records.append(Record(entry.title, entry.path, entry.published))
            reports.add(entry.path)
    distractors: set[str] = set()
    for title, published in ((explainer_title(body, 2021), "2022-02-16"), (explainer_title(body, 2020), "2021-02-18"),
                             (f"{body}2021年法治政府建设年度报告", "2022-03-28"),
                             ("关于做好2021年政府信息公开工作年度报告编制发布工作的通知", "2021-12-20"),
                             (f"{body}2022年政务公开工作要点", "2022-04-12")):
        path = trs_doc_path(column_dir, published, stable_serial(title, body))
        news_article(builder, path, title, published, f"{body}办公室", [f"{title}全文如下。", "（略）"], crumbs)
        records.append(Record(title, path, published))
        distractors.add(path)
    records.sort(key=lambda r: (r.published, r.path), reverse=True)
    return records, reports, distractors


def _items(records: list[Record]) -> str:
    return "\n".join(f'<li><a href="{escape(r.path)}" target="_blank" title="{escape(r.title)}">{escape(r.title)}</a>'
                     f"<span>{r.published}</span></li>" for r in records)


def _portal_shell(body: str, code: int, column_dir: str, column_link: str = "") -> tuple[SiteBuilder, list[tuple[str, str]]]:
    """Home -> 政务公开 -> 政府信息公开年报 (column_dir), as the real TRS site nests them."""
    section = "/zwgk/index.html"
    ident = dataclasses.replace(identity_for(body, code), section_path=section)
    builder = SiteBuilder(ident)
    builder.common_pages(f'<h2><a href="{section}">政务公开</a></h2>', [])
    side = [("政府信息公开指南", "/zwgk/zn/index.html"), ("政府信息公开年报", column_link or f"{column_dir}/index.html")]
    builder.column(section, "政务公开", [("政务公开", section)],
                   builder.simple_list([(n, h, "") for n, h in side]), side_links=side)
    builder.column("/zwgk/zn/index.html", "政府信息公开指南", [("政务公开", section)],
                   "<p>本指南适用于公民、法人和其他组织申请获取政府信息。</p>", side_links=side)
    builder.raw("/js/jquery.min.js", JQUERY_SHIM, "application/javascript")
    return builder, [("政务公开", section), ("政府信息公开年报", column_link or f"{column_dir}/index.html")]


# -- trssearch / trsbrowser ---------------------------------------------------------------

VISIT_COUNTER = "/stat/visit.do"


def _was5_script(records: int, service_expression: str) -> str:
    return ("<script src=\"/js/jquery.min.js\"></script>\n<script>\n"
            # The site's visit counter: also a POST with a page parameter, answering no records.
            f"$(function(){{ $.ajax({{url: '{VISIT_COUNTER}', type: 'POST', data: {{siteId: 41, page: 1}}}}); }});\n"
            f'var pageConfig = {{channelid: "{WAS5_CHANNEL}", chnlid: "{WAS5_COLUMN}", pageSize: {STATIC_PAGE_SIZE},'
            f" recordCount: {records}}};\n"
            f"var searchService = {service_expression};\n"
            "function renderDocs(text){\n"
            "  var d = eval('(' + text + ')'), html = '';\n"
            "  for (var i = 0; i < d.docs.length; i++) { var r = d.docs[i];\n"
            "    html += '<li><a href=\"' + r.url + '\" target=\"_blank\" title=\"' + r.title + '\">' + r.title"
            " + '</a><span>' + r.time + '</span></li>'; }\n"
            "  document.querySelector('#docList ul').innerHTML = html;\n}\n"
            "function drawPager(page){\n"
            "  var pages = Math.ceil(pageConfig.recordCount / pageConfig.pageSize), h = '';\n"
            "  for (var n = 1; n <= pages; n++) { h += n == page ? '<span class=\"cur\">' + n + '</span> '"
            " : '<a href=\"javascript:void(0)\" onclick=\"loadPage(' + n + ')\">' + n + '</a> '; }\n"
            "  if (page < pages) h += '<a href=\"javascript:void(0)\" class=\"next\" onclick=\"loadPage(' + (page + 1)"
            " + ')\">下一页</a>';\n"
            "  document.getElementById('pageBar').innerHTML = h;\n}\n"
            "function loadPage(page){\n"
            "  $.ajax({url: searchService, type: 'POST', dataType: 'text',\n"
            "    data: {channelid: pageConfig.channelid, templet: 'docs.jsp', sortfield: '-docorderpri,-docreltime',\n"
            "           classsql: 'chnlid=' + pageConfig.chnlid, prepage: pageConfig.pageSize, page: page},\n"
            "    success: function(text){ renderDocs(text); drawPager(page); }});\n}\n"
            "$(function(){ drawPager(1); });\n</script>")


def _was5_answer(records: list[Record]):
    def answer(request: Request) -> Page | None:
        if request.path != WAS5_PATH:
            return None
        if request.method != "POST":
            return Page(b"method not allowed", "text/plain", status=405, cacheable=False)
        form = request.form
        if form.get("channelid") != WAS5_CHANNEL or form.get("classsql", "").replace(" ", "") != f"chnlid={WAS5_COLUMN}":
            chosen: list[Record] = []
            count = 0
        else:
            try:
                size = max(1, int(form.get("prepage", STATIC_PAGE_SIZE)))
                page = max(1, int(form.get("page", 1)))
            except ValueError:
                return Page(b"bad paging parameters", "text/plain", status=400, cacheable=False)
            chosen = records[(page - 1) * size:page * size]
            count = len(records)
        docs = "".join(f'{{"title":"{r.title}","url":"{r.path}","time":"{r.published}",\t"chnldocurl":"",}},\n'
                       for r in chosen)
        text = f'{{"count":"{count}","page":"{form.get("page", "1")}","docs":[\n{docs}]}}\n'
        return Page(text.encode("utf-8"), "text/html;charset=UTF-8", cacheable=False)
    return answer


DEAD_REPORT = "/zwgk/ndbg/201901/t20190125_1000001.html"
MISSING_ASSET = "/images/banner_2021.png"


def _trs_search_portal(hidden_service: bool) -> tuple[SiteBuilder, set[str], set[str], list[Record]]:
    body, code = ("丰泽区人民政府", 41) if not hidden_service else ("鲤城区人民政府", 42)
    column_dir = "/zwgk/ndbg"
    builder, crumbs = _portal_shell(body, code, column_dir)
    records, reports, distractors = _records(builder, body, column_dir, crumbs)
    if not hidden_service:
        # As on the real site: one listed report was taken down (404, never archived: a dead
        # link), and report pages name a banner image the server no longer has.
        records.append(Record(f"{body}2018年政府信息公开工作年度报告", DEAD_REPORT, "2019-01-25"))
        for path in reports:
            page = builder.pages[path]
            builder.pages[path] = dataclasses.replace(page, body=page.body.replace(
                b"</body>", f'<img src="{MISSING_ASSET}" alt=""></body>'.encode(), 1))
    service = f'"{WAS5_PATH}"' if not hidden_service else '["", "was5", "web", "search"].join("/")'
    list_html = (f'<div id="docList"><ul class="list">\n{_items(records[:STATIC_PAGE_SIZE])}\n</ul></div>\n'
                 '<div class="page" id="pageBar"></div>\n' + _was5_script(len(records), service))
    builder.column(f"{column_dir}/index.html", "政府信息公开年报", crumbs, list_html,
                   side_links=[("政府信息公开年报", f"{column_dir}/index.html")])
    builder.dynamic.append(_was5_answer(records))
    builder.dynamic.append(lambda request: Page(b'{"ok":true,"pv":1024}', "application/json", cacheable=False)
                           if request.path == VISIT_COUNTER else None)
    return builder, reports, distractors, records


def build_trssearch(context: BuildContext) -> StaticSite:
    return _trs_search_portal(False)[0].build()


def manifest_trssearch(generation: int = 1) -> Manifest:
    _, reports, distractors, records = _trs_search_portal(False)
    return Manifest(reports, distractors, {**_service_extra(records, WAS5_PATH), "dead": DEAD_REPORT,
                                           "missing_asset": MISSING_ASSET, "counter": VISIT_COUNTER})


def build_trsbrowser(context: BuildContext) -> StaticSite:
    return _trs_search_portal(True)[0].build()


def manifest_trsbrowser(generation: int = 1) -> Manifest:
    _, reports, distractors, records = _trs_search_portal(True)
    return Manifest(reports, distractors, _service_extra(records, WAS5_PATH))


def _service_extra(records: list[Record], service: str, first_page: int = STATIC_PAGE_SIZE) -> dict[str, object]:
    return {"service": service, "column": "/zwgk/ndbg/index.html", "declared": len(records),
            "beyond_first_page": {r.path for r in records[first_page:]}}


# -- irs ----------------------------------------------------------------------------------

def _irs_script() -> str:
    return ("<script>\n"
            f'var tenantId = "{IRS_TENANT}", tableName = "{IRS_TABLE}", channelId = "{IRS_CHANNEL}";\n'
            "function showList(pageNo){\n"
            f'  fetch("{IRS_PATH}", {{method: "POST", headers: {{"Content-Type": "application/json"}},\n'
            "    body: JSON.stringify({tenantId: tenantId, tableName: tableName, pageNo: pageNo,"
            f" pageSize: {IRS_PAGE_SIZE},\n"
            '      searchFields: [{fieldName: "f_202163381596", searchWord: channelId}],\n'
            '      sorts: [{sortField: "save_time", sortOrder: "DESC"}], isPage: true})})\n'
            "  .then(function(r){ return r.json(); }).then(function(d){\n"
            "    var html = '';\n"
            "    d.data.list.forEach(function(row){ html += '<li><a href=\"' + row.doc_pub_url + '\">'"
            " + row.f_202163974476 + '</a><span>' + row.save_time + '</span></li>'; });\n"
            "    document.querySelector('#irsList ul').innerHTML = html;\n"
            "    document.getElementById('total').textContent = d.data.pager.total;\n  });\n}\n"
            "showList(1);\n</script>")


def _irs_answer(records: list[Record]):
    def answer(request: Request) -> Page | None:
        if request.path != IRS_PATH:
            return None
        try:
            asked = json.loads(request.body or b"{}")
        except ValueError:
            asked = None
        if request.method != "POST" or not isinstance(asked, dict):
            return Page(b'{"code":400,"msg":"request body must be JSON"}', "application/json", status=400,
                        cacheable=False)
        channel = next((f.get("searchWord") for f in asked.get("searchFields") or [] if isinstance(f, dict)), None)
        fits = str(asked.get("tenantId")) == IRS_TENANT and asked.get("tableName") == IRS_TABLE \
            and channel == IRS_CHANNEL
        size = int(asked.get("pageSize") or 10)
        page = int(asked.get("pageNo") or 1)
        chosen = records[(page - 1) * size:page * size] if fits else []
        rows = [{"f_202163974476": r.title, "doc_pub_url": r.path, "save_time": f"{r.published} 09:30:00",
                 "f_202163381596": IRS_CHANNEL} for r in chosen]
        payload = {"code": 200, "msg": "success", "data": {
            "list": rows, "pager": {"pageNo": page, "pageSize": size, "total": len(records) if fits else 0}}}
        return Page(json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8",
                    cacheable=False)
    return answer


def _irs_portal() -> tuple[SiteBuilder, set[str], set[str], list[Record]]:
    body = "黔南县人民政府"
    column_dir = "/zwgk/ndbg"
    builder, crumbs = _portal_shell(body, 43, column_dir)
    records, reports, distractors = _records(builder, body, column_dir, crumbs)
    list_html = ('<div id="irsList"><ul class="list"></ul></div>\n<div class="page">共<span id="total"></span>条</div>\n'
                 + _irs_script())
    builder.column(f"{column_dir}/index.html", "政府信息公开年报", crumbs, list_html,
                   side_links=[("政府信息公开年报", f"{column_dir}/index.html")])
    builder.dynamic.append(_irs_answer(records))
    return builder, reports, distractors, records


def build_irs(context: BuildContext) -> StaticSite:
    return _irs_portal()[0].build()


def manifest_irs(generation: int = 1) -> Manifest:
    _, reports, distractors, records = _irs_portal()
    return Manifest(reports, distractors, _service_extra(records, IRS_PATH, first_page=0))


# -- gopage -------------------------------------------------------------------------------

GOPAGE_LIST = "/zwgk/ndbg/list.jsp"


def _gopage_html(records: list[Record], page: int) -> str:
    pages = -(-len(records) // GOPAGE_SIZE)
    chosen = records[(page - 1) * GOPAGE_SIZE:page * GOPAGE_SIZE]
    numbers = " ".join(f'<span class="cur">{n}</span>' if n == page else f'<a href="javascript:goPage({n})">{n}</a>'
                       for n in range(1, min(pages, GOPAGE_VISIBLE) + 1))
    return (f'<ul class="list">\n{_items(chosen)}\n</ul>\n'
            f'<form name="pageForm" method="post" action="{GOPAGE_LIST}">'
            f'<input type="hidden" name="cur_page" value="{page}"><input type="hidden" name="channelId" value="ndbg">'
            "</form>\n"
            f'<div class="page">共{len(records)}条 共{pages}页 {numbers} '
            '<a href="javascript:nextPage()">下一页</a> '
            f'<a href="javascript:goPage({pages})">尾页</a></div>\n'
            "<script>function goPage(n){ document.pageForm.cur_page.value = n; document.pageForm.submit(); }\n"
            "function nextPage(){ goPage(parseInt(document.pageForm.cur_page.value) + 1); }</script>")


def _gopage_portal() -> tuple[SiteBuilder, set[str], set[str], list[Record]]:
    body = "南岭县人民政府"
    column_dir = "/zwgk/ndbg"
    builder, crumbs = _portal_shell(body, 44, column_dir)
    records, reports, distractors = _records(builder, body, column_dir, crumbs)
    side = [("政府信息公开年报", f"{column_dir}/index.html")]
    builder.column(f"{column_dir}/index.html", "政府信息公开年报", crumbs, _gopage_html(records, 1), side_links=side)
    pages: dict[int, Page] = {}
    for number in range(1, -(-len(records) // GOPAGE_SIZE) + 1):
        builder.column(f"/_gopage/{number}", "政府信息公开年报", crumbs, _gopage_html(records, number), side_links=side)
        pages[number] = builder.pages.pop(f"/_gopage/{number}")

    def answer(request: Request) -> Page | None:
        if request.path != GOPAGE_LIST:
            return None
        fields = {**request.query, **request.form, **dict(parse_qsl(request.body.decode("utf-8", "replace")))}
        number = int(fields.get("cur_page", "1")) if fields.get("cur_page", "1").isdigit() else 1
        return pages.get(number) or Page(b"no such page", "text/plain", status=404, cacheable=False)

    builder.dynamic.append(answer)
    return builder, reports, distractors, records


def build_gopage(context: BuildContext) -> StaticSite:
    return _gopage_portal()[0].build()


def manifest_gopage(generation: int = 1) -> Manifest:
    _, reports, distractors, records = _gopage_portal()
    return Manifest(reports, distractors, {"column": "/zwgk/ndbg/index.html", "declared": len(records),
                                           "beyond_visible": {r.path for r in records[GOPAGE_SIZE * GOPAGE_VISIBLE:]}})


# -- gkmlpt -------------------------------------------------------------------------------

GKMLPT_SID = "175"
GKMLPT_CATEGORY = "2629"
GKMLPT_PAGE_SIZE = 10
GKMLPT_PAGE = "/gkmlpt/annualreport"


def _gkmlpt_portal() -> tuple[SiteBuilder, set[str], set[str], list[Record]]:
    """广东 gkmlpt: the 年报 link is `/gkmlpt/annualreport#2629`; the page is a script shell with
    `SID: '175'` in its config; `/gkmlpt/api/all/2629?page=N&sid=175` answers the records."""
    body = "韶石县文化广电旅游局"
    column_dir = "/gkmlpt/content"
    builder, crumbs = _portal_shell(body, 45, column_dir, f"{GKMLPT_PAGE}#{GKMLPT_CATEGORY}")
    records, reports, distractors = _records(builder, body, column_dir, crumbs)
    shell = ('<div id="app"><div class="loading">加载中</div></div>\n'
             "<script>window._CONFIG = {SID: '" + GKMLPT_SID + "', SITE_NAME: '" + body + "', API_PREFIX: '/gkmlpt/api'};"
             "</script>\n<script src=\"/gkmlpt/static/js/app.js\"></script>")
    builder.html(GKMLPT_PAGE, f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{body}</title></head>"
                              f"<body>{shell}</body></html>")
    builder.raw("/gkmlpt/static/js/app.js", b"/* the list is built by a webpack bundle */\n", "application/javascript")

    def answer(request: Request) -> Page | None:
        if request.path != f"/gkmlpt/api/all/{GKMLPT_CATEGORY}":
            return None
        if request.query.get("sid") != GKMLPT_SID:
            return Page(b'{"error":"sid"}', "application/json", status=400, cacheable=False)
        page = int(request.query.get("page", "1") or 1)
        chosen = records[(page - 1) * GKMLPT_PAGE_SIZE:page * GKMLPT_PAGE_SIZE]
        articles = [{"id": stable_serial(r.path), "title": r.title, "url": r.path, "create_time": 1600000000,
                     "publisher": body} for r in chosen]
        payload = {"total": len(records), "articles": articles, "classify_main_name": "政府信息公开年报"}
        return Page(json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json", cacheable=False)

    builder.dynamic.append(answer)
    return builder, reports, distractors, records


def build_gkmlpt(context: BuildContext) -> StaticSite:
    return _gkmlpt_portal()[0].build()


def manifest_gkmlpt(generation: int = 1) -> Manifest:
    _, reports, distractors, records = _gkmlpt_portal()
    return Manifest(reports, distractors, {"column": GKMLPT_PAGE, "declared": len(records),
                                           "service": f"/gkmlpt/api/all/{GKMLPT_CATEGORY}"})
