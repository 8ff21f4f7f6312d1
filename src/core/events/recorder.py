"""Record a task's events: appended in the caller's transaction, published after commit.

Every engine, the state machine and the API report through here, so the log and the
live stream always say the same thing. Payloads are scrubbed of the buyer's personal
data before they are stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.database import PENDING_EVENTS
from autofactura.core.events import repository
from autofactura.core.events.models import EventType, TaskEvent
from autofactura.core.tasks.models import Task


async def record(
    session: AsyncSession, task: Task, type_: EventType, payload: dict[str, Any]
) -> TaskEvent:
    event = await repository.append(session, task.id, task.user_id, type_.value, payload)
    session.info.setdefault(PENDING_EVENTS, []).append(event)
    return event
