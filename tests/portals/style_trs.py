"""TRS WCM/海云 portals: `trs` (year sub-columns, createPageHTML pagination, t2021..._N.html
documents), `deep` (the 年报 column two levels down) and `gbk` (GBK pages whose charset
headers lie or are missing)."""

from __future__ import annotations

import dataclasses

from gkcrawl.demo.furniture import trs_pager_script
from gkcrawl.demo.server import StaticSite
from gkcrawl.demo.sitebuild import BuildContext, Manifest, SiteBuilder, news_article, stable_serial, trs_doc_path

from .style_common import DEPARTMENTS, ReportEntry, explainer_title, identity_for, publish_report, report_entry

PAGE_SIZE = 5


def _paged_column(builder: SiteBuilder, column_dir: str, name: str, crumbs: list[tuple[str, str]],
                  items: list[tuple[str, str, str]], side: list[tuple[str, str]], *, page_size: int = PAGE_SIZE,
                  encoding: str = "utf-8", content_type: str | None = "auto") -> None:
    """index.html, index_1.html ... with only the createPageHTML() script linking them."""
    items = sorted(items, key=lambda item: item[2], reverse=True)
    pages = [items[i:i + page_size] for i in range(0, len(items), page_size)] or [[]]
    for number, page_items in enumerate(pages):
        page_name = "index.html" if number == 0 else f"index_{number}.html"
        builder.column(f"{column_dir}/{page_name}", name, crumbs,
                       builder.simple_list(page_items, trs_pager_script(len(pages), number)),
                       side_links=side, encoding=encoding, content_type=content_type)


def _year_columns(builder: SiteBuilder, nb_dir: str, nb_crumbs: list[tuple[str, str]], body: str,
                  years: range, departments: int, side: list[tuple[str, str]]) -> tuple[list[ReportEntry], set[str]]:
    """The 年报 column with one sub-column per year; returns reports and distractor paths."""
    reports: list[ReportEntry] = []
    distractors: set[str] = set()
    year_links = []
    for year in years:
        year_dir = f"{nb_dir}/{year}n"
        crumbs = [*nb_crumbs, (f"{year}年", f"{year_dir}/index.html")]
        agencies = [body] + [f"{body[:3]}{d}" for d in DEPARTMENTS[:departments]]
        entries = [report_entry(year_dir, agency, year) for agency in agencies]
        for entry in entries:
            publish_report(builder, entry, crumbs)
        items = [(e.title, e.href, e.published) for e in entries]
        if year == years[-1]:
            published = f"{year + 1}-02-20"
            path = trs_doc_path(year_dir, published, stable_serial("jd", body, year))
            news_article(builder, path, explainer_title(body, year), published, f"{body}办公室",
                         ["一图读懂年度报告：主动公开、依申请公开、复议诉讼情况。"], crumbs)
            items.append((explainer_title(body, year), "./" + path[len(year_dir) + 1:], published))
            distractors.add(path)
        _paged_column(builder, year_dir, f"{year}年", crumbs, items, side)
        reports.extend(entries)
        year_links.append((f"{year}年", f"./{year}n/index.html", f"{year + 1}-01-01"))
    links = "".join(f'<li class="year"><a href="{href}">{text}</a></li>' for text, href, _ in reversed(year_links))
    builder.column(f"{nb_dir}/index.html", "政府信息公开年报", nb_crumbs, f'<ul class="sub-columns">{links}</ul>',
                   side_links=side)
    return reports, distractors


def _notices(builder: SiteBuilder, column_dir: str, body: str, crumbs: list[tuple[str, str]],
             side: list[tuple[str, str]]) -> set[str]:
    """通知公告 with a 法治政府建设年度报告 and a call for reports: not annual reports."""
    items = []
    for title, published in ((f"{body}2021年法治政府建设年度报告", "2022-03-25"),
                             ("关于做好2021年政府信息公开工作年度报告编制发布工作的通知", "2021-12-20"),
                             (f"{body}2022年政务公开工作要点", "2022-04-12")):
        path = trs_doc_path(column_dir, published, stable_serial(title))
        news_article(builder, path, title, published, f"{body}办公室", [f"{title}全文如下。", "（略）"], crumbs)
        items.append((title, path, published))
    builder.column(f"{column_dir}/index.html", "通知公告", crumbs, builder.simple_list(items), side_links=side)
    return {path for _, path, _ in items}


