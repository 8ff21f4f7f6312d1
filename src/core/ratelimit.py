"""Fixed-window rate limits for login, register and createTask.

In memory for the embedded mode; in Redis when REDIS_URL is set, so every API process
shares one count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from autofactura.core.errors import RateLimited


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window_seconds: int

    @classmethod
    def parse(cls, name: str, value: str) -> Rule:
        count, _, seconds = value.partition("/")
        return cls(name, int(count), int(seconds))


class RateLimiter(Protocol):
    async def hit(self, rule: Rule, key: str) -> None:
        """Count one attempt; raise RateLimited when over the rule's limit."""


def _window(rule: Rule, now: float) -> tuple[int, int]:
    start = int(now // rule.window_seconds) * rule.window_seconds
    return start, max(1, start + rule.window_seconds - int(now))


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}

    async def hit(self, rule: Rule, key: str) -> None:
        start, retry_after = _window(rule, time.time())
        slot = (rule.name, key, start)
        if len(self._counts) > 100_000:
            # Old windows are useless; dropping them all bounds memory under a flood.
            self._counts = {k: v for k, v in self._counts.items() if k[2] == start}
        self._counts[slot] = self._counts.get(slot, 0) + 1
        if self._counts[slot] > rule.limit:
            raise RateLimited(retry_after)


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(self, rule: Rule, key: str) -> None:
        start, retry_after = _window(rule, time.time())
        name = f"autofactura:rl:{rule.name}:{key}:{start}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, rule.window_seconds + 1)
            count, _ = await pipe.execute()
        if int(count) > rule.limit:
            raise RateLimited(retry_after)
