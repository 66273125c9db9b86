"""Lists paged only by a search or data service (issue 11), crawled for real.

Each test runs `gkcrawl crawl` against a portal of tests/portals/style_services.py on
127.0.0.1 and reads the archive: every report (including those the static page never
links) lands, no distractor does, the service exchanges are captures with WARC records,
and `list_coverage` holds what each list declared against what the crawl reached. A 404
for a link never archived is a dead link, not a gone report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawl_helpers import absolute, crawl, rows
from gkcrawl.archive.models import Capture
from gkcrawl.archive.store import open_archive, record_capture, touch_url
from gkcrawl.crawl import list_services
from gkcrawl.crawl.js_literals import JsonText, Unresolved, parse_value
from portals import EXPECTED, start_portal


def _reports(db: Path) -> set[str]:
    return {r[0] for r in rows(db, "SELECT url FROM reports")}


def _check_reports(portal_url: str, style: str, db: Path) -> None:
    manifest = EXPECTED[style]
    got = _reports(db)
    assert got == absolute(portal_url, manifest["reports"])
    assert not got & absolute(portal_url, manifest["distractors"])


def _coverage(db: Path) -> list[tuple]:
    return rows(db, "SELECT list_url, declared, reached, shortfall, methods FROM list_coverage")


def test_trs_search_service_is_walked_to_the_end(tmp_path: Path) -> None:
    style = "trssearch"
    manifest = EXPECTED[style]
    with start_portal(style) as portal:
        done = crawl([portal.url], tmp_path / "a.db", "--no-js", "--summary-json")
        service_hits = portal.stats.snapshot()["hits"].get(manifest["service"], 0)
        counter_hits = portal.stats.snapshot()["hits"].get(manifest["counter"], 0)
    db = tmp_path / "a.db"
    _check_reports(portal.url, style, db)
    beyond = absolute(portal.url, manifest["beyond_first_page"]) & absolute(portal.url, manifest["reports"])
    assert beyond and beyond <= _reports(db)  # reports listed only on the service's pages 2...
    posts = rows(db, "SELECT method, status, warc_record_id, referer FROM captures WHERE url LIKE '%/was5/web/search'")
    assert posts and service_hits == len(posts)
    assert counter_hits == 1  # the page's first call (a visit counter) answered no records: the next one
    assert all(m == "POST" and s == 200 and rec and ref.endswith("/zwgk/ndbg/index.html") for m, s, rec, ref in posts)
    [(list_url, declared, reached, shortfall, methods)] = _coverage(db)
    assert list_url == absolute(portal.url, [manifest["column"]]).pop()
    assert declared == manifest["declared"] == reached and shortfall == 0  # the dead record is listed too
    assert "service" in methods.split(",")
    summary = json.loads(done.stdout)
    assert summary["findings"] == []


def test_dead_links_are_not_gone(tmp_path: Path) -> None:
    """A listed report that 404s and a missing image were never archived: dead links, no gone_at."""
    style = "trssearch"
    manifest = EXPECTED[style]
    db = tmp_path / "a.db"
    with start_portal(style) as portal:
        done = crawl([portal.url], db, "--no-js", "--requisites", "--summary-json")
    summary = json.loads(done.stdout)
    assert summary["reports_gone"] == 0
    assert summary["dead_links"] == 2  # the taken-down report and the missing banner
    assert "2 dead links" in done.stderr
    assert rows(db, "SELECT count(*) FROM urls WHERE gone_at IS NOT NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM reports WHERE gone_at IS NOT NULL") == [(0,)]
    statuses = dict(rows(db, "SELECT url, status FROM captures WHERE status = 404"))
    assert set(statuses) == absolute(portal.url, [manifest["dead"], manifest["missing_asset"]])
    # --requisites: the report pages' stylesheet and images (same host) are archived for replay.
    kept = {u for (u,) in rows(db, "SELECT url FROM captures WHERE status = 200 AND warc_record_id IS NOT NULL")}
    assert absolute(portal.url, ["/images/common.css", "/images/logo.png", "/images/ga.png"]) <= kept


def test_requisites_are_off_by_default(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with start_portal("trssearch") as portal:
        crawl([portal.url], db, "--no-js")
    assert rows(db, "SELECT count(*) FROM captures WHERE url LIKE '%/images/%'") == [(0,)]


def test_json_body_service_is_walked(tmp_path: Path) -> None:
    """TRS 海云: no static list at all; pages are POSTs of a JSON body to /irs/front/list."""
    style = "irs"
    db = tmp_path / "a.db"
    with start_portal(style) as portal:
        crawl([portal.url], db, "--no-js")
    _check_reports(portal.url, style, db)
    posts = rows(db, "SELECT request_headers, warc_record_id FROM captures WHERE url LIKE '%/irs/front/list'")
    assert len(posts) == 3  # 23 records, 8 a page
    assert all("application/json" in json.loads(h).get("Content-Type", "") and rec for h, rec in posts)
    [(_, declared, reached, shortfall, methods)] = _coverage(db)
    assert (declared, reached, shortfall, methods) == (EXPECTED[style]["declared"], EXPECTED[style]["declared"], 0,
                                                       "service")


def test_gopage_pages_past_the_visible_numbers(tmp_path: Path) -> None:
    """The pager shows goPage(1..5) and 尾页 goPage(8); 共8页 says pages 6 and 7 exist too."""
    style = "gopage"
    manifest = EXPECTED[style]
    db = tmp_path / "a.db"
    with start_portal(style) as portal:
        crawl([portal.url], db, "--no-js")
    _check_reports(portal.url, style, db)
    hidden = absolute(portal.url, manifest["beyond_visible"]) & absolute(portal.url, manifest["reports"])
    assert hidden and hidden <= _reports(db)
    [(_, declared, reached, shortfall, _)] = _coverage(db)
    assert declared == reached == manifest["declared"] and shortfall == 0


def test_shortfall_is_a_finding_when_nothing_can_reach_the_rest(tmp_path: Path) -> None:
    """The service address is built at run time and the browser is off: 10 of 23 reached, said so."""
    style = "trsbrowser"
    db = tmp_path / "a.db"
    with start_portal(style) as portal:
        done = crawl([portal.url], db, "--no-js", "--summary-json")
    [(_, declared, reached, shortfall, methods)] = _coverage(db)
    assert (declared, reached, shortfall, methods) == (23, 10, 13, "static")
    summary = json.loads(done.stdout)
    assert len(summary["findings"]) == 1 and "23 records declared, 10 reached" in summary["findings"][0]
    assert "1 list short of what it declares" in done.stderr
    assert _reports(db) < absolute(portal.url, EXPECTED[style]["reports"])


@pytest.mark.slow
def test_browser_drives_the_pager_when_the_service_is_hidden(tmp_path: Path) -> None:
    """Chromium clicks 下一页 twice; the service answers behind each click are captures with WARC records."""
    style = "trsbrowser"
    db = tmp_path / "a.db"
    with start_portal(style) as portal:
        crawl([portal.url], db, "--js", timeout=240)
    _check_reports(portal.url, style, db)
    posts = rows(db, "SELECT method, status, warc_record_id, referer FROM captures WHERE url LIKE '%/was5/web/search'")
    assert len(posts) == 2  # pages 2 and 3 (page 1 is static)
    assert all(m == "POST" and s == 200 and rec and ref.endswith("/zwgk/ndbg/index.html") for m, s, rec, ref in posts)
    [(_, declared, reached, shortfall, methods)] = _coverage(db)
    assert (declared, reached, shortfall) == (23, 23, 0) and "browser" in methods.split(",")


# -- the page's configuration, read without running it ---------------------------------------

PAGE = """<div>共 42 条</div><script>
var cfg = {channelid: "290792", chnlid: "5727", pageSize: 10};
function go(page){ $.ajax({url: "/was5/web/search", type: "POST",
  data: {channelid: cfg.channelid, classsql: "chnlid=" + cfg.chnlid, prepage: cfg.pageSize, page: page}}); }
