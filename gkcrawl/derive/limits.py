"""How much one document may cost, and the words a broken limit is recorded with."""

from __future__ import annotations

from dataclasses import dataclass

# A failed document is tried at most twice under one parser version: once where it was
# found (the crawl) and once more by `gkcrawl reparse`.
MAX_FAILURES = 2
PARSE_FAILED_FLAG = "parse_failed"


@dataclass(frozen=True)
class ParseLimits:
    """Per-job wall time, per-worker address space, and how many workers run at once.

    OCR has its own budget: a scan at ~10 s a page would break any fixed limit, so each page
    the worker announces before reading it adds `ocr_page_seconds` to that job's wall time,
    and a document is OCR'd for at most `ocr_max_pages` pages (the rest are counted on the
    result, flag `ocr_pages_over_budget:N`)."""

    wall_seconds: float = 60.0
    memory_mb: int = 2048       # RLIMIT_AS of each worker (its converters inherit it); 0: none
    workers: int = 2
    ocr_page_seconds: float = 30.0
    ocr_max_pages: int = 30

    def __post_init__(self) -> None:
        if self.wall_seconds <= 0:
            raise ValueError("the parse wall-time limit must be > 0 seconds")
        if self.memory_mb < 0 or 0 < self.memory_mb < 256:
            raise ValueError("the parse memory limit must be 0 (none) or at least 256 MiB")
        if self.workers < 1:
            raise ValueError("at least one parse worker is needed")
        if self.ocr_page_seconds <= 0 or self.ocr_max_pages < 0:
            raise ValueError("the OCR budget needs > 0 seconds a page and >= 0 pages")


def wall_time_reason(seconds: float, ocr_pages: int = 0, page_seconds: float = 0.0) -> str:
    if ocr_pages:
        return (f"parse limit: wall time {seconds + ocr_pages * page_seconds:g} s exceeded "
                f"({seconds:g} s + {ocr_pages} OCR pages x {page_seconds:g} s)")
    return f"parse limit: wall time {seconds:g} s exceeded"


def memory_reason(memory_mb: int) -> str:
    if memory_mb <= 0:
        return "parse limit: memory exhausted"
    return f"parse limit: memory {memory_mb} MiB exceeded"


def died_reason(how: str) -> str:
    return f"parse failed: worker died ({how})"
