"""How much one document may cost, and the words a broken limit is recorded with."""

from __future__ import annotations

from dataclasses import dataclass

# A failed document is tried at most twice under one parser version: once where it was
# found (the crawl) and once more by `gkcrawl reparse`.
MAX_FAILURES = 2
PARSE_FAILED_FLAG = "parse_failed"


@dataclass(frozen=True)
class ParseLimits:
    """Per-job wall time, per-worker address space, and how many workers run at once."""

    wall_seconds: float = 60.0
    memory_mb: int = 2048       # RLIMIT_AS of each worker (its converters inherit it); 0: none
    workers: int = 2

    def __post_init__(self) -> None:
        if self.wall_seconds <= 0:
            raise ValueError("the parse wall-time limit must be > 0 seconds")
        if self.memory_mb < 0 or 0 < self.memory_mb < 256:
            raise ValueError("the parse memory limit must be 0 (none) or at least 256 MiB")
        if self.workers < 1:
            raise ValueError("at least one parse worker is needed")


def wall_time_reason(seconds: float) -> str:
    return f"parse limit: wall time {seconds:g} s exceeded"


def memory_reason(memory_mb: int) -> str:
    if memory_mb <= 0:
        return "parse limit: memory exhausted"
    return f"parse limit: memory {memory_mb} MiB exceeded"


def died_reason(how: str) -> str:
    return f"parse failed: worker died ({how})"
