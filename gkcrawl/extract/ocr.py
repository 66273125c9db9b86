"""The OCR engine: page images in, word boxes out, in the shape pdfplumber gives words.

The engine is RapidOCR (`rapidocr-onnxruntime`, the optional `ocr` extra): its wheel ships the
PP-OCR detection, direction and recognition models, so nothing is downloaded at run time. It
was chosen over Debian's tesseract-ocr + chi_sim on measured cell accuracy
(benchmarks/bench_ocr.py). The import is lazy (onnxruntime costs a second to load) and the
engine is built once per process, so a long-lived parse worker pays for it once.

A word is a dict with text, x0, x1, top, bottom (PDF points, 72 per inch, like pdfplumber's)
and score (the recogniser's confidence). RapidOCR reads a text line at a time; a line is cut
into words where its characters stand apart (a row of values `0  0  0` read as one line), so
each cell's value stays a word of its own. The detector never boxes some lone thin digits
(a `1` or `4` alone in a cell of a grey scan); those are found as glyph-sized ink outside its
boxes and recognised one by one (`_lone_glyphs`, word key `lone`)."""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Any

from . import ocr_cache

log = logging.getLogger(__name__)

ENGINE_PACKAGE = "rapidocr-onnxruntime"
NOT_INSTALLED = "ocr engine not installed"
RENDER_DPI = 200          # scans are rendered at this resolution (TOOLCHAIN: 150-300 is the useful range)
WORD_GAP = 0.6            # a gap wider than this many character heights splits a line into words
MIN_SCORE = 0.3           # recogniser confidence below which a box is dropped as noise
BOX_THRESH = 0.3          # detector: RapidOCR's default 0.5 loses single-digit cells on a noisy scan
UNCLIP_RATIO = 2.0
GLYPH_SHARE = 0.65        # of a detected box's height that the glyphs fill (unclip_ratio 2.0)
STROKE_WIDEN = True       # erode before detection (measured: more lone digits found on noisy scans)
LONE_GLYPHS = True        # recognise ink the detector left unboxed, glyph-sized, as lone digits
LONE_INK = 170            # grey level under which a pixel of the thickened page is ink
LONE_MIN_SCORE = 0.6      # recogniser confidence a lone glyph needs (and it must read as digits)
DEFAULT_PAGE_SECONDS = 60.0
DEFAULT_MAX_PAGES = 30

OcrWord = dict[str, Any]


@dataclass
class OcrOptions:
    """What one document's OCR may spend, and who hears of each page (the parse worker, which
    extends the job's wall-time limit by `page_seconds` per page announced)."""

    max_pages: int = DEFAULT_MAX_PAGES
    on_page: Callable[[int], None] | None = None
    # Another engine's reader (image, dpi) -> words, and its name: benchmarks/bench_ocr.py
    # runs tesseract through the same pipeline. None: RapidOCR (`read_image`).
    reader: Callable[[Any, float], list[OcrWord]] | None = None
    engine_name: str | None = None


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
        """What the `ocr` check says: derived data, so the same bytes always say the same (the time
        OCR took is the derivation's `seconds`, not part of what was derived)."""
        skipped = f", {self.pages_skipped} pages over the budget not read" if self.pages_skipped else ""
        return f"{self.engine}: {self.pages} pages, {self.words} words{skipped}"


def engine_version() -> str | None:
    """`rapidocr-onnxruntime 1.4.4`, or None when the engine is not installed."""
    try:
        return f"{ENGINE_PACKAGE} {metadata.version(ENGINE_PACKAGE)}"
    except metadata.PackageNotFoundError:
        return None


def unavailable_reason() -> str | None:
    """None when OCR can run here, else the reason recorded on a document that needed it."""
    try:
        found = importlib.util.find_spec("rapidocr_onnxruntime") is not None
    except (ImportError, ValueError):
        found = False
    return None if found and engine_version() is not None else NOT_INSTALLED


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


def _detect_and_read(detect_on: Any, read_on: Any) -> list:
    """RapidOCR's own pipeline (1.4.4, pinned), with detection and recognition on two
    renderings of the same page: [[box, text, score, character boxes], ...] in page pixels."""
    engine = _engine()
    engine.text_det.postprocess_op.box_thresh = BOX_THRESH
    engine.text_det.postprocess_op.unclip_ratio = UNCLIP_RATIO
    engine.text_score = MIN_SCORE
    raw_h, raw_w = read_on.shape[:2]
    detect_img, ratio_h, ratio_w = engine.preprocess(detect_on)
    read_img, _, _ = engine.preprocess(read_on)
    record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    detect_img, record = engine.maybe_add_letterbox(detect_img, record)
    read_img, _ = engine.maybe_add_letterbox(read_img, {"preprocess": dict(record["preprocess"])})
    boxes, _ = engine.auto_text_det(detect_img)
    if boxes is None:
        return []
    crops = engine.get_crop_img_list(read_img, boxes)
    crops, cls_res, _ = engine.text_cls(crops)
    rec_res, _ = engine.text_rec(crops, True)
    rec_res = engine.cal_rec_boxes(crops, boxes, rec_res)
    for item in rec_res:
        if item[2]:
            item[2] = engine._get_origin_points(item[2], record, raw_h, raw_w).astype("int32").tolist()
    boxes = engine._get_origin_points(boxes, record, raw_h, raw_w)
    found, _ = engine.get_final_res(boxes, cls_res, rec_res, 0.0, 0.0, 0.0)
    return found or []


