"""SQL for users."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.users.models import User


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email))
    return result.scalar_one_or_none()


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def lock(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Hold the user's row until commit, so per-user limits (webhooks, API keys) are counted
    by one transaction at a time (SQLite's single writer already is; FOR UPDATE is Postgres')."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
