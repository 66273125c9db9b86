"""`gkcrawl demo` never crawls or advertises someone else's server, and stops its children."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def foreign_server() -> Iterator[tuple[int, list[str]]]:
    """Someone else's web server on a loopback port; yields (port, the paths it was asked for)."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            asked.append(self.path)
            body = b"<html><body>not the demo portal</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1]), asked
    finally:
        server.shutdown()
        server.server_close()


def demo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gkcrawl", "demo", *args], capture_output=True, text=True,
                          timeout=120)


def test_a_busy_portal_port_is_a_clear_error_and_the_other_server_is_left_alone(tmp_path: Path) -> None:
    with foreign_server() as (port, asked):
        done = demo("--no-serve", "--portal-port", str(port), "--port", str(free_port()),
                    "--db", str(tmp_path / "a.db"))
    assert done.returncode != 0
    assert f"port {port} is in use" in done.stderr, done.stderr
    assert asked == []  # neither waited on, crawled nor advertised
    assert not (tmp_path / "a.db").exists()


def test_a_busy_datasette_port_is_a_clear_error_before_anything_runs(tmp_path: Path) -> None:
    with foreign_server() as (port, asked):
        done = demo("--port", str(port), "--portal-port", str(free_port()), "--db", str(tmp_path / "a.db"))
    assert done.returncode != 0
    assert f"port {port} is in use" in done.stderr, done.stderr
    assert "serving the archive" not in done.stderr
    assert asked == []
    assert not (tmp_path / "a.db").exists()


def descendants(pid: int) -> set[int]:
    """Every living process whose parent chain includes `pid`."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier and child not in found}
        found |= children
        frontier = children
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def naming_ports(*ports: int) -> set[int]:
    """Processes whose command line names one of `ports` (the demo's children do)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(str(p).encode() in argv or f"127.0.0.1:{p}/".encode() in b" ".join(argv) for p in ports):
                found.add(int(entry))
    return alive(found)


def wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def _ignoring_sigint() -> None:
    """As a shell starts a script's background job: SIGINT ignored, so Python sets no handler of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
@pytest.mark.parametrize("sig, started_ignoring", [(signal.SIGTERM, False), (signal.SIGINT, False),
                                                    (signal.SIGINT, True)],
                         ids=["SIGTERM", "SIGINT", "SIGINT-started-in-background"])
def test_a_signal_while_serving_stops_every_child(tmp_path: Path, sig: signal.Signals,
                                                  started_ignoring: bool) -> None:
    portal_port, port = free_port(), free_port()
    process = subprocess.Popen([sys.executable, "-m", "gkcrawl", "demo", "--portal-port", str(portal_port),
                                "--port", str(port), "--db", str(tmp_path / "a.db")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=_ignoring_sigint if started_ignoring else None)
    try:
        assert wait_until(lambda: answers(f"http://127.0.0.1:{port}/"), 240), "the demo never served"
        children = descendants(process.pid)
        assert len(children) >= 3  # the portal, gkcrawl serve and its Datasette
        process.send_signal(sig)
        process.wait(timeout=60)
        assert wait_until(lambda: not alive(children), 30), alive(children)
        assert naming_ports(portal_port, port) == set()
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.slow
def test_sigterm_during_the_crawl_stops_the_portal_and_the_crawl(tmp_path: Path) -> None:
    portal_port, port = free_port(), free_port()
    db = tmp_path / "a.db"
    process = subprocess.Popen([sys.executable, "-m", "gkcrawl", "demo", "--portal-port", str(portal_port),
                                "--port", str(port), "--db", str(db)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: db.exists() and answers(f"http://127.0.0.1:{portal_port}/"), 120)
        children = descendants(process.pid)
        assert len(children) >= 2  # the portal and the crawl
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        assert wait_until(lambda: not alive(children), 30), alive(children)
        assert naming_ports(portal_port, port) == set()
        assert not answers(f"http://127.0.0.1:{portal_port}/")
    finally:
        if process.poll() is None:
            process.kill()
