"""`gkcrawl crawl` for cron: a failed crawl exits non-zero with one line per failure, no traceback."""

from __future__ import annotations

import http.server
import json
import re
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawl_helpers import FAST
from gkcrawl.crawl.outcome import EXIT_CANNOT_START, EXIT_DB_ERROR, EXIT_NO_PAGES

QUICK = ["--no-js", "--timeout", "5", "-s", "RETRY_TIMES=0", *FAST]


def run_crawl(*args: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "gkcrawl", "crawl", *args, *QUICK]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SUMMARY_LINE = re.compile(r"gkcrawl crawl: \w+: \d+ pages, ")


def problem_lines(stderr: str) -> list[str]:
    """The crawl's own failure lines and any error logged (progress and the summary line aside)."""
    return [line for line in stderr.splitlines()
            if (line.startswith("gkcrawl crawl: ") and not SUMMARY_LINE.match(line)) or " ERROR: " in line]


@contextmanager
def serve(pages: dict[str, tuple[int, bytes]]) -> Iterator[str]:
    """A loopback server answering each path with (status, body); others 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            status, body = pages.get(self.path, (404, b"not here"))
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt") else "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def site_status(done: subprocess.CompletedProcess) -> dict[str, str]:
    summary = json.loads(done.stdout)
    return {host: row["status"] for host, row in summary["sites"].items()}


def test_unreachable_host_exits_non_zero_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    port = dead_port()
    done = run_crawl(f"http://127.0.0.1:{port}/", "--db", str(tmp_path / "a.db"), "--summary-json")
    assert done.returncode == EXIT_NO_PAGES, done.stderr
    assert "Traceback" not in done.stderr
    lines = problem_lines(done.stderr)
    assert lines == [f"gkcrawl crawl: cannot reach 127.0.0.1:{port}: connection refused"], done.stderr
    assert site_status(done) == {f"127.0.0.1:{port}": "unreachable"}


def test_dns_failure_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    done = run_crawl("http://gkcrawl-dead.invalid/", "--db", str(tmp_path / "a.db"), "--summary-json")
    assert done.returncode == EXIT_NO_PAGES, done.stderr
    assert "Traceback" not in done.stderr
    assert problem_lines(done.stderr) == ["gkcrawl crawl: cannot reach gkcrawl-dead.invalid: dns lookup failed"]
    assert site_status(done) == {"gkcrawl-dead.invalid": "unreachable"}


def test_robots_txt_forbidding_everything_is_reported_as_such(tmp_path: Path) -> None:
    pages = {"/robots.txt": (200, b"User-agent: *\nDisallow: /\n"), "/": (200, b"<html><body>home</body></html>")}
    with serve(pages) as url:
        host = url.split("/")[2]
        done = run_crawl(url, "--db", str(tmp_path / "a.db"), "--summary-json")
    assert done.returncode == EXIT_NO_PAGES, done.stderr
    assert problem_lines(done.stderr) == [f"gkcrawl crawl: robots.txt of {host} disallows every page"]
    assert site_status(done) == {host: "robots_forbidden"}


def test_a_site_that_answers_only_errors_yields_no_page(tmp_path: Path) -> None:
    with serve({"/": (503, b"down for maintenance")}) as url:
        host = url.split("/")[2]
        done = run_crawl(url, "--db", str(tmp_path / "a.db"), "--summary-json")
    assert done.returncode == EXIT_NO_PAGES, done.stderr
    assert problem_lines(done.stderr) == [f"gkcrawl crawl: {host} yielded no page (http 503)"]
    assert site_status(done) == {host: "no_pages"}


def test_unwritable_database_is_a_crawl_that_cannot_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a directory should be", encoding="utf-8")
    with serve({"/": (200, b"<html><body>home</body></html>")}) as url:
        done = run_crawl(url, "--db", str(blocker / "a.db"), "--summary-json")
    assert done.returncode == EXIT_CANNOT_START, done.stderr
    assert "Traceback" not in done.stderr
    lines = problem_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"gkcrawl crawl: cannot write the archive {blocker / 'a.db'}: ")


def test_a_database_that_fails_during_the_crawl_exits_db_error(tmp_path: Path) -> None:
    from portals import start_portal

    db = tmp_path / "a.db"
    # Writable at start (the check passes), then every capture write fails: a trigger that
    # raises stands in for a disk that fills up mid-crawl.
    with start_portal("demo") as portal:
        first = run_crawl(portal.url, "--db", str(db), "--max-pages", "3")
        assert first.returncode == 0, first.stderr
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TRIGGER fail_captures BEFORE INSERT ON captures "
                         "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END")
        done = run_crawl(portal.url, "--db", str(db), "--max-pages", "3", "--summary-json")
    assert done.returncode == EXIT_DB_ERROR, done.stderr
    assert "Traceback" not in done.stderr  # one line per failed write, naming the database's error
    assert "disk full (test)" in done.stderr
    assert any(line.startswith("gkcrawl crawl: the archive could not store") for line in problem_lines(done.stderr))
    assert set(site_status(done).values()) == {"db_error"}


def test_a_good_crawl_still_exits_zero_with_status_ok(tmp_path: Path) -> None:
    from portals import start_portal

    with start_portal("demo") as portal:
        done = run_crawl(portal.url, "--db", str(tmp_path / "a.db"), "--max-pages", "5", "--summary-json")
        host = portal.url.split("/")[2]
    assert done.returncode == 0, done.stderr
    assert site_status(done) == {host: "ok"}
    assert problem_lines(done.stderr) == [], done.stderr


def test_exit_codes_are_documented_in_the_help_and_readme() -> None:
    from click.testing import CliRunner

    from gkcrawl.crawl.command import crawl_command

    help_text = CliRunner().invoke(crawl_command, ["--help"]).output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code in (EXIT_CANNOT_START, EXIT_NO_PAGES, EXIT_DB_ERROR):
        assert f"{code}  " in help_text or f"{code}: " in help_text, help_text
        assert f"| {code} |" in readme
