"""Dated, checksummed copies of the archive for download.

The copy is taken with SQLite's online backup API, so it is consistent even while a crawl
keeps writing (WAL). It is written to a temporary name and renamed into place, then
SHA256SUMS (accepted by `sha256sum -c`) and CHANGES (reports added, changed and gone since
the previous snapshot) are rewritten beside it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SNAPSHOT_GLOB = "gkcrawl-*.db"


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


def _backup(source: Path, target: Path) -> None:
    temporary = target.with_name(target.name + ".tmp")
    temporary.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(temporary)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst, pages=4096)
        # A download is one self-contained file: no WAL beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.commit()
    finally:
        dst.close()
        src.close()
    os.replace(temporary, target)


def _report_state(path: Path) -> dict[str, tuple[str, str | None]]:
    """url -> (sha256 of the latest version, gone_at) in one archive file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT url, sha256, gone_at FROM reports r "
            "WHERE version = (SELECT max(version) FROM reports v WHERE v.url = r.url)").fetchall()
    finally:
        conn.close()
    return {url: (sha, gone) for url, sha, gone in rows}


def _write_text(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def take_snapshot(db_path: Path, *, snapshots_dir: Path | None = None,
                  now: Callable[[], datetime] | None = None) -> SnapshotResult:
    """Write snapshots/gkcrawl-YYYY-MM-DD.db beside the database, SHA256SUMS and CHANGES."""
    clock = now or (lambda: datetime.now(timezone.utc))
    folder = snapshots_dir or Path(db_path).parent / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"gkcrawl-{clock().strftime('%Y-%m-%d')}.db"
    earlier = [p for p in sorted(folder.glob(SNAPSHOT_GLOB)) if p.name != target.name]
    previous = earlier[-1] if earlier else None
    _backup(Path(db_path), target)

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

    sums = []
    for snapshot in sorted(folder.glob(SNAPSHOT_GLOB)):
        digest = result.sha256 if snapshot == target else sha256_of(snapshot)
        sums.append(f"{digest}  {snapshot.name}\n")
    _write_text(folder / "SHA256SUMS", "".join(sums))
    lines = [f"# {target.name} compared with {previous.name if previous else '(no earlier snapshot)'}",
             f"# {len(current)} report URLs: {len(result.added)} added, {len(result.changed)} changed, "
             f"{len(result.gone)} gone", ""]
    lines += [f"added\t{url}" for url in result.added]
    lines += [f"changed\t{url}" for url in result.changed]
    lines += [f"gone\t{url}" for url in result.gone]
    _write_text(folder / "CHANGES", "\n".join(lines) + "\n")
    return result
