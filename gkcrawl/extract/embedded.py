"""Report HTML that arrives inside a script string or a JSON value.

Some portals send a page shell and put the article in JavaScript (``var content = "<table>…"``,
``document.write('…')``, string pieces joined with ``+``) or in a JSON field
(``{"data": {"title": "…", "content": "<p>\\u653f…"}}``, also as the whole response of an
article API). Read as it stands such a page has no tables and no report text: the parser
found no template and said nothing, a silent error. This module finds those strings, undoes
their escapes (JSON and JavaScript: ``\\uXXXX``, ``\\xXX``, ``\\n``, ``\\/``, ``\\"``) and returns
the HTML that holds the most report text, with where it came from and, for JSON, the title
the same object gives. Every pattern is linear in its input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from .html_tree import parse_html

_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_TAG_RE = re.compile(r"<\s*(?:table|p|div|span|tr|td|br|h[1-6]|section|article)[\s>/]", re.IGNORECASE)
# A quoted JavaScript string: a run of ordinary characters or escapes, no raw newline. A
# string starts only at a quote no backslash escapes: a scan that fails runs to the line's end
# once, not once from every escaped quote after it (quadratic on \'\'\'… otherwise).
_STRING_RE = re.compile(r'(?<!\\)(?:"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`((?:[^`\\]|\\.)*)`)', re.DOTALL)
_JOIN_RE = re.compile(r"\s*\+\s*")
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "", "f": "", "v": "", "0": ""}
_TITLE_KEYS = ("title", "articletitle", "doctitle", "name", "subject", "biaoti")
# Enough report text to be an article, not a widget's markup.
MIN_CJK = 30


@dataclass
class Embedded:
    """The HTML found, where it was (``script`` or ``json``) and the title beside it."""

    html: str
    source: str
    title: str | None = None

    @property
    def cjk(self) -> int:
        return cjk_count(self.html)


def cjk_count(text: str) -> int:
    return len(_CJK_RE.findall(text or ""))


def unescape_js(body: str) -> str:
    """The value of a JavaScript/JSON string literal's body."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "ux" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE_RE.sub(one, body)


def _looks_like_report_html(value: str) -> bool:
    return bool(_TAG_RE.search(value)) and cjk_count(value) >= MIN_CJK


def _score(found: Embedded) -> tuple[int, int]:
    return (found.html.lower().count("<table"), found.cjk)


def from_json_value(value: Any, title: str | None = None) -> list[Embedded]:
    """Every HTML string inside a parsed JSON value, each with the title its object gives."""
    found: list[Embedded] = []
    stack: list[tuple[Any, str | None]] = [(value, title)]
    while stack:
        item, inherited = stack.pop()
        if isinstance(item, dict):
            own = next((v for k, v in item.items() if isinstance(k, str) and k.lower() in _TITLE_KEYS
                        and isinstance(v, str) and 0 < len(v) <= 200 and "<" not in v), None)
            stack.extend((v, own or inherited) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, inherited) for v in item)
        elif isinstance(item, str) and _looks_like_report_html(item):
            found.append(Embedded(item, "json", inherited))
    return found


def _json_document(text: str) -> Any:
    stripped = text.strip().lstrip("\ufeff")
    if stripped[:1] not in ("{", "["):
        # JSONP (callback({...})) and `var data = {...};` carry one JSON value inside.
        start, end = stripped.find("{"), stripped.rfind("}")
        if start < 0 or end <= start or start > 200:
            return None
        stripped = stripped[start:end + 1]
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def from_strings(code: str) -> list[Embedded]:
    """HTML held in the string literals of a script (pieces joined by ``+`` read as one)."""
    found: list[Embedded] = []
    pieces: list[str] = []
    last_end = -1
    for match in _STRING_RE.finditer(code):
        body = next(g for g in match.groups() if g is not None)
        if pieces and not _JOIN_RE.fullmatch(code[last_end:match.start()]):
            found.append(Embedded("".join(pieces), "script"))
            pieces = []
        pieces.append(unescape_js(body))
        last_end = match.end()
    if pieces:
        found.append(Embedded("".join(pieces), "script"))
    return [f for f in found if _looks_like_report_html(f.html)]


def find_embedded(text: str) -> Embedded | None:
    """The embedded report HTML of a page or a JSON response, or None when there is none.

    A JSON document (or JSONP, or a script holding one JSON value) is walked as data; other
    scripts are scanned for string literals. The candidate with the most tables, then the most
    Chinese text, wins."""
    candidates: list[Embedded] = []
    document = _json_document(text) if text.strip()[:1] in ("{", "[") else None
    if document is not None:
        candidates += from_json_value(document)
    else:
        tree = parse_html(text)
        scripts = [node.text or "" for node in tree.iter("script")] if tree is not None else []
        for code in scripts:
            value = _json_document(code) if "{" in code[:200] else None
            candidates += from_json_value(value) if value is not None else []
            candidates += from_strings(code)
    if not candidates:
        return None
    return max(candidates, key=_score)


def merge_into_page(page_html: str, embedded: Embedded) -> str:
    """The page with the embedded HTML placed in its body, so its <title> and header stay."""
    block = f'<div class="gkcrawl-embedded">{embedded.html}</div>'
    match = re.search(r"</body\s*>", page_html, re.IGNORECASE)
    if match is None or page_html.strip()[:1] in ("{", "["):
        title = f"<title>{escape(embedded.title)}</title>" if embedded.title else ""
        return f"<html><head><meta charset=\"utf-8\">{title}</head><body>{block}</body></html>"
    return page_html[:match.start()] + block + page_html[match.start():]