def read_image(image: Any, dpi: float = RENDER_DPI, lone: bool = LONE_GLYPHS) -> list[OcrWord]:
    """Words of one image (a PIL image, a numpy array or encoded bytes), in points at `dpi`;
    `lone`: look for lone digits the detector missed (measured: more right on page scans,
    fewer on a cropped table picture, so `ocr_documents.ocr_images` turns it off)."""
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
    page_key = ocr_cache.page_key(image, dpi, _reader_settings()) if ocr_cache.cache_dir() is not None else None
    cached = ocr_cache.lookup(page_key) if page_key is not None else None
    if cached is not None:
        return cached
    # A 3x3 median takes out scanner speckle; detection then runs on a copy with thickened
    # strokes (a 2x2 erosion: a lone thin `1` in a cell is otherwise not detected at all) and
    # recognition on the plain page (the erosion closes an `8` into a blot).
    plain = deskew(cv2.medianBlur(image, 3))
    bold = cv2.erode(plain, np.ones((2, 2), np.uint8)) if STROKE_WIDEN else plain
    found = _detect_and_read(cv2.cvtColor(bold, cv2.COLOR_GRAY2RGB), cv2.cvtColor(plain, cv2.COLOR_GRAY2RGB))
    alone_found = _lone_glyphs(plain, bold, found) if lone else []
    scale = 72.0 / dpi
    words: list[OcrWord] = []
    for entry, alone in [(e, False) for e in found] + [(e, True) for e in alone_found]:
        box, text, score = entry[0], str(entry[1]).strip(), float(entry[2])
        chars = entry[3] if len(entry) > 3 and entry[3] else None
        if not text or score < MIN_SCORE:
            continue
        for word in _split_line(box, text, score, chars):
            for key in ("x0", "x1", "top", "bottom"):
                word[key] = round(float(word[key]) * scale, 2)
            if alone:
                word["lone"] = True
            words.append(word)
    words = _even_heights(words)
    if page_key is not None:
        ocr_cache.store(page_key, words)
    return words


def _reader_settings() -> tuple:
    """What besides the pixels and dpi decides `read_image`'s words (the OCR cache's key)."""
    return (engine_version(), WORD_GAP, MIN_SCORE, BOX_THRESH, UNCLIP_RATIO, GLYPH_SHARE, STROKE_WIDEN)


