"""The demo and test portals, fetched over real HTTP on 127.0.0.1 with urllib."""

from __future__ import annotations

import http.client
import io
import re
import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from html import unescape

import pytest
from lxml import html as lxml_html

from gkcrawl.demo.style_demo import SEEDS, seed_text
from portals import EXPECTED, EXPECTED_GEN2, STYLES, start_portal

pytestmark = pytest.mark.slow

FURNITURE = ("首页", "政务公开", "新闻中心", "办事服务", "互动交流", "当前位置", "索引号", "发布日期", "信息来源",
             "字号：【", "大", "中", "小】", "【打印】", "【关闭】", "责任编辑", "主办单位", "承办单位", "ICP备",
             "公网安备", "网站标识码")


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None,
          timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body; HTTP errors and redirects are answers, not exceptions."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def demo():
    with start_portal("demo") as portal:
        yield portal


def url(portal, path: str) -> str:  # type: ignore[no-untyped-def]
    return portal.url.rstrip("/") + path


def text_of(body: bytes, encoding: str = "utf-8") -> str:
    return unescape(re.sub(r"<[^>]+>", "", body.decode(encoding)))


def test_every_style_is_listed_and_has_reports() -> None:
    assert set(STYLES) == {"demo", "trs", "hanweb", "jsonly", "attachments", "gbk", "deep", "changing",
                           "traps", "faults", "large", "wild", "wild2", "bombs", "longlist", "subcolumns",
                           "trssearch", "trsbrowser", "irs", "gopage", "gkmlpt"}
    for style in STYLES:
        assert EXPECTED[style]["reports"], style
        assert not EXPECTED[style]["reports"] & EXPECTED[style]["distractors"], style
    assert set(EXPECTED_GEN2) == {"changing"}


def test_demo_pages_carry_portal_furniture(demo) -> None:  # type: ignore[no-untyped-def]
    report = sorted(EXPECTED["demo"]["reports"] - EXPECTED["demo"]["scanned"])[-1]
    status, headers, body = fetch(url(demo, report))
    assert status == 200
    page = text_of(body)
    for word in FURNITURE:
        assert word in page, word
    assert "字号：【大 中 小】" in page
    assert re.search(r"[^\x00-\x7f]ICP备\d{8}号", page)
    status, _, home = fetch(demo.url)
    assert status == 200 and "政府信息公开" in home.decode() and "公网安备" in home.decode()
    status, _, section = fetch(url(demo, "/xxgk/index.html"))
    for column in ("机构职能", "法规文件", "政府信息公开年报", "部门年报"):
        assert column in section.decode()


def test_demo_seed_reports_keep_every_line_of_the_seed(demo) -> None:  # type: ignore[no-untyped-def]
    for seed in SEEDS:
        status, _, body = fetch(url(demo, seed.path))
        assert status == 200
        page_text = text_of(body, seed.encoding)
        for line in seed_text(seed.filename).split("\n"):
            assert line.strip() in page_text, (seed.filename, line[:40])
        assert seed.title in body.decode(seed.encoding)


def test_demo_gbk_page_lies_about_its_charset(demo) -> None:  # type: ignore[no-untyped-def]
    (path,) = EXPECTED["demo"]["gbk"]
    status, headers, body = fetch(url(demo, path))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    page = body.decode("gbk")
    assert 'charset=gb2312' in page
    assert "海东市平安区政务服务中心" in page


