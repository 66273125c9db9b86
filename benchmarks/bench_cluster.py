"""Crawl-cluster speed: one worker against `scrapy bench`, and 1, 2, 4 workers on slow portals.

Part 1: one `gkcrawl crawl --frontier` worker on the `large` portal (no delay), pages/s beside
`scrapy bench` measured in the same run (the ratio is the figure; issue 13 asks for >= 0.5).

Part 2: politeness-bound, like real sites: `--hosts` copies of the `large` portal (each on its
own loopback address 127.0.0.N, so each is its own host for Scrapy and for the cluster's
per-host slots), every answer sent after `--latency` seconds. Each host allows
`--host-concurrency` requests at once for the whole cluster; each worker sends at most
`--worker-concurrency` at once. Pages/s for 1, 2 and 4 workers, from the first to the last
fetch in the shards (start-up excluded) and over the whole run, and the ratios to one worker
(goal: 4 workers at least 3x one). Every run must find every report exactly once. For each run:
the CPU a page (the workers and their parse processes; the portals, served by this process, apart),
the workers' Redis round trips a page (a pipeline or a script is one), the commands the
redis-server ran a page (`INFO commandstats`, a script's own commands included) and its CPU.
`--profile DIR` runs every worker under cProfile (DIR/<workers>w-<i>.prof; slower, for where the
time goes, not for the figures).

A real redis-server (Debian's) is started on a free loopback port for each run.
Run on demand; it is not a test:

    .venv/bin/python benchmarks/bench_cluster.py [--units 24] [--hosts 8] [--host-units 4] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

import redis

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # this tree's gkcrawl, as the workers (run in it) import it
sys.path.insert(0, str(BENCH.parent / "tests"))  # the test bench: portals/, redis_server.py
sys.path.insert(0, str(BENCH))
from bench_crawl import run_scrapy_bench  # noqa: E402

from gkcrawl.crawl import settings as crawl_settings  # noqa: E402
from gkcrawl.demo.server import PortalServer, Request, RunningPortal, Site  # noqa: E402
from portals.style_large import LargePortal  # noqa: E402
from redis_server import running_redis  # noqa: E402

ROOT = BENCH.parent
QUIET = ["--log-level", "ERROR", "-s", "GKCRAWL_PROGRESS_INTERVAL=0", "-s", "AUTOTHROTTLE_ENABLED=False",
         "--parse-workers", "1"]


class SlowSite:
    """A site whose every answer is sent after `latency` seconds (the server is threaded: they overlap)."""

    def __init__(self, site: Site, latency: float) -> None:
        self.site = site
        self.latency = latency

    def page_for(self, request: Request) -> object:
        time.sleep(self.latency)
        return self.site.page_for(request)


def serve(portal: LargePortal, host: str, latency: float) -> RunningPortal:
    site = portal.site()
    slow = SlowSite(site, latency) if latency else site
    return RunningPortal("large", PortalServer((host, 0), lambda generation: slow, stall_seconds=1.0))  # type: ignore[arg-type,return-value]


@dataclass(frozen=True)
class ClusterRun:
    workers: int
    pages: int
    reports: int
    expected: int
    duplicates: int
    wall_seconds: float
    fetch_seconds: float
    cpu_seconds: float  # user + system of the workers and their parse processes
    portal_cpu_seconds: float  # user + system of this process, which serves the portals
    crawl_cpu_seconds: float  # the workers' own processes (their threads included), at their close
    redis_calls: int  # the workers' round trips to Redis (a pipeline or a script call is one)
    redis_kinds: Counter[str]  # those round trips by command, a script by its name
    redis_commands: Counter[str]  # commands the redis-server ran (a script's own commands included)
    redis_cpu_seconds: float  # user + system of the redis-server

    def per_page(self, value: float) -> float:
        return value / self.pages if self.pages else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.fetch_seconds if self.fetch_seconds else 0.0

    @property
    def wall_pages_per_s(self) -> float:
        return self.pages / self.wall_seconds


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def run_cluster(urls: list[str], expected: set[str], workers: int, workdir: Path, extra: list[str],
                timeline: bool = False, profile: Path | None = None) -> ClusterRun:
    """Start `workers` workers on one fresh frontier, wait for all, read their shards."""
    shards = [workdir / f"w{i}.db" for i in range(workers)]
    cpu_before = _children_cpu()
    portal_before = _own_cpu()
    with running_redis(workdir / "redis") as frontier:
        server = redis.Redis.from_url(frontier)
        redis_before = _redis_figures(server)
        started = time.monotonic()
        processes = []
        for i, db in enumerate(shards):
            python = [sys.executable]
            if profile is not None:
                profile.mkdir(parents=True, exist_ok=True)
                python += ["-m", "cProfile", "-o", str(profile / f"{workers}w-{i}.prof")]
            processes.append(subprocess.Popen(
                [*python, "-m", "gkcrawl", "crawl", *urls, "--db", str(db), "--no-js", "--frontier", frontier,
                 "-s", f"GKCRAWL_WORKER_ID={db.stem}", *QUIET, *extra, *_extensions(timeline)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_worker_env(db)))
        failures = []
        for process in processes:
            _, err = process.communicate()
            if process.returncode != 0:
                failures.append(err[-2000:])
        wall = time.monotonic() - started
        cpu = _children_cpu() - cpu_before  # the workers (and the parse workers they waited for), not redis
        redis_after = _redis_figures(server)
        server.close()
    if failures:
        raise SystemExit("a worker failed:\n" + "\n".join(failures))
    if timeline:
        for db in shards:
            print(f"    {db.stem}: {describe_timeline(db.with_suffix('.timeline.jsonl'))}")
    reports: Counter[str] = Counter()
    times: list[str] = []
    pages = 0
    for db in shards:
        with sqlite3.connect(db) as conn:
            pages += conn.execute("select count(*) from captures").fetchone()[0]
            reports.update(row[0] for row in conn.execute("select url from reports"))
            first, last = conn.execute("select min(fetched_at), max(fetched_at) from captures").fetchone()
            times += [t for t in (first, last) if t]
    fetch = (_parse_time(max(times)) - _parse_time(min(times))).total_seconds() if times else 0.0
    counts = [json.loads(db.with_suffix(".redis.json").read_text()) for db in shards]
    commands = redis_after[0] - redis_before[0]
    commands.subtract({"info": 2})  # the two INFOs that read the figures before
    return ClusterRun(workers, pages, len(set(reports) & expected), len(expected),
                      sum(n - 1 for n in reports.values() if n > 1), wall, max(fetch, 1.0), cpu,
                      _own_cpu() - portal_before, sum(c["cpu"] for c in counts), sum(c["calls"] for c in counts),
                      sum((Counter({_script_name(k): n for k, n in c.get("kinds", {}).items()}) for c in counts),
                          Counter()),
                      +commands, redis_after[1] - redis_before[1])


def _script_names() -> dict[str, str]:
    """`EVALSHA <sha1 start>` -> the script's name, for the project's Lua scripts."""
    import hashlib

    from gkcrawl.crawl import budget_counts, cluster_coverage, cluster_politeness, frontier

    names = {}
    for module in (frontier, cluster_politeness, budget_counts, cluster_coverage):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and "redis.call" in value:
                names[f"EVALSHA {hashlib.sha1(value.encode()).hexdigest()[:8]}"] = name
    return names


SCRIPT_NAMES = _script_names()


def _script_name(kind: str) -> str:
    return SCRIPT_NAMES.get(kind, kind)


def _redis_figures(server: redis.Redis) -> tuple[Counter[str], float]:
    """(calls of each command so far, the server's CPU seconds so far)."""
    stats = server.info("commandstats")
    cpu = server.info("cpu")
    return (Counter({name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}),
            float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]))


