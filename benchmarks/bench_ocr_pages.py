"""HTML report pages whose tables are pictures, read by OCR: how many cells come back right.

Each report is generated (gkcrawl.demo.report_content), its chosen parts drawn as PNG by
gkcrawl/demo/picture_tables.py and pasted into the page as <img>; the page is parsed with
`pictures(src)` handing the PNGs over (what a crawl's worker does from their WARC records).
The answer is the same report parsed with its tables as HTML. Printed per page: cells right,
nonzero cells right, silent errors (claimed certain and wrong), cells certain, and seconds
per picture; then the totals.

    .venv/bin/python benchmarks/bench_ocr_pages.py              # the demo's page + the test portal's
    .venv/bin/python benchmarks/bench_ocr_pages.py --seeds 3    # and three more generated reports
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from gkcrawl.demo import picture_tables  # noqa: E402
from gkcrawl.demo.report_content import ReportDoc, make_report, report_body_html  # noqa: E402
from gkcrawl.parse import parse_document  # noqa: E402
from scoring import same  # noqa: E402

PARTS_ALL = ("二", "三", "四")


def _page(doc: ReportDoc, body: str) -> bytes:
    return f"<html><head><title>{doc.title}</title></head><body><h1>{doc.title}</h1>{body}</body></html>".encode()


def measure(name: str, doc: ReportDoc, parts: tuple[str, ...]) -> tuple[int, int, int, int, int, int, float, int]:
    truth = parse_document(_page(doc, report_body_html(doc)), filename="report.html").cells
    body, sources, pictures = picture_tables.table_pictures(doc, parts, prefix="./pictures/")
    by_src = {src: pictures[src.rsplit("/", 1)[1]] for src in sources.values()}
    started = time.monotonic()
    result = parse_document(_page(doc, body), filename="report.html", pictures=by_src.get)
    seconds = time.monotonic() - started
    keys = [key for key in truth if result.medium(key) == "ocr" or key.split(".", 1)[0] in
            {picture_tables.PART_FILES[part] for part in parts}]
    right = sum(1 for key in keys if same(truth[key], result.cells.get(key)))
    nonzero = [key for key in keys if truth[key] not in (None, 0)]
    nonzero_right = sum(1 for key in nonzero if same(truth[key], result.cells.get(key)))
    silent = [key for key in keys if key not in result.uncertain and not same(truth[key], result.cells.get(key))]
    certain = sum(1 for key in keys if key not in result.uncertain)
    per_picture = seconds / max(1, len(pictures))
    print(f"{name}: parts {''.join(parts)}, {len(pictures)} pictures ({sum(map(len, pictures.values()))} bytes): "
          f"cells {right}/{len(keys)} right, nonzero {nonzero_right}/{len(nonzero)}, silent {len(silent)} {silent}, "
          f"certain {certain}, {per_picture:.1f} s per picture", flush=True)
    return right, len(keys), nonzero_right, len(nonzero), len(silent), certain, seconds, len(pictures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=0, help="further generated reports, all parts as pictures")
    args = parser.parse_args()
    pages = [("demo page", picture_tables.demo_report(), PARTS_ALL),
             ("test portal page", make_report("测试市交通运输局", 2021, seed=3), ("二", "四"))]
    pages += [(f"generated {seed}", make_report(f"示范市第{seed}局", 2021 if seed % 2 else 2020, seed=seed), PARTS_ALL)
              for seed in range(11, 11 + args.seeds)]
    totals = [0] * 8
    for name, doc, parts in pages:
        totals = [a + b for a, b in zip(totals, measure(name, doc, parts))]  # type: ignore[misc]
    right, cells, nonzero_right, nonzero, silent, certain, seconds, count = totals
    print(f"total: cells {right}/{cells} right, nonzero {nonzero_right}/{nonzero}, silent {silent}, "
          f"certain {certain}, {seconds / max(1, count):.1f} s per picture over {count} pictures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
