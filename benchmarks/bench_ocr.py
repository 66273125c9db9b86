"""OCR engines compared on the same scans: RapidOCR (the product's) and Debian's tesseract.

Each text PDF with a gold answer in tests/fixtures/reports_gold is scanned here
(tests/scans.py: grey, skew, noise, blur, JPEG, fixed seeds) and parsed by the whole pipeline
(deskew, word boxes, pdf_geometry's tables, confusable repair, arithmetic marking) with each
engine's word boxes. Printed per engine: cell accuracy, nonzero-cell accuracy, silent errors
(a cell claimed outside `uncertain` with a wrong number or a wrong blank; a document read
with no template claims none), cells left certain, and pages per second.
tesseract runs as `tesseract IMAGE stdout -l chi_sim --psm 6 tsv`; without it (or without
chi_sim) its rows are skipped.

    .venv/bin/python benchmarks/bench_ocr.py              # every gold PDF, 200 dpi
    .venv/bin/python benchmarks/bench_ocr.py --dpi 150 --docs 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from gkcrawl.extract.ocr import WORD_GAP, OcrOptions, deskew, engine_version  # noqa: E402
from gkcrawl.parse import parse_document  # noqa: E402
from scans import Degrade, scanned_pdf  # noqa: E402
from scoring import same  # noqa: E402

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


@dataclass
class Tally:
    cells: int = 0
    right: int = 0
    nonzero: int = 0
    nonzero_right: int = 0
    silent: int = 0
    certain: int = 0
    pages: int = 0
    seconds: float = 0.0

    def add(self, gold: dict, parsed: dict, pages: int, seconds: float) -> list[str]:
        uncertain = set(parsed.get("uncertain") or [])
        claimed = parsed.get("cells") or {}  # no template: no cell claimed, none silently wrong
        silent = []
        for key, want in gold["cells"].items():
            if want == "?":
                continue
            got = (parsed.get("cells") or {}).get(key)
            self.cells += 1
            ok = same(want, got)
            self.right += ok
            if want not in (None, 0):
                self.nonzero += 1
                self.nonzero_right += ok
            if key in claimed and key not in uncertain:
                self.certain += 1
                if not ok:
                    self.silent += 1
                    silent.append(f"{key}: want {want} got {got}")
        self.pages += pages
        self.seconds += seconds
        return silent

    def line(self, name: str) -> str:
        return (f"{name:34} cells {self.right}/{self.cells} ({self.right / max(self.cells, 1):.1%})  "
                f"nonzero {self.nonzero_right}/{self.nonzero} ({self.nonzero_right / max(self.nonzero, 1):.1%})  "
                f"silent {self.silent}  certain {self.certain}  "
                f"{self.pages / max(self.seconds, 1e-9):.3f} pages/s ({self.seconds / max(self.pages, 1):.1f} s/page)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--docs", type=int, default=0, help="only the first N gold PDFs (0: all)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    names = sorted(p.name for p in (FIXTURES / "reports").glob("*.pdf")
                   if (FIXTURES / "reports_gold" / (p.name.replace(".", "_") + ".json")).exists())
    names = names[:args.docs] if args.docs else names
    engines: list[tuple[str, OcrOptions]] = [(engine_version() or "rapidocr", OcrOptions())]
    if tesseract_available():
        engines.append((tesseract_version() + " chi_sim --psm 6",
                        OcrOptions(reader=tesseract_reader, engine_name=tesseract_version())))
    else:
        print("tesseract with chi_sim not installed: its rows are skipped")
    tallies = {name: Tally() for name, _ in engines}
    for doc in names:
        gold = json.loads((FIXTURES / "reports_gold" / (doc.replace(".", "_") + ".json")).read_text(encoding="utf-8"))
        scan = scanned_pdf((FIXTURES / "reports" / doc).read_bytes(), Degrade(dpi=args.dpi), seed=args.seed)
        for engine, options in engines:
            started = time.perf_counter()
            result = parse_document(scan, filename="scan.pdf", ocr=options)
            seconds = time.perf_counter() - started
            pages = next((int(f.split(":")[1]) for f in result.flags if f.startswith("ocr_pages:")), 0)
            silent = tallies[engine].add(gold, json.loads(json.dumps(result.to_json())), pages, seconds)
            print(f"{doc:36} {engine[:30]:30} {pages} pages {seconds:6.1f} s  silent: {silent or 'none'}",
                  flush=True)
    print(f"\n{len(names)} documents scanned at {args.dpi} dpi ({Degrade(dpi=args.dpi)})")
    for engine, _ in engines:
        print(tallies[engine].line(engine[:34]))


if __name__ == "__main__":
    main()
