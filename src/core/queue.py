"""How the core asks for a task to be run, without knowing the queue behind it."""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.database import after_commit


class TaskQueue(Protocol):
    def enqueue(self, task_id: uuid.UUID) -> None:
        """Send a message that runs the task (at least once)."""


def enqueue_after_commit(session: AsyncSession, queue: TaskQueue, task_id: uuid.UUID) -> None:
    """Send only once the task row is committed: a rolled-back request sends nothing, and
    a worker never looks for a row that does not exist yet."""
    after_commit(session, lambda: queue.enqueue(task_id))


class InlineQueue:
    """For callers that run the task themselves, right after creating it (`autofactura
    run`, tests): nothing to send."""

    def enqueue(self, task_id: uuid.UUID) -> None:
        pass
