"""Portals whose lists are not in the column page's HTML.

`hanweb`: 大汉 JCMS. The column page holds a jpage `<script type="text/xml">` datastore with an
empty recordset and the proxy parameters; the records come from
`/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=15` (GET or POST, with
the page's columnid/unitid/webid), as XML of CDATA `<record>`s and a `<totalrecord>`.

`jsonly`: the list exists only after a script fetches `/api/...json` and builds the links
(the one case that needs a browser).
"""

from __future__ import annotations

import dataclasses
import json
from html import escape
from urllib.parse import urlencode

from gkcrawl.demo.server import Page, Request, StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial

from .style_common import DEPARTMENTS, ReportEntry, explainer_title, identity_for, publish_date, publish_report

HANWEB_BODY = "白石县人民政府"
HANWEB_COLUMN_ID = "1229431"
HANWEB_UNIT_ID = "5879321"
HANWEB_WEB_ID = "36"
HANWEB_COLUMN = f"/col/col{HANWEB_COLUMN_ID}/index.html"
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
PER_PAGE = 15


def _hanweb_path(published: str, serial: int) -> str:
    year, month, day = (int(part) for part in published.split("-"))
    return f"/art/{year}/{month}/{day}/art_{HANWEB_COLUMN_ID}_{serial}.html"


def _hanweb_records() -> tuple[list[tuple[str, str, str]], list[ReportEntry], set[str]]:
    """All list records, newest first: (title, path, date); plus reports and distractors."""
    entries: list[ReportEntry] = []
    for year in (2019, 2020, 2021):
        for agency in [HANWEB_BODY] + [HANWEB_BODY[:3] + d for d in DEPARTMENTS[:6]]:
            published = publish_date(year, agency)
            path = _hanweb_path(published, stable_serial(agency, year, digits=7))
            title = f"{agency}{year}年政府信息公开工作年度报告"
            entries.append(ReportEntry(agency, year, path, published, title, path))
    records = [(e.title, e.path, e.published) for e in entries]
    distractors = set()
    for title, published in ((explainer_title(HANWEB_BODY, 2021), "2022-02-16"),
                             (f"{HANWEB_BODY}2021年法治政府建设年度报告", "2022-03-28")):
        path = _hanweb_path(published, stable_serial(title, digits=7))
        records.append((title, path, published))
        distractors.add(path)
    records.sort(key=lambda record: (record[2], record[1]), reverse=True)
    return records, entries, distractors


def _record_xml(title: str, path: str, published: str) -> str:
    item = (f'<li><a href="{escape(path)}" title="{escape(title)}" target="_blank">{escape(title)}</a>'
            f'<span>{published}</span></li>')
    return f"<record><![CDATA[\n{item}\n]]></record>"


def _proxy_answer(records: list[tuple[str, str, str]]):
    def answer(request: Request) -> Page | None:
        if request.path != PROXY_PATH:
            return None
        params = {**request.query, **request.form}
        if params.get("columnid") != HANWEB_COLUMN_ID or params.get("unitid") != HANWEB_UNIT_ID:
            body = '<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>0</totalrecord></datastore>'
            return Page(body.encode(), "text/xml;charset=UTF-8", cacheable=False)
        try:
            per_page = max(1, int(params.get("perpage", PER_PAGE)))
            start = max(1, int(params.get("startrecord", 1)))
            end = int(params.get("endrecord", start + per_page - 1))
        except ValueError:
            return Page(b"bad paging parameters", "text/plain", status=400, cacheable=False)
        chosen = records[start - 1:end]
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<nextgroup><![CDATA[]]></nextgroup>\n'
               "<recordset>\n" + "\n".join(_record_xml(*record) for record in chosen) + "\n</recordset>\n"
               f"<totalrecord>{len(records)}</totalrecord>\n<totalpage>{-(-len(records) // per_page)}</totalpage>\n"
               "</datastore>\n")
        return Page(xml.encode("utf-8"), "text/xml;charset=UTF-8")
    return answer


def _hanweb_column_html() -> str:
    query = urlencode({"page": 1, "appid": 1, "webid": HANWEB_WEB_ID, "path": "/", "columnid": HANWEB_COLUMN_ID,
                       "unitid": HANWEB_UNIT_ID, "webname": HANWEB_BODY, "permissiontype": 0})
    return (f'<div id="{HANWEB_UNIT_ID}"><script type="text/xml"><datastore>'
            f'<nextgroup><![CDATA[<a href="{PROXY_PATH}?{escape(query)}"></a>]]></nextgroup>'
            "<recordset></recordset></datastore></script></div>\n"
            '<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>\n'
            '<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
            "<script>\n$(function(){ $('#" + HANWEB_UNIT_ID + "').jpage({\n"
            f"  dataStore: null, perPage: {PER_PAGE}, proxyUrl: '{PROXY_PATH}',\n"
            f"  dataParams: {{ col: 1, appid: 1, webid: {HANWEB_WEB_ID}, path: '/', columnid: {HANWEB_COLUMN_ID},"
            f" sourceContentType: 1, unitid: {HANWEB_UNIT_ID}, webname: '{HANWEB_BODY}', permissiontype: 0 }},\n"
            "  barPosition: 'bottom', ajaxType: 'POST', showMode: 'full'\n}); });\n</script>")


