"""A crawl cluster on real parts: Debian's redis-server on loopback, `gkcrawl crawl --frontier`
workers as real subprocesses against the `large` portal, real shard databases, `gkcrawl merge`.

Three workers find exactly the report set one worker finds, no URL fetched twice and
robots.txt once; a worker killed with SIGKILL midway loses nothing (the others put its
in-flight requests back and finish; the merge derives what it left pending); merging the
same shards again changes nothing, and every merged report reads back from its WARC record.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from crawl_helpers import FAST, absolute, rows
from redis_server import running_redis

pytestmark = pytest.mark.slow

UNITS = 12  # the `large` portal at 12 of its 120 bodies (~600 pages, ~320 reports)
LEASE = ["-s", "GKCRAWL_FRONTIER_LEASE=3", "-s", "GKCRAWL_FRONTIER_HEARTBEAT=0.5"]
HOLD = 8  # seconds a finished crawl keeps its mark, for the tests that crawl twice on one frontier
TABLES = ("captures", "urls", "reports", "report_cells", "checks", "derivations", "budgets", "sites")


def worker_argv(portal_url: str, db: Path, frontier: str, *extra: str, js: bool = False) -> list[str]:
    return [sys.executable, "-m", "gkcrawl", "crawl", portal_url, "--db", str(db), "--js" if js else "--no-js",
            "--frontier", frontier, *FAST, *LEASE, *extra]


def start_workers(portal_url: str, shards: list[Path], frontier: str) -> list[subprocess.Popen]:
    return [subprocess.Popen(worker_argv(portal_url, db, frontier, "-s", f"GKCRAWL_WORKER_ID={db.stem}"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for db in shards]


def finish(processes: list[subprocess.Popen], timeout: float = 240) -> list[str]:
    errors = []
    for process in processes:
        _, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
        errors.append(err)
    return errors


def report_urls(db: Path) -> list[str]:
    return [row[0] for row in rows(db, "select url from reports")]


def merge(target: Path, shards: list[Path]) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "gkcrawl", "merge", "--db", str(target), *map(str, shards)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def dump(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        return {table: sorted(conn.execute(f"select * from {table}").fetchall(), key=repr) for table in TABLES}


def assert_reports_read_back(db: Path) -> None:
    """Provenance survives the merge: each report's capture names a WARC record beside the target whose
    document hashes to the report's sha256."""
    from gkcrawl.archive.warc_read import read_verified

    located = rows(db, "select r.sha256, c.warc_file, c.warc_offset from reports r join captures c on c.id = r.capture_id")
    assert len(located) == rows(db, "select count(*) from reports")[0][0]
    for sha256, warc_file, offset in located:
        read_verified(db.parent / "warc" / warc_file, offset, sha256)  # raises on a wrong record or hash


def assert_published_like_a_crawl(db: Path, shards: list[Path]) -> None:
    """A merged report is in the wide tables and the search index, with the cells its shard had."""
    from gkcrawl.archive.search import search_ids

    for view in ("requests_wide", "appeals_wide", "active_disclosure_wide"):
        in_shards = sum(rows(shard, f"select count(*) from {view}")[0][0] for shard in shards)
        assert rows(db, f"select count(*) from {view}")[0][0] == in_shards > 0, view
    cells = sum(rows(shard, "select count(*) from report_cells")[0][0] for shard in shards)
    assert rows(db, "select count(*) from report_cells")[0][0] == cells
    (title,), = rows(db, "select title from reports order by id limit 1")
    with sqlite3.connect(db) as conn:
        hits = search_ids(conn, title)
    assert hits, f"{title} not found by the archive's search after the merge"


