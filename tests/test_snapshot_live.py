"""Snapshots during a crawl: bounded (finishes while a writer keeps committing) and atomic
(a snapshot killed mid-copy leaves nothing downloadable, and the next one works)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gkcrawl.archive.snapshot import take_snapshot
from samples import build_sample_archive

pytestmark = pytest.mark.slow

TESTS = Path(__file__).parent
WRITER = (
    f"import sys, time; sys.path.insert(0, {str(TESTS)!r})\n"
    "from gkcrawl.archive.store import open_archive, record_report\n"
    "from samples import sample_result\n"
    "db = open_archive(sys.argv[1])\n"
    "for i in range(1_000_000):  # a crawl's pace: a commit every sys.argv[2] seconds\n"
    "    record_report(db, None, sample_result(i), url=f'http://w.gov.cn/{i}', fetched_at='2024-01-01T00:00:00Z',"
    " sha256=f'{i:064d}', site=None)\n"
    "    time.sleep(float(sys.argv[2]))\n")


def padded_archive(db_path: Path, mib: int) -> None:
    """A sample archive grown to about `mib` MiB (a big archive copies for seconds, not milliseconds)."""
    build_sample_archive(db_path, count=10)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("CREATE TABLE padding (blob BLOB)")
        conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                     "INSERT INTO padding SELECT randomblob(1048576) FROM n", [mib])
    conn.close()


def reports_in(db_path: Path) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM reports").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def writing(tmp_path: Path) -> Iterator[Path]:
    db_path = tmp_path / "gkcrawl.db"
    padded_archive(db_path, 400)
    initial = reports_in(db_path)
    # Every 50 ms (a crawl commits each capture): on this machine the old stepwise backup of
    # 400 MiB still slipped through at 200 ms now and then, and never did at 50 ms.
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), "0.05"])
    try:
        while reports_in(db_path) < initial + 2:  # the writer is committing
            assert writer.poll() is None
            time.sleep(0.1)
        yield db_path
        assert writer.poll() is None, "the writer should have been committing all along"
    finally:
        writer.kill()
        writer.wait()


@pytest.mark.timeout(240, method="thread")  # the copy runs in C: a signal would wait for it
def test_snapshot_finishes_while_a_writer_keeps_committing(writing: Path) -> None:
    result = take_snapshot(writing)
    snap = sqlite3.connect(result.path)
    assert snap.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert snap.execute("SELECT count(*) FROM padding").fetchone()[0] == 400
    snap.close()
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=result.path.parent,
                          capture_output=True).returncode == 0


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()


@pytest.mark.timeout(240, method="thread")  # the copy runs in C: a signal would wait for it
def test_a_killed_snapshot_leaves_nothing_downloadable_and_the_next_one_works(tmp_path: Path) -> None:
    db_path = tmp_path / "gkcrawl.db"
    padded_archive(db_path, 400)
    before = files_under(tmp_path)
    snapshot = subprocess.Popen([sys.executable, "-m", "gkcrawl", "snapshot", "--db", str(db_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not files_under(tmp_path) - before - {"snapshots"}:  # the copy has begun
            assert snapshot.poll() is None, "the snapshot ended before it could be interrupted"
            time.sleep(0.01)
        time.sleep(0.2)
        assert snapshot.poll() is None, "the snapshot ended before it could be interrupted"
        snapshot.send_signal(signal.SIGKILL)
    finally:
        snapshot.wait()
    published = tmp_path / "snapshots"  # what `gkcrawl serve` offers at /snapshots/
    assert files_under(published) == set(), files_under(published)

    result = take_snapshot(db_path)
    assert files_under(published) == {result.path.name, "SHA256SUMS", "CHANGES"}
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=published, capture_output=True).returncode == 0
    left = {name for name in files_under(tmp_path) - before if not name.startswith(("snapshots/", "gkcrawl.db-"))}
    assert left <= {".snapshots.partial/.lock"}, left  # the killed run's partial copy is gone
