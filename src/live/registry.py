"""Which task's browser is reachable at which CDP URL, while it runs.

The runner calls `LIVE_BROWSERS.register(task_id, session.cdp_url)` after starting a
local browser and `unregister(task_id)` before stopping it. The registry is per process:
enough in embedded mode, where API and workers share the process. In distributed mode
the runner should also `await publish(redis, task_id, cdp_url)` (and `await
withdraw(redis, task_id)` on stop) so the API process finds it under
``autofactura:live:<task id>``; the CDP URL is a 127.0.0.1 address, so this only works
when the API runs on the worker's host.
"""

from __future__ import annotations

import threading
import uuid

from redis.asyncio import Redis
from redis.exceptions import RedisError

KEY_PREFIX = "autofactura:live:"
REDIS_TTL_SECONDS = 6 * 3600


class LiveBrowsers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urls: dict[uuid.UUID, str] = {}

    def register(self, task_id: uuid.UUID, cdp_url: str) -> None:
        with self._lock:
            self._urls[task_id] = cdp_url

    def unregister(self, task_id: uuid.UUID) -> None:
        with self._lock:
            self._urls.pop(task_id, None)

    def get(self, task_id: uuid.UUID) -> str | None:
        with self._lock:
            return self._urls.get(task_id)


LIVE_BROWSERS = LiveBrowsers()


async def publish(
    redis: Redis, task_id: uuid.UUID, cdp_url: str, ttl: int = REDIS_TTL_SECONDS
) -> None:
    await redis.set(f"{KEY_PREFIX}{task_id}", cdp_url, ex=ttl)


async def withdraw(redis: Redis, task_id: uuid.UUID) -> None:
    await redis.delete(f"{KEY_PREFIX}{task_id}")


async def lookup(
    task_id: uuid.UUID, redis: Redis | None, registry: LiveBrowsers = LIVE_BROWSERS
) -> str | None:
    """This process's registration, else the one published in Redis (if any)."""
    found = registry.get(task_id)
    if found is not None or redis is None:
        return found
    try:
        value = await redis.get(f"{KEY_PREFIX}{task_id}")
    except (RedisError, OSError):
        return None
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, str) else None
