"""Lists a page does not link: a POST pager form, a JSON list API called by an inline script.

Pure functions over page text (no Scrapy). JSP/ASP portals page their lists by POSTing a
hidden form (`pageForm`, `cur_page`) from `javascript:goPage(n)`; 开普云-style columns fetch
`/api/list?columnId=…&pageNo=1&pageSize=15` and build the list in the browser. Both are read
here without a browser: the browser stays the fallback for scripts we cannot read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html

from gkcrawl import vocabulary

# CMS fingerprints are data: gkcrawl/data/vocabulary/cms_fingerprints.yaml.
_CMS = vocabulary.cms_fingerprints()

_PAGE_FIELD = _CMS.page_field
_SIZE_FIELD = _CMS.size_field
_PAGE_CALL = re.compile(r"""javascript:\s*\w*(?:page|go|turn|jump)\w*\(\s*['"]?(\d{1,4})['"]?\s*\)""", re.I)
_API_LITERAL = _CMS.api_literal
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)
_TITLE_KEYS = _CMS.json_title_keys
_URL_KEYS = _CMS.json_url_keys
_TOTAL_KEYS = _CMS.json_total_keys
MAX_API_PAGES = 300


@dataclass
class FormPager:
    """A list paginated by POSTing a form: where to post, the fields, which one is the page."""

    action: str
    fields: dict[str, str]
    page_field: str
    current: int
    page_numbers: list[int] = field(default_factory=list)

    def formdata(self, page: int) -> dict[str, str]:
        return {**self.fields, self.page_field: str(page)}


def find_form_pager(page_text: str, page_url: str) -> FormPager | None:
    """A POST form with a hidden page field, and the page numbers `goPage(n)` links ask for."""
    numbers = sorted({int(n) for n in _PAGE_CALL.findall(page_text)})
    if not numbers or "<form" not in page_text.lower():
        return None
    try:
        root = lxml_html.document_fromstring(page_text)
    except Exception:  # noqa: BLE001 - an unreadable page has no form
        return None
    for form in root.iter("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        fields = {i.get("name"): i.get("value") or "" for i in form.iter("input")
                  if i.get("name") and (i.get("type") or "text").lower() in ("hidden", "text")}
        page_field = next((name for name in fields if _PAGE_FIELD.match(name)), None)
        if page_field is None:
            continue
        current = int(fields[page_field]) if fields[page_field].isdigit() else 1
        return FormPager(urljoin(page_url, form.get("action") or page_url), fields, page_field, current, numbers)
    return None


@dataclass
class JsonListApi:
    """A JSON list endpoint read from a script: base URL, fixed params, the page param."""

    url: str
    params: dict[str, str]
    page_param: str
    page_size: int | None = None

    def page_url(self, page: int) -> str:
        return f"{self.url}?{urlencode({**self.params, self.page_param: str(page)})}"


def find_json_list_apis(page_text: str, page_url: str) -> list[JsonListApi]:
    """JSON list endpoints whose URL and page parameter are visible in the page's inline scripts.

    Reads `"/api/list?columnId=" + columnId + "&pageNo=" + pageNo`, resolving variables set in
    the page (`var columnId = "2106"`), and `{url: "/api/list", data: {pageNo: 1, ...}}`."""
    found: dict[str, JsonListApi] = {}
    for attrs, body in _SCRIPT.findall(page_text):
        if "src=" in attrs.lower() or not body.strip():
            continue
        for match in _API_LITERAL.finditer(body):
            raw = _concatenated(body, match.start(), page_text)
            parts = urlsplit(urljoin(page_url, raw))
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            params.update(_data_object(body[match.end():match.end() + 400], page_text))
            page_param = next((k for k in params if _PAGE_FIELD.match(k)), None)
            if page_param is None:
                continue
            size = next((int(v) for k, v in params.items() if _SIZE_FIELD.match(k) and v.isdigit()), None)
            params.pop(page_param)
            base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
            api = JsonListApi(base, {k: v for k, v in params.items() if v != ""}, page_param, size)
            found.setdefault(api.page_url(1), api)
    return list(found.values())


def _concatenated(script: str, start: int, page_text: str) -> str:
    """The string an expression `"a?x=" + x + "&pageNo=" + pageNo` builds (page variables -> 1)."""
    expression = re.match(r"""(?:\s*\+?\s*(?:"[^"]*"|'[^']*'|[A-Za-z_$][\w$.]*))+""", script[start:])
    pieces = re.findall(r""""([^"]*)"|'([^']*)'|([A-Za-z_$][\w$.]*)""", expression.group(0) if expression else "")
    text = ""
    for double, single, name in pieces:
        if name:
            text += "1" if _PAGE_FIELD.match(name.split(".")[-1]) else _variable(name.split(".")[-1], page_text)
        else:
            text += double or single
    return text


def _variable(name: str, page_text: str) -> str:
    """A variable's value as the page sets it: a declaration first, then any assignment."""
    for pattern in (rf"""\b(?:var|let|const)\s+{re.escape(name)}\s*=\s*["']?([\w-]+)""",
                    rf"""\b{re.escape(name)}\s*[:=]\s*["']?([\w-]+)"""):
        found = re.search(pattern, page_text)
        if found:
            return found.group(1)
    return ""


def _data_object(after: str, page_text: str) -> dict[str, str]:
    """`data: {columnId: 2106, pageNo: 1}` following the URL in an ajax call."""
    block = re.match(r"""[^{}]{0,120}?\bdata\s*:\s*\{([^{}]*)\}""", after)
    if not block:
        return {}
    pairs = re.findall(r"""['"]?(\w+)['"]?\s*:\s*(?:"([^"]*)"|'([^']*)'|([\w.$]+))""", block.group(1))
    out = {}
    for key, double, single, bare in pairs:
        value = double or single or bare
        if bare and not bare.isdigit():
            value = "1" if _PAGE_FIELD.match(key) else _variable(bare.split(".")[-1], page_text)
        out[key] = value
    return out


def json_list_links(body: str, base_url: str) -> tuple[list[tuple[str, str]], int | None]:
    """(title, absolute URL) of the records of a JSON list answer, and its total when given.

    The record list is the longest list of objects that carry a title-like and a URL-like key."""
    try:
        data = json.loads(body)
    except ValueError:
        return [], None
    best: list[tuple[str, str]] = []
    total: int | None = None
    for node in _walk(data):
        if isinstance(node, dict) and total is None:
            total = next((int(v) for k, v in node.items() if k.lower() in _TOTAL_KEYS
                          and (isinstance(v, int) or isinstance(v, str) and v.isdigit())), None)
        if isinstance(node, list):
            links = [link for link in (_record_link(r, base_url) for r in node if isinstance(r, dict)) if link]
            if len(links) > len(best):
                best = links
    return best, total


def _record_link(record: dict[str, Any], base_url: str) -> tuple[str, str] | None:
    title = _first_value(record, _TITLE_KEYS, "title")
    url = _first_value(record, _URL_KEYS, "url")
    if not url or url.lower().startswith(("javascript:", "#")):
        return None
    return title, urljoin(base_url, url)


def _first_value(record: dict[str, Any], exact: tuple[str, ...], part: str) -> str:
    for key, value in record.items():
        if isinstance(value, str) and key.lower() in exact:
            return value.strip()
    for key, value in record.items():
        if isinstance(value, str) and part in key.lower():
            return value.strip()
    return ""


def _walk(node: Any, depth: int = 0) -> Any:
    yield node
    if depth > 6:
        return
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        if isinstance(child, (dict, list)):
            yield from _walk(child, depth + 1)
