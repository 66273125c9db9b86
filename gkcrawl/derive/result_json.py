"""ParseResult back from its JSON form (`ParseResult.to_json`), as a worker answers it."""

from __future__ import annotations

from typing import Any

from gkcrawl.parse.result import PARSER_VERSION, Check, ParseResult, SpamReport


def result_from_json(data: dict[str, Any]) -> ParseResult:
    """The inverse of `ParseResult.to_json` (keys it leaves out come back as their defaults)."""
    spam = data.get("spam") or {}
    return ParseResult(
        template=data.get("template"),
        meta=dict(data.get("meta") or {}),
        cells=dict(data.get("cells") or {}),
        uncertain=list(data.get("uncertain") or []),
        checks=[Check(c["name"], c.get("ok"), c.get("detail", ""), list(c.get("cells") or []))
                for c in data.get("checks") or []],
        spam=SpamReport(found=bool(spam.get("found")), strings=list(spam.get("strings") or []),
                        positions=list(spam.get("positions") or []),
                        spam_domains=list(spam.get("spam_domains") or []), identity=spam.get("identity")),
        text=data.get("text") or "",
        cell_notes=dict(data.get("cell_notes") or {}),
        flags=list(data.get("flags") or []),
        kind=data.get("kind"),
        error=data.get("error"),
        parser_version=data.get("parser_version") or PARSER_VERSION,
        tool_versions=dict(data.get("tool_versions") or {}),
        uncertain_reasons=dict(data.get("uncertain_reasons") or {}),
        sources=_sources(data),
        text_source=data.get("text_source"),
    )


def _sources(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`sources`, with a result of before PARSER_VERSION 0.5.4 (OCR'd cells named apart, in
    `cell_sources: {key: "ocr"}`) folded in as `sources[key]["medium"]`."""
    sources = {key: dict(source) for key, source in (data.get("sources") or {}).items()}
    for key, medium in (data.get("cell_sources") or {}).items():
        sources.setdefault(key, {})["medium"] = medium
    return sources
