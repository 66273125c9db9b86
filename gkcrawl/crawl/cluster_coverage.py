"""List coverage for a crawl cluster: declared vs reached across every worker, in the frontier's Redis.

In a cluster each worker fetches only some of a list's pages (and perhaps not the one that declares
its size), so its own `ListCoverage` would report a shortfall that is not there. At its close a worker
adds its tallies to the cluster's, kept per crawl (`FrontierKeys.crawl`, set when the crawl seeds)
under `NAME:coverage:CRAWL:*`: the lists seen, the largest size each declared with its evidence,
and the sets of record URLs reached and of methods. It then reads back the cluster's figures for
every list that declared a size and writes those as its `list_coverage` rows, marked
`scope = 'cluster'` with the crawl id. Every worker closes after the whole cluster's work is done
(frontier.has_pending_requests), so the worker that adds last reads the complete figures; `gkcrawl
merge` keeps, per crawl and list, the row that reached the most (archive/merge.py). The tally
expires after TALLY_DAYS.
"""

from __future__ import annotations

import hashlib

import redis

from .coverage import ListCoverage, ListTally
from .frontier import FrontierKeys

TALLY_DAYS = 30
CLUSTER_SCOPE = "cluster"

# The largest declared size wins, with its evidence (KEYS: declared hash, evidence hash; ARGV: list,
# declared, evidence).
DECLARE = """
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > old then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
end
return 1
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _list_key(list_url: str) -> str:
    return hashlib.sha1(list_url.encode()).hexdigest()[:20]


class ClusterCoverage:
    """The cluster's list coverage for the frontier's current crawl."""

    def __init__(self, server: redis.Redis, keys: FrontierKeys) -> None:
        self.server = server
        self.keys = keys
        self._declare = server.register_script(DECLARE)

    def crawl_id(self) -> str:
        found = self.server.get(self.keys.crawl)
        return _text(found) if found else "unknown"

    def combine(self, local: ListCoverage) -> tuple[str, list[ListTally]]:
        """Add this worker's tallies to the cluster's; (crawl id, the cluster's tally of every list that
        declared a size)."""
        crawl = self.crawl_id()
        key = lambda part: self.keys.coverage(crawl, part)  # noqa: E731
        ttl = TALLY_DAYS * 86400
        pipe = self.server.pipeline(transaction=False)
        for tally in local.lists.values():
            pipe.sadd(key("lists"), tally.list_url)
            if tally.declared is not None:
                self._declare(keys=[key("declared"), key("evidence")],
                              args=[tally.list_url, tally.declared, tally.evidence], client=pipe)
            h = _list_key(tally.list_url)
            if tally.reached:
                pipe.sadd(key(f"reached:{h}"), *sorted(tally.reached))
                pipe.expire(key(f"reached:{h}"), ttl)
            if tally.methods:
                pipe.sadd(key(f"methods:{h}"), *sorted(tally.methods))
                pipe.expire(key(f"methods:{h}"), ttl)
        for part in ("lists", "declared", "evidence"):
            pipe.expire(key(part), ttl)
        pipe.execute()
        declared = {_text(k): int(v) for k, v in self.server.hgetall(key("declared")).items()}
        evidence = {_text(k): _text(v) for k, v in self.server.hgetall(key("evidence")).items()}
        tallies = []
        for list_url in sorted(declared):
            h = _list_key(list_url)
            tallies.append(ListTally(
                list_url, declared[list_url], evidence.get(list_url, ""),
                reached={_text(m) for m in self.server.smembers(key(f"reached:{h}"))},
                methods={_text(m) for m in self.server.smembers(key(f"methods:{h}"))}))
        return crawl, tallies
