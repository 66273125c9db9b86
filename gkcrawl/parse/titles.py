"""What a document's title says: an annual report, another kind of document, or a
政务公开 report that is the OGI report only with its tables.

Pure, shared by the crawl (which links to follow) and derivation (whether a parsed document
is stored as a report). Titles are matched after folding the handful of traditional
characters that occur in report titles (公開, 報告 ...), never rewritten. The words are data:
`gkcrawl/data/vocabulary/discovery_words.yaml`.
"""

from __future__ import annotations

import functools
import re

from gkcrawl import vocabulary

_WORDS = vocabulary.discovery_words()
# Traditional -> simplified, only for characters that occur in section and report titles.
_FOLD = _WORDS.fold

YEAR_PATTERN = r"(?:19|20)\d{2}|[〇零一二][〇零一二三四五六七八九]{3}"
_YEAR = YEAR_PATTERN
_REPORT_PATTERNS = _WORDS.report_patterns
# Titles that look like a report but are another kind of document. Words that also occur in
# agency names (审计局, 统计局) are only looked for after the year: "大川市审计局2021年…".
_NOT_REPORT_ANYWHERE = _WORDS.not_report_anywhere
_NOT_REPORT_AFTER_YEAR = _WORDS.not_report_after_year
# 政务公开 reports of 2019 on are the OGI report only when they carry the template's tables.
_OGI_WORDS = _WORDS.ogi_words
_OPEN_AFFAIRS_REPORT = _WORDS.open_affairs_report


@functools.lru_cache(maxsize=1 << 14)
def fold_title(text: str) -> str:
    """Whitespace removed and traditional title characters folded: for matching only (cached:
    the crawl folds each link text several times, through each title test)."""
    return re.sub(r"\s+", "", text or "").translate(_FOLD)


def has_year(text: str) -> bool:
    return re.search(_YEAR, fold_title(text)) is not None


def is_excluded_title(text: str) -> bool:
    """True for titles of other document kinds (法治政府建设年度报告, 解读, 通知 ...)."""
    folded = fold_title(text)
    if _NOT_REPORT_ANYWHERE.search(folded):
        return True
    year = re.search(_YEAR, folded)
    return _NOT_REPORT_AFTER_YEAR.search(folded[year.start():] if year else folded) is not None


def looks_like_report_name(text: str) -> bool:
    """The words of an annual report, with or without a year (also matches column names)."""
    folded = fold_title(text)
    return any(p.search(folded) for p in _REPORT_PATTERNS) and not is_excluded_title(folded)


def is_report_title(text: str) -> bool:
    """`XX2020年政府信息公开工作年度报告` and its variants; not other kinds of report."""
    return looks_like_report_name(text) and has_year(text)


def needs_template(title: str) -> bool:
    """A 政务公开 (not 信息公开) annual report of 2019 on: a report only if it has the tables.

    Since 2019 the OGI report follows the national template; a 政务公开工作年度报告 without its
    tables is a work summary (TEMPLATE.md), with them it is the OGI report under another name."""
    folded = fold_title(title)
    year = title_year(folded)
    return bool(_OPEN_AFFAIRS_REPORT.search(folded)) and not _OGI_WORDS.search(folded) \
        and year is not None and year >= 2019


def title_year(text: str) -> int | None:
    match = re.search(r"(?:19|20)\d{2}", fold_title(text))
    return int(match.group(0)) if match else None
