"""The task lifecycle: its states, which are final, and which moves are allowed."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    INTERVENTION_NEEDED = "INTERVENTION_NEEDED"
    # The portal e-mailed the invoice to the buyer's inbound address: no worker or browser
    # is held; the e-mail (or an upload) completes the task, or it times out.
    AWAITING_EMAIL = "AWAITING_EMAIL"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def ends_run(self) -> bool:
        """Nothing is left for an engine to do: final, or waiting for the e-mail."""
        return self in _FINAL or self is TaskStatus.AWAITING_EMAIL

    def can_move_to(self, target: TaskStatus) -> bool:
        return target in _ALLOWED[self]


_FINAL = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED})

_ALLOWED: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PENDING: frozenset({TaskStatus.RUNNING, TaskStatus.CANCELLED}),
    TaskStatus.RUNNING: frozenset(
        {
            TaskStatus.PAUSED,
            TaskStatus.INTERVENTION_NEEDED,
            TaskStatus.AWAITING_EMAIL,
            TaskStatus.COMPLETED,
            TaskStatus.FAILED,
            TaskStatus.CANCELLED,
        }
    ),
    TaskStatus.AWAITING_EMAIL: frozenset(
        {TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED}
    ),
    TaskStatus.PAUSED: frozenset({TaskStatus.RUNNING, TaskStatus.CANCELLED, TaskStatus.FAILED}),
    TaskStatus.INTERVENTION_NEEDED: frozenset(
        {TaskStatus.RUNNING, TaskStatus.CANCELLED, TaskStatus.FAILED}
    ),
    # retryTask starts a new attempt of a FAILED or CANCELLED task.
    TaskStatus.FAILED: frozenset({TaskStatus.PENDING}),
    TaskStatus.CANCELLED: frozenset({TaskStatus.PENDING}),
    TaskStatus.COMPLETED: frozenset(),
}


class FailureCode(StrEnum):
    TICKET_NOT_FOUND = "TICKET_NOT_FOUND"
    ALREADY_INVOICED = "ALREADY_INVOICED"
    INVOICING_PERIOD_EXPIRED = "INVOICING_PERIOD_EXPIRED"
    RECEPTOR_REJECTED = "RECEPTOR_REJECTED"
    INVALID_PROFILE = "INVALID_PROFILE"
    PORTAL_ERROR = "PORTAL_ERROR"
    PORTAL_UNREACHABLE = "PORTAL_UNREACHABLE"
    UNSUPPORTED_PORTAL = "UNSUPPORTED_PORTAL"
    INVOICE_MISMATCH = "INVOICE_MISMATCH"
    TIMEOUT = "TIMEOUT"
    INTERNAL = "INTERNAL"


class InterventionReason(StrEnum):
    CAPTCHA = "CAPTCHA"
    LOGIN_REQUIRED = "LOGIN_REQUIRED"
    CONFIRMATION_REQUIRED = "CONFIRMATION_REQUIRED"
    UNKNOWN_STATE = "UNKNOWN_STATE"
