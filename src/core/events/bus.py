"""Live events between processes: who publishes a task's events and who listens for them.

Channels are `task:<id>` (every event of a task) and `user:<id>` (status events of all
of a user's tasks). The bus is a fast path, never the record: a subscriber that falls
behind or misses messages is flagged `lagged` and catches up from the event log.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from autofactura.core.events.models import EventType, TaskEvent


@dataclass(frozen=True)
class BusEvent:
    task_id: uuid.UUID
    user_id: uuid.UUID
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, row: TaskEvent) -> BusEvent:
        return cls(row.task_id, row.user_id, row.seq, row.type, row.payload, row.created_at)

    def channels(self) -> list[str]:
        names = [task_channel(self.task_id)]
        if self.type == EventType.STATUS:
            names.append(user_channel(self.user_id))
        return names

    def to_wire(self) -> dict[str, Any]:
        return {
            "taskId": str(self.task_id),
            "userId": str(self.user_id),
            "seq": self.seq,
            "type": self.type,
            "payload": self.payload,
            "createdAt": self.created_at.isoformat(),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> BusEvent:
        return cls(
            uuid.UUID(data["taskId"]),
            uuid.UUID(data["userId"]),
            int(data["seq"]),
            str(data["type"]),
            dict(data["payload"]),
            datetime.fromisoformat(data["createdAt"]),
        )


def task_channel(task_id: uuid.UUID) -> str:
    return f"task:{task_id}"


def user_channel(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


@dataclass(eq=False)
class Subscription:
    """One listener's bounded queue; a full queue drops and flags instead of blocking."""

    channel: str
    loop: asyncio.AbstractEventLoop
    maxsize: int = 256
    lagged: bool = False
    queue: asyncio.Queue[BusEvent] = field(init=False)
    closed: bool = False

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.maxsize)

    def offer(self, event: BusEvent) -> None:
        """Called on the subscriber's loop."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True

    def mark_lagged(self) -> None:
        self.lagged = True
        self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        # An empty wake-up lets a waiting reader notice `lagged` without a message.
        if self.queue.empty():
            self.queue.put_nowait(_WAKE)

    async def get(self, wait_seconds: float | None = None) -> BusEvent | None:
        """The next event, or None on timeout or a bare wake-up (check `lagged`)."""
        if not self.queue.empty():  # the common case under load: no timer, no task
            event = self.queue.get_nowait()
            return None if event is _WAKE else event
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for wraps the get in a new task.
            async with asyncio.timeout(wait_seconds):
                event = await self.queue.get()
        except TimeoutError:
            return None
        return None if event is _WAKE else event


_WAKE = BusEvent(uuid.UUID(int=0), uuid.UUID(int=0), 0, "", {}, datetime.min)


class EventBus(Protocol):
    async def publish(self, events: Sequence[BusEvent]) -> None: ...

    async def subscribe(self, channel: str, maxsize: int = 256) -> Subscription: ...

    async def unsubscribe(self, subscription: Subscription) -> None: ...

    async def close(self) -> None: ...
