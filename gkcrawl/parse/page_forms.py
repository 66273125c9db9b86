"""Page-level forms a report page can take that are not tables of text.

Two forms are recognised here: parts 二/三/四 published as pictures (`<img>` where the table
should be, the prose intact), and a short notice whose report is an attached file. Neither
invents a number: a part in a picture gets every cell null and uncertain; a notice gets no
template and no cells, only a flag the crawler may use to fetch the attachment."""

from __future__ import annotations

import re

from gkcrawl.extract.tables import IMAGE_MARK

from .detect import MARKERS_2019, MARKERS_2021, NOTICE_2019, NOTICE_2021

PART_NAMES = {"active": "二", "requests": "三", "appeals": "四"}
_ATTACHMENT_LINK = re.compile(r"""href\s*=\s*["']?[^"'\s>]+\.(?:pdf|docx?|wps|ofd|xlsx?|zip|rar)\b""", re.I)
_ATTACHMENT_WORDS = re.compile(r"详见附件|附件\s*\d?\s*[:：]|\.(?:pdf|docx?|wps|ofd)\b", re.I)
_REPORT_WORDS = re.compile(r"年度报告|年报")
NOTICE_MAX_CHARS = 1000


def parts_as_images(text: str) -> list[str]:
    """Parts ('active', 'requests', 'appeals') whose span holds a picture and no table row.

    `text` is the normalised row text with image marks; a table row is a tab-separated line,
    so a part that only explains a picture in prose still counts as a picture."""
    from .rows_text import find_sections

    if IMAGE_MARK not in text:
        return []
    parts = []
    for name, (start, stop) in find_sections(text).spans.items():
        span = text[start:stop]
        if IMAGE_MARK in span and "\t" not in span:
            parts.append(name)
    return parts


def picture_sources(html: str) -> list[str]:
    """The `src` of each <img> standing in a part published as a picture, in page order.

    The same reading the parser does (`parts_as_images` over the page's row text), so the
    crawler fetches exactly the pictures whose bytes the parse will ask for; a logo or a
    picture in the prose is not one of them."""
    from gkcrawl.extract.normalize import normalize
    from gkcrawl.extract.ocr_documents import image_sources
    from gkcrawl.extract.tables import html_to_text

    from .rows_text import find_sections

    if "<img" not in html.lower():
        return []
    text = normalize(html_to_text(html, for_rows=True)[0])
    parts = parts_as_images(text)
    if not parts:
        return []
    sources = image_sources(html)
    if len(sources) != text.count(IMAGE_MARK):
        return []  # marks and pictures no longer pair up: the parse would not read them either
    spans = [find_sections(text).spans[name] for name in parts]
    chosen: list[str] = []
    position = -1
    for src in sources:
        position = text.index(IMAGE_MARK, position + 1)
        if src.strip() and src not in chosen and any(
                start <= position < stop and _near_heading(text[start:position]) for start, stop in spans):
            chosen.append(src)
    return chosen


PICTURE_WINDOW_CHARS = 300
_PART_HEADING_LINE = re.compile(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]", re.M)


def _near_heading(before: str) -> bool:
    """A table's picture stands under its part's heading (a caption like 具体情况如下图, or a
    short paragraph, between them); an image past another numbered heading or past the part's
    prose is not one: a part that runs to the page's end (the next heading not recognised, as
    in a 2008-format report) would otherwise count the footer's 公网安备 icon."""
    body = before.split("\n", 1)[1] if "\n" in before else ""
    if _PART_HEADING_LINE.search(body):
        return False
    return len(re.sub(r"\s", "", strip_image_marks(before))) <= PICTURE_WINDOW_CHARS


def strip_image_marks(text: str) -> str:
    return text.replace(IMAGE_MARK, "")


def template_from_words(text: str, year: object, context: str = "tables as images") -> tuple[str | None, str]:
    """The format of a report whose tables were not read (pictures, or tables the parser
    could not find), from what its words establish: the tables' column words, else the cited
    notice (国办公开办函〔2019〕60号 / 〔2021〕30号), else the reporting year (the 2021 format
    applies from reporting year 2021). `context` opens the reason."""
    score_2021 = sum(1 for p in MARKERS_2021 if p.search(text))
    score_2019 = sum(1 for p in MARKERS_2019 if p.search(text))
    if score_2021 >= 2 and score_2019 == 0:
        return "2021", f"{context}: {score_2021} 2021-format column words in the printed tables"
    if score_2019 >= 2 and score_2021 == 0:
        return "2019", f"{context}: {score_2019} 2019-format column words in the printed tables"
    cites_2021, cites_2019 = bool(NOTICE_2021.search(text)), bool(NOTICE_2019.search(text))
    if cites_2021 != cites_2019:
        return ("2021" if cites_2021 else "2019"), f"{context}: the report cites its format's notice"
    try:
        year_number = int(str(year))
    except ValueError:
        return None, f"{context}: no words establish the format"
    if year_number >= 2021:
        return "2021", f"{context}: reporting year {year_number} uses the 2021 format"
    if year_number >= 2019:
        return "2019", f"{context}: reporting year {year_number} uses the 2019 format"
    return None, f"{context}: reporting year {year_number} has no standard tables"


def image_part_keys(template: str, parts: list[str]) -> list[str]:
    """Every cell key of the template that lies in the parts published as pictures."""
    from .labels import row_specs

    return [key for spec in row_specs(template) if spec.section in parts for key in spec.keys]


def describe_parts(parts: list[str]) -> str:
    return "、".join(PART_NAMES[p] for p in ("active", "requests", "appeals") if p in parts)


def is_notice_with_attachment(html: str | None, clean_text: str) -> bool:
    """A short page announcing a report that is an attached file (详见附件 / 附件：….pdf)."""
    if not html:
        return False
    body = re.sub(r"\s", "", clean_text)
    if len(body) > NOTICE_MAX_CHARS or not _REPORT_WORDS.search(body):
        return False
    return bool(_ATTACHMENT_WORDS.search(body)) and bool(_ATTACHMENT_LINK.search(html) or "附件" in body)
