"""Government portals under their own host names, for the official-site and coverage tests.

The crawler reaches them through an HTTP proxy on 127.0.0.1 (Scrapy honours `http_proxy`): the
proxy answers each absolute-URI request from the site of the host it names, so the archive holds
`http://www.shuozhou.gov.cn/...` captures as a real crawl of that portal would, and nothing leaves
the machine. Three hosts:

- www.shuozhou.gov.cn: 朔州市人民政府's portal with consistent marks (标识码 1406000001 = 山西省朔州市,
  晋ICP备, 晋公网安备 14060202…, the 党政机关 badge): official, and its report on time;
- www.shuozhou-gov.com: the same pages copied to another domain: a mirror;
- www.datong.gov.cn: 大同市人民政府's portal whose footer carries a 广东 ICP number: inconsistent,
  and its report published after 31 March: late.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from gkcrawl.demo.furniture import ArticleMeta, Identity
from gkcrawl.demo.report_content import make_report, report_body_html
from gkcrawl.demo.server import Request, StaticSite
from gkcrawl.demo.sitebuild import SiteBuilder

SHUOZHOU = Identity(body_name="朔州市人民政府", icp="晋ICP备05001234号-1", police_record="晋公网安备 14060202000123号",
                    site_code="1406000001", organizer="朔州市人民政府办公室", operator="朔州市大数据中心",
                    conac_id="5A2B7C9D0E1F3A4B")
DATONG = Identity(body_name="大同市人民政府", icp="粤ICP备12345678号", police_record="晋公网安备 14020002000456号",
                  site_code="1402000002", organizer="大同市人民政府办公室", operator="大同市信息中心")
OFFICIAL, MIRROR, INCONSISTENT = "www.shuozhou.gov.cn", "www.shuozhou-gov.com", "www.datong.gov.cn"
REPORT_PATH = "/xxgk/zfxxgknb/202201/t20220120_1000001.html"


def portal(identity: Identity, agency: str, year: int, published: str) -> StaticSite:
    """Home -> 政府信息公开 -> 政府信息公开年报 -> the government's report for `year`."""
    builder = SiteBuilder(identity)
    columns = [("政府信息公开年报", "/xxgk/zfxxgknb/index.html")]
    builder.common_pages('<div class="home-xxgk"><h2><a href="/xxgk/index.html">政府信息公开</a></h2></div>', [])
    section = [("政府信息公开", "/xxgk/index.html")]
    builder.column("/xxgk/index.html", "政府信息公开", section,
                   '<ul class="columns"><li class="col"><a href="/xxgk/zfxxgknb/index.html">政府信息公开年报</a></li></ul>',
                   side_links=columns)
    doc = make_report(agency, year, seed=year)
    crumbs = [*section, ("政府信息公开年报", "/xxgk/zfxxgknb/index.html")]
    builder.article(REPORT_PATH, doc.title, crumbs, ArticleMeta(index_no=f"{identity.site_code}/{year + 1}-00001",
                                                                published=published, source=agency),
                    report_body_html(doc))
    builder.column("/xxgk/zfxxgknb/index.html", "政府信息公开年报", crumbs,
                   builder.simple_list([(doc.title, REPORT_PATH, published)]), side_links=columns)
    return builder.build()


def sites() -> dict[str, StaticSite]:
    shuozhou = portal(SHUOZHOU, "朔州市人民政府", 2021, "2022-01-20")
    return {OFFICIAL: shuozhou, MIRROR: shuozhou,
            INCONSISTENT: portal(DATONG, "大同市人民政府", 2021, "2022-04-15")}


@dataclass
class RunningProxy:
    url: str
    server: ThreadingHTTPServer

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_proxy() -> RunningProxy:
    """An HTTP proxy on 127.0.0.1 that answers for the portals above (404 for any other host)."""
    served = sites()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, send_body: bool) -> None:
            parts = urlsplit(self.path)
            host = (parts.hostname or self.headers.get("Host", "").split(":")[0]).lower()
            site = served.get(host)
            page = site.page_for(Request(self.command, parts.path or "/", dict(parse_qsl(parts.query)), {}, 1)) \
                if site else None
            if page is None:
                body, status, content_type = b"not found", 404, "text/plain"
            else:
                body, status, content_type = page.body, page.status, page.content_type or "text/html"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer(True)

        def do_HEAD(self) -> None:
            self._answer(False)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return RunningProxy(f"http://127.0.0.1:{server.server_address[1]}", server)