def test_three_workers_find_one_workers_report_set_each_once_and_merge_twice_changes_nothing(tmp_path: Path) -> None:
    from portals.style_large import LargePortal

    large = LargePortal(units=UNITS)
    shards = [tmp_path / "shards" / f"w{i}.db" for i in range(3)]
    with running_redis(tmp_path / "redis") as frontier, large.start() as portal:
        alone = tmp_path / "alone" / "a.db"
        finish([subprocess.Popen(worker_argv(portal.url, alone, frontier.replace("/0", "/1")),
                                 stderr=subprocess.PIPE, text=True)])
        finish(start_workers(portal.url, shards, frontier))
        expected = absolute(portal.url, large.reports)

    one_worker = set(report_urls(alone))
    assert one_worker == expected
    per_shard = [report_urls(db) for db in shards]
    assert all(per_shard), "every worker took part"
    found = Counter(url for urls in per_shard for url in urls)
    assert set(found) == one_worker
    assert [url for url, times in found.items() if times > 1] == []
    fetched = Counter(url for db in shards for (url,) in rows(db, "select url from captures"))
    assert [url for url, times in fetched.items() if times > 1] == [], "a URL fetched by two workers"
    assert fetched[f"{portal.url.rstrip('/')}/robots.txt"] == 1

    target = tmp_path / "merged" / "gkcrawl.db"
    merge(target, shards)
    assert sorted(report_urls(target)) == sorted(expected)
    assert rows(target, "select count(*) from captures")[0][0] == sum(fetched.values())
    assert_reports_read_back(target)
    assert_published_like_a_crawl(target, shards)
    before = dump(target)
    again = merge(target, shards)
    assert dump(target) == before
    assert "0 captures, 0 urls, 0 reports" in again.stderr


def kill_holding_requests(victim: subprocess.Popen, shard: Path, frontier: str, worker: str,
                          reports: int = 40, timeout: float = 120) -> int:
    """SIGKILL `victim` once its shard has `reports` reports, at a moment it holds requests in flight.

    The cluster's per-host places are shared, so a worker can briefly hold nothing; killing it then
    would test nothing. The victim is frozen (SIGSTOP) while its in-flight entries are counted, so
    the count is the one it dies with. Returns that count."""
    from gkcrawl.crawl.frontier import FrontierKeys, connect

    server = connect(frontier)
    inflight = FrontierKeys("gkcrawl").inflight
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and victim.poll() is None:
            time.sleep(0.2)
            try:
                if len(report_urls(shard)) < reports:
                    continue
            except sqlite3.Error:
                continue  # the shard is still being created
            victim.send_signal(signal.SIGSTOP)
            held = sum(1 for field in server.hkeys(inflight) if field.decode().startswith(f"{worker}."))
            if held:
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                return held
            victim.send_signal(signal.SIGCONT)
        raise AssertionError(f"worker {worker} never held a request in flight after {reports} reports")
    finally:
        server.close()


def test_worker_killed_midway_loses_nothing(tmp_path: Path) -> None:
    from portals.style_large import LargePortal

    large = LargePortal(units=UNITS)
    shards = [tmp_path / "shards" / f"w{i}.db" for i in range(3)]
    with running_redis(tmp_path / "redis") as frontier, large.start() as portal:
        workers = start_workers(portal.url, shards, frontier)
        victim = workers[1]
        held_when_killed = kill_holding_requests(victim, shards[1], frontier, "w1")
        killed_with = len(report_urls(shards[1]))
        survivors = finish([w for w in workers if w is not victim])
        expected = absolute(portal.url, large.reports)

    assert 0 < killed_with < len(expected) / 2, killed_with
    assert held_when_killed > 0
    assert any("put back in the queue" in err for err in survivors), "no in-flight request was reclaimed"
    target = tmp_path / "merged" / "gkcrawl.db"
    merge(target, shards)
    merged = report_urls(target)
    assert sorted(merged) == sorted(expected), f"missing {sorted(expected - set(merged))[:5]}"
    assert rows(target, "select count(*) from derivations where status = 'pending'") == [(0,)]
    assert_reports_read_back(target)


