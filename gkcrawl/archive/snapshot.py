"""Dated, checksummed copies of the archive for download.

The copy is taken with SQLite's online backup API in one step (one read transaction), so it
is consistent and finishes in one pass however often a crawl commits (WAL): a backup in
small steps restarts at every commit of another process and, beside a crawl, never ends.
Everything is written in a sibling folder (`.snapshots.partial/`, never published: `gkcrawl
serve` offers the snapshots folder itself) and renamed into place, then CHANGES, and
SHA256SUMS (accepted by `sha256sum -c`) last: a snapshot killed mid-copy leaves only a
partial file that the next snapshot removes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SNAPSHOT_GLOB = "gkcrawl-*.db"
# Files listed in SHA256SUMS: the database snapshots and the WACZ beside them (gkcrawl/archive/wacz.py).
PUBLISHED_GLOBS = (SNAPSHOT_GLOB, "gkcrawl-*.wacz")


@dataclass
class SnapshotResult:
    path: Path
    sha256: str
    previous: Path | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def partial_dir(folder: Path) -> Path:
    """Where files for `folder` are written before they are renamed in: beside it, same filesystem."""
    return folder.parent / f".{folder.name}.partial"


@contextmanager
def publishing(folder: Path) -> Iterator[Path]:
    """The partial folder, held by this process alone (one snapshot at a time), emptied of
    whatever a killed run left."""
    work = partial_dir(folder)
    work.mkdir(parents=True, exist_ok=True)
    with (work / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in work.iterdir():
            if stale.name != ".lock":
                stale.unlink()
        yield work


def _backup(source: Path, target: Path, work: Path) -> None:
    temporary = work / target.name
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(temporary)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst, pages=-1)  # all pages in one step: see the module docstring
        # A download is one self-contained file: no WAL beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.commit()
    finally:
        dst.close()
        src.close()
    os.replace(temporary, target)


def latest_versions(path: Path, columns: str) -> list[tuple]:
    """`columns` of the newest version of every report URL in one archive file, read-only, by URL."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            f"SELECT {columns} FROM reports r "
            "WHERE version = (SELECT max(version) FROM reports v WHERE v.url = r.url) ORDER BY url").fetchall()
    finally:
        conn.close()


def _report_state(path: Path) -> dict[str, tuple[str, str | None]]:
    """url -> (sha256 of the latest version, gone_at) in one archive file."""
    return {url: (sha, gone) for url, sha, gone in latest_versions(path, "url, sha256, gone_at")}


def _write_text(path: Path, text: str, work: Path) -> None:
    temporary = work / path.name
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_sums(folder: Path, work: Path, known: dict[str, str] | None = None) -> None:
    """SHA256SUMS of every published file, written last and atomically. `known`: name -> digest
    already computed."""
    known = known or {}
    names = sorted({p.name for pattern in PUBLISHED_GLOBS for p in folder.glob(pattern)})
    sums = [f"{known.get(name) or sha256_of(folder / name)}  {name}\n" for name in names]
    _write_text(folder / "SHA256SUMS", "".join(sums), work)


def take_snapshot(db_path: Path, *, snapshots_dir: Path | None = None,
                  now: Callable[[], datetime] | None = None) -> SnapshotResult:
    """Write snapshots/gkcrawl-YYYY-MM-DD.db beside the database, SHA256SUMS and CHANGES."""
    clock = now or (lambda: datetime.now(timezone.utc))
    folder = snapshots_dir or Path(db_path).parent / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"gkcrawl-{clock().strftime('%Y-%m-%d')}.db"
    earlier = [p for p in sorted(folder.glob(SNAPSHOT_GLOB)) if p.name != target.name]
    previous = earlier[-1] if earlier else None
    with publishing(folder) as work:
        _backup(Path(db_path), target, work)
        return _publish(target, previous, folder, work)


def _publish(target: Path, previous: Path | None, folder: Path, work: Path) -> SnapshotResult:

    current = _report_state(target)
    before = _report_state(previous) if previous else {}
    result = SnapshotResult(path=target, sha256=sha256_of(target), previous=previous)
    for url, (sha, gone) in sorted(current.items()):
        if url not in before:
            result.added.append(url)
        elif before[url][0] != sha:
            result.changed.append(url)
        if gone and (url not in before or not before[url][1]):
            result.gone.append(url)

    lines = [f"# {target.name} compared with {previous.name if previous else '(no earlier snapshot)'}",
             f"# {len(current)} report URLs: {len(result.added)} added, {len(result.changed)} changed, "
             f"{len(result.gone)} gone", ""]
    lines += [f"added\t{url}" for url in result.added]
    lines += [f"changed\t{url}" for url in result.changed]
    lines += [f"gone\t{url}" for url in result.gone]
    _write_text(folder / "CHANGES", "\n".join(lines) + "\n", work)
    write_sums(folder, work, {target.name: result.sha256})
    return result
