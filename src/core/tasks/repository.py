"""SQL for tasks: owner-scoped reads and keyset pagination, newest first."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.tasks.models import Task


@dataclass(frozen=True)
class TaskFilter:
    statuses: Sequence[str] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
    fiscal_profile_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Position:
    """Where a page starts: strictly after this (created_at, id) in newest-first order."""

    created_at: datetime
    id: uuid.UUID


async def get(
    session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID, *, for_update: bool = False
) -> Task | None:
    query = select(Task).where(Task.id == task_id, Task.user_id == user_id)
    result = await session.execute(query.with_for_update() if for_update else query)
    return result.scalar_one_or_none()


async def get_many(
    session: AsyncSession, user_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Task]:
    result = await session.execute(select(Task).where(Task.id.in_(ids), Task.user_id == user_id))
    return list(result.scalars())


def _filtered(user_id: uuid.UUID, where: TaskFilter) -> Select[Task]:
    query = select(Task).where(Task.user_id == user_id)
    if where.statuses:
        query = query.where(Task.status.in_(list(where.statuses)))
    if where.created_after:
        query = query.where(Task.created_at >= where.created_after)
    if where.created_before:
        query = query.where(Task.created_at < where.created_before)
    if where.fiscal_profile_id:
        query = query.where(Task.fiscal_profile_id == where.fiscal_profile_id)
    return query


async def page(
    session: AsyncSession,
    user_id: uuid.UUID,
    where: TaskFilter,
    after: Position | None,
    limit: int,
) -> list[Task]:
    """Up to `limit` tasks after `after`; the caller asks for one more to learn hasNextPage."""
    query = _filtered(user_id, where)
    if after is not None:
        query = query.where(
            or_(
                Task.created_at < after.created_at,
                and_(Task.created_at == after.created_at, Task.id < after.id),
            )
        )
    query = query.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def add(session: AsyncSession, task: Task) -> Task:
    session.add(task)
    await session.flush()
    return task
