"""Portals that test a crawler's conduct rather than its reading.

`changing`: generation 2 moves one report (301), removes one (404) and corrects one (new bytes,
new ETag and Last-Modified); the rest stay byte-identical. Generation 3 (a third scheduled
run) corrects that report again and removes one more.
`traps`: an endless calendar, session ids in URLs, an endless search, a deep link chain and
links to other hosts; a polite crawler stays bounded and never leaves 127.0.0.1.
`faults`: one URL per way a server fails (503 + Retry-After then OK, stall, reset, truncated
body, 30 MB body, 500, broken HTML); every other report must still land.
"""

from __future__ import annotations

import datetime
import hashlib
from html import escape

from gkcrawl.demo.furniture import page_html
from gkcrawl.demo.server import Page, Request, StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder

from .style_common import DEPARTMENTS, ReportEntry, identity_for, publish_report, report_entry

# ---------------------------------------------------------------- changing
CHANGING_BODY = "松涛市人民政府"
CHANGING_NEW_COLUMN = "/zwgk/ndbg"


def _changing_entries(generation: int) -> tuple[list[ReportEntry], dict[str, object]]:
    agencies = [CHANGING_BODY] + [CHANGING_BODY[:3] + d for d in DEPARTMENTS[:4]]
    entries = [report_entry("/xxgk/nb", agency, 2021, relative=False) for agency in agencies]
    moved, removed, changed = entries[1], entries[2], entries[3]
    moved_new = report_entry(CHANGING_NEW_COLUMN, moved.agency, 2021, relative=False)
    changes = {"moved": {moved.path: moved_new.path}, "removed": {removed.path}, "changed": {changed.path}}
    if generation == 1:
        return entries, changes
    # Generation 3 (a third scheduled run) corrects the corrected report again and removes another.
    gone = {removed.path} | ({entries[4].path} if generation >= 3 else set())
    current = [moved_new if e is moved else
               ReportEntry(e.agency, e.year, e.path, e.published, e.title, e.href, revision=generation)
               if e is changed else e
               for e in entries if e.path not in gone]
    if generation >= 3:
        changes = {**changes, "removed": gone}
    return current, changes


def build_changing(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for(CHANGING_BODY, 16))
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    crumbs = [("政府信息公开", "/xxgk/index.html")]
    builder.column("/xxgk/index.html", "政府信息公开", crumbs,
                   builder.simple_list([("政府信息公开年报", "/xxgk/nb/index.html", "")]))
    entries, changes = _changing_entries(context.generation)
    nb_crumbs = [*crumbs, ("政府信息公开年报", "/xxgk/nb/index.html")]
    for entry in entries:
        publish_report(builder, entry, nb_crumbs)
    if context.generation >= 2:
        for old, new in changes["moved"].items():  # type: ignore[union-attr]
            builder.redirect(old, new, 301)
    builder.column("/xxgk/nb/index.html", "政府信息公开年报", nb_crumbs,
                   builder.simple_list([(e.title, e.path, e.published) for e in entries]))
    return builder.build()


def manifest_changing(generation: int = 1) -> Manifest:
    entries, changes = _changing_entries(generation)
    extra: dict[str, object] = {"generation2": _changing_entries(2)[1], "generation3": _changing_entries(3)[1]}
    if generation >= 2:
        extra["redirects"] = dict(changes["moved"])  # type: ignore[arg-type]
    return Manifest({e.path for e in entries}, set(), extra)


# ---------------------------------------------------------------- traps
TRAPS_BODY = "金川区人民政府"
TRAP_PREFIXES = ("/hdjl/rl/", "/search/", "/ztzl/lj/")


def _sid(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16].upper()


def _traps_entries() -> list[ReportEntry]:
    return [report_entry("/xxgk/nb", agency, year, relative=False)
            for year in (2020, 2021) for agency in (TRAPS_BODY, TRAPS_BODY[:3] + "民政局")]


