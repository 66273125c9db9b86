"""The crawl cluster's shared frontier: scrapy-redis's scheduler with a queue that loses nothing.

`gkcrawl crawl --frontier redis://HOST:PORT/DB` runs one worker; any number of workers, on
one machine or many, share one request queue and one duplicate filter in Redis
(scrapy-redis's `Scheduler`, priority queue and `RFPDupeFilter`), and each writes its own
WARC files and shard database. Three things scrapy-redis leaves to its users are done here:

- A reliable pop. scrapy-redis removes a request from the queue when a worker takes it, so a
  worker killed with requests in flight loses them (its issue #141 and the README's
  "requests in flight are lost"). Here one Lua script moves the request from the queue into
  the frontier's `inflight` hash under the worker's token; the worker acknowledges it once
  Scrapy has finished with it (the callback's requests are in the queue and its items have
  left the pipelines, i.e. the engine no longer holds the request), so at every instant a
  piece of work is in the queue or in flight, never nowhere. Each worker beats a heartbeat
  (Redis's own clock); a worker silent for GKCRAWL_FRONTIER_LEASE seconds is dead and any
  other worker puts its in-flight requests back into the queue. A worker stopped gracefully
  puts back the requests it did not finish.
- Seeding once. The first worker to open the frontier (SET NX) seeds it with its start
  requests; the others drop theirs and take work from the queue, except their re-checks of
  the reports their own shard holds (so a removal is noticed whichever shard stored it; the
  shared duplicate filter sends each URL once).
- Finishing together. A worker is done only when the whole cluster is: queue empty, nothing
  in flight anywhere and no seeding under way, checked atomically in one script. The worker
  that sees the end first marks the crawl `finished` with Redis's time. A worker opening the
  frontier within GKCRAWL_FRONTIER_HOLD seconds of that mark is late for a crawl that is over
  (a slow start, a restarted unit): it sends only the re-checks of the reports its own shard
  holds (the finished crawl's seen set drops what the crawl fetched) and says so. The first
  worker after the hold seeds the next crawl (next week's timer) and clears the finished
  crawl's memory (the duplicate filter, budgets, the hosts reached) in the same script.
- Answering for the cluster. A site is judged by what the cluster fetched from it, not one
  worker's share: each worker marks in `:reached` the start hosts that gave it a good page,
  so a worker whose peers took the site's pages (or that only re-checked a removed report)
  does not report the site as yielding nothing.

Redis keys, under GKCRAWL_FRONTIER_NAME (`gkcrawl` by default): `:requests` (sorted set,
scrapy-redis's), `:dupefilter` (set, scrapy-redis's), `:inflight` (hash, token -> score and
request), `:workers` (sorted set, worker -> last heartbeat in ms), `:seed` (`seeding WORKER`,
`seeded`, or `finished MS`), `:reached` (hash, host -> the first worker that had a good page),
`:budget:members` and `:budget:spent` (the spider's budgets for the cluster, budget_counts.py).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from . import config
from .outcome import CLUSTER_REACHED, good_responses

logger = logging.getLogger(__name__)

TOKEN_META = "gk_frontier_token"  # the in-flight token of a request taken from the frontier
PLACE_META = "gk_cluster_place"  # (host, token) of the host's cluster place the pop reserved for it
KNOWN_META = "gk_known"  # the spider's re-check of a report its archive holds (every worker sends its own)
SEEDING = "seeding"
FINISHED = "finished"
WAKE_SECONDS = 0.2  # how often an idle worker looks for requests other workers queued (one ZCARD)
SEEDED = "seeded"

# Redis time in ms, inside a script (every worker reads one clock, whatever its machine's).
_NOW = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

# Finish what this worker is done with, then take the best queued request whose host has a free place
# for the cluster (KEYS: requests, inflight, host limits, then the busy set of each host place given back;
# ARGV: token, default concurrency, lease ms, how many of the best to look at, key prefix, how many
# tokens are acknowledged, those tokens, then the token of each place given back, in KEYS' order).
# The acknowledgements ride on the pop (the engine asks for its next request as each one finishes):
# one round trip, not two, and done even when nothing can be taken.
# A queued member is `gkh:HOST\n` + the request: the script reads each candidate's host, its places
# taken (the politeness middleware's `:host:H:busy`) and its next send time (`:host:H:next`), takes
# the first that can leave now and reserves its place under the token, so a worker holds only
# requests it can send and leaves the rest to whichever worker a place frees for (an idle worker
# looks again every WAKE_SECONDS). None can leave: nil, as for an empty queue. A member without
# the prefix (queued by an older worker) is taken as it comes. Returns {request, host or ''}.
POP = _NOW + """
local acked = tonumber(ARGV[6])
if acked > 0 then redis.call('HDEL', KEYS[2], unpack(ARGV, 7, 6 + acked)) end
for i = 4, #KEYS do redis.call('ZREM', KEYS[i], ARGV[3 + acked + i]) end
local r = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1, 'WITHSCORES')
local pick, place, full = nil, '', {}
for i = 1, #r, 2 do
  local m = r[i]
  if string.sub(m, 1, 4) ~= 'gkh:' then pick = i; break end
  local e = string.find(m, '\\n', 5, true)
  local host = string.sub(m, 5, e - 1)
  if not full[host] then
    local busy = ARGV[5] .. ':host:' .. host .. ':busy'
    local limit = tonumber(redis.call('HGET', KEYS[3], host) or ARGV[2])
    local next_send = tonumber(redis.call('GET', ARGV[5] .. ':host:' .. host .. ':next') or '0')
    redis.call('ZREMRANGEBYSCORE', busy, '-inf', now)
    if next_send <= now and (limit <= 0 or redis.call('ZCARD', busy) < limit) then
      pick = i
      if limit > 0 then
        place = host
        redis.call('ZADD', busy, now + tonumber(ARGV[3]), ARGV[1])
        redis.call('PEXPIRE', busy, tonumber(ARGV[3]) + 60000)
      end
      break
    end
    full[host] = true  -- its other queued requests cannot leave either: not asked again in this pop
  end
