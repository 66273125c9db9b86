"""A Scrapy extension for bench_cluster.py: each worker's timeline, to see where its time goes.

Enabled by bench_cluster.py (`-s EXTENSIONS={"cluster_timeline.Timeline": 0}` with this
directory on PYTHONPATH) when run with `--timeline`; it writes one JSON line per event to
$BENCH_TIMELINE_FILE: each request's arrival at the downloader and its response (so the
requests in flight at every instant can be counted), and every 0.1 s a sample of the
downloader's active requests, the frontier's queue length and the cluster's in-flight hash, the
Redis round trips made so far (and the time blocked in them) and the process's CPU time.

`RedisCount`, which bench_cluster.py enables on every run, only counts: at the close it writes
this worker's Redis round trips (a pipeline is one), the time blocked in them and the CPU time of
the worker's own process (its threads included, its parse processes not) to $BENCH_REDIS_COUNT_FILE,
and makes no Redis call of its own.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.internet import task


class RedisClock:
    """Round trips this worker made to Redis and the time its reactor spent blocked in them."""

    calls = 0
    seconds = 0.0
    installed = False
    kinds: Counter[str] = Counter()  # round trips by command (a script by the start of its SHA1)

    @classmethod
    def install(cls) -> None:
        if cls.installed:
            return
        cls.installed = True
        for owner, name in ((redis.Redis, "execute_command"), (redis.client.Pipeline, "execute")):
            original = getattr(owner, name)

            def timed(self: Any, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return _original(self, *args, **kwargs)
                finally:
                    cls.calls += 1
                    cls.seconds += time.perf_counter() - started
                    cls.kinds[_kind(_name, args)] += 1

            setattr(owner, name, timed)


def _kind(method: str, args: tuple[Any, ...]) -> str:
    if method == "execute":
        return "pipeline"
    command = str(args[0]).upper() if args else "?"
    if command == "EVALSHA" and len(args) > 1:
        sha = args[1].decode() if isinstance(args[1], bytes) else str(args[1])
        return f"EVALSHA {sha[:8]}"
    return command


class Timeline:
    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed at spider_closed
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Timeline:
        RedisClock.install()
        extension = cls(crawler, os.environ["BENCH_TIMELINE_FILE"])
        crawler.signals.connect(extension.reached, signals.request_reached_downloader)
        crawler.signals.connect(extension.received, signals.response_received)
        crawler.signals.connect(extension.opened, signals.spider_opened)
        crawler.signals.connect(extension.closed, signals.spider_closed)
        return extension

    def _write(self, **event: Any) -> None:
        self.out.write(json.dumps({"t": time.time(), **event}) + "\n")

    def reached(self, request: Request, spider: Any = None) -> None:
        self._write(e="send", url=request.url)

    def received(self, response: Response, request: Request, spider: Any = None) -> None:
        self._write(e="recv", url=request.url)

    def opened(self, spider: Any = None) -> None:
        self.loop = task.LoopingCall(self.sample)
        self.loop.start(0.1)

    def sample(self) -> None:
        engine = self.crawler.engine
        scheduler: Any = getattr(getattr(engine, "_slot", None), "scheduler", None)
        queued = inflight = -1
        if scheduler is not None and hasattr(scheduler, "server"):
            queued = int(scheduler.server.zcard(scheduler.keys.requests))
            inflight = int(scheduler.server.hlen(scheduler.keys.inflight))
        active = len(engine.downloader.active) if engine is not None else -1
        self._write(e="sample", active=active, queued=queued, inflight=inflight,
                    slot_wait_ms=self.crawler.stats.get_value("gkcrawl/cluster/slot_wait_ms", 0),
                    redis_calls=RedisClock.calls, redis_seconds=RedisClock.seconds, cpu=time.process_time())

    def closed(self, spider: Any = None) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.out.close()


class RedisCount:
    """This worker's Redis round trips over the whole run, written as one JSON line at the close."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisCount:
        RedisClock.install()
        extension = cls(os.environ["BENCH_REDIS_COUNT_FILE"])
        crawler.signals.connect(extension.closed, signals.spider_closed)
        return extension

    def closed(self, spider: Any = None) -> None:
        with open(self.path, "w", encoding="utf-8") as out:
            out.write(json.dumps({"calls": RedisClock.calls, "seconds": RedisClock.seconds,
                                  "cpu": time.process_time(), "kinds": RedisClock.kinds}) + "\n")
