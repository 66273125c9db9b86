"""The pictures a report page's tables were published as: awaited, landed, handed to the worker.

A report page whose parts 二/三/四 are `<img>` is a report only with its pictures, so its
derivation waits for them: the candidate is held (`awaiting_pictures`) until each picture has
a capture or a recorded failure, then derived once with all it could have. A crawl that ends
(or a resumed or reparsed archive) releases what is still held, each missing picture with its
reason. Pictures are found by their resolved URL among captures (newest 2xx), so a picture
fetched earlier, or for another page, serves too; the worker gets their WARC locations, never
the bytes. Rows live in `report_pictures` and stay as the report's provenance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urljoin

import sqlite_utils
from w3lib.url import canonicalize_url

from gkcrawl.archive.store import transaction

AWAITING = "awaiting_pictures"
AWAITED, FETCHED, MISSING = "awaited", "fetched", "missing"
CRAWL_ENDED = "not fetched before the crawl ended"
PICTURES_MISSING_FLAG = "pictures_missing"


@dataclass(frozen=True)
class PictureLocation:
    """Where one picture's bytes are archived, as the worker job carries it."""

    src: str
    url: str
    capture_id: int
    warc_path: str
    warc_offset: int
    sha256: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def await_pictures(db: sqlite_utils.Database, derivation_id: int, page_url: str,
                   pictures: list[tuple[str, str]], *, now: str) -> bool:
    """Record the page's pictures ((src, resolved url), in page order) and hold its pending
    derivation until they land; False when there is nothing to wait for (no pictures, the
    version was seen before, or each picture is already archived)."""
    with transaction(db) as conn:
        status = conn.execute("SELECT status FROM derivations WHERE id = ?", [derivation_id]).fetchone()
        if not pictures or status is None or status[0] != "pending":
            return False
        for src, url in pictures:
            conn.execute("INSERT OR IGNORE INTO report_pictures (derivation_id, page_url, src, url, status, "
                         "recorded_at) VALUES (?, ?, ?, ?, ?, ?)", [derivation_id, page_url, src, url, AWAITED, now])
        conn.execute("UPDATE derivations SET status = ? WHERE id = ?", [AWAITING, derivation_id])
    return True


def picture_landed(db: sqlite_utils.Database, url: str, *, capture_id: int | None, error: str | None,
                   now: str) -> list[int]:
    """A picture's fetch ended (a capture, or why not): the derivations no longer waiting."""
    with transaction(db) as conn:
        waiting = [int(r[0]) for r in conn.execute(
            "SELECT DISTINCT derivation_id FROM report_pictures WHERE url = ? AND status = ?", [url, AWAITED])]
        conn.execute("UPDATE report_pictures SET status = ?, capture_id = ?, error = ?, recorded_at = ? "
                     "WHERE url = ? AND status = ?",
                     [MISSING if error else FETCHED, capture_id, error, now, url, AWAITED])
        return _release(conn, waiting)


def release_waiting(db: sqlite_utils.Database, *, reason: str, now: str) -> list[int]:
    """Every held derivation made pending, its pictures still awaited recorded missing (`reason`)."""
    with transaction(db) as conn:
        held = [int(r[0]) for r in conn.execute("SELECT id FROM derivations WHERE status = ? ORDER BY id", [AWAITING])]
        conn.execute("UPDATE report_pictures SET status = ?, error = ?, recorded_at = ? WHERE status = ?",
                     [MISSING, reason, now, AWAITED])
        return _release(conn, held)


def _release(conn: Any, derivation_ids: list[int]) -> list[int]:
    released = []
    for derivation_id in derivation_ids:
        left = conn.execute("SELECT 1 FROM report_pictures WHERE derivation_id = ? AND status = ? LIMIT 1",
                            [derivation_id, AWAITED]).fetchone()
        if left is None:
            cursor = conn.execute("UPDATE derivations SET status = 'pending' WHERE id = ? AND status = ?",
                                  [derivation_id, AWAITING])
            if cursor.rowcount:
                released.append(derivation_id)
    return released


