"""The OCR engine: page images in, word boxes out, in the shape pdfplumber gives words.

The engine is RapidOCR (`rapidocr-onnxruntime`, the optional `ocr` extra): its wheel ships the
PP-OCR detection, direction and recognition models, so nothing is downloaded at run time. It
was chosen over Debian's tesseract-ocr + chi_sim on measured cell accuracy
(benchmarks/bench_ocr.py). The import is lazy (onnxruntime costs a second to load) and the
engine is built once per process, so a long-lived parse worker pays for it once.

A word is a dict with text, x0, x1, top, bottom (PDF points, 72 per inch, like pdfplumber's)
and score (the recogniser's confidence). RapidOCR reads a text line at a time; a line is cut
into words where its characters stand apart (a row of values `0  0  0` read as one line), so
each cell's value stays a word of its own."""

from __future__ import annotations

import io
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Any

log = logging.getLogger(__name__)

ENGINE_PACKAGE = "rapidocr-onnxruntime"
NOT_INSTALLED = "ocr engine not installed"
RENDER_DPI = 200          # scans are rendered at this resolution (TOOLCHAIN: 150-300 is the useful range)
WORD_GAP = 0.6            # a gap wider than this many character heights splits a line into words
MIN_SCORE = 0.3           # recogniser confidence below which a box is dropped as noise
BOX_THRESH = 0.3          # detector: RapidOCR's default 0.5 loses single-digit cells on a noisy scan
UNCLIP_RATIO = 2.0
DEFAULT_PAGE_SECONDS = 60.0
DEFAULT_MAX_PAGES = 30

OcrWord = dict[str, Any]


@dataclass
class OcrOptions:
    """What one document's OCR may spend, and who hears of each page (the parse worker, which
    extends the job's wall-time limit by `page_seconds` per page announced)."""

    max_pages: int = DEFAULT_MAX_PAGES
    on_page: Callable[[int], None] | None = None


@dataclass
class OcrRun:
    """What the OCR of one document did: visible as data (flags and the `ocr` check)."""

    engine: str = ""
    pages: int = 0
    pages_skipped: int = 0
    seconds: float = 0.0
    words: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        skipped = f", {self.pages_skipped} pages over the budget not read" if self.pages_skipped else ""
        return f"{self.engine}: {self.pages} pages, {self.words} words in {self.seconds:.1f} s{skipped}"


def engine_version() -> str | None:
    """`rapidocr-onnxruntime 1.4.4`, or None when the engine is not installed."""
    try:
        return f"{ENGINE_PACKAGE} {metadata.version(ENGINE_PACKAGE)}"
    except metadata.PackageNotFoundError:
        return None


