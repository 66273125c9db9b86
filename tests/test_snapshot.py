"""Snapshots: consistent while a writer runs, checksummed for `sha256sum -c`, with CHANGES."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from gkcrawl.archive.snapshot import take_snapshot
from gkcrawl.archive.store import mark_gone, open_archive, record_report
from samples import build_sample_archive, sample_result


def day(d: int):
    return lambda: datetime(2025, 1, d, 12, 0, tzinfo=timezone.utc)


def test_snapshots_checksums_and_changes(tmp_path: Path) -> None:
    db_path = tmp_path / "gkcrawl.db"
    build_sample_archive(db_path, count=5)
    first = take_snapshot(db_path, now=day(1))
    assert first.path == tmp_path / "snapshots" / "gkcrawl-2025-01-01.db" and first.previous is None
    assert len(first.added) == 10  # 5 plain + script, spam, traditional, changed (1 url), late

    db = open_archive(db_path)
    record_report(db, None, sample_result(99), url="http://new.gov.cn/r.html", fetched_at="2025-01-03T00:00:00Z",
                  sha256="9" * 64, site=None)
    record_report(db, None, sample_result(98), url=first.added[0], fetched_at="2025-01-03T00:00:00Z",
                  sha256="8" * 64, site=None)
    mark_gone(db, first.added[1], "2025-01-03T00:00:00Z")
    db.conn.close()
    second = take_snapshot(db_path, now=day(4))
    assert (second.added, second.changed, second.gone) == (["http://new.gov.cn/r.html"], [first.added[0]],
                                                           [first.added[1]])
    assert second.previous == first.path
    changes = (tmp_path / "snapshots" / "CHANGES").read_text(encoding="utf-8")
    assert "gkcrawl-2025-01-04.db compared with gkcrawl-2025-01-01.db" in changes
    assert f"gone\t{first.added[1]}" in changes and "added\thttp://new.gov.cn/r.html" in changes

    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "snapshots", capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == 2
    with (tmp_path / "snapshots" / "gkcrawl-2025-01-01.db").open("r+b") as stream:
        stream.seek(200)
        stream.write(b"tampered")
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "snapshots",
                          capture_output=True).returncode != 0
    snap = sqlite3.connect(second.path)
    assert snap.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list((tmp_path / "snapshots").glob("*.tmp"))


@pytest.mark.slow
def test_snapshot_while_another_process_writes_is_consistent(tmp_path: Path) -> None:
    db_path = tmp_path / "gkcrawl.db"
    open_archive(db_path).conn.close()
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from gkcrawl.archive.store import open_archive, record_report\n"
        "from samples import sample_result\n"
        "db = open_archive(sys.argv[1])\n"
        "for i in range(1_000_000):  # killed once the snapshot is taken\n"
        "    record_report(db, None, sample_result(i), url=f'http://x.gov.cn/{i}', fetched_at='2024-01-01T00:00:00Z',"
        " sha256=str(i), site=None)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(db_path)])
    try:
        time.sleep(2.0)
        assert writer.poll() is None, "the writer should still be writing during the snapshot"
        result = take_snapshot(db_path, now=day(5))
        still_writing = writer.poll() is None
    finally:
        writer.kill()
        writer.wait()
    assert still_writing
    snap = sqlite3.connect(result.path)
    assert snap.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reports = snap.execute("select count(*) from reports").fetchone()[0]
    assert reports > 0
    cells = snap.execute("select count(distinct report_id) from report_cells").fetchone()[0]
    fts = snap.execute("select count(*) from reports_chars_fts").fetchone()[0]
    assert cells == reports == fts
    assert snap.execute("select count(*) from reports r where (select count(*) from report_cells c "
                        "where c.report_id = r.id) < 150").fetchone()[0] == 0
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=result.path.parent).returncode == 0


def test_snapshot_command(tmp_path: Path) -> None:
    from gkcrawl.cli import main

    db_path = tmp_path / "gkcrawl.db"
    build_sample_archive(db_path, count=2)
    result = CliRunner().invoke(main, ["snapshot", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "snapshots").glob("gkcrawl-*.db"))
    assert CliRunner().invoke(main, ["snapshot", "--db", str(tmp_path / "none.db")]).exit_code != 0
