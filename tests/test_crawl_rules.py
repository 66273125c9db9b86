"""Discovery rules, CMS strategies, charset repair and fault naming: pure functions, offline."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from gkcrawl.crawl import discovery, strategies
from gkcrawl.crawl.discovery import LinkKind, classify_link
from gkcrawl.crawl.faults import failure_reason
from gkcrawl.crawl.middlewares import retry_after_seconds, true_charset
from gkcrawl.crawl.registry import entries_for, load_registry

BASE = "http://www.example.gov.cn/xxgk/nb/index.html"


@pytest.mark.parametrize("text", [
    "常德市行政审批服务局2020年度政府信息公开工作报告",
    "海东市平安区政务服务中心 2019年政府信息公开工作制度报告",
    "市城管执法局2020年政府信息公开工作年度报告",
    "南通市行政審批局2019年政府信息公開工作年度報告",
    "朔州市人民政府2020年政府信息公开年报",
    "二〇一七年某县政府信息公开工作年度报告",
])
def test_report_titles_are_reports(text: str) -> None:
    assert classify_link(text, "http://x.gov.cn/art/1.html") is LinkKind.REPORT


@pytest.mark.parametrize("text", [
    "某市2020年法治政府建设年度报告",
    "关于做好2020年政府信息公开工作年度报告编制工作的通知",
    "图解：某市2020年政府信息公开工作年度报告",
    "2021年政府工作报告",
    "某市2020年国民经济和社会发展统计公报",
    "2020年政府网站工作年度报表",
])
def test_other_kinds_of_report_are_not_reports(text: str) -> None:
    assert classify_link(text, "http://x.gov.cn/art/1.html") is not LinkKind.REPORT
    assert not discovery.is_report_title(text)


@pytest.mark.parametrize(("text", "url", "kind"), [
    ("政府信息公开", "http://x.gov.cn/xxgk/", LinkKind.SECTION),
    ("法定主动公开内容", "http://x.gov.cn/fdzdgknr/", LinkKind.SECTION),
    ("政府信息公开年报", "http://x.gov.cn/xxgk/nb/", LinkKind.REPORT_COLUMN),
    ("年度报告", "http://x.gov.cn/a/", LinkKind.REPORT_COLUMN),
    ("更多", "http://x.gov.cn/xxgk/zfxxgknb/", LinkKind.REPORT_COLUMN),
    ("2020年", "http://x.gov.cn/xxgk/nb/2020/", LinkKind.YEAR_COLUMN),
    ("下一页", "http://x.gov.cn/xxgk/nb/index_1.html", LinkKind.PAGINATION),
    ("3", "http://x.gov.cn/list?page=3", LinkKind.PAGINATION),
    ("12", "http://x.gov.cn/calendar/2021/12/", LinkKind.OTHER),
    ("附件", "http://x.gov.cn/a/report.pdf", LinkKind.ATTACHMENT),
    ("下载", "http://x.gov.cn/module/download/downfile.jsp?filename=a.docx", LinkKind.ATTACHMENT),
    ("首页", "javascript:void(0)", LinkKind.SKIP),
    ("站内搜索：年报", "http://x.gov.cn/search/index.html?searchword=%E5%B9%B4%E6%8A%A5&page=1", LinkKind.SKIP),
    ("要闻动态", "http://x.gov.cn/news/", LinkKind.OTHER),
])
def test_link_kinds(text: str, url: str, kind: LinkKind) -> None:
    assert classify_link(text, url) is kind


def test_canonical_url_drops_session_ids_and_sorts_the_query() -> None:
    assert discovery.canonical_url("http://X.gov.cn/a;jsessionid=AB12?b=2&sid=9&a=1#top") == "http://x.gov.cn/a?a=1&b=2"
    assert discovery.canonical_url("http://x.gov.cn/a?b=1&a=2") == discovery.canonical_url("http://x.gov.cn/a?a=2&b=1")


def test_trs_pagination_literal_and_variable() -> None:
    page = '<script>createPageHTML(3, 0, "index", "html");</script>'
    assert strategies.trs_page_urls(page, BASE) == [
        "http://www.example.gov.cn/xxgk/nb/index.html",
        "http://www.example.gov.cn/xxgk/nb/index_1.html",
        "http://www.example.gov.cn/xxgk/nb/index_2.html"]
    page = 'var countPage = 4;//共多少页\ncreatePageHTML(countPage, currentPage, "index", "shtml");'
    assert strategies.trs_page_urls(page, BASE)[-1].endswith("/xxgk/nb/index_3.shtml")
    assert strategies.trs_page_urls('createPageHTML(1, 0, "index", "html")', BASE) == []
    assert strategies.trs_page_urls("<p>no script</p>", BASE) == []


HANWEB_PAGE = """<div id="1234"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=1234&unitid=5678&webname=某市&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2021/1/29/art_1234_1.html" title="某市2020年政府信息公开工作年度报告">某市2020年...</a></li>]]></record>
</recordset></datastore></script>
<script>$('#1234').jpage({perPage: 10, totalRecord: 42, proxyUrl:'/module/web/jpage/dataproxy.jsp'});</script></div>"""


def test_hanweb_proxy_is_found_with_its_parameters() -> None:
    proxy = strategies.find_hanweb_proxy(HANWEB_PAGE, BASE)
    assert proxy is not None
    assert proxy.url == "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp"
    assert proxy.params["columnid"] == "1234" and proxy.params["unitid"] == "5678"
    assert "page" not in proxy.params
    assert proxy.per_page == 10 and proxy.total_records == 42
    assert proxy.batch_url(1).endswith("?startrecord=31&endrecord=60&perpage=10")
    assert strategies.find_hanweb_proxy("<p>plain</p>", BASE) is None


def test_cdata_records_yield_links_with_their_title() -> None:
    links = strategies.cdata_links(HANWEB_PAGE, BASE)
    assert ("某市2020年政府信息公开工作年度报告", "http://www.example.gov.cn/art/2021/1/29/art_1234_1.html") in links
    xml = ("<datastore><totalrecord>2</totalrecord><recordset><record><![CDATA[<a href='/a.html'>A</a>]]></record>"
           "<record><![CDATA[<a href='/b.html'>B</a>]]></record></recordset></datastore>")
    found, total = strategies.parse_datastore(xml, BASE)
    assert total == 2 and [u for _, u in found] == ["http://www.example.gov.cn/a.html", "http://www.example.gov.cn/b.html"]
    assert strategies.record_count(xml) == 2


def test_needs_browser_only_for_script_lists_without_links() -> None:
    scripted = '<div id="list"></div><script src="/js/list.js"></script>'
    assert strategies.needs_browser(scripted, usable_links=0)
    assert not strategies.needs_browser(scripted, usable_links=3)
    assert not strategies.needs_browser('<script src="https://hm.baidu.com/hm.js"></script>', usable_links=0)
    assert not strategies.needs_browser("<ul></ul>", usable_links=0)


def test_lying_http_charset_is_detected_and_truthful_one_left_alone() -> None:
    gbk = '<meta charset="gbk"><p>政府信息公开工作年度报告</p>'.encode("gbk")
    assert true_charset(gbk, b"text/html; charset=utf-8") == "gb18030"
    utf8 = "<p>政府信息公开</p>".encode()
    assert true_charset(utf8, b"text/html; charset=utf-8") is None
    assert true_charset(utf8, b"text/html; charset=gbk") in ("utf-8", None)
    assert true_charset(gbk, None) is None


def test_retry_after_number_and_date() -> None:
    assert retry_after_seconds(b"3") == 3.0
    now = datetime(2024, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"Mon, 01 Jan 2024 00:00:05 GMT", now) == 5.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_failure_reasons_name_the_fault() -> None:
    from twisted.internet import error as net_error
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseFailed

    assert failure_reason(net_error.TimeoutError()).startswith("timeout")
    assert failure_reason(net_error.DNSLookupError("no.such.host")).startswith("dns")
    assert failure_reason(net_error.ConnectionRefusedError()).startswith("connection refused")
    assert failure_reason(ResponseFailed([Failure(net_error.ConnectionLost())])).startswith("connection reset")

    class _DataLoss(Exception):
        pass

    assert failure_reason(ResponseFailed([Failure(_DataLoss("short body"))])).startswith("truncated")


def test_registry_has_the_seed_agencies_unverified() -> None:
    registry = load_registry()
    agencies = {entry.agency for entry in registry.values()}
    assert {"常德市行政审批服务局", "朔州市人民政府", "南通市行政审批局", "德阳市城市管理行政执法局"} <= agencies
    assert any("平安区" in a for a in agencies)
    assert not any(entry.verified for entry in registry.values())
    chosen = entries_for(registry, ["http://xzsp.changde.gov.cn/"], None)
    assert [e.name for e in chosen] == ["changde-xzsp"]
    with pytest.raises(KeyError):
        entries_for(registry, [], "no-such-site")


def test_report_titled_link_to_a_directory_is_a_year_column() -> None:
    assert classify_link("2020年政府信息公开年报", "http://x.gov.cn/xxgk/nb/2020/") is LinkKind.REPORT_COLUMN
    assert classify_link("2020年政府信息公开年报", "http://x.gov.cn/xxgk/nb/2020/index.html") is LinkKind.REPORT_COLUMN
    assert classify_link("某市2020年政府信息公开工作年度报告", "http://x.gov.cn/nb/202101/t20210129_1.html") \
        is LinkKind.REPORT


def test_scrapy_download_errors_are_named() -> None:
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadFailedError,
        DownloadTimeoutError,
        ResponseDataLossError,
    )

    assert failure_reason(DownloadTimeoutError("took longer than 3.0 seconds")).startswith("timeout:")
    assert failure_reason(CannotResolveHostError("x.invalid")).startswith("dns:")
    assert failure_reason(ResponseDataLossError()).startswith("truncated:")
    lost = DownloadFailedError("[<Failure twisted.internet.error.ConnectionLost: lost>]")
    assert failure_reason(lost).startswith("connection reset:")
    assert failure_reason(ValueError("odd")).startswith("error:")


@pytest.mark.parametrize("text", ["大川市审计局2021年政府信息公开工作年度报告", "某市统计局2020年政府信息公开工作年度报告"])
def test_agency_names_never_exclude_a_report(text: str) -> None:
    assert discovery.is_report_title(text)
    assert not discovery.is_report_title(text.replace("政府信息公开工作年度报告", "审计工作报告"))


# -- patterns of the `wild` portal ------------------------------------------------------------

@pytest.mark.parametrize(("page", "last"), [
    ("<div id='page_div'></div><script>createPageHTML('page_div', 5, 1, 'index', 'html', 88);</script>",
     "/xxgk/nb/index_4.html"),
    ('<script>createPageHTML(5, 0, "index", "shtml");</script>', "/xxgk/nb/index_4.shtml"),
    ("<script>createPageHTML('page_div',3,0,'index','shtml',30)</script>", "/xxgk/nb/index_2.shtml"),
])
def test_trs_pagination_other_signatures(page: str, last: str) -> None:
    urls = strategies.trs_page_urls(page, BASE)
    assert urls[0].endswith("/xxgk/nb/index." + last.rsplit(".", 1)[1]) and urls[-1].endswith(last)
    assert len(urls) == int(last.rsplit("_", 1)[1].split(".")[0]) + 1


def test_trs_pager_definition_alone_announces_nothing() -> None:
    assert strategies.trs_page_urls("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}",
                                    BASE) == []


@pytest.mark.parametrize(("href", "onclick", "target"), [
    ("javascript:void(0);", "window.open('./202201/t20220115_1.shtml')", "./202201/t20220115_1.shtml"),
    ("javascript:openUrl('../../art/2021/1/5/art_1243_9.html')", "", "../../art/2021/1/5/art_1243_9.html"),
    ("#", "location.href='/xxgk/nb/a.html';return false;", "/xxgk/nb/a.html"),
    ("javascript:void(0)", "", None),
    ("javascript:doZoom(18)", "", None),
    ("javascript:window.print()", "", None),
    ("/a.html", "", None),
])
def test_scripted_links_give_their_target(href: str, onclick: str, target: str | None) -> None:
    assert discovery.script_link_target(href, onclick) == target


@pytest.mark.parametrize(("title", "needs"), [
    ("鹤川区青石镇2023年度政务公开工作年度报告", True),
    ("某镇2021年政务公开年报", True),
    ("2021年度政府信息公开工作年度报告", False),
    ("某局2022年政府信息公开年报", False),
    ("政府信息公开工作年度报告（2020年）", False),
    ("某县2017年政务公开工作年度报告", False),   # free-form years: no tables to ask for
])
def test_open_affairs_reports_need_the_template_tables(title: str, needs: bool) -> None:
    assert discovery.needs_template(title) is needs


@pytest.mark.parametrize("text", [
    "2021年度政府信息公开工作年度报告", "某局2022年政府信息公开年报", "政府信息公开工作年度报告（2020年）",
    "某镇2023年度政务公开工作年度报告",
])
def test_title_variants_are_reports(text: str) -> None:
    assert classify_link(text, "http://x.gov.cn/site/c105/202201/t20220115_1.shtml") is LinkKind.REPORT


@pytest.mark.parametrize("text", [
    "2021年法治政府建设年度报告", "2022年度统计年报", "某局2021年部门决算", "某区2021年度企业年报公示",
    "2021年政府工作报告", "2021年政府信息公开工作要点", "统计年报",
])
def test_wild_distractors_are_neither_reports_nor_columns(text: str) -> None:
    assert classify_link(text, "http://x.gov.cn/art/2022/1/1/art_1_1.html") not in (LinkKind.REPORT,
                                                                                     LinkKind.REPORT_COLUMN)


@pytest.mark.parametrize(("text", "url", "kind"), [
    ("部门年报", "http://x.gov.cn/col/col1242/index.html", LinkKind.REPORT_COLUMN),
    ("乡镇年报", "http://x.gov.cn/col/col1243/index.html", LinkKind.REPORT_COLUMN),
    ("政府信息公开", "http://x.gov.cn/site/c100/index.shtml", LinkKind.SECTION),  # an image's alt text
    ("2", "http://x.gov.cn/col/col1242/index.jhtml?pageNo=2", LinkKind.PAGINATION),
    ("下一页", "http://x.gov.cn/col/col1243/list.html?page=2", LinkKind.PAGINATION),
    ("附件1.pdf", "http://x.gov.cn/u/cms/2022/%E9%99%84%E4%BB%B61.pdf", LinkKind.ATTACHMENT),
    ("附件", "http://x.gov.cn/u/cms/2022/P020220301385711.wps", LinkKind.ATTACHMENT),
])
def test_wild_link_kinds(text: str, url: str, kind: LinkKind) -> None:
    assert classify_link(text, url) is kind


def test_spider_links_honour_base_scripts_and_image_alt() -> None:
    from scrapy.http import HtmlResponse

    from gkcrawl.crawl.page_reading import page_links

    page = ('<html><head><base href="/"></head><body>'
            '<a href="site/c105/202201/t1.shtml" title="某区2021年政府信息公开工作年度报告">某区2021年政府信息公开工作年…</a>'
            '<a href="/site/c100/index.shtml"><img src="/i.png" alt="政府信息公开"></a>'
            "<a href=\"javascript:void(0);\" onclick=\"window.open('./202201/t2.shtml')\">某镇2022年政务公开工作年度报告</a>"
            '<a href="javascript:void(0)">无障碍</a><iframe src="list.html"></iframe></body></html>')
    response = HtmlResponse("http://x.gov.cn/site/c105/index_1.shtml", body=page.encode(), encoding="utf-8")
    links = page_links(response, page)
    assert ("某区2021年政府信息公开工作年度报告", "http://x.gov.cn/site/c105/202201/t1.shtml") in links
    assert ("政府信息公开", "http://x.gov.cn/site/c100/index.shtml") in links
    assert ("某镇2022年政务公开工作年度报告", "http://x.gov.cn/202201/t2.shtml") in links  # relative to <base>
    assert ("", "http://x.gov.cn/list.html") in links
    assert not any(url.startswith("javascript:") and label != "无障碍" for label, url in links)


def test_content_disposition_names_the_file() -> None:
    from gkcrawl.crawl.pipelines import filename_of

    assert filename_of("http://x/d.jsp?id=1", "attachment; filename*=UTF-8''%E9%99%84%E4%BB%B61.pdf") == "附件1.pdf"
    assert filename_of("http://x/d.jsp?id=1", 'attachment; filename="report.docx"') == "report.docx"
    assert filename_of("http://x/u/%E9%99%84%E4%BB%B61.pdf", None) == "附件1.pdf"
    assert filename_of("http://x/u/a.pdf", "inline") == "a.pdf"


def test_hosts_stay_within_the_start_site() -> None:
    from gkcrawl.crawl.discovery import host_allowed

    allowed = {"www.example.gov.cn", "127.0.0.1:8000"}
    assert host_allowed("www.example.gov.cn", allowed)
    assert host_allowed("xxgk.example.gov.cn", allowed)  # sibling disclosure host of the same site
    assert host_allowed("example.gov.cn", allowed)
    assert host_allowed("127.0.0.1:8000", allowed)
    assert not host_allowed("127.0.0.2:8000", allowed)
    assert not host_allowed("127.0.0.1:9000", allowed)
    assert not host_allowed("www.other.gov.cn", allowed)
    assert not host_allowed("example.gov.cn.evil.com", allowed)
    assert not host_allowed("gov.cn", allowed)


# -- wild2 patterns: viewer iframes, 更多 links, POST pagers, JSON list APIs ------------------

def test_viewer_url_is_unwrapped_to_the_file_it_shows() -> None:
    from gkcrawl.crawl.discovery import unwrap_viewer_url

    assert unwrap_viewer_url("http://h/pdfjs/web/viewer.html?file=/uploads/2022/a.pdf") == "http://h/uploads/2022/a.pdf"
    assert unwrap_viewer_url("http://h/pdfjs/web/viewer.html?file=%2Fu%2Fb.pdf") == "http://h/u/b.pdf"
    assert unwrap_viewer_url("http://h/list.html?file=/u/b.pdf") == "http://h/list.html?file=/u/b.pdf"


def test_more_links_are_recognised_and_nothing_else() -> None:
    from gkcrawl.crawl.discovery import is_more_link

    assert all(is_more_link(t) for t in ("更多>>", "更多 >>", "[更多]", "more+", "MORE >"))
    assert not any(is_more_link(t) for t in ("更多信息公开", "政府信息公开年报", ""))


def test_post_form_pager_is_read_from_gopage_links() -> None:
    from gkcrawl.crawl.list_endpoints import find_form_pager

    page = ('<html><body><a href="javascript:goPage(2)">下一页</a><a href="javascript:goPage(3)">3</a>'
            '<form name="pageForm" method="post" action="/info/iList.jsp"><input type="hidden" name="cat_id"'
            ' value="10234"><input type="hidden" name="cur_page" value="1"></form></body></html>')
    pager = find_form_pager(page, "http://h/info/iList.jsp?cat_id=10234")
    assert pager is not None and pager.action == "http://h/info/iList.jsp" and pager.page_numbers == [2, 3]
    assert pager.formdata(3) == {"cat_id": "10234", "cur_page": "3"}
    assert find_form_pager(page.replace('method="post"', 'method="get"'), "http://h/") is None
    assert find_form_pager(page.replace("goPage", "doZoom"), "http://h/") is None


def test_json_list_api_is_read_from_inline_scripts() -> None:
    from gkcrawl.crawl.list_endpoints import find_json_list_apis

    concatenated = ('<script>var columnId = "123"; var pageSize = 15;'
                    'fetch("/api/list?columnId=" + columnId + "&pageNo=" + pageNo + "&pageSize=" + pageSize)</script>')
    (api,) = find_json_list_apis(concatenated, "http://h/col/col123/index.html")
    assert api.page_url(2) == "http://h/api/list?columnId=123&pageSize=15&pageNo=2" and api.page_size == 15
    ajax = '<script>$.ajax({url: "/data/list.json", data: {catId: 9, page: 1, rows: 20}, dataType: "json"});</script>'
    (api,) = find_json_list_apis(ajax, "http://h/")
    assert api.page_param == "page" and api.params == {"catId": "9", "rows": "20"}
    assert find_json_list_apis('<script>fetch("/api/weather?city=1")</script>', "http://h/") == []
    assert find_json_list_apis('<script src="/api/list.json?page=1"></script>', "http://h/") == []


def test_json_list_records_are_found_by_key_names() -> None:
    from gkcrawl.crawl.list_endpoints import json_list_links

    body = ('{"code":200,"data":{"total":42,"list":[{"title":"A2022年政府信息公开工作年度报告","url":"/a.html"},'
            '{"docTitle":"B","linkUrl":"http://x/b.html"}],"tags":[{"name":"t"}]}}')
    links, total = json_list_links(body, "http://h/col/")
    assert links == [("A2022年政府信息公开工作年度报告", "http://h/a.html"), ("B", "http://x/b.html")]
    assert total == 42
    assert json_list_links("not json", "http://h/") == ([], None)


def test_store_decision_keeps_reports_and_leaves_notices_to_their_attachments() -> None:
    from gkcrawl.crawl.items import DocumentItem
    from gkcrawl.crawl.pipelines import is_report
    from gkcrawl.parse import ParseResult

    def item(*notes: str, role: str = "report") -> DocumentItem:
        return DocumentItem(url="http://h/a.html", body=b"", content_type="text/html", capture_id=1,
                            fetched_at="2024-01-01T00:00:00Z", sha256="0" * 64, site="h", role=role,
                            title_hint="某局2022年政府信息公开工作年度报告", notes=list(notes))

    long_text = "本报告" * 400
    assert is_report(item(), ParseResult(template="2021", text=long_text))
    assert is_report(item(), ParseResult(text=long_text))  # a free-form (pre-2019) report page
    assert not is_report(item("links_report_attachment"), ParseResult(text="详见附件。"))
    notice = ParseResult(text=long_text, flags=["notice_with_attachment"])
    assert not is_report(item("links_report_attachment"), notice)
    assert is_report(item(), notice)  # no attachment link was found: keep the page itself
    assert not is_report(item(role="other"), ParseResult(text=long_text, flags=["not_a_report"]))
