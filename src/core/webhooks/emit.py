"""Emission: a task's move to a status with an event creates one delivery per endpoint of
its owner subscribed to it, in the move's own transaction, and sends them after commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.base import utcnow
from autofactura.core.invoices import repository as invoices
from autofactura.core.tasks.models import Task
from autofactura.core.webhooks import repository
from autofactura.core.webhooks.events import event_for
from autofactura.core.webhooks.models import WebhookDelivery
from autofactura.core.webhooks.payload import event_payload
from autofactura.core.webhooks.queue import send_after_commit


async def emit(session: AsyncSession, task: Task) -> None:
    """Free for the statuses in between (no query) and one indexed query for a buyer with
    no webhooks; the body is built now, so every attempt sends what happened then."""
    event = event_for(task.task_status)
    if event is None:
        return
    webhooks = [
        webhook
        for webhook in await repository.active_for_user(session, task.user_id)
        if event in webhook.events
    ]
    if not webhooks:
        return
    found = await invoices.for_tasks(session, task.user_id, [task.id])
    invoice = found[0] if found else None
    now = utcnow()
    deliveries = []
    for webhook in webhooks:
        delivery_id = uuid.uuid4()
        deliveries.append(
            WebhookDelivery(
                id=delivery_id,
                webhook_id=webhook.id,
                user_id=task.user_id,
                task_id=task.id,
                event=event,
                payload=event_payload(delivery_id, event, now, task, invoice),
                state=repository.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    await repository.add_deliveries(session, deliveries)
    send_after_commit(session, [delivery.id for delivery in deliveries])
