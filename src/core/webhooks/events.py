"""The events a webhook can subscribe to: one per task status an integrator acts on."""

from __future__ import annotations

from autofactura.core.tasks.status import TaskStatus

TASK_COMPLETED = "task.completed"
TASK_FAILED = "task.failed"
TASK_INTERVENTION_NEEDED = "task.intervention_needed"
TASK_CANCELLED = "task.cancelled"

_EVENT_OF_STATUS: dict[TaskStatus, str] = {
    TaskStatus.COMPLETED: TASK_COMPLETED,
    TaskStatus.FAILED: TASK_FAILED,
    TaskStatus.INTERVENTION_NEEDED: TASK_INTERVENTION_NEEDED,
    TaskStatus.CANCELLED: TASK_CANCELLED,
}
EVENTS: tuple[str, ...] = tuple(_EVENT_OF_STATUS.values())


def event_for(status: TaskStatus) -> str | None:
    """The event a move to `status` emits; None for the statuses in between."""
    return _EVENT_OF_STATUS.get(status)
