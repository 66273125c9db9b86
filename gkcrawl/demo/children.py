"""The demo's child processes: started in their own process groups, stopped with the demo.

A SIGTERM (systemd, `kill`, a test harness) would otherwise end only the demo and leave its
portal and Datasette running; here SIGTERM, like Ctrl-C, unwinds to `Children.__exit__`,
which asks every child to stop, then kills its whole process group (a crawl's browser and
parse workers, the server's Datasette) if it does not. A server counts as started only when
it says so itself (the portal prints its URL once bound), never because something answers
on its port.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from types import FrameType, TracebackType
from typing import Any

# SIGINT is among them because a program started in the background of a script inherits SIGINT
# ignored (POSIX shells do that), and Python then installs no KeyboardInterrupt: `kill -INT` would
# do nothing. The demo owns servers; a deliberate SIGINT must stop them as Ctrl-C does.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
GRACE_SECONDS = 20.0


class ChildFailed(Exception):
    """A child could not start or exited early: the message says which and how."""


class Stopped(KeyboardInterrupt):
    """The demo was asked to stop by a signal (handled like Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def port_in_use(host: str, port: int) -> bool:
    """Whether another program listens on host:port (a bind test, as the servers bind)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


class Children:
    """Context manager owning the demo's child processes."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Children:
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, _raise_stopped)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for signum in STOP_SIGNALS:  # a second signal must not cut the cleanup short
            self._previous.setdefault(signum, signal.getsignal(signum))
            signal.signal(signum, signal.SIG_IGN)
        try:
            for process in reversed(self.processes):
                _stop(process)
        finally:
            for number, handler in self._previous.items():
                signal.signal(number, handler)

    def start(self, argv: list[str], **popen: object) -> subprocess.Popen:
        """Start `argv` in its own process group (stopping it reaches its own children)."""
        process = subprocess.Popen(argv, start_new_session=True, **popen)  # type: ignore[call-overload]
        self.processes.append(process)
        return process

    def start_server(self, name: str, argv: list[str], *, seconds: float) -> str:
        """Start a server that prints its URL on stdout once it is bound; returns the URL."""
        process = self.start(argv, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=seconds):
                raise ChildFailed(f"{name} did not start within {seconds:.0f}s")
        url = process.stdout.readline().strip()
        if not url:
            raise ChildFailed(f"{name} could not start (exit status {process.wait()}; see above)")
        return url

    @staticmethod
    def wait_until_answering(url: str, process: subprocess.Popen, name: str, *, seconds: float) -> None:
        """Wait for `url` to answer while `process` (the server behind it) keeps running."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ChildFailed(f"{name} exited with status {process.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    if process.poll() is None:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise ChildFailed(f"{name} did not answer at {url} within {seconds:.0f}s")

    @staticmethod
    def wait(process: subprocess.Popen) -> int:
        return process.wait()


def _stop(process: subprocess.Popen) -> None:
    """A running child: SIGTERM, then SIGKILL to whatever is left of its process group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        # Its group id is its pid (start_new_session); only a group we just stopped is killed,
        # never the id of a stage that ended long ago.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()
