"""Keeps N parse workers busy, each job under a wall-time limit, and survives every one of them.

A job that runs past its limit gets its worker's whole process tree killed (the converters
it started too) and becomes a failure with its reason; a worker that dies (MemoryError,
a signal) is replaced before its slot's next job. No job waits for another beyond the
slots being full, and no failure is retried here: `gkcrawl reparse` retries it once.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from . import process_tree
from .jobs import JobOutcome, Parser, WorkerJob, run_job
from .limits import ParseLimits, died_reason, memory_reason, wall_time_reason
from .worker import EXIT_AFTER_MEMORY

logger = logging.getLogger(__name__)
Done = Callable[[JobOutcome], None]
POLL_SECONDS = 0.25
STARTUP_SECONDS = 120.0
# A worker killed by a signal while its address space stood this close to the limit ran out
# of memory (a C library aborting on a failed malloc), not into a bug.
NEAR_LIMIT = 0.9


class Runner(Protocol):
    """Where jobs are run: worker processes (`Supervisor`) or this process (`InlineRunner`)."""

    def submit(self, job: WorkerJob, done: Done) -> None: ...

    def close(self) -> None: ...


class InlineRunner:
    """Runs each job at once in the caller's thread with a given parser: no limits, for tests."""

    def __init__(self, parse: Parser) -> None:
        self.parse = parse

    def submit(self, job: WorkerJob, done: Done) -> None:
        started = time.monotonic()
        answer = run_job(job, self.parse)
        done(outcome_of(job, answer, time.monotonic() - started, None, memory_mb=0))

    def close(self) -> None:
        pass


def outcome_of(job: WorkerJob, answer: dict[str, Any], seconds: float, peak_rss_kb: int | None, *,
               memory_mb: int) -> JobOutcome:
    outcome = JobOutcome(job.job_id, seconds=seconds, worker_peak_rss_kb=peak_rss_kb)
    if answer.get("memory"):
        outcome.failure = memory_reason(memory_mb)
    elif "unreadable" in answer:
        outcome.unreadable = str(answer["unreadable"])
    else:
        outcome.result = answer.get("result") or {}
    return outcome


class WorkerDied(Exception):
    pass


