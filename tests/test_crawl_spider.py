"""The disclosure spider on saved pages, offline: what it yields for each kind of page."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from gkcrawl.crawl.items import DocumentItem
from gkcrawl.crawl.resume import COMPLETED_FILE, CompletedDupeFilter, prepare_job_dir
from gkcrawl.crawl.spiders.disclosure import NOTE_LINKS_ATTACHMENT, DisclosureSpider

HOST = "http://www.example.gov.cn"


def make_spider() -> DisclosureSpider:
    crawler = get_crawler(DisclosureSpider, {"GKCRAWL_RECHECK_KNOWN": False, "GKCRAWL_JS": False})
    return DisclosureSpider.from_crawler(crawler, start_urls=[HOST + "/"])


def page(url: str, html: str, role: str, link_text: str = "", encoding: str = "utf-8") -> HtmlResponse:
    request = Request(url, meta={"gk_role": role, "gk_link_text": link_text, "gk_depth": 2,
                                 "gk_capture_id": 7, "gk_fetched_at": "2024-01-01T00:00:00Z", "gk_sha256": "ab"})
    return HtmlResponse(url, body=html.encode(encoding), encoding=encoding, request=request)


def run(spider: DisclosureSpider, response: HtmlResponse) -> tuple[list[DocumentItem], list[Request]]:
    output = list(spider.parse_page(response))
    return ([o for o in output if isinstance(o, DocumentItem)], [o for o in output if isinstance(o, Request)])


def test_column_page_yields_reports_pages_and_no_item() -> None:
    html = """<html><head><title>政府信息公开年报</title></head><body>
    <a href="http://other.example.com/x.html">外站</a>
    <ul><li><a href="./202101/t20210129_1.html" title="某市2020年政府信息公开工作年度报告">某市2020年政府…</a></li>
    <li><a href="./202102/t20210205_2.html">关于某市2020年政府信息公开工作年度报告的解读</a></li>
    <li><a href="./2019/">2019年</a></li></ul>
    <script>createPageHTML(3, 0, "index", "html");</script></body></html>"""
    items, requests = run(make_spider(), page(HOST + "/xxgk/nb/index.html", html, "column"))
    assert items == []
    by_url = {r.url: r.meta["gk_role"] for r in requests}
    assert by_url[HOST + "/xxgk/nb/202101/t20210129_1.html"] == "report"
    assert by_url[HOST + "/xxgk/nb/2019/"] == "column"
    assert by_url[HOST + "/xxgk/nb/index_2.html"] == "column"
    assert "http://other.example.com/x.html" not in by_url  # other hosts never
    assert by_url.get(HOST + "/xxgk/nb/202102/t20210205_2.html") in (None, "other")  # 解读: never a report


def test_report_page_is_an_item_and_its_attachment_is_followed() -> None:
    html = """<html><head><title>某市2020年政府信息公开工作年度报告</title></head><body>
    <h1>某市2020年政府信息公开工作年度报告</h1><p>一、总体情况</p>
    <p>附件：<a href="/files/nb2020.pdf">某市2020年政府信息公开工作年度报告.pdf</a></p></body></html>"""
    url = HOST + "/xxgk/nb/202101/t20210129_1.html"
    items, requests = run(make_spider(), page(url, html, "report", "某市2020年政府信息公开工作年度报告"))
    assert [i.url for i in items] == [url]
    assert items[0].capture_id == 7 and items[0].role == "report"
    assert NOTE_LINKS_ATTACHMENT in items[0].notes
    assert [(r.url, r.meta["gk_role"]) for r in requests if r.url.endswith(".pdf")] == \
        [(HOST + "/files/nb2020.pdf", "attachment")]


def test_distractor_titled_page_is_not_a_report() -> None:
    html = "<html><head><title>某市2020年法治政府建设年度报告</title></head><body><h1>某市2020年法治政府建设年度报告</h1></body></html>"
    items, _ = run(make_spider(), page(HOST + "/xxgk/fzzf/t1.html", html, "other"))
    assert items == []


def test_gbk_page_served_as_utf8_is_repaired_then_recognised() -> None:
    from gkcrawl.crawl.middlewares import CharsetFixMiddleware

    html = '<html><head><meta charset="gbk"><title>青禾县2020年政府信息公开工作年度报告</title></head><body></body></html>'
    url = HOST + "/xxgk/nb/t2.html"
    request = Request(url, meta={"gk_role": "other", "gk_depth": 1})
    lying = HtmlResponse(url, body=html.encode("gbk"), request=request,
                         headers={"Content-Type": "text/html; charset=utf-8"})
    spider = make_spider()
    assert run(spider, lying)[0] == []  # read as UTF-8 the title is mojibake: nothing found
    fixed = CharsetFixMiddleware(spider.crawler).process_response(request, lying)
    assert fixed.encoding == "gb18030"
    items, _ = run(spider, fixed)
    assert len(items) == 1 and items[0].body == html.encode("gbk")  # bytes untouched


def test_completed_dupe_filter_persists_only_finished_reports(tmp_path: Path) -> None:
    crawler = get_crawler(DisclosureSpider, {"JOBDIR": str(tmp_path)})
    first = CompletedDupeFilter.from_crawler(crawler)
    report = Request(HOST + "/nb/t1.html", meta={"gk_role": "report"})
    listing = Request(HOST + "/nb/index.html", meta={"gk_role": "column"})
    assert not first.request_seen(report) and not first.request_seen(listing)
    assert first.request_seen(report)
    first.mark_completed(report)
    first.close("shutdown")
    second = CompletedDupeFilter.from_crawler(crawler)
    assert second.request_seen(report)        # stored: never fetched again
    assert not second.request_seen(listing)   # navigation is walked again after a restart
    second.close("shutdown")  # stopped again: the completed set stays for the next resume
    assert (tmp_path / COMPLETED_FILE).stat().st_size > 0


def test_prepare_job_dir_drops_an_unreadable_queue(tmp_path: Path) -> None:
    (tmp_path / "requests.queue" / "p0").mkdir(parents=True)
    assert prepare_job_dir(tmp_path) is False
    assert not (tmp_path / "requests.queue").exists()
