"""One lenient HTML parse for the readers that look at a page's elements (meta, spam)."""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html


def parse_html(html: str | None) -> Any:
    """The page's lxml tree, or None for an empty or unparseable page (never raises)."""
    if not html or not html.strip():
        return None
    try:
        return lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
