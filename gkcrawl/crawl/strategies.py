"""What CMS families share: TRS pagination, the Hanweb data proxy, JS-only lists.

Pure functions over page text; the spider turns their answers into requests. A portal's
family is never configured: each strategy looks for its own fingerprint in the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html

from gkcrawl import vocabulary

# CMS fingerprints are data: gkcrawl/data/vocabulary/cms_fingerprints.yaml.
_CMS = vocabulary.cms_fingerprints()

_TRS_CALL = _CMS.trs_call
_TRS_EXT = re.compile(r"^[sj]?html?$|^jsp$|^aspx?$", re.I)
_JS_NUMBER_VAR = r"\b{name}\s*=\s*['\"]?(\d+)"
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_PROXY_URL = _CMS.hanweb_proxy_url
_HANWEB_KEYS = _CMS.hanweb_keys
_ANALYTICS = _CMS.analytics


def trs_page_urls(page_text: str, page_url: str) -> list[str]:
    """Pages announced by TRS's `createPageHTML(total, current, "index", "html")`.

    Also the 海云 form `createPageHTML('page_div', total, current, 'index', 'shtml', records)`.
    Page 0 is `index.html`, page n is `index_n.html`, all beside the current page.
    The count may be a literal or a variable (`var countPage = 5`)."""
    for match in _TRS_CALL.finditer(page_text):
        args = [a.strip().strip("'\"") for a in match.group(1).split(",")]
        # The page name and its extension are the first quoted pair "index", "shtml".
        at = next((i for i in range(2, len(args) - 1) if _TRS_EXT.match(args[i + 1]) and args[i]), None)
        if at is None:
            continue
        total = _resolve_int(args[at - 2], page_text)
        stem, ext = args[at], args[at + 1]
        if total is None or total <= 1 or not re.fullmatch(r"[\w.-]+", stem):
            return []
        total = min(total, 500)  # a page count is never this large on a report column
        return [urljoin(page_url, f"{stem}.{ext}" if n == 0 else f"{stem}_{n}.{ext}") for n in range(total)]
    return []


def _resolve_int(token: str, page_text: str) -> int | None:
    if token.isdigit():
        return int(token)
    found = re.search(_JS_NUMBER_VAR.format(name=re.escape(token)), page_text)
    return int(found.group(1)) if found else None


def cdata_links(page_text: str, base_url: str) -> list[tuple[str, str]]:
    """Links inside CDATA sections (Hanweb puts its list records there, inside <script>)."""
    links: list[tuple[str, str]] = []
    for snippet in _CDATA.findall(page_text):
        if "<a" not in snippet.lower():
            continue
        links.extend(anchors_in_fragment(snippet, base_url))
    return links


def anchors_in_fragment(fragment: str, base_url: str) -> list[tuple[str, str]]:
    """(text, absolute URL) of every <a href> in an HTML fragment."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # noqa: BLE001 - a broken fragment yields no links, never an error
        return []
    found = []
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if href:
            text = anchor.get("title") or anchor.text_content() or ""
            found.append((text.strip(), urljoin(base_url, href.strip())))
    return found


@dataclass
class HanwebProxy:
    """A Hanweb list column's data proxy: where to ask for records, and the form to send."""

    url: str
    params: dict[str, str] = field(default_factory=dict)
    per_page: int = 15
    total_records: int | None = None
    batch_pages: int = 3

    def batch_url(self, batch: int) -> str:
        """URL for records of batch `batch` (0-based), `batch_pages` pages at a time."""
        size = self.per_page * self.batch_pages
        start = batch * size + 1
        query = f"startrecord={start}&endrecord={start + size - 1}&perpage={self.per_page}"
        return f"{self.url}?{query}"

    @property
    def batch_size(self) -> int:
        return self.per_page * self.batch_pages


def find_hanweb_proxy(page_text: str, page_url: str) -> HanwebProxy | None:
    """The `dataproxy.jsp` URL and its parameters, read from the page's scripts."""
    match = _PROXY_URL.search(page_text)
    if not match:
        return None
    raw = match.group(0).replace("&amp;", "&")
    parts = urlsplit(urljoin(page_url, raw))
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key in _HANWEB_KEYS:
        if key in params:
            continue
        found = re.search(rf"""['"]?\b{key}['"]?\s*[:=]\s*['"]?([^'"&,;}}\s]*)""", page_text)
        if found:
            params[key] = found.group(1)
    for key in ("startrecord", "endrecord", "perpage", "page"):
        params.pop(key, None)
    per_page = _first_int(page_text, ("perPage", "perpage", "pageSize")) or 15
    total = _first_int(page_text, ("totalRecord", "totalrecord", "total"))
    proxy_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return HanwebProxy(url=proxy_url, params=params, per_page=per_page, total_records=total)


def _first_int(text: str, names: tuple[str, ...]) -> int | None:
    for name in names:
        found = re.search(rf"""['"]?\b{name}['"]?\s*[:=]\s*['"]?(\d+)""", text)
        if found:
            return int(found.group(1))
    return None


def parse_datastore(xml_text: str, base_url: str) -> tuple[list[tuple[str, str]], int | None]:
    """Links of a Hanweb `<datastore>` answer and its `<totalrecord>`, when present."""
    links: list[tuple[str, str]] = []
    for snippet in _CDATA.findall(xml_text):
        links.extend(anchors_in_fragment(snippet, base_url))
    total = re.search(r"<totalrecord>\s*(\d+)\s*</totalrecord>", xml_text, re.I)
    return links, int(total.group(1)) if total else None


def record_count(xml_text: str) -> int:
    return len(re.findall(r"<record\b", xml_text, re.I))


def needs_browser(page_text: str, usable_links: int) -> bool:
    """A list page whose list is built by a script: no usable links, but real scripts."""
    if usable_links:
        return False
    lowered = page_text.lower()
    if "<script" not in lowered:
        return False
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page_text, re.I | re.S)
    for attrs, body in scripts:
        if "text/xml" in attrs.lower():
            continue
        src = re.search(r"src\s*=\s*['\"]([^'\"]+)", attrs, re.I)
        if src and not _ANALYTICS.search(src.group(1)):
            return True
        if len(body.strip()) > 40 and not _ANALYTICS.search(body):
            return True
    return False
