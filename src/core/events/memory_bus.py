"""The embedded mode's bus: one per process, shared by the API loop and worker threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from autofactura.core.events.bus import BusEvent, Subscription


class MemoryBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, set[Subscription]] = {}

    async def publish(self, events: Sequence[BusEvent]) -> None:
        for event in events:
            for channel in event.channels():
                with self._lock:
                    listeners = list(self._channels.get(channel, ()))
                for sub in listeners:
                    try:
                        sub.loop.call_soon_threadsafe(sub.offer, event)
                    except RuntimeError:  # that loop is closed: the listener is gone
                        await self.unsubscribe(sub)

    async def subscribe(self, channel: str, maxsize: int = 256) -> Subscription:
        sub = Subscription(channel, asyncio.get_running_loop(), maxsize)
        with self._lock:
            self._channels.setdefault(channel, set()).add(sub)
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        subscription.closed = True
        with self._lock:
            listeners = self._channels.get(subscription.channel)
            if listeners is not None:
                listeners.discard(subscription)
                if not listeners:
                    del self._channels[subscription.channel]

    async def close(self) -> None:
        """The process-wide bus outlives any one Services object."""


PROCESS_BUS = MemoryBus()
