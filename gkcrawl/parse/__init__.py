"""Report parsing: bytes of one document in, one ParseResult out. Never imports Scrapy."""

from __future__ import annotations

import logging
import re
from typing import Any

from gkcrawl.extract.document import Pictures
from gkcrawl.extract.ocr import OcrOptions

from .ocr_marks import OCR_MARK, SOURCE_OCR, TEXT_MIXED, keys_on_pages, mark_ocr_cells, ocr_part_keys, ocr_parts
from .result import PARSER_VERSION, Check, ParseResult, SpamReport

__all__ = ["PARSER_VERSION", "Check", "ParseResult", "SpamReport", "parse_document", "extract_cells", "source_text"]

log = logging.getLogger(__name__)
_DIGIT = re.compile(r"\d")
META_KEYS = ("title", "agency", "region", "year", "published", "archived", "index_no")


def _empty_meta(title: str | None = None) -> dict:
    meta: dict[str, Any] = {key: None for key in META_KEYS}
    meta["title"] = title
    return meta


def prepared_text(normalized: str) -> str:
    """The text every cell source's offsets index: the normalised table text with image marks
    taken out and page furniture blanked in place."""
    from .layouts import blank_furniture
    from .page_forms import strip_image_marks

    return blank_furniture(strip_image_marks(normalized))


def source_text(data: bytes, filename: str = "", content_type: str | None = None, url: str | None = None) -> str:
    """The text `sources[key]["where"]` start/end offsets point into, rebuilt from the same
    bytes the way parse_document builds it (spam strings removed, normalised, furniture
    blanked), so a reader can go from a number to the characters it was read from."""
    from gkcrawl.extract.document import read_document
    from gkcrawl.extract.normalize import normalize

    doc = read_document(bytes(data or b""), filename or "", content_type)
    table_text = doc.table_text
    try:
        from gkcrawl.extract.spam import find_spam

        spam, _ = find_spam(doc.text, doc.html, url)
        if spam.found:
            for spam_string in spam.strings:
                table_text = table_text.replace(spam_string, "")
    except Exception:
        log.debug("find_spam failed", exc_info=True)
    return prepared_text(normalize(table_text))


def extract_cells(table_text: str, result: ParseResult) -> None:
    """Template, cells, uncertain keys, notes and checks from the document's table text."""
    from gkcrawl.extract.normalize import normalize
    from gkcrawl.template import stand_ins

    from .checks import run_checks
    from .chosen import REASON as CHOSEN_REASON, distrust_failing
    from .detect import detect_template
    from .layouts import map_sources, untranspose
    from .page_forms import parts_as_images, template_from_words
    from .resolve import outcome_rows, resolve
    from .rows_text import locate_rows

    normalized = normalize(table_text)
    image_parts = parts_as_images(normalized)
    prepared = prepared_text(normalized)
    normalized, rewrites = untranspose(prepared)
    template, why = detect_template(normalized)
    if template is None and image_parts:
        template, why = template_from_words(normalized, result.meta.get("year"))
    rows = locate_rows(normalized, template) if template else []
    if template is None or (not image_parts and not any(_DIGIT.search(row.raw) for row in rows)):
        # No standard tables by their markers, or the template's words without one printed
        # number (a news item quoting the format, a notice). A report by its own evidence
        # is read with the format its words give; failing that every cell is uncertain.
        why = why if template is None else f"template words without values ({why})"
        template, rows, evidence = _by_evidence(normalized, result)
        if template is None or not rows:
            result.template = None
            if evidence is None or not _tables_not_read(result, evidence, why):
                result.checks.append(Check("requests_balance", None, f"no standard tables: {why}"))
            return
        assert evidence is not None
        why = f"{evidence[1]} ({'; '.join(evidence[0])})"
    result.template = template
    resolution = resolve(template, rows, normalized)
    result.cells = resolution.cells
    result.uncertain = resolution.uncertain
    result.uncertain_reasons = resolution.reasons
    result.sources = resolution.sources
    map_sources(result.sources, rewrites)
    _add_pages(result.sources, prepared)
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
    arithmetic = run_checks(check_cells, resolution.uncertain, list(by_id), outcome_rows(by_id))
    result.checks.extend(arithmetic)
    # A chosen reading (dropped blanks, a run split) whose checks fail is not established;
    # the checks keep their finding, the cells go uncertain with their value as read.
    distrusted, distrust_checks = distrust_failing(arithmetic, rows, result.cells, result.uncertain)
    if distrusted:
        result.uncertain = sorted(set(result.uncertain) | set(distrusted))
        result.uncertain_reasons.update({key: CHOSEN_REASON for key in distrusted})
    for rewrite in rewrites:
        result.checks.append(Check("layout", True, f"{rewrite.what}: read the template's way round "
                                   f"(table text {rewrite.old_start}-{rewrite.old_end})"))
    # A format had only from the reporting year is a guess, and says so.
    result.checks.append(Check("template", None if "reporting year" in why else True, why))
    result.checks.extend(resolution.checks)
    result.checks.extend(distrust_checks)
    if image_parts:
        _mark_image_parts(result, template, image_parts)
    elif not any(row.readings for row in rows):
        result.flags.append("tables_not_read")
        result.checks.append(Check("tables_not_read", None,
                                   "the tables' rows were found but none could be read", list(resolution.uncertain)))


