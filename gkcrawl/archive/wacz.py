"""A dated WACZ of the archive's WARCs, beside the database snapshots, for replay.

WACZ (Web Archive Collection Zipped) is what ReplayWeb.page and pywb open directly: the
WARCs, a CDX index and a pages list in one zip. py-wacz builds it; the pages are the
archive's reports (URL, fetch time, title), not guessed from the WARCs. It is written in
the snapshots' partial folder and renamed in, then SHA256SUMS is rewritten (see snapshot.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .snapshot import latest_versions, publishing, sha256_of, write_sums

WARC_PATTERNS = ("*.warc.gz", "*.warc")


class WaczError(Exception):
    """The WACZ could not be built (no WARCs, or py-wacz refused them)."""


@dataclass
class WaczResult:
    path: Path
    sha256: str
    warcs: int
    pages: int


def warc_files(warc_dir: Path) -> list[Path]:
    return sorted({p for pattern in WARC_PATTERNS for p in Path(warc_dir).glob(pattern) if p.is_file()})


def _pages_jsonl(db_path: Path, target: Path) -> int:
    """pages.jsonl (json-pages-1.0) of the latest version of every report URL."""
    rows = latest_versions(db_path, "url, fetched_at, title")
    lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "gkcrawl reports"})]
    lines += [json.dumps({"url": url, "ts": fetched_at, "title": title or url}, ensure_ascii=False)
              for url, fetched_at, title in rows]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


def write_wacz(db_path: Path, *, warc_dir: Path | None = None, snapshots_dir: Path | None = None,
               now: Callable[[], datetime] | None = None) -> WaczResult:
    """Write snapshots/gkcrawl-YYYY-MM-DD.wacz of every WARC under `warc_dir` and list it in SHA256SUMS."""
    clock = now or (lambda: datetime.now(timezone.utc))
    db_path = Path(db_path)
    warcs = warc_files(warc_dir or db_path.parent / "warc")
    if not warcs:
        raise WaczError(f"no WARC files in {warc_dir or db_path.parent / 'warc'}")
    folder = snapshots_dir or db_path.parent / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"gkcrawl-{clock().strftime('%Y-%m-%d')}.wacz"
    with publishing(folder) as work:
        pages_file = work / "pages.jsonl"
        pages = _pages_jsonl(db_path, pages_file)
        temporary = work / target.name
        done = subprocess.run(
            [sys.executable, "-m", "wacz", "create", "-o", str(temporary), "-p", str(pages_file),
             "--title", f"gkcrawl archive {target.stem}", *map(str, warcs)],
            capture_output=True, text=True)
        if done.returncode != 0 or not temporary.is_file():
            raise WaczError(f"wacz create failed ({done.returncode}): {(done.stderr or done.stdout)[-1000:]}")
        digest = sha256_of(temporary)
        os.replace(temporary, target)
        pages_file.unlink()
        write_sums(folder, work, {target.name: digest})
    return WaczResult(path=target, sha256=digest, warcs=len(warcs), pages=pages)