class WorkerProcess:
    """One `python -m gkcrawl.derive.worker` in its own session, and the pipe to it."""

    def __init__(self, memory_mb: int, ocr_max_pages: int = ParseLimits.ocr_max_pages) -> None:
        self.memory_mb = memory_mb
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gkcrawl.derive.worker", "--memory-mb", str(memory_mb),
             "--parent", str(os.getpid()), "--ocr-max-pages", str(ocr_max_pages)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        self._pending = b""
        self.peak_rss_kb = 0
        self.peak_vm_kb = 0
        self.converter_groups: set[int] = set()
        try:
            line = self._read_line(time.monotonic() + STARTUP_SECONDS)
        except WorkerDied:
            self.kill()
            raise
        if line is None or "ready" not in json.loads(line):
            self.kill()
            raise WorkerDied("no ready line")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _watch(self) -> None:
        """Note the worker's memory peaks and its converters' process groups while it works."""
        rss, vm = process_tree.memory_kb(self.process.pid)
        self.peak_rss_kb = max(self.peak_rss_kb, rss or 0)
        self.peak_vm_kb = max(self.peak_vm_kb, vm or 0)
        for child in process_tree.watched_descendants(self.process.pid):
            info = process_tree.parent_and_group(child)
            if info is not None and info[1] != self.process.pid:
                self.converter_groups.add(info[1])

    def _read_line(self, deadline: float) -> bytes | None:
        """The next answer line, None at the deadline; WorkerDied at end of file."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        chunks = [self._pending] if self._pending else []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._pending = b"".join(chunks)
                return None
            ready, _, _ = select.select([fd], [], [], min(POLL_SECONDS, remaining))
            self._watch()
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerDied("end of output")
            chunks.append(chunk)
            if b"\n" in chunk:
                data = b"".join(chunks)
                line, _, self._pending = data.partition(b"\n")
                return line

    def ask(self, job: WorkerJob, wall_seconds: float, ocr_page_seconds: float = 0.0) -> JobOutcome:
        """Run one job; a broken limit or a death comes back as the outcome's failure.
        Each OCR page the worker announces extends the job's deadline by `ocr_page_seconds`."""
        assert self.process.stdin is not None
        started = time.monotonic()
        self.peak_rss_kb = 0
        ocr_pages = 0
        try:
            self.process.stdin.write((json.dumps(job.to_json(), ensure_ascii=False) + "\n").encode("utf-8"))
            self.process.stdin.flush()
            line = self._read_line(started + wall_seconds)
            while line is not None and b'"ocr_page"' in line and "ocr_page" in json.loads(line):
                ocr_pages += 1
                line = self._read_line(started + wall_seconds + ocr_pages * ocr_page_seconds)
        except (WorkerDied, BrokenPipeError, OSError):
            return JobOutcome(job.job_id, failure=self._death_reason(), seconds=time.monotonic() - started,
                              worker_peak_rss_kb=self.peak_rss_kb or None)
        seconds = time.monotonic() - started
        if line is None:
            self.kill()
            return JobOutcome(job.job_id, failure=wall_time_reason(wall_seconds, ocr_pages, ocr_page_seconds),
                              seconds=seconds,
                              worker_peak_rss_kb=self.peak_rss_kb or None)
        outcome = outcome_of(job, json.loads(line), seconds, self.peak_rss_kb or None, memory_mb=self.memory_mb)
        if self.near_limit:
            # Libraries report a failed allocation in their own words (lxml: "unknown error"):
            # a parse that ended in an error with the address space at the limit ran out of memory.
            if outcome.result is not None and outcome.result.get("error"):
                outcome.result, outcome.failure = None, memory_reason(self.memory_mb)
            self.stop()  # its heap is spent either way: the next job gets a fresh worker
        elif outcome.failure:  # the worker exits after a MemoryError: reap it and its converters
            self.stop()
        return outcome

    @property
    def near_limit(self) -> bool:
        return self.memory_mb > 0 and self.peak_vm_kb >= NEAR_LIMIT * self.memory_mb * 1024

    def _death_reason(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        if code == EXIT_AFTER_MEMORY or (self.near_limit and code is not None and code < 0):
            return memory_reason(self.memory_mb)
        if code is not None and code < 0:
            return died_reason(signal.Signals(-code).name)
        return died_reason(f"exit status {code}")

    def kill(self) -> None:
        """SIGKILL the worker, everything under it, and every converter group it was seen with."""
        process_tree.kill_tree(self.process.pid)
        for group in self.converter_groups:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.converter_groups.clear()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            logger.error("parse worker %s did not die", self.process.pid)
        self._close_pipes()

    def stop(self) -> None:
        """End the worker politely (stdin closed), by force after a few seconds."""
        if self.alive and self.process.stdin is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass


class Supervisor:
    """`limits.workers` slots, each a thread driving one worker process through the job queue."""

    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self._jobs: queue.Queue[tuple[WorkerJob, Done] | None] = queue.Queue()
        self._lock = threading.Lock()
        self.workers_started = 0
        self.peak_rss_kb = 0  # the largest worker RSS seen over the supervisor's life
        self._slots = [threading.Thread(target=self._slot, name=f"gkcrawl-parse-{n}", daemon=True)
                       for n in range(limits.workers)]
        for slot in self._slots:
            slot.start()

    def submit(self, job: WorkerJob, done: Done) -> None:
        self._jobs.put((job, done))

    def _start_worker(self) -> WorkerProcess:
        worker = WorkerProcess(self.limits.memory_mb, self.limits.ocr_max_pages)
        with self._lock:
            self.workers_started += 1
        return worker

    def _slot(self) -> None:
        worker: WorkerProcess | None = None
        try:
            while (item := self._jobs.get()) is not None:
                job, done = item
                try:
                    if worker is None or not worker.alive:
                        worker = self._start_worker()
                    outcome = worker.ask(job, self.limits.wall_seconds, self.limits.ocr_page_seconds)
                except (WorkerDied, OSError) as exc:
                    worker = None
                    outcome = JobOutcome(job.job_id, failure=died_reason(f"did not start: {exc}"))
                except Exception as exc:  # noqa: BLE001 - every job ends with an outcome, whatever broke
                    logger.exception("parse job %s broke the supervisor", job.job_id)
                    if worker is not None:
                        worker.kill()
                    worker = None
                    outcome = JobOutcome(job.job_id, failure=died_reason(f"supervisor error: {type(exc).__name__}"))
                if worker is not None:
                    with self._lock:
                        self.peak_rss_kb = max(self.peak_rss_kb, worker.peak_rss_kb)
                    if not worker.alive:
                        worker.kill()
                        worker = None
                try:
                    done(outcome)
                except Exception:  # noqa: BLE001 - a failing callback must not take the slot down
                    logger.exception("recording the outcome of job %s failed", job.job_id)
        finally:
            if worker is not None:
                worker.stop()

    def close(self) -> None:
        """Let queued jobs finish, then stop every worker."""
        for _ in self._slots:
            self._jobs.put(None)
        for slot in self._slots:
            slot.join()