def build_traps(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for(TRAPS_BODY, 17))
    ident = builder.identity
    other_hosts = [f"http://127.0.0.2:{context.port}/xxgk/index.html", f"http://localhost:{context.port}/",
                   "http://www.outside-portal.invalid/"]
    home = ('<h2><a href="/xxgk/index.html;jsessionid=' + _sid("home") + '">政府信息公开</a></h2>'
            '<p><a href="/hdjl/rl/index.html?date=2021-01-01">活动日历</a> '
            '<a href="/search/index.html?searchword=%E5%B9%B4%E6%8A%A5&page=1">站内搜索：年报</a> '
            '<a href="/ztzl/lj/1.html">专题专栏</a></p><ul class="links">'
            + "".join(f'<li><a href="{escape(url)}">相关链接{i + 1}</a></li>' for i, url in enumerate(other_hosts))
            + "</ul>")
    builder.common_pages(home, [])
    entries = _traps_entries()
    crumbs = [("政府信息公开", "/xxgk/index.html"), ("政府信息公开年报", "/xxgk/nb/index.html")]
    for entry in entries:
        publish_report(builder, entry, crumbs)

    def report_links(session: str) -> str:
        return builder.simple_list([(e.title, f"{e.path}?sid={session}", e.published) for e in entries])

    def answer(request: Request) -> Page | None:
        path, _, path_params = request.path.partition(";")
        session = request.query.get("sid") or path_params.partition("=")[2] or "none"
        fresh = _sid(path, session)  # every visit with a new session id yields new URLs
        if path in ("/xxgk/index.html", "/xxgk/"):
            main = (f'<ul><li><a href="/xxgk/nb/index.html;jsessionid={fresh}">政府信息公开年报</a></li>'
                    f'<li><a href="/xxgk/index.html?sid={fresh}">刷新</a></li></ul>')
            return Page(page_html(ident, "政府信息公开", crumbs[:1], main).encode(), cacheable=False)
        if path in ("/xxgk/nb/index.html", "/xxgk/nb/"):
            main = report_links(fresh) + f'<p><a href="/xxgk/nb/index.html?sid={fresh}">刷新列表</a></p>'
            return Page(page_html(ident, "政府信息公开年报", crumbs, main).encode(), cacheable=False)
        if path == "/hdjl/rl/index.html":
            try:
                day = datetime.date.fromisoformat(request.query.get("date", "2021-01-01"))
            except ValueError:
                day = datetime.date(2021, 1, 1)
            links = "".join(f'<a href="/hdjl/rl/index.html?date={day + datetime.timedelta(days=step)}">{label}</a> '
                            for step, label in ((-1, "前一天"), (1, "后一天"), (-30, "上月"), (30, "下月"),
                                                (-365, "上一年"), (365, "下一年")))
            main = f"<h2>活动日历 {day}</h2><p>当日无活动安排。</p><p>{links}</p>"
            return Page(page_html(ident, "活动日历", [("活动日历", "/hdjl/rl/index.html")], main).encode())
        if path == "/search/index.html":
            try:
                number = max(1, int(request.query.get("page", "1")))
            except ValueError:
                number = 1
            word = request.query.get("searchword", "")
            main = (f"<h2>搜索结果：{escape(word)}（第{number}页）</h2>" + report_links(fresh)
                    + f'<a href="/search/index.html?searchword={escape(word)}&page={number + 1}&sid={fresh}">下一页</a>')
            return Page(page_html(ident, "搜索结果", [("站内搜索", "/search/index.html")], main).encode(), cacheable=False)
        if path.startswith("/ztzl/lj/") and path.endswith(".html"):
            try:
                number = int(path[len("/ztzl/lj/"):-5])
            except ValueError:
                return None
            main = f'<p>专题第{number}期。</p><a href="/ztzl/lj/{number + 1}.html">下一期</a>'
            return Page(page_html(ident, f"专题第{number}期", [("专题专栏", "/ztzl/lj/1.html")], main).encode())
        return None

    builder.dynamic.append(answer)
    return builder.build()


def manifest_traps(generation: int = 1) -> Manifest:
    return Manifest({e.path for e in _traps_entries()}, set(),
                    {"trap_prefixes": set(TRAP_PREFIXES), "foreign_hosts": {"127.0.0.2", "localhost", "www.outside-portal.invalid"}})


# ---------------------------------------------------------------- faults
FAULTS_BODY = "风林县人民政府"
# fault kind -> (does the report land in the end?, department)
FAULT_KINDS = {"retry_after": (True, "教育局"), "broken_html": (True, "民政局"), "stall": (False, "司法局"),
               "reset": (False, "财政局"), "truncate": (False, "水利局"), "oversize": (False, "商务局"),
               "server_error": (False, "审计局")}


def _fault_entries() -> tuple[list[ReportEntry], dict[str, str]]:
    good = [report_entry("/xxgk/nb", agency, 2021, relative=False)
            for agency in (FAULTS_BODY, FAULTS_BODY[:3] + "公安局", FAULTS_BODY[:3] + "统计局")]
    faults = {}
    for kind, (_, department) in FAULT_KINDS.items():
        entry = report_entry("/xxgk/nb", FAULTS_BODY[:3] + department, 2021, relative=False)
        faults[entry.path] = kind
        good.append(entry)
    return good, faults


def _break_html(body: bytes) -> bytes:
    """Unclosed and mis-nested tags, a stray invalid byte run, no closing </html>."""
    text = body.replace(b"</table>", b"").replace(b"</p>", b"").replace(b"</html>", b"")
    return text.replace(b'<div class="editor">', b'</div></div></td><div class="editor"\xff\xfe><b><i>', 1)


def build_faults(context: BuildContext) -> StaticSite:
    builder = SiteBuilder(identity_for(FAULTS_BODY, 18))
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    crumbs = [("政府信息公开", "/xxgk/index.html")]
    builder.column("/xxgk/index.html", "政府信息公开", crumbs,
                   builder.simple_list([("政府信息公开年报", "/xxgk/nb/index.html", "")]))
    nb_crumbs = [*crumbs, ("政府信息公开年报", "/xxgk/nb/index.html")]
    entries, faults = _fault_entries()
    for entry in entries:
        publish_report(builder, entry, nb_crumbs)
        kind = faults.get(entry.path)
        page = builder.pages[entry.path]
        if kind == "broken_html":
            builder.pages[entry.path] = Page(_break_html(page.body), page.content_type, last_modified=page.last_modified)
        elif kind == "server_error":
            builder.pages[entry.path] = Page(b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                                             "text/html; charset=utf-8", status=500, cacheable=False)
        elif kind in ("retry_after", "stall", "reset", "truncate", "oversize"):
            builder.pages[entry.path] = Page(page.body, page.content_type, last_modified=page.last_modified,
                                             fault=kind, cacheable=kind == "retry_after")
    builder.column("/xxgk/nb/index.html", "政府信息公开年报", nb_crumbs,
                   builder.simple_list([(e.title, e.path, e.published) for e in entries]))
    return builder.build()


def manifest_faults(generation: int = 1) -> Manifest:
    entries, faults = _fault_entries()
    failing = {path for path, kind in faults.items() if not FAULT_KINDS[kind][0]}
    return Manifest({e.path for e in entries} - failing, set(),
                    {"faults": dict(faults), "failing": failing})

