"""Where the spider counts its budgets: in the process, or in Redis for a whole crawl cluster.

A budget (requests per site, sub-columns per column: settings.py's GKCRAWL_*_BUDGET) is a
count of distinct URLs admitted under one scope. One worker counts in memory
(`LocalBudgetCounts`). Workers of a cluster (GKCRAWL_FRONTIER) share the crawl, so they share
its budgets (`ClusterBudgetCounts`): one Lua script admits a URL to a scope atomically for the
whole cluster, so three workers together stop where one worker would, not at three times the
budget, and only the worker that meets the end first records it (one `budgets` row per crawl).
A URL admitted once is admitted again for free (the same link met on many pages).
The keys are the frontier's (`:budget:members`, `:budget:spent`) and are cleared with its
duplicate filter when the cluster finishes (frontier.BUSY), so next week's crawl starts afresh.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple, Protocol

import redis

from .frontier import FrontierKeys

# KEYS: members set, spent hash; ARGV: scope, url, limit. Returns {admitted 0/1, spent in the scope,
# 1 for the first refusal in the scope (the one worker that records the spent budget)}.
ADMIT = """
local member = ARGV[1] .. '\\n' .. ARGV[2]
local spent = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if redis.call('SISMEMBER', KEYS[1], member) == 1 then return {1, spent, 0} end
if spent >= tonumber(ARGV[3]) then return {0, spent, redis.call('HSETNX', KEYS[2], ARGV[1] .. '\\n!', 1)} end
redis.call('SADD', KEYS[1], member)
return {1, redis.call('HINCRBY', KEYS[2], ARGV[1], 1), 0}
"""


class Admission(NamedTuple):
    admitted: bool
    spent: int  # URLs the scope has admitted (when refused: its whole budget)
    first_refusal: bool  # the budget ran out just now for the whole crawl: record it (once per crawl)


class BudgetCounts(Protocol):
    def admit(self, scope: str, url: str, limit: int) -> Admission:
        """Admit `url` under `scope` unless `limit` distinct URLs are already admitted there."""


class LocalBudgetCounts:
    """One process's budgets (a crawl without a frontier)."""

    def __init__(self) -> None:
        self.admitted: dict[str, set[str]] = defaultdict(set)
        self.refused: set[str] = set()

    def admit(self, scope: str, url: str, limit: int) -> Admission:
        followed = self.admitted[scope]
        if url in followed:
            return Admission(True, len(followed), False)
        if len(followed) >= limit:
            first = scope not in self.refused
            self.refused.add(scope)
            return Admission(False, len(followed), first)
        followed.add(url)
        return Admission(True, len(followed), False)


class ClusterBudgetCounts:
    """The cluster's budgets, in the frontier's Redis; URLs this worker had admitted are not asked again."""

    def __init__(self, server: redis.Redis, keys: FrontierKeys) -> None:
        self.keys = keys
        self._admit = server.register_script(ADMIT)
        self._known: set[tuple[str, str]] = set()

    def admit(self, scope: str, url: str, limit: int) -> Admission:
        if (scope, url) in self._known:
            return Admission(True, 0, False)
        admitted, spent, first = self._admit(keys=[self.keys.budget_members, self.keys.budget_spent],
                                             args=[scope, url, limit])
        if admitted:
            self._known.add((scope, url))
        return Admission(bool(admitted), int(spent), bool(first))
