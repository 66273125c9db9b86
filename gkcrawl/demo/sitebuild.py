"""Assembling a portal: pages by path, the pages every portal has, and the manifest.

Styles call `SiteBuilder` to register pages (encoded as the real site would encode them,
with the Content-Type header it would send, lying or not) and get a `StaticSite` back.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from .furniture import ArticleMeta, Identity, article_html, column_html, list_items_html, page_html, robots_txt
from .server import DynamicHandler, Page, StaticSite

CSS = (b"body{font-family:\"Microsoft YaHei\",sans-serif;margin:0}.w1200{width:1200px;margin:0 auto}"
       b".nav ul{display:flex;list-style:none;background:#b10d12}.nav a{color:#fff;padding:0 20px}"
       b".list-box li{display:flex;justify-content:space-between}.footer{background:#eee;text-align:center}")



def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A 1x1 transparent PNG for the logo and the 公网安备 badge, so browsers see no 404s.
PIXEL_PNG = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
             + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00")) + _png_chunk(b"IEND", b""))


@dataclass(frozen=True)
class BuildContext:
    """What a style needs to know to build its pages."""

    generation: int = 1
    port: int = 0


@dataclass
class Manifest:
    """The exact report and distractor paths of a portal (one generation)."""

    reports: set[str] = field(default_factory=set)
    distractors: set[str] = field(default_factory=set)
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"reports": set(self.reports), "distractors": set(self.distractors), **self.extra}


def trs_doc_path(column: str, published: str, serial: int) -> str:
    """TRS WCM document URL: /column/202101/t20210129_1234567.html."""
    day = published.replace("-", "")
    return f"{column.rstrip('/')}/{day[:6]}/t{day}_{serial}.html"


def stable_serial(*parts: object, digits: int = 7) -> int:
    """A deterministic document id like the ones CMSs print in URLs."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()
    low = 10 ** (digits - 1)
    return low + int(digest[:12], 16) % (9 * low)


class SiteBuilder:
    """Collects pages for one portal generation."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.pages: dict[str, Page] = {}
        self.dynamic: list[DynamicHandler] = []

    def html(self, path: str, html: str, *, encoding: str = "utf-8",
             content_type: str | None = "auto", last_modified: str = "2021-01-29") -> None:
        """A page encoded with `encoding`; content_type "auto" declares that encoding honestly."""
        if content_type == "auto":
            content_type = f"text/html; charset={encoding}"
        self.pages[path] = Page(html.encode(encoding), content_type, last_modified=last_modified)

    def raw(self, path: str, body: bytes, content_type: str | None, last_modified: str = "2021-01-29",
            headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.pages[path] = Page(body, content_type, last_modified=last_modified, headers=headers)

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        body = f'<html><body>Moved to <a href="{escape(location)}">{escape(location)}</a></body></html>'.encode()
        self.pages[path] = Page(body, "text/html; charset=utf-8", status=status,
                                headers=(("Location", location),), cacheable=False)

    def article(self, path: str, title: str, crumbs: list[tuple[str, str]], meta: ArticleMeta,
                content_html: str, *, encoding: str = "utf-8", content_type: str | None = "auto",
                attachments_html: str = "", meta_charset: str | None = None) -> None:
        html = article_html(self.identity, title, crumbs, meta, content_html,
                            charset=meta_charset or encoding, attachments_html=attachments_html)
        self.html(path, html, encoding=encoding, content_type=content_type, last_modified=meta.published)

    def column(self, path: str, name: str, crumbs: list[tuple[str, str]], list_html: str, *,
               side_links: Sequence[tuple[str, str]] = (), extra_head: str = "",
               encoding: str = "utf-8", content_type: str | None = "auto") -> None:
        html = column_html(self.identity, name, crumbs, list_html, side_links=side_links,
                           extra_head=extra_head, charset=encoding)
        self.html(path, html, encoding=encoding, content_type=content_type)

    def simple_list(self, items: list[tuple[str, str, str]], pager: str = "") -> str:
        return f'<ul class="list">\n{list_items_html(items)}\n</ul>\n{pager}'

    def common_pages(self, home_main_html: str, news_items: list[tuple[str, str, str]]) -> None:
        """Home, robots.txt, CSS and the nav pages that every portal has."""
        ident = self.identity
        self.html("/", page_html(ident, "首页", [], home_main_html, page_title=ident.body_name))
        self.pages["/index.html"] = self.pages["/"]
        self.raw("/robots.txt", robots_txt().encode("ascii"), "text/plain")
        self.raw("/images/common.css", CSS, "text/css")
        for image in ("/images/logo.png", "/images/ga.png", "/images/dzjg.png"):
            self.raw(image, PIXEL_PNG, "image/png")
        self.column("/xwzx/index.html", "新闻中心", [("新闻中心", "/xwzx/index.html")],
                    self.simple_list(news_items))
        for path, name, text in (("/bsfw/index.html", "办事服务", "个人办事 · 法人办事 · 部门服务 · 便民查询"),
                                 ("/hdjl/index.html", "互动交流", "领导信箱 · 在线访谈 · 征集调查 · 常见问题"),
                                 ("/wzdt/index.html", "网站地图", "首页 · 政务公开 · 新闻中心 · 办事服务 · 互动交流"),
                                 ("/sm/index.html", "使用帮助", "本网站信息仅供参考。"),
                                 # robots.txt disallows /admin/: a polite crawler never asks for it.
                                 ("/admin/login.html", "网站管理", "请输入用户名和密码。")):
            self.html(path, page_html(ident, name, [(name, path)], f"<h2>{name}</h2><p>{text}</p>"))

    def build(self) -> StaticSite:
        return StaticSite(dict(self.pages), list(self.dynamic))


def news_article(builder: SiteBuilder, path: str, title: str, published: str, source: str,
                 paragraphs: list[str], crumbs: list[tuple[str, str]]) -> None:
    """A plain news/notice article (a distractor unless its title says otherwise)."""
    body = "\n".join(f'<p style="text-indent:2em">{escape(text)}</p>' for text in paragraphs)
    meta = ArticleMeta(index_no=f"{stable_serial(path, digits=9)}/{published[:4]}-{stable_serial(title, digits=5)}",
                       published=published, source=source)
    builder.article(path, title, crumbs, meta, body)
