"""A new archive file appears complete or not at all, across real processes.

A reader (a test polling a crawl's database, `gkcrawl serve`) that sees the file must find
its tables: before creation was atomic, the file existed without `reports` for 11-25 ms.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gkcrawl.archive.store import open_archive

pytestmark = pytest.mark.slow  # real processes; the reader spins a core

ROUNDS = 40

# Spins until each numbered archive exists, then reports at once whether `reports` is there.
READER = """
import sqlite3, sys
from pathlib import Path
base = Path(sys.argv[1])
print("ready", flush=True)
for i in range(int(sys.argv[2])):
    path = base / f"{i}.db"
    while not path.exists():
        pass
    conn = sqlite3.connect(path)
    try:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as error:
        names = {f"error: {error}"}
    conn.close()
    print(i, "reports" in names, len(names), flush=True)
"""

# Waits for a go file, then creates (or opens) the same archive as its twin and writes one row.
RACER = """
import sys, time
from pathlib import Path
from gkcrawl.archive.store import open_archive
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
db = open_archive(sys.argv[1])
with db.conn:
    db.execute("INSERT INTO archive_info (name, value) VALUES (?, 'x')", [sys.argv[3]])
print(sorted(db.table_names()) == sorted(open_archive(sys.argv[1]).table_names()), flush=True)
"""


def test_a_polling_reader_never_sees_an_archive_without_its_tables(tmp_path: Path) -> None:
    reader = subprocess.Popen([sys.executable, "-c", READER, str(tmp_path), str(ROUNDS)],
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None
    try:
        assert reader.stdout.readline().strip() == "ready"
        seen = []
        for i in range(ROUNDS):
            open_archive(tmp_path / f"{i}.db").conn.close()
            seen.append(reader.stdout.readline().split())  # lockstep: the reader is spinning on i + 1
    finally:
        reader.kill()
        reader.wait()
    incomplete = [line for line in seen if line[1] != "True"]
    assert len(seen) == ROUNDS
    assert incomplete == []
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("_attempt", range(3))
def test_two_processes_creating_one_archive_share_the_winners_file(tmp_path: Path, _attempt: int) -> None:
    path, go = tmp_path / "g.db", tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(path), str(go), f"writer-{n}"],
                               stdout=subprocess.PIPE, text=True) for n in range(2)]
    go.touch()
    outputs = [racer.communicate(timeout=60)[0].strip() for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0]
    assert outputs == ["True", "True"]
    names = {row[0] for row in open_archive(path).execute("SELECT name FROM archive_info")}
    assert {"writer-0", "writer-1"} <= names  # neither file replaced the other
    assert not list(tmp_path.glob(".*.tmp"))
