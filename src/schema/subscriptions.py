"""taskEvents (replay after a seq, then live) and taskUpdates (all the caller's tasks)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

import strawberry
from graphql import GraphQLError

from autofactura.core.events.bus import user_channel
from autofactura.core.events.models import EventType
from autofactura.core.events.stream import follow, from_log
from autofactura.core.tasks import repository
from autofactura.schema.context import Info
from autofactura.schema.ids import decode
from autofactura.schema.types.task import Task, TaskEvent


@dataclass
class StreamMode:
    """The root value the shared-execution WebSocket handler (schema/fanout.py) passes:
    replay the log only, or follow from a seq; the resolver reports the last seq out."""

    replay_only: bool = False
    start_after: int = 0
    last_seq: int = 0


_NOT_FOUND = GraphQLError("No encontramos esa tarea.", extensions={"code": "NOT_FOUND"})


async def task_events(
    info: Info, task_id: strawberry.ID, after: int = 0
) -> AsyncGenerator[TaskEvent, None]:
    """The task's events with seq > `after` from the log, then live as they happen.

    Reconnect with the last seq you saw: you get the rest with no gap and no duplicate.
    """
    context = info.context
    user_id = await context.user_id()
    task_uuid = decode(task_id, "Task")
    if task_uuid is None or (await (await context.loaders()).task.load(task_uuid)) is None:
        raise _NOT_FOUND
    services = context.services
    mode = info.root_value if isinstance(info.root_value, StreamMode) else StreamMode()
    start = max(after, mode.start_after, 0)
    source = (
        from_log(services.db, user_id, task_uuid, start)
        if mode.replay_only
        else follow(services.db, services.bus, user_id, task_uuid, start, context.seconds_left)
    )
    mode.last_seq = start
    async for event in source:
        mode.last_seq = event.seq  # read by the fan-out once this event's result is out
        yield TaskEvent.from_bus(event)


async def task_updates(info: Info) -> AsyncGenerator[Task, None]:
    """Each of your tasks, as it is whenever its status changes."""
    context = info.context
    user_id = await context.user_id()
    bus = context.services.bus
    subscription = await bus.subscribe(user_channel(user_id))
    try:
        while True:
            event = await subscription.get(wait_seconds=await context.seconds_left())
            if event is None or event.type != EventType.STATUS:
                continue
            async with context.db.session(user_id, readonly=True) as session:
                row = await repository.get(session, user_id, event.task_id)
            if row is not None:
                yield Task.from_model(row)
    finally:
        await bus.unsubscribe(subscription)
