"""The frontier's Redis scripts on a real redis-server: the reliable pop, reclaim after a silent
worker's lease, put-back, the cluster-wide idle check and the per-host politeness reservation.

No crawl here (tests/test_cluster.py crawls); each script is driven as the workers drive it.
"""

from __future__ import annotations

import time

import pytest
from scrapy import Request, Spider

from gkcrawl.crawl.cluster_politeness import RESERVE
from gkcrawl.crawl.frontier import BUSY, HEARTBEAT, JOIN, RECLAIM, FrontierKeys, ReliableQueue, connect
from redis_server import redis_url  # noqa: F401 - the fixture

KEYS = FrontierKeys("t")


class ListSpider(Spider):
    name = "list"

    def parse(self, response: object) -> None:  # the callback requests are serialised with
        return None


@pytest.fixture
def server(redis_url: str):  # noqa: F811 - the fixture
    client = connect(redis_url)
    yield client
    client.close()


def queue_of(server, worker: str) -> ReliableQueue:
    return ReliableQueue(server, ListSpider(), KEYS, worker)


def beat(server, worker: str) -> None:
    server.register_script(HEARTBEAT)(keys=[KEYS.workers], args=[worker])


def busy(server, lease_ms: int = 60000, finish: bool = False) -> bool:
    keys = [KEYS.requests, KEYS.inflight, KEYS.seed, KEYS.workers]
    return bool(server.register_script(BUSY)(keys=keys, args=[lease_ms, "1" if finish else "0"]))


def join(server, worker: str, hold_ms: int) -> tuple[str, str]:
    role, at = server.register_script(JOIN)(keys=[KEYS.seed, KEYS.crawl, *KEYS.crawl_memory],
                                            args=[f"seeding {worker}", hold_ms, worker])
    return role.decode(), at.decode()


def reclaim(server, lease_ms: int) -> int:
    return int(server.register_script(RECLAIM)(keys=[KEYS.requests, KEYS.inflight, KEYS.workers], args=[lease_ms]))


def test_a_taken_request_is_in_flight_until_acked_never_nowhere(server) -> None:
    queue = queue_of(server, "a")
    beat(server, "a")
    for n, priority in ((1, 0), (2, 30), (3, 10)):
        queue.push(Request(f"http://example.org/{n}", priority=priority))
    token, request, _ = queue.pop_inflight()
    assert request is not None and request.url == "http://example.org/2"  # highest priority first
    assert len(queue) == 2 and server.hlen(KEYS.inflight) == 1
    assert busy(server)
    queue.ack(token)
    assert server.hlen(KEYS.inflight) == 0 and len(queue) == 2


def test_a_silent_workers_requests_go_back_after_its_lease_a_live_ones_stay(server) -> None:
    dead, live = queue_of(server, "dead"), queue_of(server, "live")
    beat(server, "dead")
    beat(server, "live")
    for n in range(4):
        dead.push(Request(f"http://example.org/{n}"))
    assert dead.pop_inflight() is not None and dead.pop_inflight() is not None
    assert live.pop_inflight() is not None
    assert len(dead) == 1 and server.hlen(KEYS.inflight) == 3
    assert reclaim(server, lease_ms=60000) == 0  # nobody is silent yet
    time.sleep(0.3)
    beat(server, "live")
    assert reclaim(server, lease_ms=200) == 2  # only the silent worker's two
    assert len(dead) == 3 and server.hlen(KEYS.inflight) == 1
    assert server.zscore(KEYS.workers, "dead") is None
    urls = {queue_of(server, "next").pop_inflight()[1].url for _ in range(3)}
    assert len(urls) == 3  # each put-back request is whole and decodes


def test_put_back_returns_unfinished_requests_with_their_priority(server) -> None:
    queue = queue_of(server, "a")
    beat(server, "a")
    queue.push(Request("http://example.org/high", priority=50))
    queue.push(Request("http://example.org/low", priority=1))
    token, _, _ = queue.pop_inflight()
    assert queue.requeue(token) == 1
    assert queue.requeue(token) == 0  # once only
    assert queue.pop_inflight()[1].url == "http://example.org/high"


def test_the_cluster_is_idle_only_with_nothing_queued_in_flight_or_being_seeded(server) -> None:
    beat(server, "seeder")
    server.set(KEYS.seed, "seeding seeder")
    assert busy(server)  # a live worker is still seeding
    server.set(KEYS.seed, "seeded")
    server.sadd(KEYS.dupefilter, "fingerprint")
    assert not busy(server)
    assert server.get(KEYS.seed) == b"seeded"  # only looked
    server.set(KEYS.seed, "seeding gone-worker")  # a seeder that died before its first heartbeat counts not
    assert not busy(server, finish=True)
    mark = server.get(KEYS.seed).decode()
    assert mark.startswith("finished ") and int(mark.split()[1]) > 0
    assert server.exists(KEYS.dupefilter)  # the finished crawl's memory stays until the next crawl seeds
    assert not busy(server, finish=True) and server.get(KEYS.seed).decode() == mark  # the first finish counts