def crawl_cluster(portal_url: str, shards: list[Path], frontier: str, *extra: str, js: bool = False) -> list[str]:
    return finish([subprocess.Popen(worker_argv(portal_url, db, frontier, "-s", f"GKCRAWL_WORKER_ID={db.stem}", *extra,
                                                js=js),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for db in shards])


def wait_out_the_hold(frontier: str, hold: float) -> None:
    """Until the frontier's finished crawl is `hold` seconds old (Redis's clock): the next worker seeds anew."""
    from gkcrawl.crawl.frontier import FrontierKeys, connect

    server = connect(frontier)
    mark = server.get(FrontierKeys("gkcrawl").seed).decode()
    assert mark.startswith("finished "), mark
    seconds, micros = server.time()
    time.sleep(max(0.0, int(mark.split()[1]) / 1000 + hold - (seconds + micros / 1e6)) + 0.1)
    server.close()


@pytest.mark.parametrize("style", ["trs", "hanweb", "jsonly", "attachments"])
def test_two_workers_find_each_portal_styles_reports_exactly(style: str, tmp_path: Path) -> None:
    """Requests of every CMS strategy (TRS pages, Hanweb proxy forms, script-built lists rendered by
    chromium, attachments) travel through the frontier whole, callbacks and meta included."""
    from portals import EXPECTED, start_portal

    shards = [tmp_path / f"w{i}.db" for i in range(2)]
    with running_redis(tmp_path / "redis") as frontier, start_portal(style) as portal:
        crawl_cluster(portal.url, shards, frontier, js=True)
        expected = absolute(portal.url, EXPECTED[style]["reports"])
    target = tmp_path / "merged" / "gkcrawl.db"
    merge(target, shards)
    found = report_urls(target)
    assert sorted(found) == sorted(expected), f"missing {sorted(expected - set(found))}; extra {sorted(set(found) - expected)}"


def test_a_changing_portal_recrawled_by_the_cluster_merges_to_new_versions_and_gone(tmp_path: Path) -> None:
    """Week 2 on the same shards and frontier: changed reports become version 2 in the merged
    archive, removed ones gone, whichever worker stored them in week 1."""
    from urllib.parse import urljoin

    from portals import EXPECTED, start_portal

    manifest = EXPECTED["changing"]
    shards = [tmp_path / f"w{i}.db" for i in range(2)]
    target = tmp_path / "merged" / "gkcrawl.db"
    hold = ("-s", f"GKCRAWL_FRONTIER_HOLD={HOLD}")
    with running_redis(tmp_path / "redis") as frontier, start_portal("changing") as portal:
        crawl_cluster(portal.url, shards, frontier, *hold)
        merge(target, shards)
        gen1 = absolute(portal.url, manifest["reports"])
        assert set(report_urls(target)) == gen1
        portal.set_generation(2)
        wait_out_the_hold(frontier, HOLD)
        crawl_cluster(portal.url, shards, frontier, *hold)
        merge(target, shards)
        changes = manifest["generation2"]
        changed = absolute(portal.url, changes["changed"])
        removed = absolute(portal.url, changes["removed"])
        moved = {urljoin(portal.url, new) for new in dict(changes["moved"]).values()}
    versions = dict(rows(target, "select url, max(version) from reports group by url"))
    assert {url for url in changed if versions[url] == 2} == changed
    assert all(versions[url] == 1 for url in gen1 - changed - removed)
    gone = {url for (url,) in rows(target, "select url from reports where gone_at is not null")}
    assert gone == removed
    assert moved <= set(versions)
    assert rows(target, "select url, sha256, count(*) from reports group by url, sha256 having count(*) > 1") == []


def test_a_worker_starting_after_the_cluster_finished_only_rechecks_its_shards_reports(tmp_path: Path) -> None:
    """A late worker (a slow start, a restarted unit) must not start the crawl over, nor skip what only
    it can do: within the hold it re-checks the reports its own shard holds that the finished crawl did
    not fetch (here last week's reports, since removed: now gone) and nothing else, says when the
    crawl ended and exits 0. After the hold the next crawl starts: the changing-portal test's week 2."""
    from urllib.parse import urljoin

    from crawl_helpers import crawl
    from portals import EXPECTED, start_portal

    hold = ("-s", "GKCRAWL_FRONTIER_HOLD=600")
    late = tmp_path / "late.db"
    with running_redis(tmp_path / "redis") as frontier, start_portal("changing") as portal:
        removed = sorted(urljoin(portal.url, url) for url in EXPECTED["changing"]["generation2"]["removed"])
        crawl(removed, late, "--no-js", "--depth", "0")  # the late worker's shard, from last week
        (last_week,), = rows(late, "select max(id) from captures")
        portal.set_generation(2)
        crawl_cluster(portal.url, [tmp_path / "w0.db"], frontier, *hold)
        (late_err,) = crawl_cluster(portal.url, [late], frontier, *hold)
    assert "the cluster's crawl on this frontier finished at" in late_err, late_err[-2000:]
    fetched_late = rows(late, f"select url, status from captures where id > {last_week} "
                              "and url not like '%/robots.txt'")
    assert sorted(fetched_late) == [(url, 404) for url in removed], "a late worker crawled more than its re-checks"
    assert sorted(url for (url,) in rows(late, "select distinct url from reports where gone_at is not null")) == removed


def test_a_report_removed_is_gone_after_the_merge_whichever_shard_saw_the_404(tmp_path: Path) -> None:
    """In a cluster the re-check of a report one worker stored may be fetched by another, whose shard
    never held it (a dead link there). Merged, the archive holds the report and its URL's latest
    sighting is a 404: the report is gone. Made deterministic with two plain crawls: shard A stores
    week 1; shard B, a week-2 crawl, is started at the removed report's URL."""
    from urllib.parse import urljoin

    from crawl_helpers import crawl
    from portals import EXPECTED, start_portal

    manifest = EXPECTED["changing"]
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    with start_portal("changing") as portal:
        crawl([portal.url], first, "--no-js")
        portal.set_generation(2)
        removed = sorted(urljoin(portal.url, url) for url in manifest["generation2"]["removed"])
        crawl([portal.url, *removed], second, "--no-js")
    assert rows(second, "select count(*) from reports where gone_at is not null") == [(0,)]  # a dead link to B
    target = tmp_path / "merged" / "gkcrawl.db"
    merge(target, [first, second])
    gone = sorted(url for (url,) in rows(target, "select distinct url from reports where gone_at is not null"))
    assert gone == removed


def test_a_worker_whose_share_was_one_removed_report_answers_for_what_the_cluster_fetched(tmp_path: Path) -> None:
    """The cluster's CI flake made deterministic: a worker joins a crawl under way and its whole share
    is the re-check of a report its shard holds, now a 404 (its peers took the site's pages). It
    marks the report gone and exits 0, because a peer had pages from the host (`:reached`); with no
    worker reaching the host it still exits 4, as a lone crawl would."""
    from urllib.parse import urljoin

    from crawl_helpers import crawl
    from gkcrawl.crawl.frontier import FrontierKeys, connect
    from portals import EXPECTED, start_portal

    keys = FrontierKeys("gkcrawl")
    removed = sorted(EXPECTED["changing"]["generation2"]["removed"])
    outcomes = {}
    with running_redis(tmp_path / "redis") as frontier, start_portal("changing") as portal:
        host = portal.url.split("/")[2]
        for peer_reached in (True, False):
            shard = tmp_path / f"reached-{int(peer_reached)}.db"
            crawl([urljoin(portal.url, url) for url in removed], shard, "--no-js", "--depth", "0")  # stored last week
            portal.set_generation(2)
            server = connect(frontier)
            server.flushdb()
            server.set(keys.seed, "seeded")  # a crawl under way: this worker does not seed
            if peer_reached:
                server.hset(keys.reached, host, "peer")
            worker = subprocess.run(worker_argv(portal.url, shard, frontier), capture_output=True, text=True,
                                    timeout=120)
            outcomes[peer_reached] = worker.returncode, worker.stderr
            portal.set_generation(1)
    assert all(rows(tmp_path / f"reached-{r}.db", "select count(*) from reports") == [(len(removed),)] for r in (1, 0))
    code, err = outcomes[True]
    assert code == 0, err[-3000:]
    assert f"{len(removed)} gone" in err, err[-3000:]
    gone = rows(tmp_path / "reached-1.db", "select distinct url from reports where gone_at is not null")
    assert sorted(url for (url,) in gone) == [urljoin(portal.url, url) for url in removed]
    code, err = outcomes[False]
    assert code == 4 and "yielded no page (http 404)" in err, err[-3000:]


@pytest.mark.parametrize("style, shortfall", [("gopage", 0), ("trsbrowser", 13)])
def test_list_coverage_is_the_clusters_and_merges_to_one_row_per_list(style: str, shortfall: int,
                                                                      tmp_path: Path) -> None:
    """Workers each fetch part of a list's pages; the coverage row is the cluster's (declared against every
    record any worker reached), one per crawl and list after the merge, a real shortfall still shown."""
    from portals import EXPECTED, start_portal

    shards = [tmp_path / f"w{i}.db" for i in range(3)]
    with running_redis(tmp_path / "redis") as frontier, start_portal(style) as portal:
        crawl_cluster(portal.url, shards, frontier)
    declared = EXPECTED[style]["declared"]
    readings = [row for db in shards for row in rows(db, "select list_url, declared, reached, scope, crawl_id "
                                                              "from list_coverage")]
    assert readings and {scope for _, _, _, scope, _ in readings} == {"cluster"}
    assert len({crawl for *_, crawl in readings}) == 1  # one crawl
    target = tmp_path / "merged" / "gkcrawl.db"
    merge(target, shards)
    merged = rows(target, "select list_url, declared, reached, shortfall, scope from list_coverage")
    assert [(d, r, s, scope) for _, d, r, s, scope in merged] == [(declared, declared - shortfall, shortfall, "cluster")]
    assert merged[0][0] == readings[0][0]
    merge(target, shards)
    assert rows(target, "select list_url, declared, reached, shortfall, scope from list_coverage") == merged