def _portal(body: str, code: int, section: str, chain: list[tuple[str, str]], years: range,
            departments: int) -> tuple[SiteBuilder, list[ReportEntry], set[str]]:
    ident = dataclasses.replace(identity_for(body, code), section_path=f"{section}/index.html")
    builder = SiteBuilder(ident)
    side = [("政府信息公开指南", f"{section}/zfxxgkzn/index.html"), ("通知公告", f"{section}/tzgg/index.html")]
    nb_dir = section + "".join(f"/{d}" for _, d in chain)
    side.append((chain[0][0], f"{section}/{chain[0][1]}/index.html"))
    builder.common_pages(f'<h2><a href="{section}/index.html">政府信息公开</a></h2>'
                         f'<p><a href="{section}/tzgg/index.html">通知公告</a></p>', [])
    section_crumbs = [("政府信息公开", f"{section}/index.html")]
    builder.column(f"{section}/index.html", "政府信息公开", section_crumbs,
                   builder.simple_list([(n, h, "") for n, h in side]), side_links=side)
    builder.column(f"{section}/zfxxgkzn/index.html", "政府信息公开指南",
                   [*section_crumbs, ("政府信息公开指南", f"{section}/zfxxgkzn/index.html")],
                   "<p>本指南适用于公民、法人和其他组织向本机关申请获取政府信息。</p>", side_links=side)
    distractors = _notices(builder, f"{section}/tzgg", body, [*section_crumbs, ("通知公告", f"{section}/tzgg/index.html")], side)
    crumbs = list(section_crumbs)
    current = section
    for depth, (name, directory) in enumerate(chain):
        current = f"{current}/{directory}"
        crumbs.append((name, f"{current}/index.html"))
        if depth < len(chain) - 1:
            next_name, next_dir = chain[depth + 1]
            builder.column(f"{current}/index.html", name, list(crumbs),
                           builder.simple_list([(next_name, f"./{next_dir}/index.html", ""),
                                                ("机构信息", "./jgxx/index.html", ""), ("规划信息", "./ghxx/index.html", "")]),
                           side_links=side)
            for extra_dir, extra_name in (("jgxx", "机构信息"), ("ghxx", "规划信息")):
                builder.column(f"{current}/{extra_dir}/index.html", extra_name,
                               [*crumbs, (extra_name, f"{current}/{extra_dir}/index.html")],
                               "<p>暂无信息</p>", side_links=side)
    reports, more = _year_columns(builder, nb_dir, crumbs, body, years, departments, side)
    return builder, reports, distractors | more


def build_trs(context: BuildContext) -> StaticSite:
    return _portal("云山市人民政府", 11, "/zwgk", [("政府信息公开年报", "zfxxgknb")], range(2019, 2022), 6)[0].build()


def manifest_trs(generation: int = 1) -> Manifest:
    _, reports, distractors = _portal("云山市人民政府", 11, "/zwgk", [("政府信息公开年报", "zfxxgknb")], range(2019, 2022), 6)
    return Manifest({r.path for r in reports}, distractors)


DEEP_CHAIN = [("法定主动公开内容", "fdzdgknr"), ("政府信息公开年报", "zfxxgknb")]


def build_deep(context: BuildContext) -> StaticSite:
    return _portal("明湖区人民政府", 12, "/xxgk", DEEP_CHAIN, range(2018, 2022), 3)[0].build()


def manifest_deep(generation: int = 1) -> Manifest:
    _, reports, distractors = _portal("明湖区人民政府", 12, "/xxgk", DEEP_CHAIN, range(2018, 2022), 3)
    return Manifest({r.path for r in reports}, distractors)


# The gbk portal: each report page shows a different way of getting the charset wrong.
GBK_BODY = "青禾县人民政府"
GBK_CASES = (  # (department, HTTP Content-Type the server sends)
    ("", "text/html; charset=utf-8"),
    ("教育局", "text/html"),
    ("民政局", None),
    ("财政局", "text/html; charset=utf-8"),
    ("卫生健康委员会", "text/html; charset=ISO-8859-1"),
)


def _gbk_portal() -> tuple[SiteBuilder, dict[str, str | None], set[str]]:
    builder = SiteBuilder(identity_for(GBK_BODY, 13))
    builder.common_pages('<h2><a href="/xxgk/index.html">政府信息公开</a></h2>', [])
    crumbs = [("政府信息公开", "/xxgk/index.html")]
    lying = "text/html; charset=utf-8"
    builder.column("/xxgk/index.html", "政府信息公开", crumbs,
                   builder.simple_list([("政府信息公开年报", "/xxgk/nb/index.html", "")]),
                   encoding="gbk", content_type=lying)
    nb_crumbs = [*crumbs, ("政府信息公开年报", "/xxgk/nb/index.html")]
    headers: dict[str, str | None] = {}
    items = []
    for year in (2020, 2021):
        for department, content_type in GBK_CASES:
            entry = report_entry("/xxgk/nb", GBK_BODY[:3] + department if department else GBK_BODY, year,
                                 relative=False)
            publish_report(builder, entry, nb_crumbs, encoding="gbk", content_type=content_type,
                           meta_charset="gb2312")
            headers[entry.path] = content_type
            items.append((entry.title, entry.href, entry.published))
    published = "2022-02-10"
    jd = trs_doc_path("/xxgk/nb", published, stable_serial("gbk-jd"))
    news_article(builder, jd, explainer_title(GBK_BODY, 2021), published, GBK_BODY, ["解读内容。"], nb_crumbs)
    page = builder.pages[jd]
    builder.raw(jd, page.body.decode("utf-8").replace("charset=utf-8", "charset=gb2312").encode("gbk"), lying)
    items.append((explainer_title(GBK_BODY, 2021), jd, published))
    _paged_column(builder, "/xxgk/nb", "政府信息公开年报", nb_crumbs, items, [], page_size=6,
                  encoding="gbk", content_type=lying)
    return builder, headers, {jd}


def build_gbk(context: BuildContext) -> StaticSite:
    return _gbk_portal()[0].build()


def manifest_gbk(generation: int = 1) -> Manifest:
    _, headers, distractors = _gbk_portal()
    return Manifest(set(headers), distractors, {"content_types": headers})