def test_a_worker_joining_a_finished_crawl_is_late_until_the_hold_then_seeds_afresh(server) -> None:
    assert join(server, "first", hold_ms=60000) == ("seed", "")  # an empty frontier: the first seeds
    assert join(server, "second", hold_ms=60000) == ("join", "")  # a crawl under way: the others join
    server.sadd(KEYS.dupefilter, "fingerprint")
    server.hset(KEYS.reached, "example.org", "first")
    server.set(KEYS.seed, "seeded")
    assert not busy(server, finish=True)
    finished_at = server.get(KEYS.seed).decode().split()[1]
    assert join(server, "late", hold_ms=60000) == ("late", finished_at)  # within the hold: nothing to do
    assert server.exists(KEYS.dupefilter) and server.get(KEYS.seed).decode() == f"finished {finished_at}"
    time.sleep(0.2)
    assert join(server, "next-week", hold_ms=100) == ("seed", "")  # after the hold: the next crawl
    assert server.get(KEYS.seed) == b"seeding next-week"
    assert not any(server.exists(key) for key in KEYS.crawl_memory)  # the last crawl's memory is gone


def test_a_hosts_delay_and_concurrency_hold_across_workers(server) -> None:
    reserve = server.register_script(RESERVE)

    def ask(token: str, delay_ms: int, concurrency: int) -> int:
        keys = [KEYS.host_busy("h"), KEYS.host_next("h"), KEYS.host_limits]
        return int(reserve(keys=keys, args=[token, delay_ms, concurrency, 30000, "h", "0"]))

    assert ask("w1|1", 0, 2) == 0
    assert ask("w2|1", 0, 2) == 0
    assert ask("w3|1", 0, 2) == -1  # both places taken, whichever worker asks
    server.zrem(KEYS.host_busy("h"), "w1|1")
    assert ask("w3|1", 0, 2) == 0
    server.delete(KEYS.host_busy("h"))
    assert ask("w1|2", 60000, 0) == 0
    wait = ask("w2|2", 60000, 0)
    assert 0 < wait <= 60000  # the next send time is the cluster's, not the worker's


def test_a_pop_takes_the_best_request_whose_host_has_a_free_place_and_reserves_it(server) -> None:
    """One host's queued requests must not hold every worker: with two places per host for the
    cluster, the third pop skips host a (both its places reserved by the first two pops, whoever
    made them) for host b's lower-priority request; a finished request gives its place back."""
    first, second = (ReliableQueue(server, ListSpider(), KEYS, w, concurrency=2, lease_ms=30000) for w in "xy")
    for n in range(4):
        first.push(Request(f"http://a.example.org/{n}", priority=10))
    first.push(Request("http://b.example.org/0", priority=0))
    taken = [first.pop_inflight(), second.pop_inflight(), first.pop_inflight()]
    hosts = [(request.url.split("/")[2], place) for _, request, place in taken]
    assert hosts == [("a.example.org", "a.example.org"), ("a.example.org", "a.example.org"),
                     ("b.example.org", "b.example.org")]
    assert server.zcard(KEYS.host_busy("a.example.org")) == 2
    token = taken[0][0]
    first.ack(token, places={token: "a.example.org"})
    assert server.zcard(KEYS.host_busy("a.example.org")) == 1
    _, request, place = second.pop_inflight()
    assert request.url.startswith("http://a.example.org/") and place == "a.example.org"


def test_within_a_priority_hosts_take_turns(server) -> None:
    queue = queue_of(server, "a")
    for host in "ab":
        for n in range(3):
            queue.push(Request(f"http://{host}.example.org/{n}"))
    order = [queue.pop_inflight()[1].url.split("/")[2][0] for _ in range(6)]
    assert order in (list("ababab"), list("bababa"))


def test_a_request_whose_host_is_full_stays_queued_for_whichever_worker_a_place_frees_for(server) -> None:
    queue = ReliableQueue(server, ListSpider(), KEYS, "x", concurrency=1, lease_ms=30000)
    for n in range(2):
        queue.push(Request(f"http://a.example.org/{n}"))
    token, _, place = queue.pop_inflight()
    assert queue.pop_inflight() is None and len(queue) == 1  # nothing this worker could send now
    queue.ack(token, places={token: place})
    assert queue.pop_inflight() is not None