end
if pick == nil then return false end
redis.call('ZREM', KEYS[1], r[pick])
redis.call('HSET', KEYS[2], ARGV[1], r[pick + 1] .. '\\n' .. r[pick])
return {r[pick], place}
"""
POP_LOOKAHEAD = 256  # queued requests a pop looks through for one whose host is free
HOST_PREFIX = b"gkh:"
TIE_STEP = 1e-7  # a host's n-th queued request sorts among the others' n-th within one priority

HEARTBEAT = _NOW + "redis.call('ZADD', KEYS[1], now, ARGV[1]) return now"

# Put back what dead workers held (KEYS: requests, inflight, workers; ARGV: lease ms, and this worker's
# name to beat its heartbeat first, in the same round trip, or '').
RECLAIM = _NOW + """
if ARGV[2] and ARGV[2] ~= '' then redis.call('ZADD', KEYS[3], now, ARGV[2]) end
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[1]))
local gone = {}
for _, w in ipairs(dead) do gone[w] = true; redis.call('ZREM', KEYS[3], w) end
local live = {}
for _, w in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do live[w] = true end
local all = redis.call('HGETALL', KEYS[2])
local n = 0
for i = 1, #all, 2 do
  local field = all[i]
  local w = string.sub(field, 1, string.find(field, '|', 1, true) - 1)
  if gone[w] or not live[w] then
    local v = all[i + 1]
    local p = string.find(v, '\\n', 1, true)
    redis.call('ZADD', KEYS[1], string.sub(v, 1, p - 1), string.sub(v, p + 1))
    redis.call('HDEL', KEYS[2], field)
    n = n + 1
  end
end
return n
"""

# Queue a request unless the cluster's duplicate filter has its fingerprint (KEYS: dupefilter, requests;
# ARGV: fingerprint, or '' for a request never filtered; score; member). 1 queued, 0 a duplicate.
# scrapy-redis asks the filter (SADD) and then queues (ZADD): two round trips where one does.
ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Put back this worker's unfinished requests (KEYS: requests, inflight; ARGV: tokens).
REQUEUE = """
local n = 0
for _, token in ipairs(ARGV) do
  local v = redis.call('HGET', KEYS[2], token)
  if v then
    local p = string.find(v, '\\n', 1, true)
    redis.call('ZADD', KEYS[1], string.sub(v, 1, p - 1), string.sub(v, p + 1))
    redis.call('HDEL', KEYS[2], token)
    n = n + 1
  end
