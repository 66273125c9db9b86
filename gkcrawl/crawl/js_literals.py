"""The values a list page's script hands to its search service, read without running it.

Real list scripts build the service call from literals and the page's own configuration:
`$.ajax({url: "/was5/web/search", type: "POST", data: {channelid: cfg.channelid,
classsql: "chnlid=" + cfg.chnlid, page: page}})`, or `fetch(url, {method: "POST", body:
JSON.stringify({tenantId: tenantId, pageNo: pageNo, ...})})`. This module parses such an
expression (object and array literals, strings, numbers, `+` concatenation, `a.b` names,
`JSON.stringify(x)` / `encodeURIComponent(x)` / `String(x)` as x) and resolves names from
the declarations the page carries (`var cfg = {...}`, `var pageSize = 10`, `key: value`).
A name that resolves to nothing stays an `Unresolved` (the page variable a pager passes,
such as `page`): the caller decides what it means. Pure functions, no Scrapy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)"""
                    r"""|(?P<name>[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)|(?P<punct>[{}\[\]():,+]))""")
_TRANSPARENT_CALLS = {"JSON.stringify", "encodeURIComponent", "encodeURI", "String", "Number", "parseInt", "escape"}
MAX_RESOLVE_DEPTH = 4


class JsonText(dict[str, Any]):
    """An object passed through `JSON.stringify`: sent as a JSON body, not as form fields."""


@dataclass(frozen=True)
class Unresolved:
    """A name the page does not set to a literal (a function's parameter, a computed value)."""

    name: str


