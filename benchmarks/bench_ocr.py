"""OCR engines compared on the same scans: RapidOCR (the product's) and Debian's tesseract.

Three sets, each made here from documents with a gold answer in tests/fixtures/reports_gold
(tests/scans.py: grey, skew, noise, blur, JPEG, fixed seeds) and parsed by the whole pipeline
(deskew, word boxes, pdf_geometry's tables, confusable repair, arithmetic marking) with each
engine's word boxes:
  scan     every gold text PDF scanned whole (no text layer);
  mixed    every gold PDF of two pages or more, page 1 typed and the rest scanned;
  picture  gen2021_ningan.html with its part 四 table published as a picture (read_html with
           the picture's bytes).
Scored by tests/scoring.py, the project's one scorer (the rules of shared/tools/score_parse.py:
a wrong value or a wrong blank outside `uncertain` is silent, a document read with no template
included). Printed per engine and set: cells right, nonzero cells right, silent errors, cells
left certain (claimed outside `uncertain`), and pages per second (OCR'd pages only).
tesseract runs as `tesseract IMAGE stdout -l chi_sim --psm 6 tsv`; without it (or without
chi_sim) its rows are skipped.

    .venv/bin/python benchmarks/bench_ocr.py              # every gold PDF, 200 dpi
    .venv/bin/python benchmarks/bench_ocr.py --dpi 150 --docs 2 --sets mixed,picture --engines rapidocr
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from gkcrawl.extract.ocr import WORD_GAP, OcrOptions, deskew, engine_version, read_image  # noqa: E402
from gkcrawl.parse import parse_document  # noqa: E402
from scans import Degrade, appeals_picture, html_with_appeals_as_picture, mixed_pdf, scanned_pdf  # noqa: E402
from scoring import Score, score_one  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def tesseract_available() -> bool:
    if shutil.which("tesseract") is None:
        return False
    done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    return "chi_sim" in done.stdout


def tesseract_version() -> str:
    done = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    return (done.stdout or done.stderr).split("\n", 1)[0].strip()


def tesseract_reader(image: Any, dpi: float) -> list[dict]:
    """tesseract's words (its characters merged where they stand together), in points."""
    grey = deskew(cv2.medianBlur(np.array(image.convert("L")), 3))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        cv2.imwrite(str(path), grey)
        done = subprocess.run(["tesseract", str(path), "stdout", "-l", "chi_sim", "--psm", "6", "tsv"],
                              capture_output=True, text=True, check=False)
    lines: dict[tuple, list[tuple[float, float, float, float, str]]] = {}
    for row in done.stdout.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip() or float(cols[10]) < 0:
            continue
        left, top, width, height = (float(c) for c in cols[6:10])
        lines.setdefault((cols[2], cols[3], cols[4]), []).append((left, left + width, top, top + height, cols[11]))
    scale = 72.0 / dpi
    words: list[dict] = []
    for chars in lines.values():
        chars.sort()
        height = max(c[3] - c[2] for c in chars) or 1.0
        run = list(chars[0])
        for x0, x1, top, bottom, text in chars[1:]:
            if x0 - run[1] > WORD_GAP * height:
                words.append(_word(run, scale))
                run = [x0, x1, top, bottom, text]
            else:
                run = [run[0], x1, min(run[2], top), max(run[3], bottom), run[4] + text]
        words.append(_word(run, scale))
    return words


def _word(run: list, scale: float) -> dict:
    return {"text": run[4], "x0": run[0] * scale, "x1": run[1] * scale, "top": run[2] * scale,
            "bottom": run[3] * scale, "score": 1.0}


SETS = ("scan", "mixed", "picture")
Case = tuple[str, str, Callable[[OcrOptions], Any]]  # (set, document, parse with these options)


def _gold(doc: str) -> dict:
    return json.loads((FIXTURES / "reports_gold" / (doc.replace(".", "_") + ".json")).read_text(encoding="utf-8"))


