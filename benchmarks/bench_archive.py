"""Benchmark the published archive at scale: 100,000 synthetic reports (~200 cells each)
written through the store API, then served by `gkcrawl serve`, timing over HTTP the facet
page, full-text searches (3+ and 2 characters), canned queries and a report page.

Run once, it takes minutes:
    .venv/bin/python benchmarks/bench_archive.py                  # 100,000 reports
    .venv/bin/python benchmarks/bench_archive.py --reports 2000   # quick check
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test bench: portals/, samples.py
from gkcrawl.archive.store import open_archive, record_report
from gkcrawl.publish.serve import start_background
from samples import PROSE, sample_result  # noqa: E402

SEARCH_PADDING = ("依申请公开工作严格依法办理，规范受理、登记、答复流程。政务公开平台建设持续加强，"
                  "政府网站信息发布审核机制不断完善，政策解读与回应关切工作有序推进。")


def build(db_path: Path, reports: int, text_chars: int) -> float:
    """Write `reports` synthetic reports through record_report; returns seconds taken."""
    db = open_archive(db_path)
    started = time.perf_counter()
    for index in range(reports):
        result = sample_result(index, seed=7)
        body = result.text
        while len(body) < text_chars:
            body += "\n" + SEARCH_PADDING + PROSE.format(active=index % 9000, new=index % 300, review=index % 7,
                                                          lit=index % 5)
        result.text = body[:text_chars]
        url = f"http://www{index % 500}.example.gov.cn/zwgk/ndbg/{index:06d}.html"
        record_report(db, None, result, url=url, fetched_at="2025-02-01T08:00:00Z",
                      sha256=hashlib.sha256(url.encode()).hexdigest(), site=None, parsed_at="2025-02-01T08:00:00Z")
        if index and index % 10000 == 0:
            rate = index / (time.perf_counter() - started)
            print(f"  {index:,} reports written ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.conn.close()
    return seconds


def timed_get(url: str, runs: int) -> tuple[float, float, int]:
    """(first request seconds, median of the following runs, status)."""
    timings = []
    status = 0
    for _ in range(runs):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            error.read()
            status = error.code
        timings.append(time.perf_counter() - started)
    return timings[0], statistics.median(timings[1:] or timings), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--text-chars", type=int, default=1500, help="Clean text length per report.")
    parser.add_argument("--db", type=Path, default=Path("/tmp/gkcrawl-bench/gkcrawl.db"))
    parser.add_argument("--reuse", action="store_true", help="Serve an archive built by an earlier run.")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        print(f"building {args.reports:,} reports in {args.db} …", file=sys.stderr)
        seconds = build(args.db, args.reports, args.text_chars)
        print(f"write: {args.reports:,} reports in {seconds:,.0f} s ({args.reports / seconds:,.0f} reports/s)")
    size = sum(p.stat().st_size for p in args.db.parent.glob(args.db.name + "*"))
    import sqlite3

    conn = sqlite3.connect(args.db)
    cells = conn.execute("select count(*) from report_cells").fetchone()[0]
    reports = conn.execute("select count(*) from reports").fetchone()[0]
    conn.close()
    print(f"database: {size / 1e9:.2f} GB, {reports:,} reports, {cells:,} cells ({cells / max(reports, 1):.0f}/report)")

    started = time.perf_counter()
    server = start_background(args.db, timeout=600)
    print(f"serve: answering after {time.perf_counter() - started:.1f} s")
    q = urllib.parse.quote
    pages = {
        "facet page (reports, 6 facets)": "/gkcrawl/reports",
        "facet page, filtered region": "/gkcrawl/reports?region=" + q("山西省朔州市"),
        "facet page (latest_reports view)": "/gkcrawl/latest_reports",
        "search 行政复议 (box)": "/gkcrawl/reports?_search=" + q("行政复议"),
        "search 复议 (box, 2 chars)": "/gkcrawl/reports?_search=" + q("复议"),
        "search 行政复议 (trigram, SQL)": "/gkcrawl.json?sql=" + q(
            "select rowid from reports_fts where reports_fts match '行政复议' limit 100"),
        "canned: applications_per_year": "/gkcrawl/applications_per_year",
        "canned: failing_arithmetic": "/gkcrawl/failing_arithmetic",
        "canned: outcome_shares": "/gkcrawl/outcome_shares",
        "canned: published_late": "/gkcrawl/published_late",
        "canned: changed_after_publication": "/gkcrawl/changed_after_publication",
        "canned: short_word_search 复议": "/gkcrawl/short_word_search?q=" + q("复议"),
        "report page with provenance": f"/gkcrawl/reports/{max(reports // 2, 1)}",
    }
    try:
        print(f"{'page':42} {'first':>8} {'median':>8}  status")
        for name, path in pages.items():
            first, median, status = timed_get(server.url + path, args.runs)
            print(f"{name:42} {first:7.3f}s {median:7.3f}s  {status}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
