"""Which documents need OCR, and their OCR'd text: scanned PDFs and table images.

A PDF needs OCR when its text layer says nothing (under 20 characters) or only a watermark:
every page is covered by a picture and the text it carries is the same string on every page
or a few characters a page (仅供参考, a site name). Its pages are rendered at RENDER_DPI and
read page by page under the document's page budget (`OcrOptions.max_pages`); pages over the
budget are counted, not read. A picture (a table pasted into a report page or a DOCX) is read
with its words scaled to ordinary print size, and its rows take the picture's place in the
document's row text behind OCR_MARK."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree, html as lxml_html

from .ocr import (
    RENDER_DPI,
    OcrOptions,
    OcrRun,
    Stopwatch,
    engine_version,
    image_dpi,
    pdf_page_count,
    read_image,
    render_pdf_pages,
)
from .ocr_tables import OcrPage, page_from_words
from .tables import IMAGE_MARK

# Stands before the rows OCR read from a picture, so the parser knows which parts they are.
OCR_MARK = "[[ocr]]"
MIN_TEXT_CHARS = 20
WATERMARK_CHARS = 40      # a page whose text layer holds no more than this is only marked, not written
IMAGE_TEXT_POINTS = 11.0  # median line height a picture's words are scaled to
SCAN_COVER = 0.6          # a picture covering this share of the page makes it a scanned page


@dataclass
class OcrText:
    """The OCR'd text of a document or of its images, with what the run cost."""

    text: str = ""
    table_text: str = ""
    run: OcrRun = field(default_factory=OcrRun)
    flags: list[str] = field(default_factory=list)
    error: str | None = None


def image_cover(page: Any) -> float:
    """The share of a pdfplumber page covered by its largest picture."""
    area = float(page.width * page.height) or 1.0
    best = 0.0
    for image in page.images:
        width = min(float(image["x1"]), float(page.width)) - max(float(image["x0"]), 0.0)
        height = min(float(image["bottom"]), float(page.height)) - max(float(image["top"]), 0.0)
        best = max(best, max(width, 0.0) * max(height, 0.0) / area)
    return best


def needs_ocr(pages_text: Sequence[str], covers: Sequence[float]) -> str | None:
    """Why this PDF's text layer cannot be read for the report ("no text layer", "watermark
    text layer only"), or None when it can."""
    bare = [re.sub(r"\s", "", text) for text in pages_text]
    if sum(len(text) for text in bare) < MIN_TEXT_CHARS:
        return "no text layer"
    scanned = bool(covers) and all(cover >= SCAN_COVER for cover in covers)
    if scanned and (len(set(bare)) == 1 or all(len(text) <= WATERMARK_CHARS for text in bare)):
        return "watermark text layer only"
    return None


def _join(pages: list[OcrPage], run: OcrRun) -> OcrText:
    out = OcrText("\n".join(p.text for p in pages).strip(), "\n".join(p.table_text for p in pages), run)
    rows, unplaced = sum(p.rows for p in pages), sum(p.unplaced_rows for p in pages)
    repaired = sum(len(p.repaired_values) for p in pages)
    out.flags.append("ocr")
    out.flags.append(f"ocr_pages:{run.pages}")
    if run.pages_skipped:
        out.flags.append(f"ocr_pages_over_budget:{run.pages_skipped}")
    if rows:
        out.flags.append(f"pdf_rows_by_geometry:{rows}")
    if unplaced:
        out.flags.append(f"pdf_rows_unplaced:{unplaced}")
    if repaired:
        out.flags.append(f"ocr_confusables_repaired:{repaired}")
    dropped = sum(len(p.dropped) for p in pages)
    if dropped:
        out.flags.append(f"ocr_unreadable_marks_dropped:{dropped}")
    run.notes = [note for p in pages for note in p.repaired_values + p.repaired_headers]
    return out


