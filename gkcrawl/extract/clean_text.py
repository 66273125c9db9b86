"""The report's own words, with portal furniture removed.

HTML goes through trafilatura (one wrapper, the project-owned config
``gkcrawl/data/trafilatura.cfg``, tables kept); every input then passes the same line rules
that drop what portals wrap around a report: 字号/打印/关闭, 责任编辑, 主办/承办单位, ICP and
公网安备 numbers, share widgets, the 索引号/发布日期/信息来源 header and crawler headers.
"""

from __future__ import annotations

import re
from configparser import ConfigParser
from functools import lru_cache
from importlib import resources

import trafilatura
from trafilatura.settings import use_config

from gkcrawl import vocabulary

from .spam import remove_spam

# The rules are data: gkcrawl/data/vocabulary/furniture.yaml.
_FURNITURE = vocabulary.furniture()
# A short line matching one of these is furniture, never report text.
FURNITURE_LINE_RES: tuple[re.Pattern[str], ...] = _FURNITURE.line_rules
# Lines longer than this are report prose even when a furniture word appears in them.
MAX_FURNITURE_LINE = 120
# A flattened page (one long line) starting with a breadcrumb: the report starts here.
_BREADCRUMB_RE = _FURNITURE.breadcrumb
_REPORT_START_RE = _FURNITURE.report_start


@lru_cache(maxsize=1)
def trafilatura_config() -> ConfigParser:
    """The project's trafilatura config, read once from gkcrawl/data/trafilatura.cfg."""
    path = resources.files("gkcrawl") / "data" / "trafilatura.cfg"
    with resources.as_file(path) as real_path:
        return use_config(str(real_path))


def extract_html_text(html: str) -> str | None:
    """trafilatura's main text of a page, tables included; None when it finds none."""
    try:
        return trafilatura.extract(
            html, config=trafilatura_config(), include_tables=True, include_comments=False,
            include_links=False, include_images=False, deduplicate=False, favor_recall=True,
            output_format="txt", with_metadata=False,
        )
    except (ValueError, TypeError, RecursionError):
        return None


def clean_report_text(html: str | None, text: str) -> str:
    """Return the report text without navigation, footers and header lines.

    ``text`` is the document text with spam already removed (find_spam's second value).
    For HTML trafilatura's extraction is used when it kept most of the page's words
    (otherwise ``text`` is cleaned by the line rules alone); the line rules always run.
    """
    base = text or ""
    if html and html.strip():
        extracted = extract_html_text(html)
        if extracted and len(extracted) >= 0.3 * len(_visible(base)):
            # Re-extracted from the page, so the spam find_spam removed is back: drop it.
            base = remove_spam(extracted)
    return clean_lines(base)


def _visible(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_furniture(line: str) -> bool:
    """True for a portal furniture line (short and matching a rule)."""
    # trafilatura prints a page's header table as "| 索引号： | … |" rows: read the first cell.
    stripped = line.strip().lstrip("|").strip()
    if not stripped or len(stripped) > MAX_FURNITURE_LINE:
        return False
    return any(pattern.search(stripped) for pattern in FURNITURE_LINE_RES)


def clean_lines(text: str) -> str:
    """Apply the furniture line rules to plain text; blank-line runs shrink to one."""
    kept: list[str] = []
    for line in text.splitlines():
        if _BREADCRUMB_RE.match(line) and len(line) > MAX_FURNITURE_LINE:
            start = _REPORT_START_RE.search(line, 0, 600)
            line = line[start.start():] if start else line
        if is_furniture(line):
            continue
        kept.append(line)
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(kept))
    return cleaned.strip("\n") + "\n" if cleaned.strip() else ""
