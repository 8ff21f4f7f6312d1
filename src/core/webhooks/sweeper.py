"""The backstop for lost delivery messages: a pending delivery long past its due time (its
message died with an in-memory queue, or with a worker mid-attempt) is sent again."""

from __future__ import annotations

from datetime import timedelta

from autofactura.core.db.base import utcnow
from autofactura.core.services import Services
from autofactura.core.webhooks import repository
from autofactura.core.webhooks.queue import delivery_queue


async def resend_overdue(services: Services, older_than: timedelta) -> int:
    """A duplicate is harmless: the delivery's compare-and-set lets one message through."""
    async with services.db.session(readonly=True) as session:
        ids = await repository.overdue(session, utcnow() - older_than, limit=1000)
    queue = delivery_queue()
    for delivery_id in ids:
        queue.send(delivery_id)
    return len(ids)
