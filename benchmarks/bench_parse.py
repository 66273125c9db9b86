"""Documents per second: parse_document on the fixture set beside trafilatura.extract alone.

Usage: .venv/bin/python benchmarks/bench_parse.py [N]   (N passes over the fixtures, default 5)"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import trafilatura

from gkcrawl.parse import parse_document

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"


def documents() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for d in ("seeds", "reports") for p in sorted((FIXTURES / d).iterdir())
            if p.is_file()]


def rate(label: str, work, docs: list[tuple[str, bytes]], passes: int) -> float:
    start = time.perf_counter()
    for _ in range(passes):
        for name, data in docs:
            work(name, data)
    elapsed = time.perf_counter() - start
    per_second = passes * len(docs) / elapsed
    print(f"{label:<28} {per_second:8.1f} docs/s  ({passes * len(docs)} docs in {elapsed:.2f}s)")
    return per_second


def main() -> None:
    passes = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    docs = documents()
    textual = [(n, d) for n, d in docs if n.endswith((".html", ".txt"))]
    parse_document(docs[0][1], filename=docs[0][0])  # warm imports and OpenCC
    full = rate("parse_document (all kinds)", lambda n, d: parse_document(d, filename=n), docs, passes)
    ours = rate("parse_document (html+text)", lambda n, d: parse_document(d, filename=n), textual, passes)
    theirs = rate("trafilatura.extract", lambda n, d: trafilatura.extract(d, include_tables=True), textual, passes)
    print(f"ratio parse_document / trafilatura.extract on html+text: {ours / theirs:.2f}  "
          f"(all kinds: {full:.1f} docs/s)")


if __name__ == "__main__":
    main()