def _hanweb_portal() -> tuple[SiteBuilder, list[ReportEntry], set[str]]:
    ident = dataclasses.replace(identity_for(HANWEB_BODY, 14), section_path="/col/col1229420/index.html")
    builder = SiteBuilder(ident)
    builder.common_pages('<h2><a href="/col/col1229420/index.html">政府信息公开</a></h2>', [])
    section = [("政府信息公开", "/col/col1229420/index.html")]
    side = [("政府信息公开指南", "/col/col1229425/index.html"), ("政府信息公开年报", HANWEB_COLUMN)]
    builder.column("/col/col1229420/index.html", "政府信息公开", section,
                   builder.simple_list([(n, h, "") for n, h in side]), side_links=side)
    builder.column("/col/col1229425/index.html", "政府信息公开指南", [*section, side[0]],
                   "<p>政府信息公开指南全文。</p>", side_links=side)
    crumbs = [*section, ("政府信息公开年报", HANWEB_COLUMN)]
    builder.column(HANWEB_COLUMN, "政府信息公开年报", crumbs, _hanweb_column_html(), side_links=side)
    for path in ("/module/jslib/jquery/jquery.js", "/module/web/jpage/jpage.js"):
        builder.raw(path, b"/* jpage */\n", "application/javascript")
    records, entries, distractors = _hanweb_records()
    for entry in entries:
        publish_report(builder, entry, crumbs)
    for title, path, published in records:
        if path in distractors:
            news_article(builder, path, title, published, HANWEB_BODY, [f"{title}。"], crumbs)
    builder.dynamic.append(_proxy_answer(records))
    return builder, entries, distractors


def build_hanweb(context: BuildContext) -> StaticSite:
    return _hanweb_portal()[0].build()


def manifest_hanweb(generation: int = 1) -> Manifest:
    _, entries, distractors = _hanweb_portal()
    return Manifest({e.path for e in entries}, distractors, {"proxy": PROXY_PATH, "columnid": HANWEB_COLUMN_ID,
                                                             "unitid": HANWEB_UNIT_ID, "total_records": len(entries) + len(distractors)})


JS_BODY = "兰溪区人民政府"
JS_API = "/api/channel/2468/documents.json"


def _jsonly_portal() -> tuple[SiteBuilder, list[ReportEntry], set[str]]:
    builder = SiteBuilder(identity_for(JS_BODY, 15))
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    section = [("政府信息公开", "/xxgk/index.html")]
    builder.column("/xxgk/index.html", "政府信息公开", section,
                   builder.simple_list([("政府信息公开年报", "/xxgk/ndbg/index.html", "")]))
    crumbs = [*section, ("政府信息公开年报", "/xxgk/ndbg/index.html")]
    entries = []
    for year in (2020, 2021, 2022):
        for agency in (JS_BODY, JS_BODY[:3] + "教育局", JS_BODY[:3] + "生态环境局"):
            published = publish_date(year, agency)
            serial = stable_serial(agency, year, digits=6)
            path = f"/xxgk/ndbg/content/post_{serial}.html"
            entries.append(ReportEntry(agency, year, path, published,
                                       f"{agency}{year}年政府信息公开工作年度报告", path))
    for entry in entries:
        publish_report(builder, entry, crumbs)
    documents = [{"id": stable_serial(e.agency, e.year, digits=6), "title": e.title, "publishDate": e.published}
                 for e in entries]
    jd_path = f"/xxgk/ndbg/content/post_{stable_serial('js-jd', digits=6)}.html"
    news_article(builder, jd_path, explainer_title(JS_BODY, 2022), "2023-02-01", JS_BODY, ["解读。"], crumbs)
    documents.append({"id": int(jd_path.rsplit("_", 1)[1][:-5]), "title": explainer_title(JS_BODY, 2022),
                      "publishDate": "2023-02-01"})
    documents.sort(key=lambda d: d["publishDate"], reverse=True)
    payload = {"code": 200, "data": {"total": len(documents), "rows": documents}}
    builder.raw(JS_API, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")
    script = ('<div id="app"><ul class="list" v-cloak></ul><div class="loading">加载中……</div></div>\n'
              "<script>\n(function(){\n  var xhr = new XMLHttpRequest();\n"
              f"  xhr.open('GET', '{JS_API}?pageNo=1&pageSize=20');\n"
              "  xhr.onload = function(){\n    var rows = JSON.parse(xhr.responseText).data.rows, html = '';\n"
              "    for (var i = 0; i < rows.length; i++) {\n"
              "      html += '<li><a href=\"/xxgk/ndbg/content/post_' + rows[i].id + '.html\" title=\"' + rows[i].title"
              " + '\">' + rows[i].title + '</a><span>' + rows[i].publishDate + '</span></li>';\n    }\n"
              "    document.querySelector('#app ul').innerHTML = html;\n"
              "    document.querySelector('#app .loading').style.display = 'none';\n  };\n  xhr.send();\n})();\n</script>")
    builder.column("/xxgk/ndbg/index.html", "政府信息公开年报", crumbs, script)
    return builder, entries, {jd_path}


def build_jsonly(context: BuildContext) -> StaticSite:
    return _jsonly_portal()[0].build()


def manifest_jsonly(generation: int = 1) -> Manifest:
    _, entries, distractors = _jsonly_portal()
    return Manifest({e.path for e in entries}, distractors, {"api": JS_API})
