"""SQL for webhooks, their deliveries and attempts; reads for a person are owner-scoped,
the worker's reads and compare-and-set writes go by delivery id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


async def active_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[Webhook]:
    result = await session.execute(
        select(Webhook)
        .where(Webhook.user_id == user_id, Webhook.deleted_at.is_(None))
        .order_by(Webhook.created_at, Webhook.id)
    )
    return list(result.scalars())


async def count_active(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Webhook)
        .where(Webhook.user_id == user_id, Webhook.deleted_at.is_(None))
    )
    return int(count or 0)


async def get_active(
    session: AsyncSession, user_id: uuid.UUID, webhook_id: uuid.UUID
) -> Webhook | None:
    result = await session.execute(
        select(Webhook).where(
            Webhook.id == webhook_id, Webhook.user_id == user_id, Webhook.deleted_at.is_(None)
        )
    )
    return result.scalar_one_or_none()


async def add(session: AsyncSession, row: Webhook | WebhookDelivery | WebhookAttempt) -> None:
    session.add(row)
    await session.flush()


async def add_deliveries(session: AsyncSession, rows: Sequence[WebhookDelivery]) -> None:
    session.add_all(rows)
    await session.flush()


async def fail_pending(session: AsyncSession, webhook_id: uuid.UUID) -> None:
    """A deleted endpoint's deliveries stop being retried."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.state == PENDING)
        .values(state=FAILED, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


async def delivery_for_user(
    session: AsyncSession, user_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    result = await session.execute(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.user_id == user_id
        )
    )
    return result.scalar_one_or_none()


async def delivery_with_webhook(
    session: AsyncSession, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, Webhook] | None:
    result = await session.execute(
        select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id == delivery_id)
    )
    row = result.first()
    return (row[0], row[1]) if row is not None else None


async def change_if_unchanged(
    session: AsyncSession, delivery_id: uuid.UUID, seen_attempts: int, /, **values: Any
) -> bool:
    """Write `values` only if the delivery is still pending after `seen_attempts`: of
    two workers holding the same message, one wins and the other sees it lost."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.state == PENDING,
            WebhookDelivery.attempts == seen_attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # CursorResult has rowcount


async def recent_deliveries(
    session: AsyncSession, user_id: uuid.UUID, webhook_ids: Sequence[uuid.UUID], limit: int
) -> list[WebhookDelivery]:
    """The newest `limit` deliveries of each webhook, newest first, in one query."""
    rank = (
        func.row_number()
        .over(
            partition_by=WebhookDelivery.webhook_id,
            order_by=(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()),
        )
        .label("rank")
    )
    inner = (
        select(WebhookDelivery.id, rank)
        .where(WebhookDelivery.webhook_id.in_(webhook_ids), WebhookDelivery.user_id == user_id)
        .subquery()
    )
    result = await session.execute(
        select(WebhookDelivery)
        .join(inner, inner.c.id == WebhookDelivery.id)
        .where(inner.c.rank <= limit)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )
    return list(result.scalars())


async def attempts_of(
    session: AsyncSession, user_id: uuid.UUID, delivery_ids: Sequence[uuid.UUID]
) -> list[WebhookAttempt]:
    result = await session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids), WebhookAttempt.user_id == user_id)
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
    )
    return list(result.scalars())


async def overdue(session: AsyncSession, due_before: datetime, limit: int) -> list[uuid.UUID]:
    result = await session.execute(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= due_before)
        .limit(limit)
    )
    return list(result.scalars())
