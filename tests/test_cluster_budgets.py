"""A crawl cluster spends one budget, not one per worker: three `gkcrawl crawl --frontier`
workers (real subprocesses, Debian's redis-server on loopback) against the `subcolumns`
portal stop where one worker stops, and the spent budget is recorded once for the crawl.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawl_helpers import FAST, absolute, rows
from portals import EXPECTED, start_portal
from redis_server import running_redis

pytestmark = pytest.mark.slow


def run_workers(portal_url: str, shards: list[Path], frontier: str, *extra: str) -> None:
    processes = [subprocess.Popen([sys.executable, "-m", "gkcrawl", "crawl", portal_url, "--db", str(db), "--no-js",
                                   "--frontier", frontier, *FAST, "-s", "GKCRAWL_FRONTIER_LEASE=3",
                                   "-s", "GKCRAWL_FRONTIER_HEARTBEAT=0.5", "-s", f"GKCRAWL_WORKER_ID={db.stem}",
                                   *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for db in shards]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]


def fetched(shards: list[Path], like: str = "%") -> list[str]:
    return [url for db in shards for (url,) in rows(db, f"select url from captures where url like '{like}'")]


def test_three_workers_stop_a_subcolumn_generator_at_the_budget_one_worker_would(tmp_path: Path) -> None:
    budget = 30
    shards = [tmp_path / f"w{i}.db" for i in range(3)]
    with running_redis(tmp_path / "redis") as frontier, start_portal("subcolumns") as portal:
        run_workers(portal.url, shards, frontier, "-s", f"GKCRAWL_COLUMN_SUBCOLUMN_BUDGET={budget}")
        expected = absolute(portal.url, EXPECTED["subcolumns"]["reports"])
        column = f"{portal.url.rstrip('/')}/xxgk/nb/index.html"
    prefix = EXPECTED["subcolumns"]["generator_prefix"]
    generated = fetched(shards, f"%{prefix}%")
    assert len(set(generated)) == budget, f"{len(set(generated))} sub-columns for a budget of {budget}"
    assert {url for db in shards for (url,) in rows(db, "select url from reports")} == expected
    recorded = [row for db in shards for row in rows(db, "select budget, scope_url, spent from budgets")]
    assert recorded == [("column_subcolumns", column, budget)], "the spent budget is recorded once for the crawl"


def test_three_workers_follow_a_sites_request_budget_for_the_whole_cluster(tmp_path: Path) -> None:
    """A worker that starts after the others finished this small crawl is late and fetches nothing
    (frontier.py's hold): the cluster still fetches what one worker would."""
    budget = 12
    alone = tmp_path / "alone.db"
    shards = [tmp_path / f"w{i}.db" for i in range(3)]
    with running_redis(tmp_path / "redis") as frontier, start_portal("subcolumns") as portal:
        run_workers(portal.url, [alone], frontier.replace("/0", "/1"), "-s", f"GKCRAWL_SITE_REQUEST_BUDGET={budget}")
        run_workers(portal.url, shards, frontier, "-s", f"GKCRAWL_SITE_REQUEST_BUDGET={budget}")
    one_worker = fetched([alone])
    cluster = fetched(shards)
    assert len(cluster) == len(set(cluster)) == len(one_worker), (len(cluster), len(one_worker))
    assert len(one_worker) <= budget + 2  # the start page and robots.txt are not followed links
    assert len([row for db in shards for row in rows(db, "select budget from budgets")]) == 1
