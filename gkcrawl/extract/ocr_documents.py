"""Which documents need OCR, and their OCR'd text: scanned PDFs and table images.

A PDF needs OCR when its text layer says nothing (under 20 characters) or only a watermark:
every page is covered by a picture and the text it carries is the same string on every page
or a few characters a page (仅供参考, a site name). Its pages are rendered at RENDER_DPI and
read page by page under the document's page budget (`OcrOptions.max_pages`); pages over the
budget are counted, not read. A PDF with a text layer may still have pages that are only
pictures (`scanned_pages`): those alone are OCR'd, in their place (`MixedPages`), and only they
count against the budget. A picture (a table pasted into a report page or a DOCX) is read
with its words scaled to ordinary print size, and its rows take the picture's place in the
document's row text behind OCR_MARK."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
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
    unavailable_reason,
)
from .ocr_tables import OcrPage, page_from_words
from .pdf_geometry import Columns
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


def scanned_pages(pages_text: Sequence[str], covers: Sequence[float]) -> list[int]:
    """The pages (from 0) of a PDF with a text layer that are pictures all the same: a
    page-sized picture under no text, or only a watermark or a header line (WATERMARK_CHARS).
    A report typed and then printed, its table pages scanned and inserted, or its signed and
    stamped last page scanned, reads its text pages from the text layer and these by OCR."""
    bare = [re.sub(r"\s", "", text) for text in pages_text]
    return [index for index, (text, cover) in enumerate(zip(bare, covers))
            if cover >= SCAN_COVER and len(text) <= WATERMARK_CHARS]


def new_run(options: OcrOptions) -> OcrRun:
    return OcrRun(engine=options.engine_name or engine_version() or "")


def ocr_page(image: Any, options: OcrOptions, run: OcrRun, carry: Columns | None = None) -> OcrPage:
    """One rendered page read by the engine, its table continuing the columns in `carry`."""
    words = (options.reader or read_image)(image, RENDER_DPI)
    run.words += len(words)
    run.pages += 1
    return page_from_words(words, carry)


def ocr_flags(pages: Sequence[OcrPage], run: OcrRun, geometry: bool = True) -> list[str]:
    """The flags an OCR run leaves on its document (`ocr`, `ocr_pages:N`, repairs made), and the
    run's notes (each repair). `geometry`: add pdf_rows_by_geometry / pdf_rows_unplaced (a
    mixed PDF counts them with its typed pages')."""
    flags = ["ocr", f"ocr_pages:{run.pages}"]
    if run.pages_skipped:
        flags.append(f"ocr_pages_over_budget:{run.pages_skipped}")
    rows, unplaced = sum(p.rows for p in pages), sum(p.unplaced_rows for p in pages)
    if rows and geometry:
        flags.append(f"pdf_rows_by_geometry:{rows}")
    if unplaced and geometry:
        flags.append(f"pdf_rows_unplaced:{unplaced}")
    repaired = sum(len(p.repaired_values) for p in pages)
    if repaired:
        flags.append(f"ocr_confusables_repaired:{repaired}")
    dropped = sum(len(p.dropped) for p in pages)
    if dropped:
        flags.append(f"ocr_unreadable_marks_dropped:{dropped}")
    run.notes = [note for p in pages for note in p.repaired_values + p.repaired_headers]
    return flags


def _join(pages: list[OcrPage], run: OcrRun) -> OcrText:
    out = OcrText("\n".join(p.text for p in pages).strip(), "\n".join(p.table_text for p in pages), run)
    out.flags = ocr_flags(pages, run)
    return out


def ocr_pdf(data: bytes, options: OcrOptions) -> OcrText:
    """A scanned PDF's text and table text, page by page, tables carried across pages."""
    watch = Stopwatch()
    run = new_run(options)
    total = pdf_page_count(data)
    pages: list[OcrPage] = []
    carry = None
    for index, image in enumerate(render_pdf_pages(data, max_pages=options.max_pages)):
        if options.on_page is not None:
            options.on_page(index)
        page = ocr_page(image, options, run, carry)
        carry = page.carry
        pages.append(page)
    run.pages, run.pages_skipped = len(pages), max(0, total - len(pages))
    run.seconds = watch.seconds()
    return _join(pages, run)


@dataclass
class MixedPages:
    """The pictured pages of a typed PDF (`scanned_pages`), each OCR'd when the text layer's
    reader reaches it, so a table's columns carry across a typed and a scanned page. Only
    these pages count against the OCR page budget and announce themselves (`on_page`)."""

    data: bytes
    indices: list[int]              # the pictured pages, from 0
    options: OcrOptions
    missing: str | None = None      # why OCR cannot run here
    run: OcrRun = field(default_factory=OcrRun)
    pages: list[OcrPage] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # the pages read, from 1

    @classmethod
    def of(cls, data: bytes, indices: list[int], options: OcrOptions) -> MixedPages:
        missing = None if not indices or options.reader is not None else unavailable_reason()
        return cls(data, indices, options, missing, new_run(options))

    def read(self, index: int, carry: Columns | None) -> OcrPage | None:
        """Page `index` read by OCR; None for a typed page, or when OCR cannot or may not run."""
        if index not in self.indices or self.missing:
            return None
        if len(self.numbers) >= self.options.max_pages:
            self.run.pages_skipped += 1
            return None
        watch = Stopwatch()
        if self.options.on_page is not None:
            self.options.on_page(len(self.numbers))
        image = list(render_pdf_pages(self.data, max_pages=1, indices=[index]))[0]
        page = ocr_page(image, self.options, self.run, carry)
        self.run.seconds += watch.seconds()
        self.pages.append(page)
        self.numbers.append(index + 1)
        return page

    def record(self, doc: Any) -> None:
        """What was read on the document (a `Document`): flags `ocr`, `ocr_pages:N`,
        `ocr_page_numbers:2,3`, text_source `mixed`, the pages read and why; without the engine,
        flag `needs_ocr_pages:2,3` and the text layer alone, as before."""
        if not self.indices:
            return
        listed = ",".join(str(i + 1) for i in self.indices)
        why = f"{len(self.indices)} of {pdf_page_count(self.data)} pages ({listed}) are pictures with no text layer"
        if self.missing:
            doc.flags.append(f"needs_ocr_pages:{listed}")
            doc.ocr_reason = f"{why}: {self.missing}"
            return
        if self.pages:
            doc.flags.extend(ocr_flags(self.pages, self.run, geometry=False))
            doc.flags.append("ocr_page_numbers:" + ",".join(map(str, self.numbers)))
            doc.text_source, doc.ocr_pages = "mixed", list(self.numbers)
        elif self.run.pages_skipped:
            doc.flags.append(f"ocr_pages_over_budget:{self.run.pages_skipped}")
        doc.ocr_reason = f"{why}: {self.run.describe()}"


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
        run = new_run(options)
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
        reader = options.reader or partial(read_image, lone=False)
        words = _scaled(reader(image, image_dpi(image, default=72.0)))
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
