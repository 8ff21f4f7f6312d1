"""The sweeper's backstop for lost messages, under a long queue: a PENDING task that is
only waiting its turn (found with a 200-task burst on two workers) gets one more message
per grace period, not one at every sweep."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import update
from tests.support.inprocess import BUYER

from autofactura.core.db.base import utcnow
from autofactura.core.profiles import service as profiles
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.sweeper import resend_pending
from autofactura.core.users.service import ensure_user

GRACE = timedelta(minutes=10)


class SentLog:
    """A TaskQueue that keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[uuid.UUID] = []

    def enqueue(self, task_id: uuid.UUID) -> None:
        self.sent.append(task_id)


async def _task_waiting(services: Services, queue: SentLog, waited: timedelta) -> uuid.UUID:
    user_id = uuid.uuid4()
    ticket = tasks.TicketData(f"S{user_id.hex[:8]}", date.today() - timedelta(days=1), Decimal(9))
    async with services.db.session() as session:
        await ensure_user(session, user_id, f"{user_id}@example.com")
        profile = await profiles.create(session, user_id, BUYER)
        new = tasks.NewTask("https://93.184.216.34/facturacion", ticket, profile.id)
        task = await tasks.create(session, user_id, new, allow_private_urls=False, queue=queue)
    async with services.db.session() as session:
        since = utcnow() - waited
        await session.execute(update(Task).where(Task.id == task.id).values(updated_at=since))
    return task.id


async def test_a_waiting_task_is_resent_once_per_grace_period(services: Services) -> None:
    queue = SentLog()
    sweeping = dataclasses.replace(services, queue=queue)
    waiting = await _task_waiting(services, queue, GRACE + timedelta(minutes=1))
    fresh = await _task_waiting(services, queue, timedelta(minutes=1))
    assert queue.sent == [waiting, fresh]  # createTask's own messages
    for _ in range(3):  # three sweeps in a row, seconds apart
        await resend_pending(sweeping, GRACE)
    assert queue.sent.count(waiting) == 2  # one resend, not three
    assert queue.sent.count(fresh) == 1  # not yet due
    async with services.db.session(readonly=True) as session:
        touched = await session.get(Task, waiting)
        assert touched is not None and touched.updated_at > utcnow() - timedelta(minutes=1)
