"""The backstop that keeps tasks from getting stuck: re-sends PENDING tasks whose message
was lost and live tasks whose worker vanished (lease expired: another worker takes them
over), fails those still abandoned long after, and times out tasks whose e-mailed invoice
never came."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select, update

from autofactura.core.db.base import utcnow
from autofactura.core.services import Services
from autofactura.core.tasks.lifecycle import IllegalTransition, Outcome, move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import FailureCode, TaskStatus

log = logging.getLogger(__name__)
_LIVE = [TaskStatus.RUNNING.value, TaskStatus.PAUSED.value, TaskStatus.INTERVENTION_NEEDED.value]
LOST = "El proceso que atendía la tarea se detuvo; puedes reintentarla."
NO_EMAIL = (
    "La factura no llegó por correo a tiempo. Pide al comercio que la reenvíe a tu buzón de "
    "autofactura, o súbela tú con uploadInvoice; también puedes reintentar la tarea."
)


async def resend_pending(services: Services, older_than: timedelta) -> int:
    """PENDING tasks untouched for `older_than`. Each one sent is touched, so a task still
    waiting behind a long queue (not lost) gets one more message per grace period, not one
    per sweep (a 200-task burst on two workers queued for ~17 minutes)."""
    cutoff = utcnow() - older_than
    pending = (Task.status == TaskStatus.PENDING.value) & (Task.updated_at <= cutoff)
    async with services.db.session() as session:
        rows = await session.execute(select(Task.id).where(pending).limit(1000))
        ids = list(rows.scalars())
        if ids:
            touch = update(Task).where(Task.id.in_(ids), pending).values(updated_at=utcnow())
            await session.execute(touch)
    for task_id in ids:  # after the commit, as every enqueue
        services.queue.enqueue(task_id)
    return len(ids)


async def resend_orphaned(services: Services) -> int:
    """Live tasks whose lease ran out a full lease ago: their worker is gone."""
    cutoff = utcnow() - timedelta(seconds=services.settings.lease_seconds)
    return await _resend(services, Task.status.in_(_LIVE) & (Task.lease_expires_at <= cutoff))


async def _resend(services: Services, condition: ColumnElement[bool]) -> int:
    async with services.db.session(readonly=True) as session:
        rows = await session.execute(select(Task.id).where(condition).limit(1000))
        ids = list(rows.scalars())
    for task_id in ids:
        services.queue.enqueue(task_id)
    return len(ids)


async def fail_abandoned(services: Services) -> int:
    cutoff = utcnow() - timedelta(seconds=services.settings.stale_task_seconds)
    condition = Task.status.in_(_LIVE) & or_(
        Task.lease_expires_at <= cutoff,
        Task.lease_expires_at.is_(None) & (Task.updated_at <= cutoff),
    )
    failed = await _fail(services, condition, FailureCode.INTERNAL, LOST)
    if failed:
        log.warning("failed %d abandoned tasks", failed)
    return failed


async def fail_overdue_email(services: Services) -> int:
    """AWAITING_EMAIL past its deadline: FAILED/TIMEOUT, saying what the buyer can do."""
    condition = (Task.status == TaskStatus.AWAITING_EMAIL.value) & (
        Task.awaiting_email_until <= utcnow()
    )
    return await _fail(services, condition, FailureCode.TIMEOUT, NO_EMAIL)


async def _fail(
    services: Services, condition: ColumnElement[bool], code: FailureCode, reason: str
) -> int:
    async with services.db.session(readonly=True) as session:
        rows = await session.execute(select(Task.id).where(condition).limit(1000))
        ids = list(rows.scalars())
    failed = 0
    outcome = Outcome(failure_code=code, failure_reason=reason, message=reason)
    for task_id in ids:
        async with services.db.session() as session:
            fresh = await session.get(Task, task_id)
            if fresh is None:
                continue
            try:
                await move(session, fresh, TaskStatus.FAILED, outcome)
                failed += 1
            except IllegalTransition:
                pass  # it moved on meanwhile (the e-mail came, the buyer cancelled)
    return failed
