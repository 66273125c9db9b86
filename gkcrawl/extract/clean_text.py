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
    Text without a page (PDF, Word, plain text) is then reflowed (`reflow`).
    """
    base = text or ""
    if html and html.strip():
        extracted = extract_html_text(html)
        if extracted and len(extracted) >= 0.3 * len(_visible(base)):
            # Re-extracted from the page, so the spam find_spam removed is back: drop it.
            base = remove_spam(extracted)
        return clean_lines(base)
    # Without a page the text is a PDF's (or a converter's) lines: wrapped lines are joined
    # so a phrase or an address the layout cut is found by search.
    return reflow(clean_lines(base))


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


# --- hard-wrapped text (PDF) joined back into paragraphs ---------------------------------

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
# A full line ending a sentence may end its paragraph too: kept as a break (a clause mark
# such as ，；： never ends one).
_SENTENCE_END = re.compile(r"[。！？!?][”’」』)）]?\s*$")
# What opens a heading or a numbered item: a line starting with one is never a continuation.
_ITEM_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]"
                         r"|\d+\s*[、.．](?!\d)|第[一二三四五六七八九十百\d]+[章节条部]|[①-⑳])")
# A table row as text: it ends with two numbers ("规章 0 0 3", "10 1 0 0").
_TABLE_ROW = re.compile(r"(?:^|\s)[+\-]?\d[\d,.]*%?\s+[+\-]?\d[\d,.]*%?\s*$")
# The Latin run at a line's end / start, and what marks it as (part of) an address or URL.
_LATIN_TAIL = re.compile(r"[A-Za-z0-9._%+\-@:/]+$")
_LATIN_HEAD = re.compile(r"^[A-Za-z0-9._%+\-@:/]+")
_ADDRESS_MARK = re.compile(r"@|://|www\.|[A-Za-z0-9]\.[A-Za-z]|^[._\-/]|[._\-/@]$")
# A line this close to the wrap width (half-width units) was cut by the wrap, not ended;
# a paragraph's first line, indented two characters, is four units short.
WRAP_SLACK = 6
MIN_WRAPPED_LINES = 3


def display_width(line: str) -> int:
    """Width in half-width units: CJK and full-width characters count two."""
    return sum(2 if _CJK.match(ch) else 1 for ch in line.strip())


def _is_table_line(line: str) -> bool:
    return "\t" in line or "|" in line or bool(_TABLE_ROW.search(line))


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped text was cut at, or None when no three prose lines share one
    (a text whose lines are paragraphs is left as it is)."""
    widths = sorted(display_width(line) for line in lines
                    if _CJK.search(line) and not _is_table_line(line) and display_width(line) >= 20)
    if len(widths) < MIN_WRAPPED_LINES:
        return None
    widest = widths[int(0.9 * (len(widths) - 1))]
    full = sum(1 for width in widths if abs(width - widest) <= WRAP_SLACK)
    return widest if full >= MIN_WRAPPED_LINES else None


def _glue(before: str, after: str) -> str:
    """What joins a wrapped line to the next: nothing for Chinese, a cut address, URL or
    number; a space between two Latin words."""
    last, first = before[-1], after[0]
    if _CJK.match(last) or _CJK.match(first) or (last.isdigit() and first.isdigit()):
        return ""
    tail, head = _LATIN_TAIL.search(before), _LATIN_HEAD.match(after)
    if tail and head and (_ADDRESS_MARK.search(tail.group()) or _ADDRESS_MARK.search(head.group())):
        return ""
    return " " if last.isalnum() and first.isalnum() else ""


def _continues(previous: str, previous_width: int, line: str, width: int) -> bool:
    """`line` continues `previous` (whose last physical line was `previous_width` wide)."""
    if not previous.strip() or not line.strip() or line[:1].isspace():
        return False  # a blank line or an indent opens a paragraph
    if _is_table_line(line) or _is_table_line(previous.rsplit("\n", 1)[-1]) or _ITEM_START.match(line):
        return False
    return not _SENTENCE_END.search(previous) and previous_width >= width - WRAP_SLACK


def reflow(text: str) -> str:
    """Join the lines a layout wrapped (Chinese with no space, a cut e-mail address or URL
    with none) and keep the paragraphs: a blank line, an indented or numbered line, a line
    ended by a sentence mark or shorter than the wrap width, and table rows all break.
    Text whose lines share no wrap width comes back unchanged."""
    lines = text.split("\n")
    width = wrap_width(lines)
    if width is None:
        return text
    out: list[str] = []
    last_width = 0
    for line in lines:
        # The first line is the title (centred, its own size): it ends where it ends.
        opening = len(out) == 1 or not any(piece.strip() for piece in out[:-1])
        if out and not opening and _continues(out[-1], last_width, line, width):
            before = out[-1].rstrip()
            out[-1] = before + _glue(before, line.strip()) + line.strip()
        else:
            out.append(line)
        last_width = display_width(line)
    return "\n".join(out)
