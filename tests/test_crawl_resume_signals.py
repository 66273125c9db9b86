"""Interrupted the way users interrupt (Ctrl-C, SIGTERM), a `--job-dir` crawl resumes to the
exact report set, each report stored once: through `gkcrawl crawl` and `scrapy crawl -s JOBDIR`.

Real subprocesses, real signals, the `large` portal at 12 of its 120 bodies (~600 pages).
Each interruption waits for a few more reports than the archive held when the run started,
so the crawl is stopped at several different points of its walk.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawl_helpers import FAST, absolute, rows

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
UNITS = 24
STOPS = (80, 120, 120)  # reports gained before each interruption


def report_count(db: Path) -> int:
    try:
        return rows(db, "select count(*) from reports")[0][0]
    except sqlite3.OperationalError:  # the archive is still being created
        return 0


def interrupt_after(argv: list[str], db: Path, more: int, sig: signal.Signals, cwd: Path | None = None) -> int:
    """Start `argv`, send `sig` once the archive holds `more` reports more, wait for the exit."""
    before = report_count(db)
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            if report_count(db) >= before + more:
                break
        process.send_signal(sig)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in err, err[-3000:]
    return report_count(db)


def assert_exact_once(db: Path, portal_url: str, reports: set[str], distractors: set[str]) -> None:
    found = {row[0] for row in rows(db, "select url from reports")}
    expected = absolute(portal_url, reports)
    assert found == expected, f"missing {len(expected - found)}: {sorted(expected - found)[:5]}; extra {sorted(found - expected)[:5]}"
    assert not found & absolute(portal_url, distractors)
    assert rows(db, "select url, count(*) from reports group by url having count(*) > 1") == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_gkcrawl_interrupted_by_signals_resumes_every_report_once(tmp_path: Path, sig: signal.Signals) -> None:
    from portals.style_large import LargePortal

    large = LargePortal(units=UNITS)
    db, job = tmp_path / "a.db", tmp_path / "job"
    with large.start() as portal:
        argv = [sys.executable, "-m", "gkcrawl", "crawl", portal.url, "--db", str(db), "--no-js",
                "--job-dir", str(job), *FAST]
        counts = [interrupt_after(argv, db, more, sig) for more in STOPS]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        assert_exact_once(db, portal.url, large.reports, large.distractors)
    assert 0 < counts[0] < counts[-1] < len(large.reports), counts


def test_scrapy_crawl_jobdir_interrupted_resumes_every_report_once(tmp_path: Path) -> None:
    from portals.style_large import LargePortal

    large = LargePortal(units=UNITS)
    db, job = tmp_path / "a.db", tmp_path / "job"
    with large.start() as portal:
        argv = [sys.executable, "-m", "scrapy", "crawl", "disclosure", "-a", f"start_urls={portal.url}",
                "-s", f"JOBDIR={job}", "-s", f"GKCRAWL_DB_PATH={db}", "-s", f"GKCRAWL_WARC_DIR={tmp_path / 'warc'}",
                "-s", f"HTTPCACHE_DIR={tmp_path / 'httpcache'}", "-s", "LOG_LEVEL=WARNING", *FAST]
        counts = [interrupt_after(argv, db, more, signal.SIGINT, cwd=ROOT) for more in STOPS[:2]]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert done.returncode == 0, done.stderr[-3000:]
        assert_exact_once(db, portal.url, large.reports, large.distractors)
    assert 0 < counts[0] < counts[-1] < len(large.reports), counts
