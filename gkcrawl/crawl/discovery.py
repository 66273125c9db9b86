"""Discovery rules as pure functions: what a link or a page is, seen from its text and URL.

The spider only connects these rules to Scrapy; they take strings and return plain values
so they are tested on their own, offline. What a title says (a report, another kind of
document, a 政务公开 report that needs its tables) is `gkcrawl.parse.titles`, shared with
derivation; it is re-exported here for the crawl.
"""

from __future__ import annotations

import enum
import functools
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from gkcrawl import vocabulary
from gkcrawl.parse.titles import (
    YEAR_PATTERN as _YEAR,
    fold_title,
    has_year,
    is_excluded_title,
    is_report_title,
    looks_like_report_name,
    needs_template,
    title_year,
)

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".rtf")

# Titles' words are data: gkcrawl/data/vocabulary/discovery_words.yaml.
_WORDS = vocabulary.discovery_words()
# Script links: window.open('...'), openUrl("..."), location.href='...'.
_SCRIPT_CALL = re.compile(r"""(?:open\w*|go\w*|show\w*|view\w*|location(?:\.href)?|href)"""
                          r"""\s*(?:\(|=)\s*['"]([^'"]+)['"]""",
                          re.I)
_LINKISH = re.compile(r"^(?:https?://|/|\./|\.\./)|\.(?:s?html?|jhtml|jsp|aspx?|php|pdf|docx?|wps|xlsx?|ofd)(?:[?#]|$)",
                      re.I)
_SECTION_WORDS = _WORDS.section_words
_SECTION_URL = _WORDS.section_url
_COLUMN_WORDS = _WORDS.column_words
_COLUMN_URL = _WORDS.column_url
_YEAR_COLUMN = re.compile(rf"^\s*({_YEAR})\s*年?度?\s*(?:年报|年度报告)?\s*$")
_PAGINATION_WORDS = _WORDS.pagination_words + _WORDS.pagination_exact
_PAGE_URL = re.compile(r"(?:index_\d+\.s?html?"
                       r"|[?&](?:page|pageno|pagenum|pageindex|currentpage|curpage|pn|p)=\d+)", re.I)
_SESSION_PATH = re.compile(r";(?:jsessionid|sid|phpsessid)=[^/?#]*", re.I)
_SESSION_PARAMS = {"jsessionid", "sid", "phpsessid", "sessionid", "session_id", "aspsessionid"}


class LinkKind(enum.Enum):
    """What following a link is expected to reach."""

    REPORT = "report"            # a report page, by its title
    ATTACHMENT = "attachment"    # a file (.pdf .doc ...)
    REPORT_COLUMN = "column"     # the annual-report column
    YEAR_COLUMN = "year"         # a year sub-column ("2020年")
    PAGINATION = "page"          # the next page of a list
    SECTION = "section"          # the disclosure section or one of its sub-columns
    OTHER = "other"
    SKIP = "skip"                # javascript:, mailto:, fragments


def script_link_target(href: str, onclick: str = "") -> str | None:
    """The address a scripted link opens: `javascript:openUrl('a.html')`, `onclick="window.open('..')"`.

    None when the link runs no navigation (`javascript:void(0)` with no onclick target)."""
    for code in (href if href.strip().lower().startswith("javascript:") else "", onclick or ""):
        for target in _SCRIPT_CALL.findall(code):
            target = target.strip()
            if _LINKISH.search(target) and not target.lower().startswith("javascript:"):
                return target
    return None


_VIEWER_PATH = re.compile(r"(?:/pdfjs/|/pdf\.?js/|viewer\.(?:html?|jsp|aspx?|php)$"
                          r"|/(?:preview|fileview)\w*\.(?:html?|jsp|aspx?|php)$)",
                          re.I)
_VIEWER_PARAMS = ("file", "url", "src", "path", "filepath", "fileurl")
_MORE_LINK = _WORDS.more_link


def unwrap_viewer_url(url: str) -> str:
    """The file a document viewer shows: `/pdfjs/web/viewer.html?file=/uploads/a.pdf` -> `/uploads/a.pdf`.

    The viewer page is furniture; the report is the file in its query string."""
    parts = urlsplit(url)
    if not _VIEWER_PATH.search(parts.path):
        return url
    for key, value in parse_qsl(parts.query):
        if key.lower() in _VIEWER_PARAMS and value.strip() and not value.lower().startswith("javascript:"):
            return urljoin(url, value.strip())
    return url


def is_more_link(text: str) -> bool:
    """`更多>>`, `[更多]`, `more+`: a block's link to its full list, named only by the block's title."""
    return _MORE_LINK.match(fold_title(text)) is not None


