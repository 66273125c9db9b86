"""Whether a document is an annual report by its own evidence, whatever its tables gave.

A report whose tables could not be read (HTML the page builds from script data, a partial
copy, a layout the row finder does not know) must not come back as "no template, no cells"
without a word: that reads as "not a report" and every one of its numbers silently missing.
The evidence is the document's title (政府信息公开工作年度报告), the national format's part
headings (一、总体情况 … 六、其他需要报告的事项) and its narrative words; a report title over a
report-length body, or three of the six headings, is enough. The format then comes from the
words, the cited notice or the year."""

from __future__ import annotations

import re

from . import titles

_PART_HEADINGS = {
    "一": re.compile(r"一\s*[、.]\s*总\s*体\s*情\s*况"),
    "二": re.compile(r"二\s*[、.]\s*主\s*动\s*公\s*开\s*政\s*府\s*信\s*息"),
    "三": re.compile(r"三\s*[、.]\s*收\s*到\s*和\s*处\s*理\s*政\s*府\s*信\s*息\s*公\s*开\s*申\s*请"),
    "四": re.compile(r"四\s*[、.]\s*政\s*府\s*信\s*息\s*公\s*开\s*行\s*政\s*(?:法\s*)?复\s*议"),
    "五": re.compile(r"五\s*[、.]\s*[^\n。]{0,16}问\s*题"),
    "六": re.compile(r"六\s*[、.]\s*其\s*他\s*需\s*要\s*报\s*告"),
}
_NARRATIVE = re.compile(r"政府信息公开(?:工作)?(?:年度)?报告|依申请公开|主动公开")


# A report title over a short body is a notice of an attached report, or a stub: not
# evidence of a report whose tables went unread (its attachment is the report).
MIN_BODY_CHARS = 1000
# Two headings are quoted in news about the format; a report prints most of its six parts.
MIN_HEADINGS = 3


def report_evidence(text: str, title: str | None) -> list[str]:
    """The document's own evidence that it is an annual OGI report (empty when none)."""
    found: list[str] = []
    body = len(re.sub(r"\s", "", text))
    # A 政务公开 annual report of 2019 on is the OGI report only with its tables
    # (titles.needs_template): its title alone is no evidence.
    if title and titles.is_report_title(title) and not titles.needs_template(title) and body >= MIN_BODY_CHARS:
        found.append(f"title 「{title}」")
    parts = [name for name, pattern in _PART_HEADINGS.items() if pattern.search(text)]
    if len(parts) >= MIN_HEADINGS:
        found.append(f"part headings {'、'.join(parts)}")
    if found and _NARRATIVE.search(text):
        found.append("narrative words (主动公开 / 依申请公开)")
    return found


def is_report(evidence: list[str]) -> bool:
    return any(e.startswith(("title", "part headings")) for e in evidence)


def reporting_year(meta_year: object, title: str | None) -> int | None:
    """The reporting year from meta, else the title's year."""
    try:
        return int(str(meta_year))
    except ValueError:
        return titles.title_year(title or "")
