"""SQL for API keys; every query but the lookup by prefix is scoped to the owner."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.apikeys.models import ApiKey


async def get(session: AsyncSession, user_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
    result = await session.execute(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    """Whoever owns it: this is how a request finds out who is calling."""
    result = await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
    return result.scalar_one_or_none()


async def list_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey)
        .where(ApiKey.user_id == user_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return list(result.scalars())


async def count_active(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(ApiKey)
        .where(
            ApiKey.user_id == user_id,
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        )
    )
    return int(result.scalar_one())


async def add(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.flush()
    return key


async def touch(session: AsyncSession, key_id: uuid.UUID, now: datetime, before: datetime) -> None:
    """Set last_used_at to `now` unless it is already at or after `before`: of several
    requests racing in the same minute, one writes."""
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < before),
        )
        .values(last_used_at=now)
    )