def _extensions(timeline: bool) -> list[str]:
    """Added to the project's own extensions (a command-line EXTENSIONS would replace them): the Redis
    round-trip count always, the timeline on demand."""
    added = {"cluster_timeline.RedisCount": 0, **({"cluster_timeline.Timeline": 0} if timeline else {})}
    return ["-s", "EXTENSIONS=" + json.dumps({**crawl_settings.EXTENSIONS, **added})]


def _worker_env(db: Path) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT), str(BENCH), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "BENCH_TIMELINE_FILE": str(db.with_suffix(".timeline.jsonl")),
            "BENCH_REDIS_COUNT_FILE": str(db.with_suffix(".redis.json"))}


def describe_timeline(path: Path) -> str:
    """Where one worker's time went: requests in its downloader, the queue it saw, time waiting on slots."""
    events = [json.loads(line) for line in path.read_text().splitlines()]
    samples = [e for e in events if e["e"] == "sample"]
    sends = [e["t"] for e in events if e["e"] == "send"]
    if not samples or not sends:
        return "no timeline"
    first, last = min(sends), max(e["t"] for e in events if e["e"] in ("send", "recv"))
    busy = [s for s in samples if first <= s["t"] <= last]
    active = [s["active"] for s in busy] or [0]
    queued = [s["queued"] for s in busy] or [0]
    idle = sum(1 for a in active if a == 0) / len(active)
    starved = sum(1 for s in busy if s["queued"] == 0) / max(len(busy), 1)
    return (f"{len(sends)} sent over {last - first:.1f} s; in its downloader: mean {sum(active) / len(active):.1f}, "
            f"max {max(active)}, none {idle:.0%} of the time; frontier queue: mean {sum(queued) / len(queued):.1f}, "
            f"empty {starved:.0%} of the time; waited on cluster slots {samples[-1]['slot_wait_ms'] / 1000:.1f} s; "
            f"{samples[-1]['redis_calls']} Redis round trips ({samples[-1]['redis_calls'] / len(sends):.0f} a request) "
            f"blocking {samples[-1]['redis_seconds']:.1f} s; CPU {samples[-1]['cpu'] - samples[0]['cpu']:.1f} s")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def describe(run: ClusterRun) -> str:
    return (f"{run.workers} worker(s): {run.pages} pages, {run.reports}/{run.expected} reports, "
            f"{run.duplicates} stored twice, {run.fetch_seconds:.1f} s fetching ({run.wall_seconds:.1f} s wall) = "
            f"{run.pages_per_s:.1f} pages/s ({run.wall_pages_per_s:.1f} over the wall time), "
            f"{run.cpu_ms_per_page:.1f} ms CPU per page ({1000 * run.per_page(run.crawl_cpu_seconds):.1f} in the "
            f"crawl processes, the rest their parse processes; the portals: "
            f"{run.portal_cpu_seconds / run.wall_seconds:.0%} of a core)\n"
            f"      Redis a page: {run.per_page(run.redis_calls):.2f} round trips from the workers "
            f"({', '.join(f'{name} {run.per_page(n):.2f}' for name, n in run.redis_kinds.most_common(9))}); "
            f"the server ran "
            f"{run.per_page(sum(run.redis_commands.values())):.1f} commands "
            f"({', '.join(f'{name} {run.per_page(n):.2f}' for name, n in run.redis_commands.most_common(8))}) "
            f"in {1000 * run.per_page(run.redis_cpu_seconds):.1f} ms of its CPU")


