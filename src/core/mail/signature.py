"""Verifying signed webhooks that come in (the inbound mail webhook): the scheme itself is
core.signing's, shared with outbound webhooks; this adds a guard that lets each signature
in only once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

from autofactura.core.services import Services
from autofactura.core.signing import (
    SCHEME,
    SIGNATURE_HEADER,
    ExpiredSignature,
    MalformedSignature,
    SignatureError,
    WrongSignature,
    digest,
    parse,
    sign,
    verify,
)

__all__ = [  # the scheme's names stay importable from here, where inbound mail found them
    "SCHEME",
    "SIGNATURE_HEADER",
    "ExpiredSignature",
    "MalformedSignature",
    "MemoryReplayGuard",
    "RedisReplayGuard",
    "ReplayGuard",
    "SignatureError",
    "WrongSignature",
    "digest",
    "parse",
    "replay_guard",
    "replay_ttl",
    "sign",
    "verify",
]


class ReplayGuard(Protocol):
    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        """True the first time `key` is seen within `ttl_seconds`, False afterwards."""
        ...

    async def forget(self, key: str) -> None:
        """Let `key` in again (the request it signed failed before doing anything)."""
        ...


class MemoryReplayGuard:
    """For embedded mode, where one process receives every request."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._expiry: dict[str, float] = {}

    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        now = self._clock()
        for old in [k for k, at in self._expiry.items() if at <= now]:
            del self._expiry[old]
        if key in self._expiry:
            return False
        self._expiry[key] = now + ttl_seconds
        return True

    async def forget(self, key: str) -> None:
        self._expiry.pop(key, None)


class RedisReplayGuard:
    """Shared by every API process: SET NX is the one atomic "first time?" question."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis, self._prefix = redis, f"autofactura:replay:{namespace}:"

    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        return bool(await self._redis.set(self._prefix + key, b"1", nx=True, ex=ttl_seconds))

    async def forget(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)


def replay_guard(services: Services, namespace: str) -> ReplayGuard:
    if services.redis is not None:
        return RedisReplayGuard(services.redis, namespace)
    return MemoryReplayGuard()


def replay_ttl(tolerance: int) -> int:
    """A signature dated up to `tolerance` in the future stays valid for 2× tolerance."""
    return 2 * tolerance
