"""Every status change goes through here: checked against the state machine, written with
a compare-and-set so two racing writers cannot both win, logged as a status event, and
announced to the owner's webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from autofactura.core.db.base import utcnow
from autofactura.core.errors import Conflict
from autofactura.core.events import recorder
from autofactura.core.events.models import EventType, TaskEvent
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import FailureCode, InterventionReason, TaskStatus
from autofactura.core.webhooks.emit import emit as emit_webhooks

_VERBS = {
    TaskStatus.PAUSED: "pausar",
    TaskStatus.RUNNING: "reanudar",
    TaskStatus.CANCELLED: "cancelar",
    TaskStatus.PENDING: "reintentar",
}
_STATES = {
    TaskStatus.PENDING: "en espera",
    TaskStatus.RUNNING: "en proceso",
    TaskStatus.PAUSED: "en pausa",
    TaskStatus.INTERVENTION_NEEDED: "esperando tu ayuda",
    TaskStatus.AWAITING_EMAIL: "esperando la factura por correo",
    TaskStatus.COMPLETED: "terminada",
    TaskStatus.FAILED: "fallida",
    TaskStatus.CANCELLED: "cancelada",
}


class IllegalTransition(Conflict):
    """The task's current status does not allow that move."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, current: TaskStatus, target: TaskStatus) -> None:
        verb = _VERBS.get(target, "mover")
        super().__init__(f"No se puede {verb} una tarea {_STATES[current]}.", field="id")
        self.current, self.target = current, target


@dataclass(frozen=True)
class Outcome:
    """What a move records besides the status itself."""

    failure_code: FailureCode | None = None
    failure_reason: str | None = None
    intervention_reason: InterventionReason | None = None
    engine: str | None = None
    message: str | None = None
    awaiting_email_until: datetime | None = None  # with AWAITING_EMAIL


def _values(task: Task, target: TaskStatus, outcome: Outcome, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {
        "status": target.value,
        "updated_at": now,
        "intervention_reason": outcome.intervention_reason,
    }
    if target is TaskStatus.RUNNING and task.started_at is None:
        values["started_at"] = now
    if target.is_final:
        values.update(completed_at=now, lease_expires_at=None)
    if target is TaskStatus.AWAITING_EMAIL:  # no worker holds it while it waits
        values.update(lease_expires_at=None, awaiting_email_until=outcome.awaiting_email_until)
    if target is TaskStatus.FAILED:
        values.update(failure_code=outcome.failure_code, failure_reason=outcome.failure_reason)
    if target is TaskStatus.PENDING:  # a new attempt starts clean
        values.update(
            attempt=task.attempt + 1,
            claims=0,
            failure_code=None,
            failure_reason=None,
            started_at=None,
            completed_at=None,
            engine=None,
            live_url=None,
            lease_expires_at=None,
            awaiting_email_until=None,
        )
    if outcome.engine:
        values["engine"] = outcome.engine
    return values


async def move(
    session: AsyncSession, task: Task, target: TaskStatus, outcome: Outcome = Outcome()
) -> TaskEvent:
    """Move `task` to `target` or raise IllegalTransition; `task` is refreshed in place."""
    current = task.task_status
    if not current.can_move_to(target):
        raise IllegalTransition(current, target)
    values = _values(task, target, outcome, utcnow())
    result = await session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status == current.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult has rowcount
        await session.refresh(task)
        raise IllegalTransition(task.task_status, target)
    for name, value in values.items():
        # Already written by the UPDATE above: mirror it without dirtying the object.
        set_committed_value(task, name, value)
    event = await recorder.record(session, task, EventType.STATUS, status_payload(task, outcome))
    await emit_webhooks(session, task)  # in this transaction: a rolled-back move sends none
    return event


def status_payload(task: Task, outcome: Outcome) -> dict[str, object]:
    payload: dict[str, object] = {"status": task.status, "attempt": task.attempt}
    for key, value in (
        ("failureCode", task.failure_code),
        ("failureReason", task.failure_reason),
        ("interventionReason", task.intervention_reason),
        ("engine", task.engine),
        ("awaitingEmailUntil", _iso(outcome.awaiting_email_until)),
        ("message", outcome.message),
    ):
        if value is not None:
            payload[key] = value
    return payload


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