def newest_picture(db: sqlite_utils.Database, url: str) -> tuple[int, str, int, str | None] | None:
    """(capture id, warc file, offset, sha256) of the newest 2xx capture of `url` whose payload
    is archived (a revisit's payload is the earlier record's with the same hash)."""
    for capture_id, sha256 in db.execute(
            "SELECT id, sha256 FROM captures WHERE (url = ? OR final_url = ?) AND status BETWEEN 200 AND 299 "
            "ORDER BY fetched_at DESC, id DESC", [url, url]).fetchall():
        row = db.execute("SELECT warc_file, warc_offset FROM captures WHERE (id = ? OR sha256 = ?) AND revisit = 0 "
                         "AND warc_file IS NOT NULL AND warc_offset IS NOT NULL AND status BETWEEN 200 AND 299 "
                         "ORDER BY id = ? DESC, id DESC LIMIT 1", [capture_id, sha256, capture_id]).fetchone()
        if row is not None:
            return int(capture_id), str(row[0]), int(row[1]), sha256
    return None


def picture_rows(db: sqlite_utils.Database, derivation_id: int) -> list[tuple[str, str, str, str | None]]:
    """(src, url, status, error) of the page's pictures, in page order."""
    return [(str(r[0]), str(r[1]), str(r[2]), r[3]) for r in db.execute(
        "SELECT src, url, status, error FROM report_pictures WHERE derivation_id = ? ORDER BY id", [derivation_id])]


def record_read(conn: Any, derivation_id: int, report_id: int | None, used: list[PictureLocation]) -> None:
    """The report's provenance: which capture (and WARC record) each picture was read from."""
    by_src = {picture.src: picture for picture in used}
    for src, in conn.execute("SELECT src FROM report_pictures WHERE derivation_id = ?", [derivation_id]).fetchall():
        picture = by_src.get(src)
        if picture is None:
            conn.execute("UPDATE report_pictures SET report_id = ? WHERE derivation_id = ? AND src = ?",
                         [report_id, derivation_id, src])
            continue
        conn.execute("UPDATE report_pictures SET report_id = ?, capture_id = ?, sha256 = ?, status = ?, error = NULL, "
                     "warc_record_id = (SELECT warc_record_id FROM captures WHERE id = ?) "
                     "WHERE derivation_id = ? AND src = ?",
                     [report_id, picture.capture_id, picture.sha256, FETCHED, picture.capture_id, derivation_id, src])


def describe_missing(rows: list[tuple[str, str, str, str | None]], used: list[PictureLocation]) -> str | None:
    """'pictures missing: URL (http 404), …' for the pictures the worker could not be given."""
    have = {picture.src for picture in used}
    missing = [f"{url} ({error or 'no archived 2xx capture'})" for src, url, _, error in rows if src not in have]
    return f"pictures missing: {', '.join(missing)}" if missing else None


def adopt_pictures(db: sqlite_utils.Database, derivation_id: int, page_url: str, html: str, *, now: str) -> int:
    """A page archived before its pictures were recorded (an older gkcrawl, or `--requisites`):
    its pictures, by the parser's reading of the page, resolved against the page's URL and
    recorded as found among the captures or missing. Returns how many were recorded."""
    from gkcrawl.parse.page_forms import picture_sources

    with transaction(db) as conn:
        count = 0
        for src in picture_sources(html):
            url = canonicalize_url(urljoin(page_url, src.strip()), keep_fragments=False)
            found = newest_picture(db, url)
            conn.execute("INSERT OR IGNORE INTO report_pictures (derivation_id, page_url, src, url, capture_id, "
                         "status, error, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [derivation_id, page_url, src, url, found[0] if found else None,
                          FETCHED if found else MISSING, None if found else "not archived", now])
            count += 1
    return count
