"""Lists whose later pages exist only as answers of a search or data service.

A TRS WCM column often prints its first page as static HTML and nothing else: no page URL,
no `createPageHTML`, no 下一页 link. Its script POSTs to the site's search service (WAS5
`/was5/web/search` with channelid, `classsql=chnlid=…`, prepage and page; TRS 海云
`/irs/front/list` with a JSON body of tenantId, tableName, pageNo, pageSize) using values the
page itself carries, and builds pages 2… from the answers. Two facts expose such a list:

- the page declares more records than it links (`共23条`, `recordCount: 23`, a page count
  times a page size: `declared_records`), and
- one of its inline scripts calls a service with a page parameter (`find_list_services`:
  `$.ajax({...})`, `$.post(url, {...})`, `fetch(url, {method, body})`, `xhr.open("POST", url)`),
  whose other values resolve from the page's configuration (`js_literals`).

`service_records` reads the answers (JSON, the loose JSON WAS5 templates print with trailing
commas, HTML or XML fragments) into records. The spider walks the service page by page to
the declared end and counts what it reached (`coverage.py`). Pure functions, no Scrapy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from gkcrawl import vocabulary

from . import js_literals, list_endpoints, strategies
from .js_literals import Unresolved

_CMS = vocabulary.cms_fingerprints()
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)
_CALLS = re.compile(r"""(?:\$|jQuery)\s*\.\s*(?P<verb>ajax|post|get|getJSON)\s*\(|(?<![\w$.])fetch\s*\(|"""
                    r"""\.open\s*\(\s*(["'])(?P<method>GET|POST)\2\s*,""", re.I)
_URL_KEY = re.compile(r"""(?<![\w$])['"]?url['"]?\s*:""")
_DECLARED_RECORDS = re.compile(r"共\s*(?:有\s*)?(\d{1,6})\s*(?:条|篇|项|个记录)")
_DECLARED_PAGES = re.compile(r"共\s*(\d{1,5})\s*页")
_PER_PAGE = re.compile(r"每页\s*(\d{1,4})\s*(?:条|篇|项)")
_NUMBER_SETTING = re.compile(r"""['"]?\b([A-Za-z_$][\w$]*)['"]?\s*[:=]\s*['"]?(\d{1,6})\b""")
MAX_SERVICE_PAGES = 500


@dataclass(frozen=True)
class Declared:
    """What a list page says it holds: records (or pages × page size), and where it says so."""

    records: int | None
    pages: int | None
    page_size: int | None
    evidence: str

    @property
    def expected(self) -> int | None:
        """Records declared, or estimated as pages × page size when only those are printed."""
        if self.records is not None:
            return self.records
        if self.pages is not None and self.page_size is not None:
            return self.pages * self.page_size
        return None


def declared_records(page_text: str) -> Declared | None:
    """The page's own statement of its size: printed (共N条, 共N页, 每页N条) or in its scripts."""
    records = pages = size = None
    evidence: list[str] = []
    found = _DECLARED_RECORDS.search(page_text)
    if found:
        records = int(found.group(1))
        evidence.append(found.group(0))
    found = _DECLARED_PAGES.search(page_text)
    if found:
        pages = int(found.group(1))
        evidence.append(found.group(0))
    found = _PER_PAGE.search(page_text)
    if found:
        size = int(found.group(1))
        evidence.append(found.group(0))
    for _attrs, body in _inline_scripts(page_text):
        for name, number in _NUMBER_SETTING.findall(body):
            value = int(number)
            if records is None and _CMS.record_count_field.match(name):
                records = value
                evidence.append(f"{name}={value}")
            elif pages is None and _CMS.page_count_field.match(name):
                pages = value
                evidence.append(f"{name}={value}")
            elif size is None and _CMS.size_field.match(name) and 0 < value <= 200:
                size = value
                evidence.append(f"{name}={value}")
    if records is None and pages is None:
        return None
    return Declared(records, pages, size, ", ".join(evidence))


@dataclass
class ListService:
    """A list's search or data service: where, how (GET/POST, form or JSON), what to send."""

    url: str
    method: str
    encoding: str  # "query" (GET), "form" (urlencoded POST) or "json" (a JSON POST body)
    params: dict[str, Any]
    page_key: str
    page_size: int | None = None
    first_page: int = 1
    evidence: str = ""
    extra_query: dict[str, str] = field(default_factory=dict)

    def request_for(self, page: int) -> tuple[str, str, bytes, dict[str, str]]:
        """(url, method, body, headers) asking for page `page` (numbered as the service numbers)."""
        params = {**self.params, self.page_key: page}
        if self.encoding == "query":
            query = {**self.extra_query, **{k: _text(v) for k, v in params.items()}}
            return f"{self.url}?{urlencode(query)}", "GET", b"", {}
        url = f"{self.url}?{urlencode(self.extra_query)}" if self.extra_query else self.url
        if self.encoding == "json":
            body = json.dumps(params, ensure_ascii=False).encode("utf-8")
            return url, "POST", body, {"Content-Type": "application/json;charset=UTF-8"}
        body = urlencode({k: _text(v) for k, v in params.items()}).encode("utf-8")
        return url, "POST", body, {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None or isinstance(value, Unresolved) else str(value)


def _inline_scripts(page_text: str) -> list[tuple[str, str]]:
    return [(attrs, body) for attrs, body in _SCRIPT.findall(page_text)
            if "src=" not in attrs.lower() and "text/xml" not in attrs.lower() and body.strip()]


def find_list_services(page_text: str, page_url: str) -> list[ListService]:
    """Every service call in the page's inline scripts that sends a page number."""
    found: dict[tuple[str, str, str], ListService] = {}
    for _attrs, body in _inline_scripts(page_text):
        for call in _CALLS.finditer(body):
            service = _service_of_call(body, call, page_text, page_url)
            if service is not None:
                found.setdefault((service.url, service.method, service.page_key), service)
        for url_key in _URL_KEY.finditer(body):  # `{url: ..., type: "POST", data: {...}}` passed to a helper
            start = js_literals.enclosing_object_start(body, url_key.start())
            if start is None:
                continue
            options = js_literals.parse_value(body[start:start + 4000], page_text)
            service = _service_from(options, None, page_text, page_url) if isinstance(options, dict) else None
            if service is not None:
                found.setdefault((service.url, service.method, service.page_key), service)
    return [s for s in found.values() if not strategies.find_hanweb_proxy(s.url, page_url)]


_GKMLPT_SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\d+)""")


def find_gkmlpt_service(page_text: str, page_url: str, fragment: str) -> ListService | None:
    """A 广东 gkmlpt 公开目录 page (`/gkmlpt/annualreport#2629`): a script shell whose list comes
    from `/gkmlpt/api/all/{category}?page=N&sid={SID}`. The category is the fragment of the
    link that led here, the SID is in the page's config (`SID: '175'`); the answer is JSON
    `{"total": N, "articles": [{"title", "url", ...}]}`."""
    path = urlsplit(page_url).path
    sid = _GKMLPT_SID.search(page_text)
    if "/gkmlpt/" not in path or sid is None or not fragment.isdigit():
        return None
    prefix = path[:path.index("/gkmlpt/")]
    api = urljoin(page_url, f"{prefix}/gkmlpt/api/all/{fragment}")
    return ListService(api, "GET", "query", {"sid": sid.group(1)}, "page", None, 1,
                       evidence=f"gkmlpt category {fragment}, SID {sid.group(1)}")


def _service_of_call(body: str, call: re.Match[str], page_text: str, page_url: str) -> ListService | None:
    after = body[call.end():call.end() + 4000]
    verb = (call.group("verb") or "").lower()
    if call.group("method"):  # xhr.open("POST", url) ... xhr.send(body)
        url = js_literals.parse_value(after, page_text)
        sent = re.search(r"\.send\s*\(", after)
        data = js_literals.parse_value(after[sent.end():], page_text) if sent else None
        return _service_from({"url": url, "type": call.group("method"), "data": data}, None, page_text, page_url)
    args = _arguments(after, page_text)
    if not args:
        return None
    if verb == "ajax" and isinstance(args[0], dict):
        return _service_from(args[0], None, page_text, page_url)
    if verb in ("post", "get", "getjson"):
        data = args[1] if len(args) > 1 and isinstance(args[1], (dict, str)) else None
        return _service_from({"url": args[0], "type": "POST" if verb == "post" else "GET", "data": data},
                             None, page_text, page_url)
    options = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}  # fetch(url, {method, body})
    return _service_from({"url": args[0], "type": options.get("method", "GET"), "data": options.get("body"),
                          "contentType": _content_type(options)}, None, page_text, page_url)


def _arguments(after: str, page_text: str) -> list[Any]:
    parser = js_literals._Parser(after, page_text, 0)  # noqa: SLF001 - the same module family
    args = [parser.value()]
    while parser.peek() == ",":
        parser.take()
        args.append(parser.value())
    return args


def _content_type(options: dict[str, Any]) -> str:
    headers = options.get("headers")
    if isinstance(headers, dict):
        return next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    return ""


def _service_from(options: dict[str, Any], _unused: Any, page_text: str, page_url: str) -> ListService | None:
    raw_url = options.get("url")
    if isinstance(raw_url, str):
        # `path + "/interface-cms/qryManuscriptByWebsiteId"` (开普云): a base the script computes,
        # empty on the site itself, before an absolute path.
        raw_url = re.sub(r"^(?:\{[^{}]*\})+(?=/)", "", raw_url)
    if not isinstance(raw_url, str) or not raw_url or raw_url.startswith(("javascript:", "#")) or "{" in raw_url:
        return None
    method = str(options.get("type") or options.get("method") or "GET").upper()
    data = options.get("data")
    content_type = str(options.get("contentType") or "")
    encoding = "query" if method == "GET" else "form"
    if isinstance(data, str) and data.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(data)
            encoding = "json" if method == "POST" else encoding
        except ValueError:
            data = None
    elif isinstance(data, str):
        data = {k: _placeholder(v) for k, v in parse_qsl(data, keep_blank_values=True)}
    if isinstance(data, dict) and method == "POST" and "json" in content_type.lower():
        encoding = "json"
    if isinstance(data, js_literals.JsonText) and method == "POST":
        encoding = "json"
    parts = urlsplit(urljoin(page_url, raw_url))
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    params: dict[str, Any] = dict(data) if isinstance(data, dict) else {}
    if encoding == "query":
        params = {**{k: _placeholder(v) for k, v in query.items()}, **params}
        query = {}
    page_key = next((k for k in params if _CMS.page_field.match(k)), None)
    if page_key is None:
        return None
    size = next((int(v) for k, v in params.items() if _CMS.size_field.match(k) and _is_int(v)), None)
    first = params[page_key] if _is_int(params[page_key]) else 1
    params = {k: v for k, v in params.items() if not isinstance(v, Unresolved) and k != page_key}
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return ListService(base, method if method in ("GET", "POST") else "GET", encoding, params, page_key, size,
                       min(int(first), 1), evidence=f"{method} {parts.path}", extra_query=query)


def _placeholder(value: str) -> Any:
    return Unresolved(value[1:-1]) if value.startswith("{") and value.endswith("}") else value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.isdigit()


# -- answers ---------------------------------------------------------------------------

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def loose_json(body: str) -> Any:
    """A service answer as data: strict JSON, then what WAS5 templates print (raw control
    characters, trailing commas, a JSONP wrapper). None when it is not JSON at all."""
    text = body.strip().lstrip("\ufeff")
    wrapped = re.match(r"^[\w$.]+\s*\((.*)\)\s*;?\s*$", text, re.S)
    if wrapped:
        text = wrapped.group(1)
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except ValueError:
            continue
    return None


def service_records(body: str, base_url: str) -> tuple[list[tuple[str, str]], int | None]:
    """(title, URL) of the records of one service answer, and the total it declares if any."""
    data = loose_json(body)
    if data is not None:
        links, total = list_endpoints.json_list_links(json.dumps(data, ensure_ascii=False), base_url)
        if not any(title for title, _ in links):
            shaped = _records_by_shape(data, base_url)
            links = shaped if len(shaped) >= len(links) else links
        return links, total
    links, total = strategies.parse_datastore(body, base_url)  # XML with CDATA records
    if not links:
        links = strategies.anchors_in_fragment(body, base_url)  # an HTML fragment
    declared = declared_records(body)
    return links, total if total is not None else (declared.records if declared else None)


def _records_by_shape(data: Any, base_url: str) -> list[tuple[str, str]]:
    """Records whose keys name nothing we know (TRS 海云 `f_202163974476`): in the longest list
    of objects, the URL is the value that looks like a page address and the title the longest
    value with Chinese text."""
    best: list[tuple[str, str]] = []
    for node in list_endpoints._walk(data):  # noqa: SLF001 - the same module family
        if not isinstance(node, list):
            continue
        links = []
        for record in node:
            if not isinstance(record, dict):
                continue
            strings = [v.strip() for v in record.values() if isinstance(v, str)]
            url = next((s for s in strings if re.match(r"^(?:https?://|/|\./)[^\s<>]*\.\w{2,5}$", s)), "")
            titles = sorted((s for s in strings if _CJK.search(s) and "<" not in s), key=len, reverse=True)
            if url:
                links.append((titles[0] if titles else "", urljoin(base_url, url)))
        if len(links) > len(best):
            best = links
    return best
