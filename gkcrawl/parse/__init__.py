"""Report parsing: bytes of one document in, one ParseResult out. Never imports Scrapy."""

from __future__ import annotations

import logging
import re
from typing import Any

from gkcrawl.extract.document import Pictures
from gkcrawl.extract.ocr import OcrOptions

from .ocr_marks import OCR_MARK, SOURCE_OCR, mark_ocr_cells, ocr_part_keys, ocr_parts
from .result import PARSER_VERSION, Check, ParseResult, SpamReport

__all__ = ["PARSER_VERSION", "Check", "ParseResult", "SpamReport", "parse_document", "extract_cells"]

log = logging.getLogger(__name__)
_DIGIT = re.compile(r"\d")
META_KEYS = ("title", "agency", "region", "year", "published", "archived", "index_no")


def _empty_meta(title: str | None = None) -> dict:
    meta: dict[str, Any] = {key: None for key in META_KEYS}
    meta["title"] = title
    return meta


def extract_cells(table_text: str, result: ParseResult) -> None:
    """Template, cells, uncertain keys, notes and checks from the document's table text."""
    from gkcrawl.extract.normalize import normalize
    from gkcrawl.template import stand_ins

    from .checks import run_checks
    from .detect import detect_template
    from .page_forms import parts_as_images, strip_image_marks, template_from_words
    from .resolve import outcome_rows, resolve
    from .rows_text import locate_rows

    normalized = normalize(table_text)
    image_parts = parts_as_images(normalized)
    normalized = strip_image_marks(normalized)
    template, why = detect_template(normalized)
    if template is None and image_parts:
        template, why = template_from_words(normalized, result.meta.get("year"))
    result.template = template
    if template is None:
        result.checks.append(Check("requests_balance", None, f"no standard tables: {why}"))
        return
    rows = locate_rows(normalized, template)
    if not image_parts and not any(_DIGIT.search(row.raw) for row in rows):
        # The template's words without one printed number (a news item quoting the format,
        # a notice): no tables, so no template and no cells are invented.
        result.template = None
        result.checks.append(Check("requests_balance", None,
                                   f"no standard tables: template words without values ({why})"))
        return
    resolution = resolve(template, rows)
    result.cells = resolution.cells
    result.uncertain = resolution.uncertain
    result.cell_notes = resolution.notes
    by_id = {r.spec.row_id: r for r in rows}
    check_cells = dict(resolution.cells)
    for row_id in stand_ins(template):
        # A 2019-style single (六) row inside a 2021 table still counts in the column sums.
        combined = by_id.get(row_id)
        if combined is None:
            continue
        for index, key in enumerate(combined.spec.keys):
            known, value = combined.cell(index)
            if known:
                check_cells[key] = value
    result.checks.extend(run_checks(check_cells, resolution.uncertain, list(by_id), outcome_rows(by_id)))
    result.checks.append(Check("template", True, why))
    result.checks.extend(resolution.checks)
    if image_parts:
        _mark_image_parts(result, template, image_parts)


def _mark_image_parts(result: ParseResult, template: str, parts: list[str]) -> None:
    """A part published as a picture: its cells null and uncertain, whatever the text held."""
    from .page_forms import describe_parts, image_part_keys

    keys = image_part_keys(template, parts)
    for key in keys:
        result.cells[key] = None
        result.cell_notes.pop(key, None)
    result.uncertain = sorted(set(result.uncertain) | set(keys))
    result.flags.append("tables_as_images")
    result.checks.append(Check("tables_as_images", None,
                               f"part {describe_parts(parts)} published as an image: {len(keys)} cells not read",
                               list(keys)))


def _spam_and_clean(doc, url: str | None, result: ParseResult) -> tuple[str, str]:
    """(full text after spam removal, cleaned report text); a failing helper degrades.

    Meta needs the first: cleaning strips the 发布日期 / 索引号 / 归档时间 lines it reads."""
    text = doc.text
    try:
        from gkcrawl.extract.spam import find_spam

        result.spam, text = find_spam(text, doc.html, url)
    except Exception:  # the other helpers' modules must not take the parser down
        log.debug("find_spam failed", exc_info=True)
        result.flags.append("spam_check_failed")
    despammed = text
    try:
        from gkcrawl.extract.clean_text import clean_report_text

        text = clean_report_text(doc.html, text)
    except Exception:
        log.debug("clean_report_text failed", exc_info=True)
        result.flags.append("clean_text_failed")
    return despammed, text


def _meta(text: str, doc, url: str | None, spam: SpamReport) -> dict:
    try:
        from .meta import extract_meta

        meta = extract_meta(text, doc.html, url, doc.title_hint, spam)
    except Exception:
        log.debug("extract_meta failed", exc_info=True)
        return _empty_meta(doc.title_hint)
    return {**_empty_meta(), **(meta or {})}


def parse_document(data: bytes, filename: str = "", content_type: str | None = None,
                   url: str | None = None, ocr: OcrOptions | None = None,
                   pictures: Pictures | None = None) -> ParseResult:
    """Parse one report document (HTML, text, PDF, DOCX, DOC) from its raw bytes.

    Never raises: an unreadable document or an internal failure comes back as `error`
    with template None. `ocr` bounds the OCR of a scan (pages) and reports its progress;
    `pictures(src)` gives the archived bytes of an HTML page's images (tables as pictures)."""
    result = ParseResult(meta=_empty_meta())
    try:
        from gkcrawl.extract.document import read_document
        from gkcrawl.extract.normalize import looks_traditional

        doc = read_document(bytes(data or b""), filename or "", content_type, ocr, pictures)
        result.kind = doc.kind
        result.flags.extend(doc.flags)
        if doc.error:
            result.error = doc.error
            return result
        if "needs_ocr" in doc.flags:
            result.error = None
            result.meta = _empty_meta(doc.title_hint)
            result.checks.append(Check("requests_balance", None,
                                       f"no text layer: needs OCR ({doc.ocr_reason or 'no text found'})"))
            return result
        if looks_traditional(doc.text):
            result.flags.append("traditional")
        despammed, clean = _spam_and_clean(doc, url, result)
        result.text = clean
        result.meta = _meta(despammed, doc, url, result.spam)
        table_text = doc.table_text
        if result.spam.found and result.spam.strings:
            for spam_string in result.spam.strings:
                table_text = table_text.replace(spam_string, "")
        pictured = ocr_parts(table_text)  # parts whose rows OCR read from pictures
        extract_cells(table_text.replace(OCR_MARK, ""), result)
        if doc.text_source == SOURCE_OCR:
            result.text_source = SOURCE_OCR
            mark_ocr_cells(result, None, doc.ocr_reason or "")
        elif pictured and result.template:
            mark_ocr_cells(result, ocr_part_keys(result.template, pictured), doc.ocr_reason or "")
        if result.template is None and doc.kind == "html":
            from .page_forms import is_notice_with_attachment

            if is_notice_with_attachment(doc.html, clean):
                result.flags.append("notice_with_attachment")
    except Exception as exc:
        log.debug("parse_document failed for %r", filename, exc_info=True)
        return ParseResult(meta=result.meta or _empty_meta(), kind=result.kind, flags=result.flags,
                           error=f"parser failure: {type(exc).__name__}: {str(exc)[:200]}")
    return result
