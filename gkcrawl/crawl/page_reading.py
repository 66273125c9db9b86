"""What the spider reads off a fetched page: its title candidates, its links (as a person
would follow them: base href, scripted links, image alt text, frames, CDATA records) and how
much of it is prose rather than links. Pure functions of a Scrapy response."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from . import discovery, strategies

# A record's title is longer than a menu's words (首页, 政务公开, 新闻中心, 政府信息公开指南 is 8).
MIN_RECORD_TITLE = 9


def page_titles(response: TextResponse) -> list[str]:
    """The page's own title candidates, most specific first."""
    found = [
        response.xpath("//meta[@name='ArticleTitle']/@content").get(""),
        " ".join(response.xpath("//h1//text()").getall()),
        response.xpath("//title/text()").get(""),
    ]
    return [t.strip() for t in found]


def page_links(response: TextResponse, text: str) -> list[tuple[str, str]]:
    """(label, absolute URL) of every link: `<base href>` honoured, scripted links opened,
    an image link named by its alt text, frames and CDATA records included."""
    base = get_base_url(response)
    links: list[tuple[str, str]] = []
    for anchor in response.xpath("//a[@href or @onclick] | //area[@href]"):
        href = anchor.attrib.get("href", "").strip()
        target = discovery.script_link_target(href, anchor.attrib.get("onclick", ""))
        if target is not None:
            href = target
        elif not href:
            continue
        label = (anchor.attrib.get("title") or " ".join(anchor.xpath(".//text()").getall()).strip()
                 or " ".join(anchor.xpath(".//img/@alt").getall()) or anchor.attrib.get("alt", ""))
        if discovery.is_more_link(label):
            label = block_title(anchor) or label
        links.append((label.strip(), discovery.unwrap_viewer_url(urljoin(base, href))))
    for src in response.xpath("//iframe/@src | //frame/@src").getall():
        links.append(("", discovery.unwrap_viewer_url(urljoin(base, src.strip()))))
    links.extend(strategies.cdata_links(text, base))
    return links


def block_title(anchor: Any) -> str:
    """The title of the block a `更多>>` link sits in: the heading beside it or above its box."""
    for path in ("preceding-sibling::*[1]", "../preceding-sibling::*[1]",
                 "ancestor::*[position() <= 3]/*[self::h2 or self::h3 or self::h4][1]"):
        for node in anchor.xpath(path):
            text = " ".join(node.xpath(".//text()[not(ancestor::a)]").getall()).strip()
            if text and len(text) <= 30 and not discovery.is_more_link(text):
                return text
    return ""


def prose_chars(response: TextResponse) -> int:
    """Characters of text outside links, scripts and styles: a list page has few."""
    prose = response.xpath("//body//text()[not(ancestor::a) and not(ancestor::script)"
                           " and not(ancestor::style)]").getall()
    return sum(len(t.strip()) for t in prose)


def list_record_links(response: TextResponse) -> list[str]:
    """The URLs of a list page's records: the longest run of sibling items (li, tr, dd) that
    each hold a titled link, one URL per item. Menus, breadcrumbs and pagers are short runs
    of short words (首页, 政务公开, 2), a list's records carry titles."""
    base = get_base_url(response)
    best: list[str] = []
    for container in response.xpath("//ul | //ol | //tbody | //table | //dl"):
        urls = []
        for item in container.xpath("./li | ./tr | ./dd | ./dt"):
            anchor = item.xpath(".//a[@href]")
            if not anchor:
                continue
            href = anchor[0].attrib.get("href", "").strip()
            label = anchor[0].attrib.get("title") or " ".join(anchor[0].xpath(".//text()").getall())
            if href and not href.lower().startswith(("javascript:", "#")) and len(label.strip()) >= MIN_RECORD_TITLE:
                urls.append(discovery.canonical_url(urljoin(base, href)))
        if len(urls) > len(best):
            best = urls
    return list(dict.fromkeys(best))


def page_requisites(response: TextResponse) -> list[str]:
    """Absolute URLs of what a page needs to look like itself: stylesheets, images, icons."""
    base = get_base_url(response)
    found = response.xpath("//link[contains(concat(' ', translate(@rel, 'SI', 'si'), ' '), 'stylesheet') "
                           "or contains(@rel, 'icon')]/@href | //img/@src | //input[@type='image']/@src").getall()
    urls = [discovery.canonical_url(urljoin(base, u.strip())) for u in found
            if u.strip() and not u.strip().lower().startswith(("data:", "javascript:"))]
    return list(dict.fromkeys(urls))
