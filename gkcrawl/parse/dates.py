"""Dates a report page prints: the 发布日期 in its header, the 落款 date that signs it,
reporting years written in Chinese numerals (二〇二一年度).

Body dates are mostly statistics periods (自2021年1月1日起至2021年12月31日止), never the
publication date: a date is taken only from a labelled header field, a header line holding
nothing but a date, the page's date metadata, the URL, or a signature line at the end."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import htmldate

DATE = r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})"
_PUBLISHED_LABEL = r"(?:发布日期|发布时间|发文日期|公开日期|发布于|信息提供日期)"
PUBLISHED_RES = (
    # ``发布日期：…``, ``[ 发布日期 ] …`` (a bracketed label), ``发布时间:2023-01-0510:20``
    re.compile(rf"{_PUBLISHED_LABEL}\s*[\]】]?\s*[:：]?\s*{DATE}"),
    re.compile(rf"(?<![\u4e00-\u9fff])发布\s*[:：]\s*{DATE}"),
    re.compile(rf"(?<![归档更新成文统计有效截止至])日期\s*[:：]\s*{DATE}"),
    re.compile(rf"(?m)^\s*{DATE}日?(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s+(?:来源|发布)"),
    re.compile(rf"(?<!统计)(?<!办理)(?<!申请)(?<!归档)(?<!更新)(?<!成文)时间\s*[:：]\s*{DATE}"),
    re.compile(r"[\[【]\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*[\]】]"),
    # Catalogue headers' record dates (生成日期, 上载日期): the publication when nothing says so.
    re.compile(rf"(?:生成日期|上载日期|上传日期)\s*[\]】]?\s*[:：]?\s*{DATE}"),
)
ARCHIVED_RE = re.compile(rf"归档(?:时间|日期)\s*[:：]\s*{DATE}")
# A line holding only a date (and maybe a time): a page header's date or a 落款.
_DATE_LINE_RE = re.compile(rf"^\s*{DATE}\s*日?(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*$")
_BODY_START_RE = re.compile(r"(?m)^\s*(?:一\s*[、.]\s*总\s*体\s*情\s*况|本\s*报\s*告)")
_SIGNER_RE = re.compile(r"^[\u4e00-\u9fff（）()]{3,40}(?:人民政府|委员会|管委会|局|厅|委|办公室|中心|院|署|办事处|办)"
                        r"\s*(?:[(（]\s*盖\s*章\s*[)）])?$")
_URL_DATE_RE = re.compile(r"/t(20\d{2})(\d{2})(\d{2})_\d+")
_META_DATE_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_YEAR = "[〇○零ＯO一二三四五六七八九]"
CN_YEAR_RE = re.compile(rf"({_CN_YEAR}{{4}})\s*年")
_CN_DATE_LINE_RE = re.compile(rf"^\s*({_CN_YEAR}{{4}})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月"
                              r"\s*([一二三四五六七八九十]{1,3})\s*日\s*$")


def iso(year: str | int, month: str | int, day: str | int) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def first_date(pattern: re.Pattern[str], text: str) -> str | None:
    for match in pattern.finditer(text):
        found = iso(*match.groups()[:3])
        if found:
            return found
    return None


def cn_year(digits: str) -> int:
    """'二〇二一' -> 2021."""
    return int("".join(str(_CN_DIGITS[ch]) for ch in digits))


def cn_number(text: str) -> int | None:
    """'一' -> 1, '十二' -> 12, '二十' -> 20, '三十一' -> 31 (months and days)."""
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return value or None


def _line_date(line: str) -> str | None:
    match = _DATE_LINE_RE.match(line)
    if match:
        return iso(*match.groups())
    match = _CN_DATE_LINE_RE.match(line)
    if match:
        month, day = cn_number(match.group(2)), cn_number(match.group(3))
        return iso(cn_year(match.group(1)), month or 0, day or 0) if month and day else None
    return None


def header_date_line(simple: str) -> str | None:
    """A line holding only a date before the report's body starts (page header)."""
    body = _BODY_START_RE.search(simple[:8000])
    head = simple[: body.start() if body else min(len(simple), 600)]
    for line in head.splitlines():
        found = _line_date(line)
        if found:
            return found
    return None


def signature_date(text: str) -> str | None:
    """The 落款 date: a date-only line right under the signing body's name (``宁安市财政局``
    / ``2022年1月20日``) among the report's last lines; a bare date elsewhere (a list of
    links, a footer) is not taken."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][-12:]
    for index in range(len(lines) - 1, 0, -1):
        found = _line_date(lines[index])
        if found and _SIGNER_RE.search(lines[index - 1]):
            return found
    return None


_LABEL_CELL_RE = re.compile(rf"^\s*[\[【]?\s*(?:{_PUBLISHED_LABEL}|生成日期|上载日期)\s*[\]】]?\s*[:：]?\s*$")


def _cells(row: Any) -> list[str]:
    return [cell.text_content().strip() for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]


def table_date(tree: Any) -> str | None:
    """The 发布日期 of a header table whose labels and values stand in separate cells: the
    cell after the label, or (labels in one row, values in the next) the cell below it."""
    if tree is None:
        return None
    for table in tree.iter("table"):
        rows = [_cells(row) for row in table.iter("tr")]
        for number, cells in enumerate(rows[:6]):
            for column, cell in enumerate(cells):
                if not _LABEL_CELL_RE.match(cell):
                    continue
                beside = cells[column + 1] if column + 1 < len(cells) else ""
                below = rows[number + 1][column] if number + 1 < len(rows) and column < len(rows[number + 1]) else ""
                for value in (beside, below):
                    match = re.match(rf"\s*{DATE}", value)
                    if match and iso(*match.groups()):
                        return iso(*match.groups())
    return None


def find_published(simple: str, tree: Any, html: str | None = None, url: str | None = None,
                   body_text: str | None = None) -> str | None:
    """The page's 发布日期: labelled header fields (in the text, then in header tables whose
    labels and values are separate cells), the HTML's date metadata, the TRS-style
    URL date (``t20210305_80595.htm``), a date-only header line, the report's 落款 date, then
    htmldate on the markup (no extensive search: body dates are statistics periods)."""
    head = simple[:8000]
    for pattern in PUBLISHED_RES:
        found = first_date(pattern, head)
        if found:
            return found
    found = table_date(tree)
    if found:
        return found
    if tree is not None:
        for node in tree.iter("meta"):
            name = (node.get("name") or node.get("property") or "").lower()
            if name in _META_DATE_NAMES:
                match = re.search(DATE, node.get("content") or "")
                if match and iso(*match.groups()):
                    return iso(*match.groups())
    match = _URL_DATE_RE.search(url or "")
    if match and iso(*match.groups()):
        return iso(*match.groups())
    found = header_date_line(simple) or signature_date(body_text if body_text is not None else simple)
    if found:
        return found
    if html and tree is not None:
        try:
            found = htmldate.find_date(html, original_date=True, extensive_search=False)
        except (ValueError, TypeError):
            found = None
        if found and re.fullmatch(r"\d{4}-\d{2}-\d{2}", found):
            return found
    return None
