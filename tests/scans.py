"""Scans made here: text PDFs rendered to images, degraded like a real scanner, wrapped back.

Deterministic (a fixed seed per page): grey, a slight skew, speckle noise, a little blur and
JPEG artefacts at the chosen resolution, then each page a JPEG inside a PDF (Pillow's PDF
writer) with no text layer at all, or with a watermark's text layer on every page. Used by
tests/test_ocr.py and benchmarks/bench_ocr.py; the demo's scanned report was made with it."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2
from PIL import Image, ImageFilter

REPORTS = Path(__file__).parent / "fixtures" / "reports"


@dataclass(frozen=True)
class Degrade:
    dpi: int = 200
    skew_degrees: float = 0.6
    noise: float = 6.0         # grey levels of gaussian noise
    speckles: int = 400        # dark dots per page
    blur: float = 0.5
    jpeg_quality: int = 60


def render_pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[i].render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")
                for i in range(len(document))]
    finally:
        document.close()


def degrade(image: Image.Image, how: Degrade, seed: int) -> Image.Image:
    """One page as a scanner and a JPEG encoder would leave it."""
    rng = random.Random(seed)
    angle = how.skew_degrees * (1 if rng.random() < 0.5 else -1)
    page = image.convert("L").rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    if how.blur:
        page = page.filter(ImageFilter.GaussianBlur(how.blur))
    pixels = np.asarray(page, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0.0, how.noise, pixels.shape)
    pixels = np.clip(pixels + noise, 0, 255)
    height, width = pixels.shape
    for _ in range(how.speckles):
        y, x = rng.randrange(height - 2), rng.randrange(width - 2)
        pixels[y:y + rng.choice((1, 2)), x:x + rng.choice((1, 2))] = rng.randrange(0, 120)
    out = Image.fromarray(pixels.astype(np.uint8), "L")
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=how.jpeg_quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def scan_images(pdf: bytes, how: Degrade = Degrade(), seed: int = 12) -> list[Image.Image]:
    return [degrade(page, how, seed + index) for index, page in enumerate(render_pages(pdf, how.dpi))]


def images_to_pdf(images: list[Image.Image], dpi: int) -> bytes:
    """The pages as JPEGs in a PDF, no text layer."""
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return buffer.getvalue()


def watermarked_pdf(images: list[Image.Image], dpi: int, mark: str = "仅供参考") -> bytes:
    """The pages as pictures under a text layer that only says `mark` (a watermark)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    width, height = images[0].size[0] * 72.0 / dpi, images[0].size[1] * 72.0 / dpi
    sheet = canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
    for image in images:
        jpeg = io.BytesIO()
        image.convert("L").save(jpeg, "JPEG", quality=85)
        sheet.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, width, height)
        sheet.setFont("STSong-Light", 40)
        sheet.setFillGray(0.85)
        sheet.drawCentredString(width / 2, height / 2, mark)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def scanned_pdf(pdf: bytes, how: Degrade = Degrade(), seed: int = 12) -> bytes:
    return images_to_pdf(scan_images(pdf, how, seed), how.dpi)


def jpeg_bytes(image: Image.Image, quality: int = 70) -> bytes:
    buffer = io.BytesIO()
    image.convert("L").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def mixed_pdf(pdf: bytes, scanned: set[int], how: Degrade = Degrade(), seed: int = 12) -> bytes:
    """`pdf` with the pages numbered in `scanned` (from 1) replaced by their scans (pictures, no
    text layer) and the others kept as typed: a report whose tables pages were scanned and
    inserted, or whose signed last page was."""
    scan = pypdfium2.PdfDocument(scanned_pdf(pdf, how, seed))
    typed = pypdfium2.PdfDocument(pdf)
    out = pypdfium2.PdfDocument.new()
    try:
        for index in range(len(typed)):
            out.import_pages(scan if index + 1 in scanned else typed, [index])
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        for document in (out, scan, typed):
            document.close()


def appeals_picture() -> bytes:
    """Part 四 of gen2021_ningan.pdf as a degraded JPEG: the table a portal pasted as a picture."""
    page = render_pages((REPORTS / "gen2021_ningan.pdf").read_bytes(), 200)[2]
    scale = 200 / 72
    crop = page.crop((int(40 * scale), int(75 * scale), int(810 * scale), int(136 * scale)))
    return jpeg_bytes(degrade(crop, Degrade(dpi=200, skew_degrees=0.3), seed=5))


def html_with_appeals_as_picture() -> bytes:
    html = (REPORTS / "gen2021_ningan.html").read_bytes().decode("gb18030")  # as published: GB2312
    start = html.rindex("<table")
    stop = html.index("</table>", start) + len("</table>")
    return (html[:start] + '<p><img src="images/appeals.jpg" alt="表"></p>' + html[stop:]).encode("gb18030")


def parse_without_ocr_engine(path: Path, filename: str, timeout: float = 300) -> dict:
    """`parse_document(...).to_json()` of a file in a fresh interpreter told that rapidocr_onnxruntime
    cannot be imported, as when the `[ocr]` extra is not installed."""
    program = (
        "import importlib.abc, json, sys\n"
        "class Absent(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'rapidocr_onnxruntime': raise ImportError(name)\n"
        "sys.meta_path.insert(0, Absent())\n"
        "from gkcrawl.parse import parse_document\n"
        f"print(json.dumps(parse_document(open({str(path)!r}, 'rb').read(), filename={filename!r}).to_json()))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=timeout, check=True)
    return json.loads(done.stdout)
