"""SQL for the event log: append with the next seq, read after a seq."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.events.models import TaskEvent
from autofactura.core.tasks.models import Task


async def append(
    session: AsyncSession,
    task_id: uuid.UUID,
    user_id: uuid.UUID,
    type_: str,
    payload: dict[str, Any],
) -> TaskEvent:
    """Add the task's next event in the caller's transaction.

    The seq comes from an atomic increment of tasks.last_seq, whose row lock also orders
    concurrent writers of the same task; (task_id, seq) is unique besides.
    """
    seq = await session.scalar(
        update(Task)
        .where(Task.id == task_id)
        .values(last_seq=Task.last_seq + 1)
        .returning(Task.last_seq)
    )
    if seq is None:
        raise LookupError(f"task {task_id} does not exist")
    event = TaskEvent(task_id=task_id, user_id=user_id, seq=seq, type=type_, payload=payload)
    session.add(event)
    await session.flush()
    return event


async def after(session: AsyncSession, task_id: uuid.UUID, seq: int, limit: int) -> list[TaskEvent]:
    result = await session.execute(
        select(TaskEvent)
        .where(TaskEvent.task_id == task_id, TaskEvent.seq > seq)
        .order_by(TaskEvent.seq)
        .limit(limit)
    )
    return list(result.scalars())


async def windows(
    session: AsyncSession,
    user_id: uuid.UUID,
    task_ids: Sequence[uuid.UUID],
    seq: int,
    limit: int,
) -> list[TaskEvent]:
    """The first `limit` events after `seq` of each task, in one query."""
    rank = (
        func.row_number().over(partition_by=TaskEvent.task_id, order_by=TaskEvent.seq).label("rank")
    )
    inner = (
        select(TaskEvent.id, rank)
        .where(TaskEvent.task_id.in_(task_ids), TaskEvent.user_id == user_id, TaskEvent.seq > seq)
        .subquery()
    )
    result = await session.execute(
        select(TaskEvent)
        .join(inner, inner.c.id == TaskEvent.id)
        .where(inner.c.rank <= limit)
        .order_by(TaskEvent.task_id, TaskEvent.seq)
    )
    return list(result.scalars())