def test_workers_list_tallies_combine_into_the_clusters(server) -> None:
    """One worker saw the list declare 5 and reached 2 records, another reached 3 more (and one of the
    same) on pages whose declaration it never saw: each reading after its own push is the union so far,
    the last one complete; the largest declaration wins with its evidence; a new crawl starts empty."""
    from gkcrawl.crawl.cluster_coverage import ClusterCoverage
    from gkcrawl.crawl.coverage import ListCoverage

    join(server, "w0", 0)
    first, second = ListCoverage(), ListCoverage()
    first.declare("http://a/list", 4, "共4条")
    first.reach("http://a/list", ["r1", "r2"], "static")
    second.reach("http://a/list", ["r2", "r3", "r4", "r5"], "service")
    second.declare("http://a/list", 5, "recordCount=5")
    second.reach("http://a/other", ["x"], "static")  # never declared anywhere: no row
    crawl, tallies = ClusterCoverage(server, KEYS).combine(first)
    assert [(t.declared, len(t.reached)) for t in tallies] == [(4, 2)]
    again, tallies = ClusterCoverage(server, KEYS).combine(second)
    assert again == crawl and crawl.endswith("-w0")
    [tally] = tallies
    assert (tally.declared, tally.evidence, tally.reached, tally.methods, tally.shortfall) == (
        5, "recordCount=5", {"r1", "r2", "r3", "r4", "r5"}, {"static", "service"}, 0)
    server.set(KEYS.seed, "finished 0")
    join(server, "w1", 0)  # the next crawl
    later, tallies = ClusterCoverage(server, KEYS).combine(ListCoverage())
    assert later != crawl and tallies == []


def test_a_pop_acknowledges_what_the_worker_finished_in_the_same_script_even_when_nothing_is_taken(server) -> None:
    """The acknowledgements ride on the next pop: the finished requests leave the in-flight hash and
    their host places are given back before the pop looks for a free place (so it can take the place
    just freed), and they are done when the pop finds nothing too."""
    queue = ReliableQueue(server, ListSpider(), KEYS, "x", concurrency=1, lease_ms=30000)
    for n in range(2):
        queue.push(Request(f"http://a.example.org/{n}"))
    first, _, place = queue.pop_inflight()
    assert queue.pop_inflight() is None  # host a's one place is first's
    second, request, again = queue.pop_inflight([first], places={first: place})
    assert request.url.startswith("http://a.example.org/") and again == "a.example.org"
    assert server.hkeys(KEYS.inflight) == [second.encode()]
    assert server.zrange(KEYS.host_busy("a.example.org"), 0, -1) == [second.encode()]
    assert queue.pop_inflight([second], places={second: again}) is None and len(queue) == 0
    assert server.hlen(KEYS.inflight) == 0 and server.zcard(KEYS.host_busy("a.example.org")) == 0


def test_a_push_with_its_fingerprint_queues_only_what_the_clusters_filter_had_not_seen(server) -> None:
    """ENQUEUE: the duplicate filter's SADD and the queue's ZADD in one script; a fingerprint another
    worker added first is a duplicate, whatever this worker's own memory."""
    first, second = queue_of(server, "x"), queue_of(server, "y")
    assert first.push(Request("http://a.example.org/1"), fingerprint="f1")
    assert not second.push(Request("http://a.example.org/1"), fingerprint="f1")
    assert second.push(Request("http://a.example.org/2"), fingerprint="f2")
    assert server.smembers(KEYS.dupefilter) == {b"f1", b"f2"} and len(first) == 2
    assert {second.pop_inflight()[1].url for _ in range(2)} == {"http://a.example.org/1", "http://a.example.org/2"}


def test_a_reclaim_that_beats_its_workers_heartbeat_still_puts_back_a_killed_workers_requests(server) -> None:
    """The tick's heartbeat and reclaim are one script: the live worker's beat keeps its own requests
    in flight while a silent worker's go back to the queue."""
    dead, live = queue_of(server, "dead"), queue_of(server, "live")
    beat(server, "dead")
    for n in range(3):
        dead.push(Request(f"http://example.org/{n}"))
    dead.pop_inflight()
    dead.pop_inflight()
    live.pop_inflight()
    time.sleep(0.05)
    reclaim_beating = server.register_script(RECLAIM)
    put_back = reclaim_beating(keys=[KEYS.requests, KEYS.inflight, KEYS.workers], args=[30, "live"])
    assert int(put_back) == 2 and len(dead) == 2
    assert [f.split(b"|")[0] for f in server.hkeys(KEYS.inflight)] == [b"live"]
    assert server.zscore(KEYS.workers, "live") is not None and server.zscore(KEYS.workers, "dead") is None