class _Parser:
    def __init__(self, text: str, page_text: str, depth: int) -> None:
        self.tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in _TOKEN.finditer(text)]
        self.at = 0
        self.page_text = page_text
        self.depth = depth

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self) -> tuple[str | None, str]:
        token = self.tokens[self.at] if self.at < len(self.tokens) else (None, "")
        self.at += 1
        return token

    def value(self) -> Any:
        parts = [self.term()]
        while self.peek() == "+":
            self.take()
            parts.append(self.term())
        if len(parts) == 1:
            return parts[0]
        if any(isinstance(p, (dict, list)) for p in parts):
            return Unresolved("+")
        return "".join(_as_text(p) for p in parts)

    def term(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return _unquote(text)
        if kind == "num":
            return int(text) if text.lstrip("-").isdigit() else float(text)
        if text == "{":
            return self.object()
        if text == "[":
            return self.array()
        if text == "(":
            inner = self.value()
            if self.peek() == ")":
                self.take()
            return inner
        if kind == "name":
            name = re.sub(r"\s+", "", text)
            if self.peek() == "(":
                self.take()
                args = [] if self.peek() == ")" else [self.value()]
                while self.peek() == ",":
                    self.take()
                    args.append(self.value())
                if self.peek() == ")":
                    self.take()
                if name == "JSON.stringify" and args and isinstance(args[0], dict):
                    return JsonText(args[0])
                element = _element_reference(name, args)
                if element is not None:
                    return self._element_value(element)
                return args[0] if name in _TRANSPARENT_CALLS and args else Unresolved(name + "()")
            if name in ("true", "false"):
                return name == "true"
            if name in ("null", "undefined"):
                return None
            return resolve_name(name, self.page_text, self.depth + 1)
        return Unresolved(text or "?")

    def _element_value(self, element_id: str) -> Any:
        """`$("#chnlid").val()`, `document.getElementById("chnlid").value`, `.attr("data-x")`:
        the value the page's own markup gives that element."""
        kind, accessor = self.take() if self.peek() in _ACCESSORS else (None, "")
        argument: Any = None
        if accessor and self.peek() == "(":
            self.take()
            argument = None if self.peek() == ")" else self.value()
            if self.peek() == ")":
                self.take()
        return element_value(element_id, accessor, argument if isinstance(argument, str) else None, self.page_text)

    def object(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        while self.at < len(self.tokens) and self.peek() != "}":
            kind, key = self.take()
            if key == ",":
                continue
            if self.peek() != ":":
                self._skip_to_comma()
                continue
            self.take()
            found[_unquote(key) if kind == "str" else key] = self.value()
        self.take()
        return found

    def array(self) -> list[Any]:
        items: list[Any] = []
        while self.at < len(self.tokens) and self.peek() != "]":
            if self.peek() == ",":
                self.take()
                continue
            items.append(self.value())
        self.take()
        return items

    def _skip_to_comma(self) -> None:
        while self.at < len(self.tokens) and self.peek() not in (",", "}"):
            self.take()


_ACCESSORS = {"val", "value", "text", "html", "attr", "data", "getAttribute", "innerText", "textContent", "innerHTML"}
_ELEMENT_CALLS = {"$", "jQuery", "document.getElementById", "document.querySelector"}


def _element_reference(name: str, args: list[Any]) -> str | None:
    """The element id a `$("#x")` / `document.getElementById("x")` call names, else None."""
    if name not in _ELEMENT_CALLS or not args or not isinstance(args[0], str):
        return None
    selector = args[0].strip()
    if name == "document.getElementById":
        return selector or None
    return selector[1:] if re.fullmatch(r"#[\w-]+", selector) else None


def element_value(element_id: str, accessor: str, argument: str | None, page_text: str) -> Any:
    """What an element of the page's markup holds: its value, an attribute or its text."""
    tag = re.search(rf"""<(\w+)\b[^>]*\bid\s*=\s*["']?{re.escape(element_id)}["'\s>/][^>]*>""", page_text, re.I)
    if tag is None:
        return Unresolved(f"#{element_id}")
    wanted = argument if accessor in ("attr", "getAttribute") else f"data-{argument}" if accessor == "data" else None
    if accessor in ("val", "value") or wanted:
        attribute = re.search(rf"""\b{re.escape(wanted or "value")}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
                              tag.group(0), re.I)
        return next(v for v in attribute.groups() if v is not None) if attribute else Unresolved(f"#{element_id}")
    closing = page_text.find(f"</{tag.group(1)}", tag.end())
    text = re.sub(r"<[^>]+>", "", page_text[tag.end():closing if closing >= 0 else tag.end()]).strip()
    return text if text else Unresolved(f"#{element_id}")


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _as_text(value: Any) -> str:
    if isinstance(value, Unresolved):
        return "{" + value.name + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parse_value(text: str, page_text: str = "", depth: int = 0) -> Any:
    """The value of the expression at the start of `text`, names resolved against `page_text`."""
    return _Parser(text, page_text, depth).value()


def resolve_name(name: str, page_text: str, depth: int = 0) -> Any:
    """A name's value as the page sets it (`var x = ...`, `x = ...`, `x: ...`); `a.b` looks up b in a."""
    if depth > MAX_RESOLVE_DEPTH:
        return Unresolved(name)
    head, _, rest = name.partition(".")
    value = _declared(head, page_text, depth)
    for key in rest.split(".") if rest else ():
        if isinstance(value, dict) and key in value:
            value = value[key]
        else:
            # `cfg.pageSize` where cfg is built by code: a `pageSize: 10` elsewhere in the page.
            value = _declared(key, page_text, depth) if isinstance(value, Unresolved) else Unresolved(name)
    return value


def _declared(name: str, page_text: str, depth: int) -> Any:
    for pattern in (rf"\b(?:var|let|const)\s+{re.escape(name)}\s*=(?!=)",
                    rf"(?<![\w$.]){re.escape(name)}\s*=(?!=)",
                    rf"""(?<![\w$.])['"]?{re.escape(name)}['"]?\s*:"""):
        for found in re.finditer(pattern, page_text):
            value = parse_value(page_text[found.end():found.end() + 2000], page_text, depth)
            if not isinstance(value, Unresolved):
                return value
    return Unresolved(name)


def enclosing_object_start(text: str, at: int) -> int | None:
    """Where the object literal around position `at` opens (the nearest unmatched `{` before it)."""
    depth = 0
    for index in range(at - 1, max(-1, at - 4000), -1):
        char = text[index]
        if char == "}":
            depth += 1
        elif char == "{":
            if depth == 0:
                return index
            depth -= 1
    return None
