"""`python -m gkcrawl.derive.worker --memory-mb N`: one long-lived parse worker.

Reads one JSON job per line on stdin, answers one JSON line per job on stdout (the
original stdout: whatever a library prints goes to stderr instead). The address-space
limit is set in the worker itself, so the converters it starts inherit it. After a
MemoryError the worker answers and exits: its heap is no longer worth reusing.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import signal
import sys
from typing import Any, TextIO

from gkcrawl.extract.ocr import DEFAULT_MAX_PAGES, OcrOptions

from .jobs import WorkerJob, run_job

EXIT_AFTER_MEMORY = 3


def set_memory_limit(memory_mb: int) -> None:
    """Cap this process's address space (soft and hard), so a bomb raises MemoryError here."""
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def die_with_parent(parent: int) -> None:
    """SIGKILL this worker when the supervising process dies (even by SIGKILL): the wall-time
    limit lives in the parent, so an orphan would have none (Linux PR_SET_PDEATHSIG)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the call took effect
        os._exit(1)


def _reply(channel: TextIO, answer: dict[str, Any]) -> None:
    channel.write(json.dumps(answer, ensure_ascii=False) + "\n")
    channel.flush()


def serve(jobs: TextIO, channel: TextIO, ocr_max_pages: int = DEFAULT_MAX_PAGES) -> int:
    """Answer jobs until stdin closes; the exit status says why the worker stopped.

    Before OCR reads a page the worker says so (`{"job_id": N, "ocr_page": i}`): the
    supervisor extends that job's wall time by its per-page budget."""
    from gkcrawl.parse import parse_document

    _reply(channel, {"ready": os.getpid()})
    for line in jobs:
        if not line.strip():
            continue
        job = WorkerJob.from_json(json.loads(line))

        def announce(page: int, job_id: int = job.job_id) -> None:
            _reply(channel, {"job_id": job_id, "ocr_page": page})
        try:
            answer = run_job(job, parse_document, OcrOptions(max_pages=ocr_max_pages, on_page=announce))
        except MemoryError:
            answer = {"job_id": job.job_id, "memory": True}
        _reply(channel, answer)
        if answer.get("memory"):
            return EXIT_AFTER_MEMORY
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gkcrawl.derive.worker")
    parser.add_argument("--memory-mb", type=int, default=0, help="RLIMIT_AS in MiB (0: none)")
    parser.add_argument("--parent", type=int, default=0, help="the supervisor's pid: die with it")
    parser.add_argument("--ocr-max-pages", type=int, default=DEFAULT_MAX_PAGES, help="pages OCR'd per document")
    args = parser.parse_args(argv)
    if args.parent:
        die_with_parent(args.parent)
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # Imported before the limit and before the first job: a job's wall time is its own.
    import docx  # noqa: F401
    import pdfplumber  # noqa: F401

    import gkcrawl.extract.document  # noqa: F401
    import gkcrawl.parse  # noqa: F401

    set_memory_limit(args.memory_mb)
    try:
        return serve(sys.stdin, channel, args.ocr_max_pages)
    except MemoryError:
        os._exit(EXIT_AFTER_MEMORY)


if __name__ == "__main__":
    sys.exit(main())
