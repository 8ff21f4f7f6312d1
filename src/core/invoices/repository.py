"""SQL for invoices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.invoices.models import Invoice


async def for_tasks(
    session: AsyncSession, user_id: uuid.UUID, task_ids: Sequence[uuid.UUID]
) -> list[Invoice]:
    """The invoices of these tasks of the user's (at most one each); others' never."""
    result = await session.execute(
        select(Invoice).where(Invoice.task_id.in_(task_ids), Invoice.user_id == user_id)
    )
    return list(result.scalars())
