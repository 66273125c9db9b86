"""What the end-to-end crawl tests share: running `gkcrawl crawl` and reading its archive."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

# No warm-up delay and a quiet progress line: the portals are local and fast.
FAST = ["-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "GKCRAWL_PROGRESS_INTERVAL=30"]


def crawl(urls: list[str], db: Path, *extra: str, timeout: float = 150) -> subprocess.CompletedProcess:
    """Run `gkcrawl crawl` as its own process (a Twisted reactor cannot restart in-process)."""
    argv = [sys.executable, "-m", "gkcrawl", "crawl", *urls, "--db", str(db), *FAST, *extra]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def absolute(portal_url: str, urls: object) -> set[str]:
    """A manifest's paths as the absolute URLs the archive stores."""
    return {u if u.startswith("http") else urljoin(portal_url, u) for u in urls}  # type: ignore[union-attr]


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()
