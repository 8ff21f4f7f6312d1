"""SQL for playbooks; every query is scoped to its owner."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.base import utcnow
from autofactura.core.playbooks.models import Playbook


async def get(session: AsyncSession, user_id: uuid.UUID, playbook_id: uuid.UUID) -> Playbook | None:
    result = await session.execute(
        select(Playbook).where(Playbook.id == playbook_id, Playbook.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def for_domain(session: AsyncSession, user_id: uuid.UUID, domain: str) -> Playbook | None:
    result = await session.execute(
        select(Playbook).where(Playbook.user_id == user_id, Playbook.domain == domain)
    )
    return result.scalar_one_or_none()


async def list_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[Playbook]:
    result = await session.execute(
        select(Playbook).where(Playbook.user_id == user_id).order_by(Playbook.domain)
    )
    return list(result.scalars())


async def add(session: AsyncSession, playbook: Playbook) -> Playbook:
    session.add(playbook)
    await session.flush()
    return playbook


async def delete(session: AsyncSession, playbook: Playbook) -> None:
    await session.delete(playbook)
    await session.flush()


async def count(
    session: AsyncSession, user_id: uuid.UUID, domain: str, *, successes: int = 0, failures: int = 0
) -> None:
    """Add to a playbook's counters in one statement (two replays may end together)."""
    await session.execute(
        update(Playbook)
        .where(Playbook.user_id == user_id, Playbook.domain == domain)
        .values(
            successes=Playbook.successes + successes,
            failures=Playbook.failures + failures,
            updated_at=utcnow(),
        )
    )
