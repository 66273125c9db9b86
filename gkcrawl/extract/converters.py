"""Running an external converter (antiword, soffice) with a time limit that really ends it.

`subprocess.run(timeout=...)` kills only the process it started: soffice's wrapper dies
and the `soffice.bin` it forked keeps running after the crawl. Each converter therefore
starts in its own session (its own process group) and the whole group is killed on timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass


class ConverterTimeout(Exception):
    """The converter ran past its time limit; it and its children were killed."""

    def __init__(self, name: str, seconds: float) -> None:
        super().__init__(f"{name} timed out after {seconds:g} s")
        self.name = name
        self.seconds = seconds


@dataclass(frozen=True)
class ConverterRun:
    returncode: int
    stdout: bytes
    stderr: bytes


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by `pid` (a converter started with start_new_session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_converter(argv: list[str], timeout: float, name: str) -> ConverterRun:
    """Run `argv` in its own process group; on timeout kill the group and raise ConverterTimeout."""
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process.pid)
        process.communicate()
        raise ConverterTimeout(name, timeout) from None
    except BaseException:
        kill_group(process.pid)
        process.wait()
        raise
    # A converter that exited normally may still leave children behind (soffice.bin).
    kill_group(process.pid)
    return ConverterRun(process.returncode, stdout, stderr)
