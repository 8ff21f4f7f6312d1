"""SQL for fiscal profiles; every query is scoped to its owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus

_LIVE = [s.value for s in TaskStatus if not s.is_final]


async def get(
    session: AsyncSession, user_id: uuid.UUID, profile_id: uuid.UUID
) -> FiscalProfile | None:
    result = await session.execute(
        select(FiscalProfile).where(
            FiscalProfile.id == profile_id, FiscalProfile.user_id == user_id
        )
    )
    return result.scalar_one_or_none()


async def get_many(
    session: AsyncSession, user_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[FiscalProfile]:
    result = await session.execute(
        select(FiscalProfile).where(FiscalProfile.id.in_(ids), FiscalProfile.user_id == user_id)
    )
    return list(result.scalars())


async def list_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[FiscalProfile]:
    result = await session.execute(
        select(FiscalProfile)
        .where(FiscalProfile.user_id == user_id)
        .order_by(FiscalProfile.created_at, FiscalProfile.id)
    )
    return list(result.scalars())


async def add(session: AsyncSession, profile: FiscalProfile) -> FiscalProfile:
    session.add(profile)
    await session.flush()
    return profile


async def has_live_tasks(session: AsyncSession, profile_id: uuid.UUID) -> bool:
    result = await session.execute(
        select(Task.id).where(Task.fiscal_profile_id == profile_id, Task.status.in_(_LIVE)).limit(1)
    )
    return result.first() is not None


async def delete(session: AsyncSession, profile: FiscalProfile) -> None:
    await session.delete(profile)
    await session.flush()
