"""The distributed mode's bus: Redis pub/sub, one connection per process for listening.

Each API process keeps a single PubSub connection, subscribed to the channels its local
listeners want, and fans messages out to their bounded queues. When Redis goes away
every listener is flagged `lagged` (it catches up from the event log) and the
connection is re-established with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from autofactura.core.events.bus import BusEvent, Subscription

log = logging.getLogger(__name__)
PREFIX = "autofactura:events:"
_IDLE_CHANNEL = PREFIX + "idle"  # keeps the connection subscribed when nobody listens


class RedisBus:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._channels: dict[str, set[Subscription]] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def publish(self, events: Sequence[BusEvent]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for event in events:
                data = json.dumps(event.to_wire(), separators=(",", ":"))
                for channel in event.channels():
                    pipe.publish(PREFIX + channel, data)
            await pipe.execute()

    async def subscribe(self, channel: str, maxsize: int = 256) -> Subscription:
        sub = Subscription(channel, asyncio.get_running_loop(), maxsize)
        async with self._lock:
            await self._ensure_reader()
            first = channel not in self._channels
            self._channels.setdefault(channel, set()).add(sub)
            if first and self._pubsub is not None:
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.subscribe(PREFIX + channel)
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        subscription.closed = True
        async with self._lock:
            listeners = self._channels.get(subscription.channel)
            if listeners is None:
                return
            listeners.discard(subscription)
            if not listeners:
                del self._channels[subscription.channel]
                if self._pubsub is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await self._pubsub.unsubscribe(PREFIX + subscription.channel)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                # Any: older redis-py releases leave aclose unannotated, newer ones do not.
                await cast(Any, self._pubsub).aclose()

    async def _ensure_reader(self) -> None:
        if self._reader is None or self._reader.done():
            await self._connect()
            self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")

    async def _connect(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(_IDLE_CHANNEL, *(PREFIX + c for c in self._channels))
        self._pubsub = pubsub

    async def _read(self) -> None:
        backoff = 0.1
        while True:
            try:
                if self._pubsub is None:  # the last reconnection failed
                    raise ConnectionError("not connected to Redis")
                message = await self._pubsub.get_message(timeout=1.0)
                backoff = 0.1
            except (RedisError, OSError) as exc:
                log.warning("event bus lost Redis (%s); reconnecting", exc)
                self._flag_all_lagged()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                await self._reconnect()
                continue
            if message is not None:
                self._dispatch(message)

    async def _reconnect(self) -> None:
        old, self._pubsub = self._pubsub, None
        if old is not None:
            with contextlib.suppress(RedisError, OSError):
                await cast(Any, old).aclose()
        try:
            async with self._lock:
                await self._connect()
        except (RedisError, OSError):
            # Try again on the next round (the old connection is closed: reading it would
            # raise a RuntimeError that kills the reader for good).
            self._pubsub = None
        else:
            # Anything published while we were away is in the log, not in our queues.
            self._flag_all_lagged()

    def _dispatch(self, message: dict[str, object]) -> None:
        name = message.get("channel")
        channel = (name.decode() if isinstance(name, bytes) else str(name))[len(PREFIX) :]
        data = message.get("data")
        if not isinstance(data, (bytes, str)):
            return
        event = BusEvent.from_wire(json.loads(data))
        for sub in tuple(self._channels.get(channel, ())):
            sub.offer(event)

    def _flag_all_lagged(self) -> None:
        for listeners in self._channels.values():
            for sub in listeners:
                sub.mark_lagged()
