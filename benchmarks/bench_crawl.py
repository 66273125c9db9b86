"""Crawl speed: gkcrawl on the `large` demo portal beside `scrapy bench` on this machine.

The `large` portal (120 bodies, each with its own 政府信息公开 section and 年报 column) makes a
focused crawl visit about 6,000 pages. Prints pages, reports found against the manifest,
seconds, pages/s, `scrapy bench` pages/s and the ratio, and the crawl process's peak RSS
(resource.getrusage of the crawl subprocess, taken before `scrapy bench` runs). Run on
demand (`make bench`); it is not a test.

    .venv/bin/python benchmarks/bench_crawl.py [--units 120] [--bench-seconds 20]
"""

from __future__ import annotations

import argparse
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test bench: portals/, samples.py
from portals.style_large import FULL_UNITS, LargePortal  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CrawlFigures:
    """What one benchmark crawl measured."""

    pages: int
    reports: int
    expected_reports: int
    missing: int
    extra: int
    seconds: float
    peak_rss_mb: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds


def run_gkcrawl(portal: LargePortal, workdir: Path) -> CrawlFigures:
    """Serve `portal`, crawl it once with `gkcrawl crawl` in a subprocess, read the archive."""
    db = workdir / "bench.db"
    running = portal.start()
    try:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "gkcrawl", "crawl", running.url, "--db", str(db), "--no-js",
             "--log-level", "ERROR", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
             "-s", "GKCRAWL_PROGRESS_INTERVAL=30"],
            capture_output=True, text=True, cwd=ROOT)
        elapsed = time.monotonic() - started
        expected = {urljoin(running.url, path) for path in portal.reports}
    finally:
        running.stop()
    if done.returncode != 0:
        raise SystemExit(f"gkcrawl crawl failed:\n{done.stderr[-3000:]}")
    # ru_maxrss of waited-for children (KiB on Linux): only the crawl has run so far.
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with sqlite3.connect(db) as conn:
        pages = conn.execute("select count(*) from captures").fetchone()[0]
        found = {row[0] for row in conn.execute("select distinct url from reports")}
    return CrawlFigures(pages, len(found), len(expected), len(expected - found), len(found - expected),
                        elapsed, peak_kb / 1024)


def run_scrapy_bench(seconds: int) -> float | None:
    """Mean pages/s of `scrapy bench` (its own local server and spider): responses / elapsed."""
    done = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    responses = re.search(r"'response_received_count': (\d+)", done.stderr)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", done.stderr)
    if responses and elapsed and float(elapsed.group(1)) > 0:
        return int(responses.group(1)) / float(elapsed.group(1))
    rates = [float(r) for r in re.findall(r"at (\d+) pages/min", done.stderr) if float(r) > 0]
    return sum(rates) / len(rates) / 60 if rates else None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=FULL_UNITS, help="bodies in the portal (full size: 120)")
    parser.add_argument("--bench-seconds", type=int, default=20, help="how long `scrapy bench` runs")
    args = parser.parse_args()
    portal = LargePortal(args.units)
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_gkcrawl(portal, Path(tmp))
    theirs = run_scrapy_bench(args.bench_seconds)
    print(f"portal: large, {args.units} bodies, {portal.manifest().extra['pages']} pages served on request")
    print(f"gkcrawl crawl: {ours.pages} pages, {ours.reports} reports "
          f"(expected {ours.expected_reports}, missing {ours.missing}, extra {ours.extra}) "
          f"in {ours.seconds:.1f} s = {ours.pages_per_s:.1f} pages/s")
    print(f"gkcrawl peak RSS (crawl process): {ours.peak_rss_mb:.0f} MB")
    if theirs is None:
        print("scrapy bench: no rate reported")
    else:
        print(f"scrapy bench: {theirs:.1f} pages/s ({theirs * 60:.0f} pages/min); "
              f"gkcrawl / scrapy bench = {ours.pages_per_s / theirs:.2f}")


if __name__ == "__main__":
    main()
