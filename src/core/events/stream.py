"""Follow a task's events: replay the log after a seq, then stream live ones, with no
gap and no duplicate however the live feed behaves.

The subscription to the live feed starts before the replay, and every live event is
checked against the last seq delivered: older ones are dropped, a jump or a lag flag
sends the reader back to the log, and a quiet feed is checked against the log now and
then (a publish lost after commit must not leave a client waiting).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from autofactura.core.db import Database
from autofactura.core.events import repository
from autofactura.core.events.bus import BusEvent, EventBus, task_channel

PAGE = 500
QUIET_RESYNC_SECONDS = 30.0

Alive = Callable[[], Awaitable[float]]
"""Raises when the follower must stop; returns how long it may wait (token expiry)."""


async def from_log(
    db: Database, user_id: uuid.UUID, task_id: uuid.UUID, after: int
) -> AsyncIterator[BusEvent]:
    while True:
        async with db.session(user_id, readonly=True) as session:
            rows = await repository.after(session, task_id, after, PAGE)
        for row in rows:
            yield BusEvent.of(row)
        if len(rows) < PAGE:
            return
        after = rows[-1].seq


async def follow(
    db: Database,
    bus: EventBus,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    after: int,
    alive: Alive,
) -> AsyncIterator[BusEvent]:
    subscription = await bus.subscribe(task_channel(task_id))
    last = after
    try:
        async for event in from_log(db, user_id, task_id, last):
            yield event
            last = event.seq
        while True:
            wait = min(QUIET_RESYNC_SECONDS, await alive())
            live = await subscription.get(wait_seconds=wait)
            if live is None or subscription.lagged or live.seq > last + 1:
                subscription.lagged = False
                async for missed in from_log(db, user_id, task_id, last):
                    yield missed
                    last = missed.seq
                continue
            if live.seq == last + 1:
                yield live
                last = live.seq
    finally:
        await bus.unsubscribe(subscription)