def unavailable_reason() -> str | None:
    """None when OCR can run here, else the reason recorded on a document that needed it."""
    return None if engine_version() is not None else NOT_INSTALLED


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    for name in ("RapidOCR", "rapidocr_onnxruntime"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return RapidOCR(print_verbose=False)


def _split_line(box: list, text: str, score: float, chars: list | None) -> Iterator[OcrWord]:
    """One recognised line as words: cut where consecutive characters stand apart."""
    xs = [float(p[0]) for p in box]
    ys = [float(p[1]) for p in box]
    top, bottom = min(ys), max(ys)
    if not chars or len(chars) != len(text.replace(" ", "")):
        # No character boxes: the line's own spaces cut it, each piece its share of the width.
        pieces = text.split() or [text]
        width, total, x = max(xs) - min(xs), sum(len(p) for p in pieces) or 1, min(xs)
        for piece in pieces:
            step = width * len(piece) / total
            yield {"text": piece, "x0": x, "x1": x + step, "top": top, "bottom": bottom, "score": score}
            x += step
        return
    glyphs = [c for c in text if c != " "]
    height = max(bottom - top, 1.0)
    run_text, run_x0, run_x1 = glyphs[0], min(p[0] for p in chars[0]), max(p[0] for p in chars[0])
    for glyph, points in zip(glyphs[1:], chars[1:]):
        x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
        if x0 - run_x1 > WORD_GAP * height:
            yield {"text": run_text, "x0": float(run_x0), "x1": float(run_x1), "top": top, "bottom": bottom,
                   "score": score}
            run_text, run_x0 = glyph, x0
        else:
            run_text += glyph
        run_x1 = max(run_x1, x1)
    yield {"text": run_text, "x0": float(run_x0), "x1": float(run_x1), "top": top, "bottom": bottom, "score": score}


def read_image(image: Any, dpi: float = RENDER_DPI) -> list[OcrWord]:
    """Words of one image (a PIL image, a numpy array or encoded bytes), in points at `dpi`."""
    import numpy as np

    if isinstance(image, bytes | bytearray):
        from PIL import Image

        image = Image.open(io.BytesIO(bytes(image)))
        image.load()
    import cv2

    if hasattr(image, "convert"):
        image = np.array(image.convert("L"))
    elif image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    # A 3x3 median takes out scanner speckle, which otherwise hides lone thin digits (a `1`)
    # from the detector; a lower box threshold and a wider unclip keep those small boxes.
    image = cv2.cvtColor(cv2.medianBlur(image, 3), cv2.COLOR_GRAY2RGB)
    found, _ = _engine()(image, return_word_box=True, box_thresh=BOX_THRESH, unclip_ratio=UNCLIP_RATIO,
                         text_score=MIN_SCORE)
    scale = 72.0 / dpi
    words: list[OcrWord] = []
    turn = _unskew(skew_angle(found or []))
    for entry in found or []:
        box, text, score = turn(entry[0]), str(entry[1]).strip(), float(entry[2])
        chars = [turn(points) for points in entry[3]] if len(entry) > 3 and entry[3] else None
        if not text or score < MIN_SCORE:
            continue
        for word in _split_line(box, text, score, chars):
            for key in ("x0", "x1", "top", "bottom"):
                word[key] = round(float(word[key]) * scale, 2)
            words.append(word)
    return words


def skew_angle(found: list) -> float:
    """The page's skew in radians: the median slope of its long text lines' top edges (a
    scanner's tilt would otherwise split a table row across lines)."""
    slopes = []
    for entry in found:
        (x0, y0), (x1, y1) = entry[0][0], entry[0][1]
        height = abs(float(entry[0][3][1]) - float(y0)) or 1.0
        if float(x1) - float(x0) > 4 * height:
            slopes.append(math.atan2(float(y1) - float(y0), float(x1) - float(x0)))
    return sorted(slopes)[len(slopes) // 2] if slopes else 0.0


def _unskew(angle: float) -> Callable[[list], list]:
    """Rotates points by -angle about the origin: the page as if scanned straight."""
    cos, sin = math.cos(angle), math.sin(angle)

    def turn(points: list) -> list:
        return [[float(x) * cos + float(y) * sin, -float(x) * sin + float(y) * cos] for x, y in points]
    return turn


def image_dpi(image: Any, default: float = RENDER_DPI) -> float:
    """The resolution an image says it was scanned at, else `default`."""
    info = getattr(image, "info", {}) or {}
    dpi = info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 50 <= value <= 1200 else default


def render_pdf_pages(data: bytes, dpi: float = RENDER_DPI, max_pages: int = DEFAULT_MAX_PAGES) -> Iterator[Any]:
    """Each page (up to `max_pages`) as a PIL image at `dpi`, rendered by pdfium."""
    import pypdfium2  # type: ignore[import-untyped]

    document = pypdfium2.PdfDocument(data)
    try:
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                yield page.render(scale=dpi / 72.0, grayscale=True).to_pil()
            finally:
                page.close()
    finally:
        document.close()


def pdf_page_count(data: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


class Stopwatch:
    """Seconds since it was made: an OCR run's cost, recorded on the result."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def seconds(self) -> float:
        return time.monotonic() - self.started
