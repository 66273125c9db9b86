"""Benchmark the published archive at scale: synthetic reports (~200 cells each) written
through the store API, then served by `gkcrawl serve`, timing over HTTP (first request, median
and p95) the facet pages, full-text searches (3+ and 2 characters), every canned query in
metadata.yml, every wide view and a report page; then the bytes per report by table and index
(dbstat) and the time of `gkcrawl snapshot`.

`--bulk` builds fast: 64 parsed samples are made once and re-used under new identities (URL,
agency, region, year, text numbers), and many reports share one transaction. Each report is
still written by `record_report`, through the same schema and `ensure_db_shape`.

Run on demand, it takes minutes:
    .venv/bin/python benchmarks/bench_archive.py --bulk --reports 50000
    .venv/bin/python benchmarks/bench_archive.py --reports 2000         # one transaction a report
    .venv/bin/python benchmarks/bench_archive.py --reuse --db PATH      # serve an earlier build again
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test bench: portals/, samples.py
from gkcrawl.archive.bulk import _drop_deferred_indexes as bulk_drop_deferred_indexes, bulk_load
from gkcrawl.archive.cell_location import printed_is_value
from gkcrawl.archive.schema import CHARS_FTS_TABLE
from gkcrawl.archive.search_text import search_form, stream, tokens_form
from gkcrawl.archive.store import open_archive, record_report
from gkcrawl.publish.serve import start_background
from samples import PROSE, REGIONS, sample_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "reports"
SEARCH_PADDING = ("依申请公开工作严格依法办理，规范受理、登记、答复流程。政务公开平台建设持续加强，"
                  "政府网站信息发布审核机制不断完善，政策解读与回应关切工作有序推进。")
BULK_SAMPLES = 64
BULK_TRANSACTION = 5000


def _text(index: int, base: str, text_chars: int) -> str:
    body = base
    while len(body) < text_chars:
        body += "\n" + SEARCH_PADDING + PROSE.format(active=index % 9000, new=index % 300, review=index % 7,
                                                      lit=index % 5)
    return body[:text_chars]


def _url(index: int) -> str:
    return f"http://www{index % 500}.example.gov.cn/zwgk/ndbg/{index:07d}.html"


def _record(db: Any, index: int, result: Any) -> None:
    url = _url(index)
    record_report(db, None, result, url=url, fetched_at="2025-02-01T08:00:00Z",
                  sha256=hashlib.sha256(url.encode()).hexdigest(), site=None, parsed_at="2025-02-01T08:00:00Z")


def build(db_path: Path, reports: int, text_chars: int) -> float:
    """Write `reports` synthetic reports, one transaction each; returns seconds taken."""
    db = open_archive(db_path)
    sources = parsed_sources()
    started = time.perf_counter()
    for index in range(reports):
        result = with_sources(sample_result(index, seed=7), sources)
        result.text = _text(index, result.text, text_chars)
        _record(db, index, result)
        if index and index % 10000 == 0:
            rate = index / (time.perf_counter() - started)
            print(f"  {index:,} reports written ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    return _finish(db, started)


def parsed_sources() -> dict[str, dict[str, dict[str, Any]]]:
    """template -> cell key -> source (how and where) as the parser writes them, from fixture reports
    parsed here, so the bench's cells carry real provenance (issue 13: bytes per report must be honest).
    A source's printed text that was its cell's value as written is marked (AS_VALUE), so the sample
    gets its own value's text there, as a real report would; any other printed text is kept."""
    from gkcrawl.parse import parse_document
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for name in ("var01_2019_canonical.html", "gen2021_ningan.pdf"):
        result = parse_document((FIXTURES / name).read_bytes(), name)
        for key, source in result.sources.items():
            where = source.get("where")
            if isinstance(where, dict) and printed_is_value(where.get("printed"), result.cells.get(key)):
                source = {**source, "where": {**where, "printed": AS_VALUE}}
            found.setdefault(result.template or "", {})[key] = source
    return found


AS_VALUE = object()  # parsed_sources: this printed text was the cell's value