def _page_count(data: bytes) -> int:
    import pypdfium2  # type: ignore[import-untyped]

    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def cases(sets: list[str], dpi: int, seed: int, docs: int) -> list[Case]:
    """What each set parses: (set, gold document, a parse of its made variant)."""
    how = Degrade(dpi=dpi)
    names = sorted(p.name for p in (FIXTURES / "reports").glob("*.pdf")
                   if (FIXTURES / "reports_gold" / (p.name.replace(".", "_") + ".json")).exists())
    names = names[:docs] if docs else names
    out: list[Case] = []
    for doc in names:
        typed = (FIXTURES / "reports" / doc).read_bytes()
        if "scan" in sets:
            scan = scanned_pdf(typed, how, seed=seed)
            out.append(("scan", doc, lambda options, data=scan: parse_document(data, filename="scan.pdf", ocr=options)))
        pages = _page_count(typed)
        if "mixed" in sets and pages > 1:
            mixed = mixed_pdf(typed, set(range(2, pages + 1)), how, seed=seed)
            out.append(("mixed", doc, lambda options, data=mixed: parse_document(data, filename="mixed.pdf",
                                                                                  ocr=options)))
    if "picture" in sets:
        page, picture = html_with_appeals_as_picture(), appeals_picture()
        out.append(("picture", "gen2021_ningan.html", lambda options: parse_document(
            page, filename="report.html", ocr=options,
            pictures=lambda src: picture if src == "images/appeals.jpg" else None)))
    return out


def ocr_pages(flags: list[str]) -> int:
    return sum(int(f.split(":")[1]) for f in flags if f.startswith(("ocr_pages:", "ocr_images:")))


def line(name: str, score: Score) -> str:
    return (f"{name:44} cells {score.right}/{score.cells} ({score.accuracy:.1%})  nonzero "
            f"{score.nz_right}/{score.nz_cells} ({score.nonzero_accuracy:.1%})  silent {score.silent}  "
            f"certain {score.certain}  {score.pages_per_second:.3f} pages/s "
            f"({score.seconds / max(score.pages, 1):.1f} s/page, {score.pages} pages)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--docs", type=int, default=0, help="only the first N gold PDFs (0: all)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--engines", default="rapidocr,tesseract", help="comma-separated: rapidocr, tesseract")
    args = parser.parse_args()
    sets = [name for name in args.sets.split(",") if name in SETS]
    wanted = args.engines.split(",")
    engines: list[tuple[str, OcrOptions]] = [(engine_version() or "rapidocr", OcrOptions())] \
        if "rapidocr" in wanted else []
    if "tesseract" not in wanted:
        pass
    elif tesseract_available():
        engines.append((tesseract_version() + " chi_sim --psm 6",
                        OcrOptions(reader=tesseract_reader, engine_name=tesseract_version())))
    else:
        print("tesseract with chi_sim not installed: its rows are skipped")
    scores = {(engine, name): Score() for engine, _ in engines for name in sets}
    read_image(np.full((64, 64), 255, np.uint8))  # load RapidOCR's models before the clock runs
    for set_name, doc, parse in cases(sets, args.dpi, args.seed, args.docs):
        gold = _gold(doc)
        for engine, options in engines:
            started = time.perf_counter()
            result = parse(options)
            seconds = time.perf_counter() - started
            score = scores[(engine, set_name)]
            before = len(score.misses)
            score_one(gold, json.loads(json.dumps(result.to_json())), score)
            pages = ocr_pages(result.flags)
            score.add_run(pages, seconds)
            silent = [m.split(" SILENT ", 1)[1] for m in score.misses[before:] if " SILENT " in m]
            print(f"{set_name:8} {doc:44} {engine[:28]:28} {pages} pages {seconds:6.1f} s  "
                  f"silent: {silent or 'none'}", flush=True)
    print(f"\nscanned at {args.dpi} dpi ({Degrade(dpi=args.dpi)}), seed {args.seed}")
    for engine, _ in engines:
        total = Score()
        for set_name in sets:
            score = scores[(engine, set_name)]
            print(line(f"{engine[:34]} {set_name}", score))
            for name in ("docs", "cells", "right", "nz_cells", "nz_right", "silent", "certain", "pages"):
                setattr(total, name, getattr(total, name) + getattr(score, name))
            total.seconds += score.seconds
        print(line(f"{engine[:34]} all", total))


if __name__ == "__main__":
    main()