def ocr_pdf(data: bytes, options: OcrOptions) -> OcrText:
    """A scanned PDF's text and table text, page by page, tables carried across pages."""
    watch = Stopwatch()
    run = OcrRun(engine=options.engine_name or engine_version() or "")
    reader = options.reader or read_image
    total = pdf_page_count(data)
    pages: list[OcrPage] = []
    carry = None
    for index, image in enumerate(render_pdf_pages(data, max_pages=options.max_pages)):
        if options.on_page is not None:
            options.on_page(index)
        words = reader(image, RENDER_DPI)
        run.words += len(words)
        page = page_from_words(words, carry)
        carry = page.carry
        pages.append(page)
    run.pages, run.pages_skipped = len(pages), max(0, total - len(pages))
    run.seconds = watch.seconds()
    return _join(pages, run)


def _scaled(words: list, height: float = IMAGE_TEXT_POINTS) -> list:
    """Words of a picture with no trustworthy resolution, scaled so its median character height
    is `height` points: the geometry's tolerances are in points of ordinary print."""
    heights = sorted(w["bottom"] - w["top"] for w in words if w["bottom"] > w["top"])
    if not heights:
        return words
    factor = height / heights[len(heights) // 2]
    for word in words:
        for key in ("x0", "x1", "top", "bottom"):
            word[key] = round(word[key] * factor, 2)
    return words


def ocr_images(images: Sequence[bytes], options: OcrOptions) -> list[OcrText]:
    """Each image's text and table text (one per image, in order); an unreadable image comes
    back with its reason in `error` and no text."""
    from PIL import Image, UnidentifiedImageError

    out: list[OcrText] = []
    for index, data in enumerate(images):
        watch = Stopwatch()
        run = OcrRun(engine=engine_version() or "")
        if index >= options.max_pages:
            out.append(OcrText(run=run, error="over the OCR page budget"))
            continue
        if options.on_page is not None:
            options.on_page(index)
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            out.append(OcrText(run=run, error=f"unreadable image: {type(exc).__name__}: {str(exc)[:120]}"))
            continue
        words = _scaled(read_image(image, dpi=image_dpi(image, default=72.0)))
        run.words, run.pages = len(words), 1
        page = page_from_words(words)
        run.seconds = watch.seconds()
        out.append(_join([page], run))
    return out


def image_sources(html: str) -> list[str]:
    """The `src` of every <img> in the order `tables.html_to_text` marks them (scripts,
    styles and noscript dropped first, as there)."""
    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return [str(image.get("src") or "") for image in root.iter("img")]


@dataclass
class MarkedImages:
    """Row text with each picture OCR could read replaced by its rows (after OCR_MARK)."""

    table_text: str
    text: str = ""
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_image_marks(table_text: str, pictures: Sequence[bytes | None], options: OcrOptions) -> MarkedImages:
    """The i-th IMAGE_MARK of `table_text` read from `pictures[i]` (None: not archived).

    Marks and pictures are paired by order; when their counts differ nothing is replaced (a
    guess at which picture is which would put numbers in the wrong table). A picture that
    cannot be read, or holds no text, stays a picture (IMAGE_MARK): its part is then
    flagged tables_as_images with its cells unread, as without OCR."""
    pieces = table_text.split(IMAGE_MARK)
    out = MarkedImages(table_text)
    if len(pieces) - 1 != len(pictures) or not any(pictures):
        return out
    known = [data for data in pictures if data]
    reads = iter(ocr_images(known, options))
    parts, texts, read_count, unread = [pieces[0]], [], 0, 0
    for data, rest in zip(pictures, pieces[1:]):
        read = next(reads) if data else None
        if read is not None and read.error is None and read.table_text.strip():
            parts.append(f"\n{OCR_MARK}\n{read.table_text}\n")
            texts.append(read.text)
            read_count += 1
            out.notes.append(read.run.describe())
        else:
            parts.append(IMAGE_MARK)
            if read is not None:
                unread += 1
                out.notes.append(read.error or "no text in the picture")
        parts.append(rest)
    if read_count:
        out.table_text = "".join(parts)
        out.text = "\n".join(texts)
        out.flags += ["ocr", f"ocr_images:{read_count}"]
    if unread:
        out.flags.append(f"ocr_images_unread:{unread}")
    return out