def test_demo_year_list_paginates_only_through_the_trs_script(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, first = fetch(url(demo, "/xxgk/zfxxgknb/index.html"))
    assert 'createPageHTML(2, 0, "index", "html")' in first.decode()
    assert "index_1.html\"" not in first.decode().split("<script")[0]
    status, _, second = fetch(url(demo, "/xxgk/zfxxgknb/index_1.html"))
    assert status == 200 and 'createPageHTML(2, 1, "index", "html")' in second.decode()
    linked = set(re.findall(r'href="(/xxgk/zfxxgknb/\d{6}/t\d+_\d+\.html)"', first.decode() + second.decode()))
    in_this_column = {path for path in EXPECTED["demo"]["reports"] if path.startswith("/xxgk/zfxxgknb/")}
    assert in_this_column - EXPECTED["demo"]["js_only"] - EXPECTED["demo"]["scanned"] <= linked
    assert len(in_this_column - EXPECTED["demo"]["scanned"]) == 6  # the scan is linked from its notice page
    assert fetch(url(demo, "/xxgk/zfxxgknb/index_2.html"))[0] == 404


def test_demo_js_listed_report_has_no_static_link_and_a_consistent_table(demo) -> None:  # type: ignore[no-untyped-def]
    (path,) = EXPECTED["demo"]["js_only"]
    _, _, column = fetch(url(demo, "/xxgk/bmnb/index.html"))
    assert path not in column.decode() and path.rsplit("/", 1)[1] not in column.decode()
    assert "docData" in column.decode()
    status, _, body = fetch(url(demo, path))
    assert status == 200
    tree = lxml_html.fromstring(body.decode("utf-8"))
    tables = tree.xpath("//div[@id='zoom']//table")
    assert len(tables) == 3
    assert tree.xpath("//div[@id='zoom']//td[@rowspan]") and tree.xpath("//div[@id='zoom']//td[@colspan]")
    rows = [[td.text_content().strip() for td in tr.xpath("td")] for tr in tables[1].xpath(".//tr")]
    numeric = {row[0]: [int(v) for v in row[-7:]] for row in rows if row and row[-1].isdigit()}
    new, carried = numeric["一、本年新收政府信息公开申请数量"], numeric["二、上年结转政府信息公开申请数量"]
    total = next(v for k, v in numeric.items() if "(七)总计" in k)
    carried_out = numeric["四、结转下年度继续办理"]
    for column_index in range(7):
        assert new[column_index] + carried[column_index] == total[column_index] + carried_out[column_index]
    for values in numeric.values():
        assert sum(values[:6]) == values[6]


def test_conditional_get_answers_304_and_counts(demo) -> None:  # type: ignore[no-untyped-def]
    target = url(demo, "/xxgk/zfxxgknb/index.html")
    status, headers, body = fetch(target)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    before = demo.stats.snapshot()["not_modified"]
    assert fetch(target, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(target, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(target, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(target, {"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})[0] == 200
    assert demo.stats.snapshot()["not_modified"] == before + 2
    assert fetch(target)[2] == body  # deterministic bytes


def test_robots_txt_disallows_admin_only(demo) -> None:  # type: ignore[no-untyped-def]
    status, _, body = fetch(url(demo, "/robots.txt"))
    text = body.decode()
    assert status == 200 and "Disallow: /admin/" in text and "Crawl-delay: 0" in text
    assert "Disallow: /xxgk" not in text and "Disallow: /\n" not in text
    assert "/admin/login.html" in fetch(demo.url)[2].decode()  # linked, so obeying robots.txt matters
    status, headers, _ = fetch(url(demo, "/images/logo.png"))
    assert status == 200 and headers["Content-Type"] == "image/png"


@pytest.mark.parametrize("style", ["demo", "trs", "changing", "faults"])
def test_portals_are_byte_identical_between_builds(style: str) -> None:
    from gkcrawl.demo.sitebuild import BuildContext
    from portals.registry import _STYLES

    first = _STYLES[style].build(BuildContext(generation=1, port=1234))
    second = _STYLES[style].build(BuildContext(generation=1, port=1234))
    assert {path: page.body for path, page in first.pages.items()} == \
        {path: page.body for path, page in second.pages.items()}


def test_stats_count_concurrent_requests(demo) -> None:  # type: ignore[no-untyped-def]
    demo.stats.reset()

    def worker() -> None:
        for _ in range(25):
            fetch(url(demo, "/xxgk/index.html"))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = demo.stats.snapshot()
    assert snapshot["requests"] == 400 and snapshot["hits"]["/xxgk/index.html"] == 400
    assert snapshot["statuses"] == {200: 400}
    assert snapshot["bytes_sent"] == 400 * len(fetch(url(demo, "/xxgk/index.html"))[2])


@pytest.mark.parametrize("style", [s for s in STYLES if s not in ("faults",)])
def test_every_expected_url_answers(style: str) -> None:
    manifest = EXPECTED[style]
    with start_portal(style) as portal:
        assert fetch(portal.url)[0] == 200
        paths = sorted(manifest["reports"]) + sorted(manifest["distractors"])[:40] + sorted(manifest.get("notices", ()))
        for path in paths:
            status, headers, body = fetch(url(portal, path))
            assert status == 200, (style, path)
            assert body and headers.get("ETag")


def test_trs_year_columns_and_pagination() -> None:
    with start_portal("trs") as portal:
        _, _, column = fetch(url(portal, "/zwgk/zfxxgknb/index.html"))
        years = re.findall(r'href="\./(\d{4})n/index\.html">(\d{4})年', column.decode())
        assert [y for y, _ in years] == ["2021", "2020", "2019"]
        _, _, year_page = fetch(url(portal, "/zwgk/zfxxgknb/2021n/index.html"))
        assert 'createPageHTML(2, 0, "index", "html")' in year_page.decode()
        assert re.search(r'href="\./\d{6}/t\d{8}_\d{7}\.html"', year_page.decode())
        assert fetch(url(portal, "/zwgk/zfxxgknb/2021n/index_1.html"))[0] == 200
        assert all(re.fullmatch(r"/zwgk/zfxxgknb/20\d\dn/\d{6}/t\d{8}_\d{7}\.html", p) for p in EXPECTED["trs"]["reports"])


def test_hanweb_dataproxy_answers_xml_records_in_pages() -> None:
    manifest = EXPECTED["hanweb"]
    with start_portal("hanweb") as portal:
        _, _, column = fetch(url(portal, "/col/col1229431/index.html"))
        page = column.decode()
        assert "/module/web/jpage/dataproxy.jsp" in page and "columnid=1229431" in page and "unitid=5879321" in page
        assert "/art/" not in page  # the records are not in the column page
        query = "columnid=1229431&unitid=5879321&webid=36&path=/&permissiontype=0"
        seen: set[str] = set()
        for start, end in ((1, 15), (16, 30)):
            status, headers, body = fetch(url(portal, f"/module/web/jpage/dataproxy.jsp?startrecord={start}"
                                                      f"&endrecord={end}&perpage=15&{query}"))
            xml = body.decode()
            assert status == 200 and headers["Content-Type"].startswith("text/xml")
            assert f"<totalrecord>{manifest['total_records']}</totalrecord>" in xml
            assert "<record><![CDATA[" in xml
            seen |= set(re.findall(r'href="([^"]+)"', xml))
        assert seen == manifest["reports"] | manifest["distractors"]
        status, _, body = fetch(url(portal, "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=15"),
                                data=query.encode())  # POST, as jpage sends it
        assert status == 200 and body.decode().count("<record>") == 15
        _, _, wrong = fetch(url(portal, "/module/web/jpage/dataproxy.jsp?columnid=1&unitid=2"))
        assert "<totalrecord>0</totalrecord>" in wrong.decode()


def test_jsonly_list_exists_only_in_json() -> None:
    with start_portal("jsonly") as portal:
        _, _, column = fetch(url(portal, "/xxgk/ndbg/index.html"))
        for path in EXPECTED["jsonly"]["reports"]:
            assert path.rsplit("_", 1)[1] not in column.decode()
        _, headers, api = fetch(url(portal, EXPECTED["jsonly"]["api"]))
        assert headers["Content-Type"].startswith("application/json")
        ids = set(re.findall(r'"id": (\d+)', api.decode()))
        assert {f"/xxgk/ndbg/content/post_{i}.html" for i in ids} == EXPECTED["jsonly"]["reports"] | EXPECTED["jsonly"]["distractors"]


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium")
@pytest.mark.parametrize("style, column", [("demo", "/xxgk/bmnb/index.html"), ("jsonly", "/xxgk/ndbg/index.html")])
def test_script_built_lists_appear_in_a_browser(style: str, column: str) -> None:
    with start_portal(style) as portal:
        done = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000",
                               "--dump-dom", url(portal, column)], capture_output=True, text=True, timeout=60)
    dom = done.stdout
    expected = EXPECTED[style]["js_only"] if style == "demo" else EXPECTED[style]["reports"]
    for path in expected:
        assert path.rsplit("/", 1)[1] in dom, (path, done.stderr[-500:])


def test_gbk_portal_serves_gbk_under_wrong_or_missing_headers() -> None:
    manifest = EXPECTED["gbk"]
    with start_portal("gbk") as portal:
        _, headers, column = fetch(url(portal, "/xxgk/nb/index.html"))
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert "政府信息公开工作年度报告" in column.decode("gbk")
        seen_types = set()
        for path, content_type in manifest["content_types"].items():
            status, headers, body = fetch(url(portal, path))
            assert status == 200 and headers.get("Content-Type") == content_type
            seen_types.add(content_type)
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
            assert "charset=gb2312" in body.decode("gbk")
        assert None in seen_types and "text/html" in seen_types and "text/html; charset=utf-8" in seen_types


def test_deep_portal_nests_the_report_column_two_levels_down() -> None:
    with start_portal("deep") as portal:
        _, _, section = fetch(url(portal, "/xxgk/index.html"))
        assert "法定主动公开内容" in section.decode() and "zfxxgknb" not in section.decode()
        _, _, level1 = fetch(url(portal, "/xxgk/fdzdgknr/index.html"))
        assert "./zfxxgknb/index.html" in level1.decode()
        _, _, level2 = fetch(url(portal, "/xxgk/fdzdgknr/zfxxgknb/index.html"))
        assert "2018年" in level2.decode() and "./2021n/index.html" in level2.decode()
    assert all(p.startswith("/xxgk/fdzdgknr/zfxxgknb/20") for p in EXPECTED["deep"]["reports"])


def test_changing_portal_moves_removes_and_changes_in_generation_2() -> None:
    changes = EXPECTED["changing"]["generation2"]
    (old, new), = changes["moved"].items()
    (removed,) = changes["removed"]
    (changed,) = changes["changed"]
    unchanged = sorted(EXPECTED["changing"]["reports"] - {old, removed, changed})
    with start_portal("changing") as portal:
        tags = {path: fetch(url(portal, path))[1]["ETag"] for path in EXPECTED["changing"]["reports"]}
        assert fetch(url(portal, new))[0] == 404
        portal.set_generation(2)
        status, headers, _ = fetch(url(portal, old))
        assert status == 301 and headers["Location"] == new
        assert fetch(url(portal, new))[0] == 200
        assert fetch(url(portal, removed))[0] == 404
        status, headers, body = fetch(url(portal, changed), {"If-None-Match": tags[changed]})
        assert status == 200 and headers["ETag"] != tags[changed] and "更正说明" in body.decode()
        for path in unchanged:
            assert fetch(url(portal, path), {"If-None-Match": tags[path]})[0] == 304
        _, _, column = fetch(url(portal, "/xxgk/nb/index.html"))
        assert new in column.decode() and old not in column.decode() and removed not in column.decode()
        portal.set_generation(1)
        assert fetch(url(portal, old))[0] == 200
    assert EXPECTED_GEN2["changing"]["reports"] == set(unchanged) | {new, changed}


def test_traps_are_endless_and_point_off_host() -> None:
    manifest = EXPECTED["traps"]
    with start_portal("traps") as portal:
        _, _, home = fetch(portal.url)
        assert f"127.0.0.2:{portal.port}" in home.decode() and "jsessionid=" in home.decode()
        _, _, day = fetch(url(portal, "/hdjl/rl/index.html?date=2021-01-01"))
        assert "date=2021-01-02" in day.decode() and "date=2022-01-01" in day.decode()
        _, _, far = fetch(url(portal, "/hdjl/rl/index.html?date=2999-12-31"))
        assert "date=3000-01-01" in far.decode()
        _, _, chain = fetch(url(portal, "/ztzl/lj/500.html"))
        assert "/ztzl/lj/501.html" in chain.decode()
        _, _, search = fetch(url(portal, "/search/index.html?searchword=年报&page=7".replace("年报", "%E5%B9%B4%E6%8A%A5")))
        assert "page=8" in search.decode()
        _, _, column_a = fetch(url(portal, "/xxgk/nb/index.html;jsessionid=AAAA"))
        _, _, column_b = fetch(url(portal, "/xxgk/nb/index.html;jsessionid=BBBB"))
        links_a = set(re.findall(r'href="([^"]+\?sid=[^"]+)"', column_a.decode()))
        links_b = set(re.findall(r'href="([^"]+\?sid=[^"]+)"', column_b.decode()))
        assert links_a and not links_a & links_b  # new session, new URLs
        assert {link.split("?")[0] for link in links_a} >= manifest["reports"]
        for link in links_a:
            assert fetch(url(portal, link))[0] == 200
        assert set(portal.stats.snapshot()["hosts"]) == {f"127.0.0.1:{portal.port}"}


def test_faults_portal_fails_in_each_documented_way() -> None:
    manifest = EXPECTED["faults"]
    by_kind = {kind: path for path, kind in manifest["faults"].items()}
    with start_portal("faults", stall_seconds=3) as portal:
        for path in manifest["reports"] - set(by_kind.values()):
            assert fetch(url(portal, path))[0] == 200
        status, headers, _ = fetch(url(portal, by_kind["retry_after"]))
        assert status == 503 and headers["Retry-After"] == "1"
        assert fetch(url(portal, by_kind["retry_after"]))[0] == 200
        status, _, broken = fetch(url(portal, by_kind["broken_html"]))
        assert status == 200 and b"\xff\xfe" in broken and b"</html>" not in broken
        assert "政府信息公开工作年度报告" in broken.decode("utf-8", "replace")
        assert fetch(url(portal, by_kind["server_error"]))[0] == 500
        with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
            fetch(url(portal, by_kind["reset"]))
        with pytest.raises(http.client.IncompleteRead):
            fetch(url(portal, by_kind["truncate"]))
        with pytest.raises((socket.timeout, TimeoutError)):
            fetch(url(portal, by_kind["stall"]), timeout=1)
        connection = http.client.HTTPConnection(portal.host, portal.port, timeout=10)
        connection.request("GET", by_kind["oversize"])
        response = connection.getresponse()
        assert response.status == 200 and int(response.headers["Content-Length"]) >= 30 * 1024 * 1024
        assert len(response.read(1 << 20)) == 1 << 20
        connection.close()
    assert manifest["failing"] == {by_kind[k] for k in ("stall", "reset", "truncate", "oversize", "server_error")}
    assert by_kind["retry_after"] in manifest["reports"] and by_kind["broken_html"] in manifest["reports"]


def test_attachments_are_real_pdf_docx_and_doc() -> None:
    import docx
    import pdfplumber

    manifest = EXPECTED["attachments"]
    with start_portal("attachments") as portal:
        bodies = {}
        for path, kind in manifest["kinds"].items():
            status, headers, body = fetch(url(portal, path))
            assert status == 200
            bodies[kind] = bodies.get(kind, []) + [body]
            assert {"pdf": "application/pdf", "doc": "application/msword"}.get(kind, "officedocument") in headers["Content-Type"]
        for notice in manifest["notices"]:
            _, _, page = fetch(url(portal, notice))
            assert "附件：" in page.decode() and re.search(r'\.(pdf|docx|doc)</a>', page.decode())
    assert all(body.startswith(b"%PDF") for body in bodies["pdf"])
    with pdfplumber.open(io.BytesIO(bodies["pdf"][0])) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "政府信息公开工作年度报告" in text and "本年新收政府信息公开申请数量" in text
    document = docx.Document(io.BytesIO(bodies["docx"][0]))
    assert "政府信息公开工作年度报告" in document.paragraphs[0].text and len(document.tables) == 3
    assert bodies["doc"][0].startswith(b"\xd0\xcf\x11\xe0")  # OLE2 compound file
    if shutil.which("antiword"):
        done = subprocess.run(["antiword", "-"], input=bodies["doc"][0], capture_output=True, timeout=30)
        assert "政府信息公开工作年度报告" in done.stdout.decode("utf-8")


def test_large_portal_has_120_bodies_5000_pages_and_thousands_of_reports() -> None:
    manifest = EXPECTED["large"]
    assert manifest["pages"] >= 7000 and len(manifest["reports"]) >= 3000 and manifest["units"] == 120
    pdfs = {path for path in manifest["reports"] if path.endswith(".pdf")}
    assert 20 <= len(pdfs) <= 100
    with start_portal("large") as portal:
        _, _, section = fetch(url(portal, "/xxgk/index.html"))
        units = re.findall(r'href="(/(?:bm|qx|xz)/\d{3}/xxgk/index\.html)"', section.decode())
        assert len(units) == len(set(units)) == 120
        for kind, count in (("bm", 30), ("qx", 10), ("xz", 80)):
            assert sum(1 for unit in units if unit.startswith(f"/{kind}/")) == count
        # A district's year column carries its departments' reports too, paginated by createPageHTML.
        status, _, year_page = fetch(url(portal, "/qx/004/xxgk/nb/2021n/index_1.html"))
        assert status == 200 and 'createPageHTML(2, 1, "index", "html")' in year_page.decode()
        # Odd bodies list all years in one paginated 年报 column with a 编制通知 inside.
        _, _, flat = fetch(url(portal, "/bm/002/xxgk/nb/index_1.html"))
        assert 'createPageHTML(' in flat.decode() and "年度报告" in flat.decode()
        first = sorted(manifest["reports"])[0]
        assert fetch(url(portal, first))[2] == fetch(url(portal, first))[2]
        status, headers, pdf = fetch(url(portal, sorted(pdfs)[0]))
        assert status == 200 and pdf.startswith(b"%PDF") and headers["Content-Type"] == "application/pdf"
        report_page = next(path for path in sorted(manifest["reports"])
                            if path.rsplit("/", 1)[0] == sorted(pdfs)[0].rsplit("/", 1)[0] and path.endswith(".html"))
        assert "附件：" in fetch(url(portal, report_page))[2].decode()
        assert fetch(url(portal, "/bm/999/xxgk/index.html"))[0] == 404


def test_large_portal_smaller_size_keeps_its_shape() -> None:
    from portals.style_large import LargePortal

    small = LargePortal(units=12)
    assert {unit.kind for unit in small.units} == {"department", "district", "town"}
    assert small.reports < LargePortal().reports and small.distractors < LargePortal().distractors
    assert not small.reports & small.distractors
    with pytest.raises(ValueError, match="units must be"):
        LargePortal(units=0)
    with small.start() as portal:
        assert fetch(url(portal, sorted(small.reports)[-1]))[0] == 200
        _, _, section = fetch(url(portal, "/xxgk/index.html"))
        assert len(re.findall(r'href="/(?:bm|qx|xz)/\d{3}/xxgk/index\.html"', section.decode())) == 12


def test_module_cli_serves_until_stopped() -> None:
    process = subprocess.Popen([sys.executable, "-m", "gkcrawl.demo", "--style", "demo", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", line)
        assert fetch(line)[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_unknown_style_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown portal style"):
        start_portal("nope")


def test_demo_cross_year_column_lists_one_body_over_three_years_and_a_pdf(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, column = fetch(url(demo, "/xxgk/bmndbg/index.html"))
    pages = EXPECTED["demo"]["cross_year"]
    assert all(path in column.decode() for path in pages.values())
    ((page, pdf),) = EXPECTED["demo"]["renditions"]
    _, _, body = fetch(url(demo, page))
    assert pdf in body.decode()
    status, headers, data = fetch(url(demo, pdf))
    assert status == 200 and headers["Content-Type"] == "application/pdf" and data.startswith(b"%PDF")
    _, _, section = fetch(url(demo, "/xxgk/index.html"))
    assert "部门年度报告" in section.decode()
