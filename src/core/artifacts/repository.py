"""SQL for artifacts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.artifacts.models import Artifact


async def for_tasks(
    session: AsyncSession, user_id: uuid.UUID, task_ids: Sequence[uuid.UUID]
) -> list[Artifact]:
    result = await session.execute(
        select(Artifact)
        .where(Artifact.task_id.in_(task_ids), Artifact.user_id == user_id)
        .order_by(Artifact.created_at, Artifact.id)
    )
    return list(result.scalars())
