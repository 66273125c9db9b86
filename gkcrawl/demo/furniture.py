"""Page furniture of a Chinese government portal: header, navigation, breadcrumb, article
meta block, list pages and the footer with ICP and 公网安备 numbers.

Every test portal is made of these pieces so the crawler and the text extractor meet the
same clutter they meet on real sites (字号【大 中 小】, 打印, 关闭, 责任编辑 ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

NAV_ITEMS = (("首页", "/"), ("政务公开", "{xxgk}"), ("新闻中心", "/xwzx/index.html"),
             ("办事服务", "/bsfw/index.html"), ("互动交流", "/hdjl/index.html"))


@dataclass(frozen=True)
class Identity:
    """Who runs the portal, as its header and footer say."""

    body_name: str          # 示范市人民政府
    icp: str                # 示ICP备20210129号-1
    police_record: str      # 示公网安备 00000000000001号
    site_code: str          # 网站标识码 0000000001
    organizer: str          # 主办单位
    operator: str           # 承办单位
    section_path: str = "/xxgk/index.html"   # the 政府信息公开 section
    section_name: str = "政府信息公开"
    # The 党政机关网站标识 (the red badge linked to the 机构编制 office's record of the site): its id
    # at bszs.conac.cn, shown in the footer when set.
    conac_id: str = ""


@dataclass(frozen=True)
class ArticleMeta:
    """The meta block above an article body."""

    index_no: str           # 索引号
    published: str          # 2021-01-29
    source: str             # 信息来源
    editor: str = "张明"     # 责任编辑
    doc_no: str = ""        # 文号
    time_of_day: str = "16:51"


def _head(title: str, charset: str, extra_head: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{escape(title)}</title>\n'
            f'<link rel="stylesheet" href="/images/common.css">\n{extra_head}</head>\n')


def header_html(identity: Identity) -> str:
    nav = "".join(
        f'<li><a href="{href.format(xxgk=identity.section_path)}" target="_self">{name}</a></li>'
        for name, href in NAV_ITEMS)
    return (f'<div class="top"><div class="w1200">'
            f'<span class="date">欢迎访问{escape(identity.body_name)}门户网站</span>'
            f'<span class="toplinks"><a href="javascript:void(0)">无障碍浏览</a> | '
            f'<a href="javascript:void(0)">长者模式</a>'
            f' | <a href="/hdjl/index.html">联系我们</a></span></div></div>\n'
            f'<div class="header"><div class="w1200"><a class="logo" href="/">'
            f'<img src="/images/logo.png" alt="{escape(identity.body_name)}"><h1>{escape(identity.body_name)}</h1></a>'
            f'<form class="search" action="/search/index.html" method="get"><input name="searchword" '
            f'placeholder="请输入关键词"><button type="submit">搜索</button></form></div></div>\n'
            f'<div class="nav"><ul class="w1200">{nav}</ul></div>\n')


def breadcrumb_html(crumbs: list[tuple[str, str]]) -> str:
    links = ' &gt; '.join(f'<a href="{escape(href)}">{escape(text)}</a>' for text, href in crumbs)
    return f'<div class="position w1200">当前位置：<a href="/">首页</a> &gt; {links}</div>\n'


def footer_html(identity: Identity) -> str:
    return ('<div class="footer"><div class="w1200">'
            '<p><a href="/wzdt/index.html">网站地图</a> | <a href="/hdjl/index.html">联系我们</a>'
            ' | <a href="/sm/index.html">使用帮助</a> | <a href="/admin/login.html">网站管理</a></p>'
            f'<p>主办单位：{escape(identity.organizer)}　承办单位：{escape(identity.operator)}</p>'
            f'<p><a href="https://beian.miit.gov.cn/" target="_blank">{escape(identity.icp)}</a>　'
            f'<img src="/images/ga.png" alt="">{escape(identity.police_record)}　'
            f'网站标识码：{escape(identity.site_code)}</p>'
            + (f'<p class="dzjg"><a href="http://bszs.conac.cn/sitename?method=show&amp;id={escape(identity.conac_id)}"'
               ' target="_blank"><img src="/images/dzjg.png" alt="党政机关" title="党政机关"></a></p>'
               if identity.conac_id else '')
            + '<p>建议使用1280×1024分辨率及以上浏览本网站</p></div></div>\n')


def page_html(identity: Identity, title: str, crumbs: list[tuple[str, str]], main_html: str,
              *, charset: str = "utf-8", extra_head: str = "", page_title: str | None = None) -> str:
    """A whole page: head, header with nav, breadcrumb, main part, footer."""
    full_title = page_title or f"{title}_{identity.body_name}"
    return (_head(full_title, charset, extra_head) + "<body>\n" + header_html(identity)
            + breadcrumb_html(crumbs) + f'<div class="main w1200">\n{main_html}\n</div>\n'
            + footer_html(identity) + "</body>\n</html>\n")


def article_html(identity: Identity, title: str, crumbs: list[tuple[str, str]], meta: ArticleMeta,
                 content_html: str, *, charset: str = "utf-8", attachments_html: str = "") -> str:
    """An article page as TRS/Hanweb templates render one: meta table, tools, body, editor."""
    meta_block = (
        '<table class="xxgk-meta" cellspacing="0" cellpadding="0">'
        f'<tr><td class="t">索引号：</td><td>{escape(meta.index_no)}</td>'
        f'<td class="t">信息来源：</td><td>{escape(meta.source)}</td></tr>'
        f'<tr><td class="t">发布日期：</td><td>{escape(meta.published)}</td>'
        f'<td class="t">文号：</td><td>{escape(meta.doc_no)}</td></tr>'
        f'<tr><td class="t">名称：</td><td colspan="3">{escape(title)}</td></tr></table>\n')
    tools = (f'<div class="article-info"><span>发布时间：{escape(meta.published)} {meta.time_of_day}</span>'
             f'<span>来源：{escape(meta.source)}</span><span>浏览次数：<script>document.write("")</script></span>'
             '<span class="fontsize">字号：【<a href="javascript:doZoom(18)">大</a> '
             '<a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span></div>\n')
    main = (meta_block + f'<div class="article"><h1 class="article-title">{escape(title)}</h1>\n' + tools
            + f'<div class="TRS_Editor" id="zoom">\n{content_html}\n</div>\n{attachments_html}'
            + '<div class="article-tools"><a href="javascript:window.print()">【打印】</a> '
            '<a href="javascript:window.close()">【关闭】</a></div>\n'
            f'<div class="editor">责任编辑：{escape(meta.editor)}</div></div>')
    return page_html(identity, title, crumbs, main, charset=charset)


def list_items_html(items: list[tuple[str, str, str]]) -> str:
    """`<li>` rows of a column list: (title, href, date)."""
    return "\n".join(f'<li><a href="{escape(href)}" target="_blank" title="{escape(title)}">'
                     f'{escape(title)}</a><span>{escape(date)}</span></li>' for title, href, date in items)


def column_html(identity: Identity, column_name: str, crumbs: list[tuple[str, str]], list_html: str,
                *, side_links: Sequence[tuple[str, str]] = (), charset: str = "utf-8",
                extra_head: str = "") -> str:
    """A column (栏目) page: side menu of sibling columns, then the list part."""
    side = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for text, href in side_links)
    main = (f'<div class="side"><h2>{escape(identity.section_name)}</h2><ul>{side}</ul></div>\n'
            f'<div class="list-box"><h2 class="column-title">{escape(column_name)}</h2>\n{list_html}\n</div>')
    return page_html(identity, column_name, crumbs, main, charset=charset, extra_head=extra_head)


def trs_pager_script(total_pages: int, current: int, prefix: str = "index", ext: str = "html") -> str:
    """The TRS WCM pager: pages exist only as arguments of createPageHTML()."""
    return ('<div class="page"><script type="text/javascript">\n'
            'function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){\n'
            '  if(_nPageCount == null || _nPageCount<=1){ return; }\n'
            '  var nCurrIndex = _nCurrIndex || 0;\n'
            '  if(nCurrIndex == 0) document.write("<span>首页</span> ");\n'
            '  else document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a> ");\n'
            '  for(var i=1;i<_nPageCount;i++){ if(i!=nCurrIndex) document.write("<a href=\\""'
            '+_sPageName+"_"+i+"."+_sPageExt+"\\">"+(i+1)+"</a> "); }\n'
            '}\n'
            f'createPageHTML({total_pages}, {current}, "{prefix}", "{ext}");\n'
            '</script></div>')


def robots_txt() -> str:
    return ("User-agent: *\nDisallow: /admin/\nDisallow: /manage/\nDisallow: /cgi-bin/\n"
            "Crawl-delay: 0\n")
