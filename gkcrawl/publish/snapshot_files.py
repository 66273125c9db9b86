"""What `/snapshots/` offers: the snapshot folder's files, each with the content type a
browser or `curl -OJ` needs and the checksum `gkcrawl snapshot` wrote for it.

Datasette's static mount answers a folder with 403 and guesses `text/plain` for `.db`; a
user downloading a snapshot should get an SQLite file (`application/vnd.sqlite3`, saved
under its own name) and an index page to choose from. Only plain files directly inside the
folder are offered (no subfolders, no dot files, no `..`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# suffix -> (content type, offered as an attachment)
CONTENT_TYPES: dict[str, tuple[str, bool]] = {
    ".db": ("application/vnd.sqlite3", True),
    ".wacz": ("application/zip", True),  # a ZIP package; WACZ has no registered media type
    ".zip": ("application/zip", True),
    ".gz": ("application/gzip", True),
}
TEXT_FILES = ("SHA256SUMS", "CHANGES")
TEXT_TYPE = "text/plain; charset=utf-8"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class SnapshotFile:
    name: str
    size: int
    modified: str  # UTC, ISO 8601
    sha256: str | None
    content_type: str
    attachment: bool


def content_type_of(name: str) -> tuple[str, bool]:
    """(content type, attachment?) for a file of the snapshot folder."""
    if name in TEXT_FILES or name.endswith((".txt", ".tsv", ".csv")):
        return TEXT_TYPE, False
    for suffix, found in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return found
    return "application/octet-stream", True


def snapshot_path(folder: Path, name: str) -> Path | None:
    """The file `name` directly inside `folder`, or None for anything else (traversal, dirs, links out)."""
    if not _SAFE_NAME.fullmatch(name or ""):
        return None
    root = Path(folder).resolve()
    path = (root / name).resolve()
    if path.parent != root or not path.is_file():
        return None
    return path


def checksums(folder: Path) -> dict[str, str]:
    """name -> SHA-256 from the folder's SHA256SUMS (written by `gkcrawl snapshot`)."""
    sums = Path(folder) / "SHA256SUMS"
    found: dict[str, str] = {}
    if sums.is_file():
        for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and re.fullmatch(r"[0-9a-f]{64}", parts[0]):
                found[parts[1].lstrip("*")] = parts[0]
    return found


def list_snapshot_files(folder: Path) -> list[SnapshotFile]:
    """Every offered file, newest snapshot first, the text files last."""
    root = Path(folder)
    if not root.is_dir():
        return []
    sums = checksums(root)
    files = []
    for path in root.iterdir():
        if snapshot_path(root, path.name) is None:
            continue
        stat = path.stat()
        content_type, attachment = content_type_of(path.name)
        files.append(SnapshotFile(
            name=path.name, size=stat.st_size,
            modified=datetime.fromtimestamp(stat.st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            sha256=sums.get(path.name), content_type=content_type, attachment=attachment))
    return sorted(files, key=lambda f: (f.name in TEXT_FILES, f.content_type == TEXT_TYPE, _reversed(f.name)))


def _reversed(name: str) -> list[int]:
    """Sort key putting later names (gkcrawl-2026-12-01 after gkcrawl-2025-...) first."""
    return [-ord(ch) for ch in name]