def part_one(units: int, bench_seconds: int) -> None:
    portal = LargePortal(units)
    running = serve(portal, "127.0.0.1", 0.0)
    try:
        expected = {urljoin(running.url, path) for path in portal.reports}
        with tempfile.TemporaryDirectory() as tmp:
            run = run_cluster([running.url], expected, 1, Path(tmp), ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"])
    finally:
        running.stop()
    theirs = run_scrapy_bench(bench_seconds)
    print(f"part 1: large portal, {units} bodies, no delay")
    print(f"  {describe(run)}")
    if theirs is None:
        print("  scrapy bench: no rate reported")
    else:
        print(f"  scrapy bench: {theirs:.1f} pages/s; one worker / scrapy bench = {run.pages_per_s / theirs:.2f} "
              f"({run.wall_pages_per_s / theirs:.2f} over the wall time)")


def part_two(hosts: int, host_units: int, latency: float, host_concurrency: int, worker_concurrency: int,
             counts: list[int], timeline: bool = False, profile: Path | None = None) -> None:
    portal = LargePortal(host_units)
    running = [serve(portal, f"127.0.0.{2 + i}", latency) for i in range(hosts)]
    extra = ["-s", f"CONCURRENT_REQUESTS={worker_concurrency}",
             "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={host_concurrency}"]
    try:
        urls = [r.url for r in running]
        expected = {urljoin(url, path) for url in urls for path in portal.reports}
        runs = []
        for count in counts:
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(run_cluster(urls, expected, count, Path(tmp), extra, timeline, profile))
    finally:
        for server in running:
            server.stop()
    print(f"part 2: {hosts} hosts x large portal at {host_units} bodies, every answer after {latency * 1000:.0f} ms, "
          f"{host_concurrency} requests per host for the cluster, {worker_concurrency} per worker")
    base = runs[0]
    for run in runs:
        print(f"  {describe(run)}; x{run.pages_per_s / base.pages_per_s:.2f} of {base.workers} worker(s) "
              f"(x{run.wall_pages_per_s / base.wall_pages_per_s:.2f} over the wall time)")
    best = runs[-1]
    print(f"  per hour on this machine with {best.workers} workers: {best.pages_per_s * 3600:,.0f} pages "
          f"({best.wall_pages_per_s * 3600:,.0f} over the wall time); one CPU core at "
          f"{best.cpu_ms_per_page:.0f} ms a page: {3600_000 / max(best.cpu_ms_per_page, 1):,.0f} pages an hour")
    print(f"  machine load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=24, help="bodies of the part-1 portal (full size: 120)")
    parser.add_argument("--bench-seconds", type=int, default=20, help="how long `scrapy bench` runs")
    parser.add_argument("--hosts", type=int, default=8, help="slow portals in part 2, one loopback address each")
    parser.add_argument("--host-units", type=int, default=4, help="bodies of each slow portal")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--host-concurrency", type=int, default=2, help="requests at once per host, cluster-wide")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="requests at once per worker")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to compare (the first is the base)")
    parser.add_argument("--skip-part-one", action="store_true")
    parser.add_argument("--timeline", action="store_true",
                        help="part 2: print each worker's timeline (requests in flight, queue, slot waits)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="part 2: run each worker under cProfile, writing DIR/<workers>w-<i>.prof")
    args = parser.parse_args()
    if not args.skip_part_one:
        part_one(args.units, args.bench_seconds)
    part_two(args.hosts, args.host_units, args.latency, args.host_concurrency, args.worker_concurrency,
             [int(n) for n in args.workers.split(",")], args.timeline, args.profile)


if __name__ == "__main__":
    main()
