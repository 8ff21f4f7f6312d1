"""taskEvents (replay after a seq, then live) and taskUpdates (all the caller's tasks)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from autofactura.core.events.bus import user_channel
from autofactura.core.events.models import EventType
from autofactura.core.events.stream import follow
from autofactura.core.tasks import repository
from autofactura.schema.context import Info
from autofactura.schema.ids import decode
from autofactura.schema.types.task import Task, TaskEvent

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
    async for event in follow(
        services.db, services.bus, user_id, task_uuid, max(after, 0), context.seconds_left
    ):
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
            async with context.db.session(user_id) as session:
                row = await repository.get(session, user_id, event.task_id)
            if row is not None:
                yield Task.from_model(row)
    finally:
        await bus.unsubscribe(subscription)
