"""`gkcrawl serve` beside a crawl that keeps writing: every page answers, none with 500."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gkcrawl.publish.serve import start_background
from samples import build_sample_archive

pytestmark = pytest.mark.slow

TESTS = Path(__file__).parent
# Writes reports as fast as it can, each in its own transaction (the crawl's pattern), forever.
WRITER = (
    f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
    "from gkcrawl.archive.store import open_archive, record_report\n"
    "from samples import sample_result\n"
    "db = open_archive(sys.argv[1])\n"
    "for i in range(1_000_000):\n"
    "    record_report(db, None, sample_result(i), url=f'http://live.gov.cn/{i}.html',"
    " fetched_at='2024-03-01T00:00:00Z', sha256=f'{i:064d}', site=None)\n"
    "    if i % 50 == 0: db.execute('PRAGMA wal_checkpoint(PASSIVE)')\n")


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[tuple[Path, dict[str, int], subprocess.Popen]]:
    db_path = tmp_path / "gkcrawl.db"
    named = build_sample_archive(db_path, count=20)
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)])
    try:
        yield db_path, named, process
    finally:
        process.kill()
        process.wait()


def status_of(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_while_a_writer_commits_never_answers_500(writer: tuple[Path, dict[str, int], subprocess.Popen]) -> None:
    db_path, named, process = writer
    server = start_background(db_path)
    paths = ["/", "/gkcrawl", "/gkcrawl/reports", "/gkcrawl/reports?_sort_desc=id", "/gkcrawl/report_cells",
             "/gkcrawl/checks", "/gkcrawl/requests_wide", f"/gkcrawl/reports/{named['script']}",
             f"/gkcrawl/reports/{named['changed_v2']}",
             "/gkcrawl.json?sql=" + urllib.parse.quote("select count(*) from reports"),
             "/gkcrawl.json?sql=" + urllib.parse.quote("select max(report_id) from report_cells"),
             "/gkcrawl/reports.json?_search=" + urllib.parse.quote("复议")]
    statuses: dict[int, int] = {}
    failures: list[str] = []
    try:
        deadline = time.monotonic() + 25
        rounds = 0
        while time.monotonic() < deadline or rounds < 3:
            rounds += 1
            latest = status_of(server.url + "/gkcrawl.json?sql=" + urllib.parse.quote(
                "select max(id) from reports") + "&_shape=arrayfirst")
            newest = latest[1].decode("utf-8", "replace").strip("[]\n ") if latest[0] == 200 else "1"
            for path in paths + [f"/gkcrawl/reports/{newest}", f"/gkcrawl/report_cells?report_id={newest}"]:
                code, body = status_of(server.url + path)
                statuses[code] = statuses.get(code, 0) + 1
                if code != 200:
                    failures.append(f"{code} {path}: {body[:300]!r}")
        assert process.poll() is None, "the writer should have been writing all along"
    finally:
        server.stop()
    assert sum(statuses.values()) > 40
    assert failures == [], f"{len(failures)} of {sum(statuses.values())} failed: {failures[:5]}"
