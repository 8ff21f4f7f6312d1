"""The backstop that keeps tasks from getting stuck: re-sends PENDING tasks whose message
was lost and live tasks whose worker vanished (lease expired: another worker takes them
over), and fails those still abandoned long after."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select

from autofactura.core.db.base import utcnow
from autofactura.core.services import Services
from autofactura.core.tasks.lifecycle import IllegalTransition, Outcome, move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import FailureCode, TaskStatus

log = logging.getLogger(__name__)
_LIVE = [TaskStatus.RUNNING.value, TaskStatus.PAUSED.value, TaskStatus.INTERVENTION_NEEDED.value]
LOST = "El proceso que atendía la tarea se detuvo; puedes reintentarla."


async def resend_pending(services: Services, older_than: timedelta) -> int:
    cutoff = utcnow() - older_than
    return await _resend(
        services, (Task.status == TaskStatus.PENDING.value) & (Task.updated_at <= cutoff)
    )


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
    async with services.db.session() as session:
        rows = await session.execute(
            select(Task)
            .where(
                Task.status.in_(_LIVE),
                or_(
                    Task.lease_expires_at <= cutoff,
                    Task.lease_expires_at.is_(None) & (Task.updated_at <= cutoff),
                ),
            )
            .limit(1000)
        )
        tasks = list(rows.scalars())
    failed = 0
    for task in tasks:
        async with services.db.session() as session:
            fresh = await session.get(Task, task.id)
            if fresh is None:
                continue
            try:
                await move(
                    session,
                    fresh,
                    TaskStatus.FAILED,
                    Outcome(failure_code=FailureCode.INTERNAL, failure_reason=LOST, message=LOST),
                )
                failed += 1
            except IllegalTransition:
                pass  # it moved on meanwhile
    if failed:
        log.warning("failed %d abandoned tasks", failed)
    return failed
