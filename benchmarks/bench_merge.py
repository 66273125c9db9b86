"""`gkcrawl merge` on big shards: reports per second merged, and the re-run that must change nothing.

Builds `--shards` shard archives of `--reports` synthetic reports each (~200 cells with their
parsed how and location, checks, spam findings, text: bench_archive's bulk samples, written by
`record_report`), each report with its capture (a WARC record id) and its derivation, and two
more captures per report (the list pages that led to it). Consecutive shards overlap by
`--overlap` of their reports (the same URL and bytes fetched by two workers: stored once). Then
merges them into a fresh target with `merge_shards` (what `gkcrawl merge` runs), timed, merges
them again (a no-op, timed), and prints the bytes a report of the shards and of the merged archive.

Run on demand; it is not a test:

    .venv/bin/python benchmarks/bench_merge.py [--shards 2] [--reports 10000] [--overlap 0.1]
"""

from __future__ import annotations

import argparse
import copy
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))
sys.path.insert(0, str(BENCH))
from bench_archive import BULK_SAMPLES, _record, _text, parsed_sources, with_sources  # noqa: E402

from gkcrawl.archive import store  # noqa: E402
from gkcrawl.archive.merge import merge_shards  # noqa: E402
from gkcrawl.archive.store import open_archive  # noqa: E402
from samples import REGIONS, sample_result  # noqa: E402


def build_shard(path: Path, first: int, count: int) -> None:
    """Reports `first` .. `first + count - 1` (bench_archive's bulk path), then their captures and derivations."""
    db = open_archive(path)
    db.execute("PRAGMA synchronous=OFF")
    sources = parsed_sources()  # each cell with its parsed how and location, as a crawl writes it
    samples = [with_sources(sample_result(index, seed=7), sources) for index in range(BULK_SAMPLES)]

    @contextmanager
    def inside(_db: Any) -> Iterator[Any]:
        yield _db.conn

    original = store.transaction
    store.transaction = inside  # type: ignore[assignment]
    conn = db.conn
    try:
        conn.execute("BEGIN")
        for index in range(first, first + count):
            result = copy.copy(samples[index % BULK_SAMPLES])
            region = REGIONS[index % len(REGIONS)]
            agency = f"{region}第{index // len(REGIONS)}局"
            result.meta = {**result.meta, "region": region, "agency": agency,
                           "title": f"{agency}年度报告{index}"}
            result.text = _text(index, f"{agency}政府信息公开工作年度报告\n", 3000)
            _record(db, index, result)
        conn.commit()
    finally:
        store.transaction = original  # type: ignore[assignment]
    with conn:
        conn.execute("INSERT OR IGNORE INTO sites (host, first_crawl, last_crawl) SELECT DISTINCT site, "
                     "'2025-02-01T08:00:00Z', '2025-02-01T08:00:00Z' FROM reports")
        for page in range(3):  # the report's own capture, then two list pages
            suffix = "" if page == 0 else f"?list={page}"
            conn.execute(
                "INSERT INTO captures (url, final_url, method, status, fetched_at, request_headers, response_headers, "
                "sha256, size, content_type, warc_record_id, site, revisit) "
                "SELECT url || ?, url || ?, 'GET', 200, fetched_at, '{}', '{\"Content-Type\": \"text/html\"}', "
                "sha256, 30000, 'text/html', '<urn:uuid:' || sha256 || ?, site, 0 FROM reports",
                [suffix, suffix, f"-{page}>"])
        conn.execute("UPDATE reports SET capture_id = (SELECT c.id FROM captures c "
                     "WHERE c.warc_record_id = '<urn:uuid:' || reports.sha256 || '-0>')")
        conn.execute("INSERT INTO derivations (url, sha256, capture_id, site, fetched_at, role, status, report_id) "
                     "SELECT url, sha256, capture_id, site, fetched_at, 'report', 'done', id FROM reports")
        conn.execute("INSERT INTO urls (url, site, first_seen, last_seen, last_status) "
                     "SELECT url, site, fetched_at, fetched_at, 200 FROM captures")
    conn.close()


def counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM captures), "
                            "(SELECT count(*) FROM cells)").fetchone()


def bytes_per_report(path: Path) -> float:
    """The database's used bytes (pages less free pages) a report: a merged archive should be no larger
    a report than its shards (cells copied as stored, not re-encoded through the report_cells view)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (conn.execute(f"PRAGMA {name}").fetchone()[0]
                             for name in ("page_count", "freelist_count", "page_size"))
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    return (pages - free) * size / max(reports, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--reports", type=int, default=10000, help="reports per shard")
    parser.add_argument("--overlap", type=float, default=0.1, help="share of a shard's reports the next shard also has")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shards = []
        step = int(args.reports * (1 - args.overlap))
        started = time.perf_counter()
        for i in range(args.shards):
            shard = work / "shards" / f"w{i}.db"
            shard.parent.mkdir(parents=True, exist_ok=True)
            build_shard(shard, i * step, args.reports)
            shards.append(shard)
        print(f"built {args.shards} shards of {args.reports:,} reports in {time.perf_counter() - started:.0f} s")
        target = work / "merged" / "gkcrawl.db"
        target.parent.mkdir()
        db = open_archive(target)
        started = time.perf_counter()
        merge_shards(db, shards, target_warc=target.parent / "warc")
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = merge_shards(db, shards, target_warc=target.parent / "warc")
        second = time.perf_counter() - started
        db.conn.close()
        reports, captures, cells = counts(target)
        offered = args.shards * args.reports
        print(f"merge: {offered:,} shard reports -> {reports:,} reports, {captures:,} captures, {cells:,} cells in "
              f"{first:.1f} s = {offered / first:,.0f} shard reports/s")
        added = sum(r.reports + r.captures for r in again)
        print(f"merge again: {second:.1f} s = {offered / second:,.0f} shard reports/s, {added} rows added")
        shard_bytes = sum(bytes_per_report(shard) for shard in shards) / len(shards)
        merged_bytes = bytes_per_report(target)
        print(f"bytes a report: shards {shard_bytes / 1000:.1f} KB, merged {merged_bytes / 1000:.1f} KB "
              f"(x{merged_bytes / shard_bytes:.2f})")


if __name__ == "__main__":
    main()