end
return n
"""

# Is there work anywhere (KEYS: requests, inflight, seed, workers; ARGV: lease ms, 1 to mark the crawl
# finished when there is none)? 1 busy, 0 finished. The finished crawl's memory stays until the next seeds.
BUSY = _NOW + """
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('HLEN', KEYS[2]) > 0 then return 1 end
local seed = redis.call('GET', KEYS[3])
if seed and string.sub(seed, 1, 7) == 'seeding' then
  local beat = redis.call('ZSCORE', KEYS[4], string.sub(seed, 9))
  if beat and tonumber(beat) > now - tonumber(ARGV[1]) then return 1 end
end
if ARGV[2] == '1' and not (seed and string.sub(seed, 1, 9) == 'finished ') then
  redis.call('SET', KEYS[3], 'finished ' .. now)
end
return 0
"""

# Join the frontier (KEYS: seed, crawl id, then the crawl's memory to clear when seeding; ARGV: this
# worker's seeding mark, hold ms, its name). {'seed'} this worker seeds a new crawl (the memory of the
# last one cleared, the crawl id set to Redis ms-worker);
# {'join'} a crawl is under way; {'late', finished ms} the crawl finished less than the hold ago.
JOIN = _NOW + """
local seed = redis.call('GET', KEYS[1])
if seed and string.sub(seed, 1, 9) == 'finished ' then
  local at = tonumber(string.sub(seed, 10))
  if now < at + tonumber(ARGV[2]) then return {'late', tostring(at)} end
  seed = false
end
if seed then return {'join', ''} end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], now .. '-' .. ARGV[3])
return {'seed', ''}
"""


def engine_slot(engine: Any) -> Any:
    """The engine's slot (Scrapy 2.19's private `_slot`: `inprogress`, the requests it holds until their
    callbacks' output is queued and their items left the pipelines; `nextcall`, its wake-up), or None
    before the engine opens a spider. Scrapy has no public record of when a request is finished, and the
    frontier must not acknowledge one before: a Scrapy whose engine lacks these stops the crawl here.
    (pyproject pins scrapy to the tested range; tests/test_crawl_contracts.py checks the slot.)"""
    slot = getattr(engine, "_slot", None)
    if slot is None and engine is not None and hasattr(engine, "_slot"):
        return None
    if not isinstance(getattr(slot, "inprogress", None), set) or not hasattr(getattr(slot, "nextcall", None),
                                                                              "schedule"):
        raise RuntimeError("frontier: this Scrapy's engine keeps no slot with `inprogress` and `nextcall`; the "
                           "frontier cannot tell when a request is finished (gkcrawl is tested with Scrapy 2.19)")
    return slot


@dataclass(frozen=True)
class FrontierKeys:
    """The Redis keys of one frontier."""

    name: str

    @property
    def requests(self) -> str:
        return f"{self.name}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.name}:dupefilter"

    @property
    def inflight(self) -> str:
        return f"{self.name}:inflight"

    @property
    def workers(self) -> str:
        return f"{self.name}:workers"

    @property
    def seed(self) -> str:
        return f"{self.name}:seed"

    @property
    def reached(self) -> str:
        return f"{self.name}:reached"

    @property
    def crawl(self) -> str:
        """The id of the cluster's current (or last) crawl: `<Redis ms>-<seeding worker>`, set when it seeds."""
        return f"{self.name}:crawl"

    def coverage(self, crawl_id: str, part: str) -> str:
        """A key of one crawl's list-coverage tally (cluster_coverage.py)."""
        return f"{self.name}:coverage:{crawl_id}:{part}"

    @property
    def crawl_memory(self) -> list[str]:
        """What one crawl remembers and the next must forget: kept after the crawl finishes (for its
        workers' last words and for inspection), cleared when the next crawl seeds."""
        return [self.dupefilter, self.reached, self.budget_members, self.budget_spent]

    @property
    def budget_members(self) -> str:
        return f"{self.name}:budget:members"

    @property
    def budget_spent(self) -> str:
        return f"{self.name}:budget:spent"

    def robots(self, netloc: str) -> str:
        return f"{self.name}:robots:{netloc}"

    def host_next(self, host: str) -> str:
        return f"{self.name}:host:{host}:next"

    def host_busy(self, host: str) -> str:
        return f"{self.name}:host:{host}:busy"

    @property
    def host_limits(self) -> str:
        return f"{self.name}:host_limits"