def _add_pages(sources: dict[str, dict], text: str) -> None:
    """`where.page` for every cell of a text whose pages are marked by form feeds (one
    before each page after the first), counted from 1."""
    if "\f" not in text:
        return
    for source in sources.values():
        where = source.get("where") or {}
        start = where.get("start", where.get("block_start"))
        if isinstance(start, int):
            where["page"] = text.count("\f", 0, start) + 1
            end = where.get("end", where.get("block_end"))
            # a span may run past its row to the next label: the page of its last figure counts
            figures = [m.end() for m in _DIGIT.finditer(text, start, end)] if isinstance(end, int) else []
            if figures and text.count("\f", start, figures[-1]):
                where["page_end"] = where["page"] + text.count("\f", start, figures[-1])


def _by_evidence(text: str, result: ParseResult) -> tuple[str | None, list, tuple[list[str], str, str | None] | None]:
    """(template, rows with printed values, (evidence, how the format was had, template))
    for a document whose tables were not found by their markers; evidence None when the
    document is not a report by its own evidence."""
    from .evidence import is_report, report_evidence, reporting_year
    from .page_forms import template_from_words
    from .rows_text import locate_rows

    title = result.meta.get("title")
    evidence = report_evidence(text, title)
    if not is_report(evidence):
        return None, [], None
    year = reporting_year(result.meta.get("year"), title)
    template, how = template_from_words(text, year, context="format from the report's evidence")
    if template is None and year is not None and year < 2019:
        return None, [], None  # a free-form report of before 2019: no standard tables to read
    rows = locate_rows(text, template) if template else []
    if not any(_DIGIT.search(row.raw) for row in rows):
        rows = []
    return template, rows, (evidence, how, template)


def _tables_not_read(result: ParseResult, evidence: tuple[list[str], str, str | None], why: str) -> bool:
    """A report by its own evidence whose tables were not read: the template its evidence
    gives (or none), every template cell null and uncertain, flag `tables_not_read` and a
    check saying why."""
    from gkcrawl.template import outcome_rows, template_keys

    from .checks import run_checks
    from .labels import row_specs

    said, how, template = evidence
    result.template = template
    result.flags.append("tables_not_read")
    keys = list(template_keys(template)) if template else []
    result.cells = {key: None for key in keys}
    result.uncertain = list(keys)
    result.uncertain_reasons = {key: "tables_not_read" for key in keys}
    result.checks.append(Check("tables_not_read", None,
                               f"an annual report by its own evidence ({'; '.join(said)}) whose tables "
                               f"were not read: {why}; {how}", keys))
    if template is None:
        result.checks.append(Check("requests_balance", None, f"tables not read: {why}"))
        return True
    row_ids = [spec.row_id for spec in row_specs(template)]
    result.checks.extend(run_checks(dict(result.cells), keys, row_ids, outcome_rows(row_ids)))
    result.checks.append(Check("template", None if "reporting year" in how else True, how))
    return True


def _mark_image_parts(result: ParseResult, template: str, parts: list[str]) -> None:
    """A part published as a picture: its cells null and uncertain, whatever the text held."""
    from .page_forms import describe_parts, image_part_keys

    keys = image_part_keys(template, parts)
    for key in keys:
        result.cells[key] = None
        result.cell_notes.pop(key, None)
        result.sources.pop(key, None)
        result.uncertain_reasons[key] = "table_as_image"
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


def _tool_versions(kind: str) -> dict[str, str | None]:
    try:
        from .versions import tool_versions

        return tool_versions(kind)
    except Exception:  # recording versions must never take the parser down
        log.debug("tool_versions failed", exc_info=True)
        return {}


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
        result.tool_versions = _tool_versions(doc.kind)
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
        elif doc.ocr_pages:
            result.text_source = TEXT_MIXED
            mark_ocr_cells(result, keys_on_pages(result, doc.ocr_pages), doc.ocr_reason or "")
        elif pictured and result.template:
            mark_ocr_cells(result, ocr_part_keys(result.template, pictured), doc.ocr_reason or "")
        if result.template is None and doc.kind == "html":
            from .page_forms import is_notice_with_attachment

            if is_notice_with_attachment(doc.html, clean):
                result.flags.append("notice_with_attachment")
    except Exception as exc:
        log.debug("parse_document failed for %r", filename, exc_info=True)
        return ParseResult(meta=result.meta or _empty_meta(), kind=result.kind, flags=result.flags,
                           error=f"parser failure: {type(exc).__name__}: {str(exc)[:200]}",
                           tool_versions=result.tool_versions)
    return result