function irs(pageNo){ fetch("/irs/front/list", {method: "POST", headers: {"Content-Type": "application/json"},
  body: JSON.stringify({tenantId: tenantId, pageNo: pageNo, pageSize: 15, sorts: [{sortField: "save_time"}]})}); }
var tenantId = "71";
var x = new XMLHttpRequest(); x.open("POST", "/search.do"); x.send("col=" + cfg.chnlid + "&curPage=" + n);
$.post("/notalist.do", {id: cfg.chnlid});
</script>"""


def test_services_are_read_from_the_page_configuration() -> None:
    found = {s.url.rsplit("/", 1)[-1]: s for s in list_services.find_list_services(PAGE, "http://h/zwgk/index.html")}
    assert set(found) == {"search", "list", "search.do"}  # /notalist.do sends no page number
    was5 = found["search"]
    assert (was5.method, was5.encoding, was5.page_key, was5.page_size) == ("POST", "form", "page", 10)
    url, method, body, _ = was5.request_for(3)
    assert body == b"channelid=290792&classsql=chnlid%3D5727&prepage=10&page=3"
    irs = found["list"]
    url, method, body, headers = irs.request_for(2)
    assert irs.encoding == "json" and json.loads(body) == {"tenantId": "71", "pageNo": 2, "pageSize": 15,
                                                           "sorts": [{"sortField": "save_time"}]}
    assert headers["Content-Type"].startswith("application/json")
    assert found["search.do"].request_for(2)[2] == b"col=5727&curPage=2"


def test_declared_records_and_loose_answers() -> None:
    declared = list_services.declared_records(PAGE)
    assert declared is not None and (declared.records, declared.page_size, declared.expected) == (42, 10, 42)
    only_pages = list_services.declared_records("<script>var totalPage = 4; var perPage = 15;</script>")
    assert only_pages is not None and only_pages.expected == 60
    assert list_services.declared_records("<p>no counts here</p>") is None
    was5 = '{"count":"3","docs":[\n{"title":"某县2021年政府信息公开工作年度报告","url":"/a/t1.html",\t"time":"",},\n]}'
    assert list_services.service_records(was5, "http://h/x/") == (
        [("某县2021年政府信息公开工作年度报告", "http://h/a/t1.html")], 3)
    irs = {"data": {"list": [{"f_2021": "某局2020年政府信息公开工作年度报告", "doc_pub_url": "http://h/b.html"}],
                    "pager": {"total": 9}}}
    assert list_services.service_records(json.dumps(irs), "http://h/") == (
        [("某局2020年政府信息公开工作年度报告", "http://h/b.html")], 9)
    assert list_services.service_records("not json, no links", "http://h/") == ([], None)


def test_js_values() -> None:
    page = 'var a = {b: {c: "7"}}; var size = 20;'
    assert parse_value('{x: a.b.c + "-" + size, y: [1, "two"], z: missing}', page) == {
        "x": "7-20", "y": [1, "two"], "z": Unresolved("missing")}
    assert isinstance(parse_value("JSON.stringify({k: 1})"), JsonText)


def test_gkmlpt_list_api_from_the_link_fragment_and_page_sid(tmp_path: Path) -> None:
    """广东 gkmlpt: `/gkmlpt/annualreport#2629` + `SID: '175'` -> /gkmlpt/api/all/2629?page=N&sid=175."""
    style = "gkmlpt"
    db = tmp_path / "a.db"
    with start_portal(style) as portal:
        done = crawl([portal.url], db, "--no-js", "--summary-json")
    _check_reports(portal.url, style, db)
    asked = [u for (u,) in rows(db, "SELECT url FROM captures WHERE url LIKE '%/gkmlpt/api/all/%'")]
    assert sorted(asked) == sorted(absolute(portal.url, [f"{EXPECTED[style]['service']}?sid=175&page={n}"
                                                         for n in (1, 2, 3)]))
    [(_, declared, reached, shortfall, methods)] = _coverage(db)
    assert (declared, reached, shortfall, methods) == (23, 23, 0, "service")
    assert json.loads(done.stdout)["dead_links"] == 0


def test_hanweb_datastore_total_is_the_lists_declaration(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with start_portal("hanweb") as portal:
        crawl([portal.url], db, "--no-js")
    [(_, declared, reached, shortfall, methods)] = _coverage(db)
    total = EXPECTED["hanweb"]["total_records"]
    assert (declared, reached, shortfall, methods) == (total, total, 0, "service")


def test_values_the_page_keeps_in_its_markup() -> None:
    page = ('<input type="hidden" id="chnlid" value="5727"><div id="cfg" data-size="15"></div>'
            '<span id="sid">755031</span>')
    assert parse_value('{c: $("#chnlid").val(), s: $("#cfg").data("size"), i: document.getElementById("sid")'
                       '.innerText, q: $("#nowhere").val()}', page) == {
        "c": "5727", "s": "15", "i": "755031", "q": Unresolved("#nowhere")}


def test_only_an_archived_url_can_be_gone(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    when = "2026-12-01T00:00:00Z"
    record_capture(db, Capture(url="http://h/kept.html", method="GET", status=200, fetched_at=when))
    touch_url(db, "http://h/kept.html", when, 200)
    for url in ("http://h/kept.html", "http://h/never.html"):
        touch_url(db, url, "2026-12-02T00:00:00Z", 404)
    gone = dict(db.execute("SELECT url, gone_at FROM urls").fetchall())
    assert gone == {"http://h/kept.html": "2026-12-02T00:00:00Z", "http://h/never.html": None}
    db.conn.close()


def test_kaipuyun_list_interface_with_a_computed_base() -> None:
    """开普云: `$.ajax({type: "POST", url: path + "/interface-cms/qryManuscriptByWebsiteId",
    contentType: "application/json", data: JSON.stringify(data)})` with `data` set beside it."""
    page = """<script>
    function list(pageNum){ var data = {websiteId: "2a4092ca", channelId: ["282d9120"], pageNum: pageNum, pageSize: 15};
      $.ajax({type: "POST", url: getBase() + "/interface-cms/qryManuscriptByWebsiteId", contentType: "application/json",
              data: JSON.stringify(data), success: function(res){ draw(res.results); }}); }
    </script>"""
    [service] = list_services.find_list_services(page, "http://h/col/ndbg/index.html")
    url, method, body, headers = service.request_for(2)
    assert (url, method, service.encoding) == ("http://h/interface-cms/qryManuscriptByWebsiteId", "POST", "json")
    assert json.loads(body) == {"websiteId": "2a4092ca", "channelId": ["282d9120"], "pageNum": 2, "pageSize": 15}
    answer = {"Status": "success", "total": 31, "results": [
        {"title": "某市2021年政府信息公开工作年度报告", "url": "/col/ndbg/content_1.html", "publishedTime": "2022-01-20"}]}
    assert list_services.service_records(json.dumps(answer), "http://h/") == (
        [("某市2021年政府信息公开工作年度报告", "http://h/col/ndbg/content_1.html")], 31)