def worker_name(settings: Any) -> str:
    """This process's name in the frontier: GKCRAWL_WORKER_ID (else host-pid) and a random suffix.

    The suffix makes each run its own: a worker restarted under the same id (a systemd unit)
    within the lease must neither pass for the dead run (whose requests then never come back)
    nor reuse its tokens (`|` separates name and serial in a token)."""
    name = config.get(settings, "GKCRAWL_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
    return f"{name}.{uuid.uuid4().hex[:8]}".replace("|", "-").replace(" ", "-")


def connect(url: str) -> redis.Redis:
    """A client for the frontier at `url` (redis://HOST:PORT/DB), checked with a PING."""
    server = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
    server.ping()
    return server


class KnownDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter that remembers what it has asked: a fingerprint the
    cluster's set held (or took from this worker) stays there until the crawl ends, so the same
    link met again on the next page is answered here, not by a Redis round trip (measured: 11 a
    page, nearly all repeats, each blocking the worker's reactor)."""

    def __init__(self, server: redis.Redis, key: str, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.known: set[str] = set()

    def request_seen(self, request: Request) -> bool:
        fingerprint = self.request_fingerprint(request)
        if fingerprint in self.known:
            return True
        self.known.add(fingerprint)
        return not self.server.sadd(self.key, fingerprint)


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop moves the request into the in-flight hash, choosing
    among the best requests one whose host has a free place (POP)."""

    def __init__(self, server: redis.Redis, spider: Spider, keys: FrontierKeys, worker: str, *,
                 concurrency: int = 0, lease_ms: int = 30000) -> None:
        super().__init__(server, spider, keys.requests)
        self.keys = keys
        self.worker = worker
        self.concurrency = concurrency
        self.lease_ms = lease_ms
        self._serial = 0
        self._per_host: dict[str, int] = defaultdict(int)
        self._pop = server.register_script(POP)
        self._enqueue = server.register_script(ENQUEUE)
        self._requeue = server.register_script(REQUEUE)

    def _encode_request(self, request: Request) -> bytes:
        host = (urlparse_cached(request).hostname or "").replace("\n", "")
        return HOST_PREFIX + host.encode() + b"\n" + bytes(super()._encode_request(request))

    def _decode_request(self, encoded_request: bytes) -> Request:
        if encoded_request.startswith(HOST_PREFIX):
            encoded_request = encoded_request.split(b"\n", 1)[1]
        return super()._decode_request(encoded_request)

    def push(self, request: Request, fingerprint: str | None = None) -> bool:
        """Queue by priority; within one, hosts take turns (sorted by bytes, one host's URLs would come
        out together and its politeness would hold every worker). With a `fingerprint`, only if the
        cluster's duplicate filter did not have it (added to it in the same round trip): whether queued."""
        host = urlparse_cached(request).hostname or ""
        score = -request.priority + min(self._per_host[host] + 1, 999_999) * TIE_STEP
        if fingerprint is None:
            self.server.execute_command("ZADD", self.key, score, self._encode_request(request))
        elif not self._enqueue(keys=[self.keys.dupefilter, self.key],
                               args=[fingerprint, repr(score), self._encode_request(request)]):
            return False
        self._per_host[host] += 1
        return True

    def pop_inflight(self, acks: tuple[str, ...] | list[str] = (),
                     places: dict[str, str] | None = None) -> tuple[str, Request | None, str] | None:
        """(token, request, host whose cluster place it holds or '') of the best queued request that can
        leave now, now in flight; None when none can (or the queue is empty). A request that cannot be decoded comes
        back as (token, None, host) for the caller to drop. First, in the same script, `acks` are finished
        as by `ack` (with the host places in `places`, token -> host, given back)."""
        self._serial += 1
        token = f"{self.worker}|{self._serial}"
        given_back = list((places or {}).items())
        taken = self._pop(keys=[self.key, self.keys.inflight, self.keys.host_limits,
                                *(self.keys.host_busy(host) for _, host in given_back)],
                          args=[token, self.concurrency, self.lease_ms, POP_LOOKAHEAD, self.keys.name, len(acks),
                                *acks, *(t for t, _ in given_back)])
        if taken is None:
            return None
        data, place = taken
        try:
            return token, self._decode_request(data), place.decode()
        except Exception:  # noqa: BLE001 - one undecodable entry must not stop the worker
            logger.exception("frontier: cannot decode a queued request; dropped")
            return token, None, place.decode()

    def ack(self, *tokens: str, places: dict[str, str] | None = None) -> None:
        """Finished: out of the in-flight hash, and the host places their pops reserved given back
        (a request dropped before it left, robots.txt or offsite, never reached the middleware's release)."""
        if not tokens:
            return
        pipe = self.server.pipeline(transaction=False)
        pipe.hdel(self.keys.inflight, *tokens)
        for token, host in (places or {}).items():
            pipe.zrem(self.keys.host_busy(host), token)
        pipe.execute()

    def requeue(self, *tokens: str) -> int:
        if not tokens:
            return 0
        return int(self._requeue(keys=[self.key, self.keys.inflight], args=list(tokens)))


class FrontierScheduler(Scheduler):
    """scrapy-redis's Scheduler over a ReliableQueue, for one worker of a crawl cluster."""

    def __init__(self, server: redis.Redis, crawler: Crawler, keys: FrontierKeys, worker: str, *,
                 lease: float, heartbeat: float, hold: float, dupefilter: RFPDupeFilter) -> None:
        super().__init__(server, persist=True, queue_key=keys.requests, dupefilter=dupefilter)
        self.crawler = crawler
        self.stats = crawler.stats
        self.keys = keys
        self.worker = worker
        self.lease_ms = int(lease * 1000)
        self.heartbeat_seconds = heartbeat
        self.hold_ms = int(hold * 1000)
        self.held: dict[str, Request] = {}  # token -> the request this worker took and has not finished
        self.places: dict[str, str] = {}  # token -> host whose cluster place its pop reserved
        self.seeder = False
        self.finished_at: int | None = None  # Redis ms of the crawl this worker came too late for
        self._reached: set[str] = set()  # hosts this worker has marked reached for the cluster
        self._join = server.register_script(JOIN)
        self._heartbeat = server.register_script(HEARTBEAT)
        self._reclaim = server.register_script(RECLAIM)
        self._busy = server.register_script(BUSY)
        self._loop: task.LoopingCall | None = None
        self._wake_loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        settings = crawler.settings
        url = config.get(settings, "GKCRAWL_FRONTIER")
        if not url:
            raise ValueError("FrontierScheduler needs GKCRAWL_FRONTIER (redis://HOST:PORT/DB)")
        server = connect(url)
        keys = FrontierKeys(config.get(settings, "GKCRAWL_FRONTIER_NAME"))
        dupefilter = KnownDupeFilter(server, key=keys.dupefilter, debug=settings.getbool("DUPEFILTER_DEBUG"))
        return cls(server, crawler, keys, worker_name(settings),
                   lease=config.get_float(settings, "GKCRAWL_FRONTIER_LEASE"),
                   heartbeat=config.get_float(settings, "GKCRAWL_FRONTIER_HEARTBEAT"),
                   hold=config.get_float(settings, "GKCRAWL_FRONTIER_HOLD"), dupefilter=dupefilter)

    # -- Scrapy's scheduler interface -------------------------------------------------------

    def open(self, spider: Spider) -> None:
        engine_slot(self.crawler.engine)  # fails now, not by acknowledging requests early, on another Scrapy
        self.spider = spider
        self.queue = ReliableQueue(self.server, spider, self.keys, self.worker,
                                   concurrency=self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
                                   lease_ms=self.lease_ms)
        self._beat()
        role, finished = (part.decode() if isinstance(part, bytes) else str(part) for part in self._join(
            keys=[self.keys.seed, self.keys.crawl, *self.keys.crawl_memory],
            args=[f"{SEEDING} {self.worker}", self.hold_ms, self.worker]))
        if role == "late":
            self._arrived_late(int(finished))
        self.seeder = role == "seed"
        logger.info("frontier %s: worker %s joined (%s), %d requests queued", self.keys.name, self.worker,
                    "seeding a new crawl" if self.seeder else "not seeding", len(self.queue))
        self.crawler.signals.connect(self._response_received, signal=signals.response_received)
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(self.heartbeat_seconds, now=False)
        self._wake_loop = task.LoopingCall(self._wake_if_queued)
        self._wake_loop.start(WAKE_SECONDS, now=False)

    def _arrived_late(self, finished_ms: int) -> None:
        """The cluster's crawl is over: this worker does only what no other could, the re-checks of
        the reports its shard holds (the finished crawl's seen set drops what it fetched), and says so."""
        self.finished_at = finished_ms
        when = datetime.fromtimestamp(finished_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        hold = self.hold_ms / 1000
        self.stats.set_value("gkcrawl/frontier/finished_at", when)
        self.stats.set_value("gkcrawl/frontier/hold_seconds", hold)
        logger.warning("frontier %s: the cluster's crawl finished at %s; worker %s only re-checks the reports its "
                       "shard holds (the next crawl on this frontier starts with the first worker after a hold of "
                       "%g s, GKCRAWL_FRONTIER_HOLD)", self.keys.name, when, self.worker, hold)

    def enqueue_request(self, request: Request) -> bool:
        token = request.meta.pop(TOKEN_META, None)  # a retry or redirect of a request in flight
        if request.meta.get("is_start_request") and not self.seeder and not request.meta.get(KNOWN_META):
            self.stats.inc_value("gkcrawl/frontier/start_left_to_seeder")
            accepted = False
        elif request.dont_filter or not isinstance(self.df, KnownDupeFilter):
            accepted = bool(super().enqueue_request(request))
        else:
            accepted = self._enqueue_new(request, self.df)
        if token:  # its successor is queued (or a duplicate): the original is finished
            self.held.pop(token, None)
            self._ack(token)
        return accepted

    def _enqueue_new(self, request: Request, df: KnownDupeFilter) -> bool:
        """scrapy-redis's enqueue (ask the duplicate filter, then queue) in one round trip (ENQUEUE)."""
        fingerprint = df.request_fingerprint(request)
        if fingerprint in df.known or not self.queue.push(request, fingerprint=fingerprint):
            df.known.add(fingerprint)
            df.log(request, self.spider)
            return False
        df.known.add(fingerprint)
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        acks = self._finished_tokens()
        while True:
            taken = self.queue.pop_inflight(acks, places={t: self.places[t] for t in acks if t in self.places})
            if acks:
                self._forget(acks)
                acks = []
            if taken is None:
                return None
            token, request, place = taken
            if place:
                self.places[token] = place
            if request is None:
                acks = [token]  # dropped: acknowledged by the next pop
                continue
            request.meta[TOKEN_META] = token
            if place:
                request.meta[PLACE_META] = (place, token)
            self.held[token] = request
            self.stats.inc_value("scheduler/dequeued/redis")
            return request

    def has_pending_requests(self) -> bool:
        """Whether the cluster still has work (the engine asks only once this worker is idle)."""
        self._ack_finished()
        if self.seeder and self.server.get(self.keys.seed) == f"{SEEDING} {self.worker}".encode():
            self.server.set(self.keys.seed, SEEDED)  # start() is exhausted: every seed is queued
        return self.cluster_busy(mark_finished=True)

    def close(self, reason: str) -> None:
        for loop in (self._loop, self._wake_loop):
            if loop is not None and loop.running:
                loop.stop()
        self._ack_finished()
        put_back = self.queue.requeue(*self.held) if self.held else 0
        self._ack(*list(self.places))  # the places of requests put back or dropped
        if put_back:
            logger.info("frontier: %d unfinished requests put back for the other workers", put_back)
        self.stats.set_value("gkcrawl/frontier/put_back", put_back)
        self.held.clear()
        self.server.zrem(self.keys.workers, self.worker)
        for host in self.server.hkeys(self.keys.reached):
            self.stats.set_value(f"{CLUSTER_REACHED}{host.decode()}", True)

    def __len__(self) -> int:
        return len(self.queue)

    # -- the cluster -------------------------------------------------------------------------

    def cluster_busy(self, mark_finished: bool = False) -> bool:
        keys = [self.keys.requests, self.keys.inflight, self.keys.seed, self.keys.workers]
        return bool(self._busy(keys=keys, args=[self.lease_ms, "1" if mark_finished else "0"]))

    def _response_received(self, response: Any, request: Request, spider: Spider) -> None:
        """The first good page of a host this worker has: the cluster has reached that host."""
        host = urlparse_cached(request).netloc
        if host in self._reached or not good_responses(self.stats.get_stats(), host):
            return  # SiteOutcomeMiddleware counted it good (it knows which responses count)
        self._reached.add(host)
        try:
            self.server.hsetnx(self.keys.reached, host, self.worker)
        except redis.RedisError as error:
            self._reached.discard(host)
            logger.warning("frontier: cannot mark %s reached: %s", host, error)

    def _beat(self) -> None:
        self._heartbeat(keys=[self.keys.workers], args=[self.worker])

    def _engine_holds(self) -> Callable[[Request], bool]:
        """Whether the engine still holds a request: until its callback's requests are queued and its
        items have left the pipelines (Scrapy keeps no public record of this; the engine's slot does)."""
        slot = engine_slot(self.crawler.engine)
        return slot.inprogress.__contains__ if slot is not None else (lambda request: False)

    def _finished_tokens(self) -> list[str]:
        """The tokens of the requests this worker holds that the engine has finished with."""
        holds = self._engine_holds()
        return [token for token, request in self.held.items() if not holds(request)]

    def _forget(self, tokens: list[str]) -> None:
        """Acknowledged in Redis: no longer held, their places no longer reserved."""
        for token in tokens:
            if self.held.pop(token, None) is not None:
                self.stats.inc_value("gkcrawl/frontier/acked")
            self.places.pop(token, None)

    def _ack_finished(self) -> None:
        done = self._finished_tokens()
        if done:
            self._ack(*done)
            self._forget(done)

    def _ack(self, *tokens: str) -> None:
        self.queue.ack(*tokens, places={t: self.places.pop(t) for t in tokens if t in self.places})

    def _tick(self) -> None:
        """Heartbeat; finish what is done; put back dead workers' requests; wake an idle engine."""
        try:
            self._ack_finished()
            reclaimed = int(self._reclaim(keys=[self.keys.requests, self.keys.inflight, self.keys.workers],
                                          args=[self.lease_ms, self.worker]))  # the heartbeat, then the reclaim
            if reclaimed:
                self.stats.inc_value("gkcrawl/frontier/reclaimed", reclaimed)
                logger.warning("frontier: %d requests of a silent worker put back in the queue", reclaimed)
        except redis.RedisError as error:
            logger.warning("frontier: heartbeat failed: %s", error)

    def _wake_if_queued(self) -> None:
        """An engine with nothing of its own to do looks again as soon as other workers queue requests."""
        engine = self.crawler.engine
        if engine is None or engine.scraper.slot is None or engine.needs_backout():
            return
        try:
            if len(self.queue):
                self._wake_engine()
        except redis.RedisError as error:
            logger.warning("frontier: cannot read the queue: %s", error)

    def _wake_engine(self) -> None:
        """Scrapy polls an idle scheduler every 5 s; requests other workers queued should not wait that long."""
        slot = engine_slot(self.crawler.engine)
        if slot is not None:
            slot.nextcall.schedule()