def build_bulk(db_path: Path, reports: int, text_chars: int) -> float:
    """The bulk path (gkcrawl.archive.bulk): re-used samples, BULK_TRANSACTION reports a transaction."""
    db = open_archive(db_path)
    sources = parsed_sources()
    samples = [with_sources(sample_result(index, seed=7), sources) for index in range(BULK_SAMPLES)]
    started = time.perf_counter()
    with bulk_load(db, batch=BULK_TRANSACTION) as writer:
        for index in range(reports):
            result = copy.copy(samples[index % BULK_SAMPLES])
            region = REGIONS[index % len(REGIONS)]
            agency = f"{region}第{index // len(REGIONS)}局"
            year = 2019 + index % 6 if result.template == "2021" else 2019 + index % 2
            result.meta = {**result.meta, "region": region, "agency": agency, "year": year,
                           "title": f"{agency}{year}年政府信息公开工作年度报告"}
            result.text = _text(index, f"{agency}{year}年政府信息公开工作年度报告\n", text_chars)
            url = _url(index)
            writer.add(None, result, url=url, fetched_at="2025-02-01T08:00:00Z",
                       sha256=hashlib.sha256(url.encode()).hexdigest(), site=None, parsed_at="2025-02-01T08:00:00Z")
            if index and index % 50000 == 0:
                rate = index / (time.perf_counter() - started)
                print(f"  {index:,} reports written ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        loaded = time.perf_counter()
    print(f"  load {loaded - started:,.0f} s, deferred indexes {time.perf_counter() - loaded:,.0f} s", file=sys.stderr)
    return _finish(db, started)


def with_sources(result: Any, sources: dict[str, dict[str, dict[str, Any]]]) -> Any:
    """The sample with each cell's how/where as a real parse of its template gave them."""
    of_template = sources.get(result.template or "", {})
    result.sources = {key: _printing(of_template[key], result.cells[key]) for key in result.cells if key in of_template}
    return result


def _printing(source: dict[str, Any], value: Any) -> dict[str, Any]:
    where = source.get("where")
    if isinstance(where, dict) and where.get("printed") is AS_VALUE:
        return {**source, "where": {**where, "printed": "" if value is None else str(value)}}
    return source


def replicate(db_path: Path, copies: int) -> float:
    """Scale a bulk-built archive of N reports to copies x N: each further copy repeats every row of
    every report table (reports, cells, wide tables, checks, spam findings, search rows) under new ids,
    URLs, agencies and titles, in SQL. Real rows of the same shape, so bytes and query times are honest;
    what is not re-measured is the Python work of a write (the base build measures that)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    started = time.perf_counter()
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    bulk_drop_deferred_indexes(conn)
    base = conn.execute("SELECT max(id) FROM reports").fetchone()[0]
    names = [row[1] for row in conn.execute("PRAGMA table_info(reports)")]
    renamed = {"id": "id + :offset", "url": "replace(url, '/ndbg/', '/ndbg/c' || :copy || '/')",
               "sha256": "sha256 || '-' || :copy", "agency": "replace(agency, '第', '第' || :copy || '-')",
               "title": "replace(title, '第', '第' || :copy || '-')",
               # the text's first line is its title (build_bulk): renamed with it, the rest kept
               "text": "replace(title, '第', '第' || :copy || '-') || substr(text, length(title) + 1)"}
    select = ", ".join(renamed.get(name, f"[{name}]") for name in names)
    columns = ", ".join(f"[{name}]" for name in names)
    children = {table: [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
                for table in ("cells", "cell_spans", "cell_extras", "requests_wide_values", "appeals_wide_values",
                              "active_disclosure_wide_values", "check_results", "spam_findings")}
    rests = _rest_forms(conn, base)
    for copy_ in range(1, copies):
        offset = copy_ * base
        conn.execute("BEGIN")
        conn.execute(f"INSERT INTO reports ({columns}) SELECT {select} FROM reports WHERE id <= :base ORDER BY id",
                     {"offset": offset, "copy": copy_, "base": base})
        for table, cols in children.items():
            picked = [c for c in cols if c != "id"]
            values = ", ".join("report_id + :offset" if c == "report_id" else f"[{c}]" for c in picked)
            conn.execute(f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in picked)}) SELECT {values} "
                         f"FROM [{table}] WHERE report_id <= :base ORDER BY report_id",
                         {"offset": offset, "base": base})
        _copy_search_rows(conn, base, offset, rests)
        conn.execute("COMMIT")
        print(f"  copy {copy_ + 1}/{copies}: {(copy_ + 1) * base:,} reports "
              f"({time.perf_counter() - started:,.0f} s)", file=sys.stderr, flush=True)
    conn.close()
    db = open_archive(db_path)  # rebuilds the deferred indexes
    seconds = time.perf_counter() - started
    db.conn.close()
    return seconds


def _rest_forms(conn: sqlite3.Connection, base: int) -> dict[int, list[str]]:
    """The search tokens of each base report's text after its title line: the same in every copy."""
    return {row[0]: stream(row[2][len(row[1]) + 1:])
            for row in conn.execute("SELECT id, title, text FROM reports WHERE id <= ?", [base])}


def _copy_search_rows(conn: sqlite3.Connection, base: int, offset: int, rests: dict[int, list[str]]) -> None:
    """The search rows of the copies just written, as record_report writes them: the renamed head's form
    and the base's tokens of the rest (every 997th row is checked against search_form)."""
    rows = conn.execute("SELECT id, title, agency, region, text FROM reports WHERE id > :lo AND id <= :hi ORDER BY id",
                        {"lo": offset, "hi": offset + base})
    batch = rows.fetchmany(2000)
    while batch:
        forms = []
        for report_id, title, agency, region, text in batch:
            form = tokens_form(stream(f"{title}\n{agency}\n{region}\n{title}") + rests[report_id - offset])
            if report_id % 997 == 0:
                assert form == search_form(title, agency, region, text), report_id
            forms.append((report_id, form))
        conn.executemany(f"INSERT INTO {CHARS_FTS_TABLE} (rowid, chars) VALUES (?, ?)", forms)
        batch = rows.fetchmany(2000)


def _finish(db: Any, started: float) -> float:
    seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA analysis_limit=2000")  # sampled statistics: a full ANALYZE would read every cell
    db.execute("ANALYZE")
    db.conn.close()
    return seconds


def space_by_object(db_path: Path) -> list[tuple[str, int]]:
    """(table or index, bytes) from dbstat, FTS shadow tables folded into their index, largest first."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        conn.close()
    folded: dict[str, int] = {}
    for name, size in rows:
        for fts in ("reports_chars_fts", "reports_fts"):
            if name.startswith(fts + "_"):
                name = fts + " (index)"
        folded[name] = folded.get(name, 0) + size
    return sorted(folded.items(), key=lambda item: -item[1])


def timed_get(url: str, runs: int) -> tuple[float, float, float, int]:
    """(first request seconds, median and p95 of the following runs, status)."""
    timings = []
    status = 0
    for _ in range(runs):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            error.read()
            status = error.code
        timings.append(time.perf_counter() - started)
    rest = sorted(timings[1:] or timings)
    p95 = rest[min(len(rest) - 1, round(0.95 * (len(rest) - 1)))]
    return timings[0], statistics.median(rest), p95, status


def pages(reports: int) -> dict[str, str]:
    q = urllib.parse.quote
    found = {
        "facet page (reports, 6 facets)": "/gkcrawl/reports",
        "facet page, filtered region": "/gkcrawl/reports?region=" + q(REGIONS[3]),
        "facet page (latest_reports view)": "/gkcrawl/latest_reports",
        "facet page, filtered year": "/gkcrawl/reports?year=2020",
        "facet page, filtered template": "/gkcrawl/reports?template=2021",
        "facet page, filtered arithmetic": "/gkcrawl/reports?arithmetic=ok",
        "facet page, filtered spam_found": "/gkcrawl/reports?spam_found=0",
        "latest_reports, filtered region": "/gkcrawl/latest_reports?region=" + q(REGIONS[3]),
        "latest_reports, filtered year": "/gkcrawl/latest_reports?year=2020",
        "latest_reports, filtered arithmetic": "/gkcrawl/latest_reports?arithmetic=ok",
        "search 行政复议 (box, 4 chars)": "/gkcrawl/reports?_search=" + q("行政复议"),
        "search 信息公开 (box, common)": "/gkcrawl/reports?_search=" + q("信息公开"),
        "search 复议 (box, 2 chars)": "/gkcrawl/reports?_search=" + q("复议"),
        "search 第1234局 (box, rare: ~10 reports)": "/gkcrawl/reports?_search=" + q("第1234局"),
        "search 罕见 (box, 2 chars, no match)": "/gkcrawl/reports?_search=" + q("罕见"),
        # every pair (政务, 务公, 公开, 开工, 工作) in every report, the word in none: the text check's worst case
        "search 政务公开工作 (box, pairs everywhere, word nowhere)": "/gkcrawl/reports?_search=" + q("政务公开工作"),
        "search 信息公开 on latest_reports": "/gkcrawl/latest_reports?_search=" + q("信息公开"),
        "report page with provenance": f"/gkcrawl/reports/{max(reports // 2, 1)}",
        "report_cells of one report": f"/gkcrawl/report_cells?report_id={max(reports // 2, 1)}",
        "report_cells (unfiltered)": "/gkcrawl/report_cells",
        "checks (unfiltered)": "/gkcrawl/checks",
    }
    for view in ("requests_wide", "appeals_wide", "active_disclosure_wide"):
        found[f"wide: {view}"] = f"/gkcrawl/{view}"
        found[f"wide: {view}, one year"] = f"/gkcrawl/{view}?year=2022"
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    for name in metadata["databases"]["gkcrawl"]["queries"]:
        found[f"canned: {name}"] = f"/gkcrawl/{name}" + ("?q=" + q("复议") if name == "short_word_search" else "")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--text-chars", type=int, default=1500, help="Clean text length per report.")
    parser.add_argument("--db", type=Path, default=Path("/tmp/gkcrawl-bench/gkcrawl.db"))
    parser.add_argument("--bulk", action="store_true", help="Re-used samples, many reports a transaction.")
    parser.add_argument("--replicate", type=int, default=1,
                        help="Bulk-build reports/K, then repeat its rows K times in SQL (replicate()).")
    parser.add_argument("--reuse", action="store_true", help="Serve an archive built by an earlier run.")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--no-snapshot", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="Build and print the space, serve nothing.")
    parser.add_argument("--no-space", action="store_true", help="Skip the dbstat and row counts (minutes at 1M).")
    args = parser.parse_args()

    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        print(f"building {args.reports:,} reports in {args.db} …", file=sys.stderr)
        base = args.reports // args.replicate
        seconds = (build_bulk if args.bulk else build)(args.db, base, args.text_chars)
        print(f"write: {base:,} reports in {seconds:,.0f} s ({base / seconds:,.0f} reports/s)", flush=True)
        if args.replicate > 1:
            seconds = replicate(args.db, args.replicate)
            print(f"replicate: x{args.replicate} to {base * args.replicate:,} reports in {seconds:,.0f} s", flush=True)
            db = open_archive(args.db)
            _finish(db, time.perf_counter())
    if args.no_space:
        return serve_and_time(args, sqlite3.connect(f"file:{args.db}?mode=ro", uri=True).execute(
            "select max(id) from reports").fetchone()[0])
    size = sum(p.stat().st_size for p in args.db.parent.glob(args.db.name + "*"))
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    reports = conn.execute("select count(*) from reports").fetchone()[0]
    cells = conn.execute("select count(*) from report_cells").fetchone()[0]
    conn.close()
    print(f"database: {size / 1e9:.3f} GB, {reports:,} reports, {cells:,} cells ({cells / max(reports, 1):.0f}/report),"
          f" {size / max(reports, 1) / 1000:.1f} KB a report")
    for name, bytes_ in space_by_object(args.db)[:24]:
        print(f"  {name:40} {bytes_ / 1e6:9.1f} MB {bytes_ / max(reports, 1):8.0f} B/report")
    if args.build_only:
        return 0
    return serve_and_time(args, reports)


def serve_and_time(args: argparse.Namespace, reports: int) -> int:
    """Serve the archive, time every page, then time a snapshot."""

    started = time.perf_counter()
    server = start_background(args.db, timeout=600)
    print(f"serve: answering after {time.perf_counter() - started:.1f} s")
    worst = 0.0
    try:
        print(f"{'page':48} {'first':>8} {'median':>8} {'p95':>8}  status")
        for name, path in pages(reports).items():
            first, median, p95, status = timed_get(server.url + path, args.runs)
            worst = max(worst, p95)
            print(f"{name:48} {first:7.3f}s {median:7.3f}s {p95:7.3f}s  {status}", flush=True)
    finally:
        server.stop()
    print(f"worst p95: {worst:.3f} s")
    if not args.no_snapshot:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gkcrawl", "snapshot", "--db", str(args.db)], check=True)
        print(f"snapshot: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
