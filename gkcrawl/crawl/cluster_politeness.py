"""Politeness that holds for a whole crawl cluster, not per worker.

Scrapy keeps each host's delay and concurrency in the worker's own downloader, so N workers
would hit a host N times as hard. With a frontier (GKCRAWL_FRONTIER) two downloader
middlewares keep them in Redis instead, where every worker sees them:

- `ClusterSlotMiddleware`: before a request leaves, one Lua script reserves the host's next
  send time (the host's DOWNLOAD_SLOTS delay, else DOWNLOAD_DELAY) and one of its
  concurrency places (DOWNLOAD_SLOTS concurrency, else CONCURRENT_REQUESTS_PER_DOMAIN) for
  the cluster; a request that finds neither free waits and asks again. A place is given back
  when the response or error comes, and expires after GKCRAWL_FRONTIER_LEASE if its worker
  died holding it. Scrapy's own per-worker delay and AutoThrottle stay on as a floor.
- `ClusterRobotsTxtMiddleware`: Scrapy's RobotsTxtMiddleware reading a host's robots.txt from
  Redis first; the worker that fetches it stores it there (GKCRAWL_ROBOTS_CACHE_SECONDS), so a
  host's robots.txt is fetched once for the cluster (once per worker only if all ask at once).

Both are NotConfigured without a frontier; `run_settings` installs them for a frontier crawl.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from . import config
from .frontier import PLACE_META, FrontierKeys, connect, worker_name

logger = logging.getLogger(__name__)

SLOT_META = "gk_cluster_slot"  # (host, token) of the cluster place a request holds
BUSY_RETRY_MS = 50  # how soon a request that found every place taken asks again

# KEYS: host busy zset, host next-send key, host limits hash; ARGV: token, delay ms, concurrency,
# lease ms, host, 1 when the frontier's pop already reserved the token's place. Returns 0 (granted)
# or the ms to wait before asking again. The host's concurrency is kept for the pops to read.
RESERVE = """
local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[3])
redis.call('HSET', KEYS[3], ARGV[5], limit)
if ARGV[6] ~= '1' and limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then return -1 end
local delay = tonumber(ARGV[2])
if delay > 0 then
  local next_send = tonumber(redis.call('GET', KEYS[2]) or '0')
  if next_send > now then return next_send - now end
  redis.call('SET', KEYS[2], now + delay, 'PX', delay + 60000)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + 60000)
return 0
"""


def _frontier(crawler: Crawler) -> tuple[redis.Redis, FrontierKeys]:
    url = config.get(crawler.settings, "GKCRAWL_FRONTIER")
    if not url:
        raise NotConfigured("GKCRAWL_FRONTIER must be the cluster's redis:// URL")
    return connect(url), FrontierKeys(config.get(crawler.settings, "GKCRAWL_FRONTIER_NAME"))


class ClusterSlotMiddleware:
    """Each host's delay and concurrency, reserved in Redis for the whole cluster."""

    def __init__(self, crawler: Crawler, server: redis.Redis, keys: FrontierKeys) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.server = server
        self.keys = keys
        self.worker = worker_name(settings)
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.slots: dict[str, Any] = settings.getdict("DOWNLOAD_SLOTS")
        self.lease_ms = int(config.get_float(settings, "GKCRAWL_FRONTIER_LEASE") * 1000)
        self._reserve = server.register_script(RESERVE)
        self._serial = itertools.count(1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterSlotMiddleware:
        server, keys = _frontier(crawler)
        return cls(crawler, server, keys)

    def limits(self, host: str) -> tuple[float, int]:
        """(delay seconds, concurrency) of `host` for the cluster: its DOWNLOAD_SLOTS entry, else the defaults."""
        slot = self.slots.get(host) or {}
        return float(slot.get("delay", self.delay)), int(slot.get("concurrency", self.concurrency))

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        delay, concurrency = self.limits(host)
        place = request.meta.pop(PLACE_META, None)  # reserved by the frontier's pop for this host
        reserved = bool(place) and place[0] == host
        token = place[1] if reserved else f"{self.worker}|{next(self._serial)}"
        waited = 0.0
        while not (reserved and delay <= 0):  # the pop's place is all a host without a delay needs
            wait_ms = int(self._reserve(keys=[self.keys.host_busy(host), self.keys.host_next(host),
                                              self.keys.host_limits],
                                        args=[token, int(delay * 1000), concurrency, self.lease_ms, host,
                                              "1" if reserved else "0"]))
            if wait_ms == 0:
                break
            pause = (BUSY_RETRY_MS if wait_ms < 0 else wait_ms) / 1000
            waited += pause
            await asyncio.sleep(pause)  # the project's reactor is asyncio's (settings.TWISTED_REACTOR)
        if waited:
            self.crawler.stats.inc_value("gkcrawl/cluster/slot_wait_ms", int(waited * 1000))
        request.meta[SLOT_META] = (host, token)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(SLOT_META, None)
        if held:
            host, token = held
            self.server.zrem(self.keys.host_busy(host), token)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)


class ClusterRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, reading each host's robots.txt from the cluster's Redis first."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.server, self.keys = _frontier(crawler)
        self.cache_seconds = config.get_int(crawler.settings, "GKCRAWL_ROBOTS_CACHE_SECONDS")

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            body: Any = self.server.get(self.keys.robots(netloc))
            if body is not None:
                parser_class: Any = self._parserimpl
                self._parsers[netloc] = build_from_crawler(parser_class, self.crawler, body)
                self._stats.inc_value("gkcrawl/cluster/robots_from_frontier")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        # What Scrapy would parse, for the others: a missing robots.txt (4xx) allows everything.
        body = response.body if 200 <= response.status < 300 else b""
        self.server.set(self.keys.robots(netloc), body, ex=max(1, self.cache_seconds), nx=True)
        await super()._parse_robots(response, netloc, request)