def is_attachment_url(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.lower()
    if path.endswith(ATTACHMENT_EXTENSIONS):
        return True
    # Download scripts: /downfile.jsp?filename=x.pdf
    return any(v.lower().endswith(ATTACHMENT_EXTENSIONS) for _, v in parse_qsl(parts.query))


_LIST_URL = re.compile(r"(?:/|/index(?:_\d+)?\.s?html?|/list[\w-]*\.s?html?|/col/col\d+/index\.html)$", re.I)


def looks_like_list_url(url: str) -> bool:
    """Directory-like URLs (`/2020/`, `/nb/index.html`, `/list_2.html`) are lists, not articles."""
    return _LIST_URL.search(urlsplit(url).path or "/") is not None


_SEARCH_PATH = re.compile(r"/(?:search|jsearch|s|so|was5/web/search|jrobot)(?:/|\.|$)", re.I)
_SEARCH_PARAMS = {"searchword", "keyword", "keywords", "q", "query", "wd", "sword"}


def is_search_url(url: str) -> bool:
    parts = urlsplit(url)
    if _SEARCH_PATH.search(parts.path):
        return True
    return any(k.lower() in _SEARCH_PARAMS for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def is_column_url(url: str) -> bool:
    return _COLUMN_URL.search(url) is not None


def is_section_url(url: str) -> bool:
    return _SECTION_URL.search(urlsplit(url).path) is not None


def is_column_name(text: str) -> bool:
    folded = fold_title(text)
    if not folded or len(folded) > 30 or is_excluded_title(folded):
        return False
    return any(word in folded for word in _COLUMN_WORDS) or (looks_like_report_name(folded) and not has_year(folded))


# A portal repeats its navigation on every page: the same (text, URL) pairs are classified again
# and again (the large test portal: 1,224 pages, 60,002 calls, 1,240 distinct pairs; 0.33 -> 0.02 ms
# a page, a small share of the crawl's 25-34 ms of CPU a page).
@functools.lru_cache(maxsize=1 << 16)
def classify_link(text: str, url: str) -> LinkKind:
    """Decide what a link leads to from its anchor text and its absolute URL (pure: cached)."""
    lowered = url.strip().lower()
    if not lowered or lowered.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return LinkKind.SKIP
    folded = fold_title(text)
    if is_search_url(url):
        return LinkKind.SKIP  # site search: endless result pages, nothing a list does not link
    if is_attachment_url(url):
        return LinkKind.ATTACHMENT
    if is_report_title(folded):
        # "2020年政府信息公开年报" pointing at a directory is a year column, not a report.
        return LinkKind.REPORT_COLUMN if looks_like_list_url(url) else LinkKind.REPORT
    if _YEAR_COLUMN.match(folded):
        return LinkKind.YEAR_COLUMN
    if folded.lower() in _PAGINATION_WORDS or any(w in folded for w in _WORDS.pagination_words):
        return LinkKind.PAGINATION
    if folded.isdigit() and _PAGE_URL.search(url):
        return LinkKind.PAGINATION
    if is_column_name(folded) or (is_column_url(url) and not is_excluded_title(folded)):
        return LinkKind.REPORT_COLUMN
    if any(word in folded for word in _SECTION_WORDS) and not is_excluded_title(folded):
        return LinkKind.SECTION
    if not folded and is_section_url(url):
        return LinkKind.SECTION
    return LinkKind.OTHER


def canonical_url(url: str) -> str:
    """One spelling per resource: session ids dropped, query sorted, fragment removed."""
    url = _SESSION_PATH.sub("", url.strip())
    parts = urlsplit(url)
    if parts.query:
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                if k.lower() not in _SESSION_PARAMS]
        parts = parts._replace(query=urlencode(kept))
    return canonicalize_url(urlunsplit(parts), keep_fragments=False)


def path_key(url: str) -> str:
    """The URL without its query: the unit for the per-path query-variant cap."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def host_allowed(host: str, allowed_hosts: set[str]) -> bool:
    """True for an allowed host or one of its subdomains. A `www.` host stands for its whole
    site: portals keep the disclosure platform on a sibling host (www.x.gov.cn -> xxgk.x.gov.cn)."""
    host = host.lower()
    for allowed in allowed_hosts:
        allowed = allowed.lower()
        if host == allowed:
            return True
        if not allowed or allowed[0].isdigit() or allowed.startswith("["):
            continue  # an IP address has no subdomains
        site = allowed.split(":")[0]
        site = site[4:] if site.startswith("www.") else site
        name = host.split(":")[0]
        if name == site or name.endswith("." + site):
            return True
    return False


def is_child_column(page_url: str, link_url: str) -> bool:
    """A sub-column of this list (its own list content), not the site's navigation."""
    page_dir = page_url.rsplit("/", 1)[0] + "/"
    return link_url.startswith(page_dir) and path_key(link_url) != path_key(page_url) \
        and "/" in link_url[len(page_dir):].rstrip("/")


__all__ = ["ATTACHMENT_EXTENSIONS", "LinkKind", "fold_title", "has_year", "is_excluded_title", "is_report_title",
           "looks_like_report_name", "needs_template", "title_year"]
