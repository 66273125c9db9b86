"""Crawl speed: gkcrawl on the `large` demo portal beside `scrapy bench` on this machine.

Prints pages/s for both and gkcrawl's peak memory (resource.getrusage of the crawl
subprocess). Run on demand (`make bench`); it is not a test.

    .venv/bin/python benchmarks/bench_crawl.py [--bench-seconds 10]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_gkcrawl(portal_url: str, workdir: Path) -> dict[str, float]:
    db = workdir / "bench.db"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "gkcrawl", "crawl", portal_url, "--db", str(db), "--no-js",
         "--log-level", "ERROR", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
         "-s", "GKCRAWL_PROGRESS_INTERVAL=10"],
        capture_output=True, text=True, cwd=ROOT)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"gkcrawl crawl failed:\n{done.stderr[-3000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with sqlite3.connect(db) as conn:
        pages = conn.execute("select count(*) from captures").fetchone()[0]
        reports = conn.execute("select count(distinct url) from reports").fetchone()[0]
    return {"pages": pages, "reports": reports, "seconds": elapsed, "pages_per_s": pages / elapsed,
            "peak_mb": peak_kb / 1024}


def run_scrapy_bench(seconds: int) -> float | None:
    """pages/s reported by `scrapy bench` (its own local server and spider)."""
    done = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    rates = [float(r) for r in re.findall(r"at (\d+) pages/min", done.stderr)]
    rates = [r for r in rates if r > 0]
    return max(rates) / 60 if rates else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-seconds", type=int, default=10)
    args = parser.parse_args()
    from gkcrawl.demo import start_portal

    portal = start_portal("large")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ours = run_gkcrawl(portal.url, Path(tmp))
    finally:
        portal.stop()
    theirs = run_scrapy_bench(args.bench_seconds)
    print(f"gkcrawl crawl (large portal): {ours['pages']} pages, {ours['reports']} reports in "
          f"{ours['seconds']:.1f}s = {ours['pages_per_s']:.1f} pages/s, peak memory {ours['peak_mb']:.0f} MB")
    if theirs is None:
        print("scrapy bench: no rate reported")
    else:
        print(f"scrapy bench: {theirs:.1f} pages/s ({theirs * 60:.0f} pages/min)")


if __name__ == "__main__":
    main()