def _lone_glyphs(plain: Any, bold: Any, found: list) -> list:
    """Digits the detector never boxed (a thin `1` or `4` alone in a cell of a grey scan), as
    [[box, text, score]]: ink of the thickened page outside every detected box, in blobs of a
    digit's size (the median line's glyph height; scanner specks are far smaller), side by side
    ones joined, each read by the recogniser alone. Kept only when it reads as digits with
    LONE_MIN_SCORE; `ocr_tables` keeps them only in a table's value area, and like every OCR'd
    value they are certain only when the template's arithmetic confirms them."""
    import cv2
    import numpy as np

    heights = sorted(max(p[1] for p in e[0]) - min(p[1] for p in e[0]) for e in found)
    if not heights:
        return []
    glyph = heights[len(heights) // 2] * GLYPH_SHARE
    boxed = np.zeros(bold.shape[:2], np.uint8)
    for entry in found:
        xs, ys = [p[0] for p in entry[0]], [p[1] for p in entry[0]]
        boxed[max(0, int(min(ys)) - 2):int(max(ys)) + 3, max(0, int(min(xs)) - 2):int(max(xs)) + 3] = 1
    # Blobs of the whole page's ink, so a table's ruling stays one long blob (never cut into
    # `1`-sized pieces between boxes); a blob touching a detected box is the detector's.
    count, labels, stats, _ = cv2.connectedComponentsWithStats((bold < LONE_INK).astype(np.uint8), connectivity=8)
    blobs = []
    for index in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[index])
        if not (0.5 * glyph <= h <= 1.4 * glyph and w <= 1.1 * glyph and area >= 0.04 * glyph * glyph):
            continue
        if ((labels[y:y + h, x:x + w] == index) & (boxed[y:y + h, x:x + w] == 1)).any():
            continue
        blobs.append([x, y, x + w, y + h])
    blobs.sort()
    groups: list[list[int]] = []
    for blob in blobs:
        near = next((g for g in groups if min(g[3], blob[3]) - max(g[1], blob[1]) > 0.5 * glyph
                     and 0 <= blob[0] - g[2] < 0.5 * glyph), None)
        if near is None:
            groups.append(blob)
        else:
            near[:] = [near[0], min(near[1], blob[1]), blob[2], max(near[3], blob[3])]
    if not groups:
        return []
    pad = int(0.35 * glyph) + 2
    height, width = plain.shape[:2]
    crops = [cv2.cvtColor(plain[max(0, y0 - pad):min(height, y1 + pad), max(0, x0 - pad):min(width, x1 + pad)],
                          cv2.COLOR_GRAY2RGB) for x0, y0, x1, y1 in groups]
    read, _ = _engine().text_rec(crops, False)
    out = []
    for (x0, y0, x1, y1), (text, score) in zip(groups, read):
        text = str(text).strip()
        if re.fullmatch(r"\d{1,6}", text) and float(score) >= LONE_MIN_SCORE:
            # as tall as a detected line's box, so the glyph-share cut leaves it glyph-high
            middle, half = (y0 + y1) / 2, (y1 - y0) / GLYPH_SHARE / 2
            out.append([[[x0, middle - half], [x1, middle - half], [x1, middle + half], [x0, middle + half]],
                        text, float(score)])
    return out


def _even_heights(words: list[OcrWord]) -> list[OcrWord]:
    """Boxes as tall as the glyphs they hold, like a PDF's words. The detector's boxes are
    unclipped beyond the ink (stacked header lines would overlap), so each is cut to
    GLYPH_SHARE of its height; and a lone digit's box hugs the glyph (a `0` is half a line
    high), so one shorter than the page's median is widened to it. Both about the centre."""
    for word in words:
        centre, half = (word["top"] + word["bottom"]) / 2, (word["bottom"] - word["top"]) * GLYPH_SHARE / 2
        word["top"], word["bottom"] = centre - half, centre + half
    heights = sorted(w["bottom"] - w["top"] for w in words)
    median = heights[len(heights) // 2] if heights else 0.0
    for word in words:
        centre = (word["top"] + word["bottom"]) / 2
        half = max(word["bottom"] - word["top"], median) / 2
        word["top"], word["bottom"] = round(centre - half, 2), round(centre + half, 2)
    return words


def skew_degrees(grey: Any) -> float:
    """The page's tilt in degrees, by projection profiles: the angle at which the rows of ink
    are sharpest (largest variance of row sums) on a small binarised copy. A scanner's tilt
    would otherwise split a table row across lines; the detector's boxes are axis-aligned at
    small angles, so they cannot tell it."""
    import cv2
    import numpy as np

    height, width = grey.shape[:2]
    factor = min(1.0, 800.0 / max(width, 1))
    small = cv2.resize(grey, (max(1, int(width * factor)), max(1, int(height * factor))), interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)

    def sharpness(angle: float) -> float:
        turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, angle, 1.0), (ink.shape[1], ink.shape[0]))
        return float(np.var(turned.sum(axis=1)))

    coarse = max((step * 0.25 for step in range(-12, 13)), key=sharpness)
    return max((coarse + step * 0.05 for step in range(-5, 6)), key=sharpness)


def deskew(grey: Any) -> Any:
    """The page turned straight (white where the turn uncovers paper)."""
    import cv2

    angle = skew_degrees(grey)
    if abs(angle) < 0.05:
        return grey
    height, width = grey.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(grey, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)


def image_dpi(image: Any, default: float = RENDER_DPI) -> float:
    """The resolution an image says it was scanned at, else `default`."""
    info = getattr(image, "info", {}) or {}
    dpi = info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 50 <= value <= 1200 else default


def render_pdf_pages(data: bytes, dpi: float = RENDER_DPI, max_pages: int = DEFAULT_MAX_PAGES,
                     indices: Iterable[int] | None = None) -> Iterator[Any]:
    """Each page (up to `max_pages`; only the pages numbered in `indices`, from 0, when given)
    as a PIL image at `dpi`, rendered by pdfium."""
    import pypdfium2  # type: ignore[import-untyped]

    document = pypdfium2.PdfDocument(data)
    try:
        wanted = range(len(document)) if indices is None else [i for i in indices if 0 <= i < len(document)]
        for index in list(wanted)[:max_pages]:
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
