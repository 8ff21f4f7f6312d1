"""Create and read tasks; the buyer's input is checked before anything is stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.errors import NotFound
from autofactura.core.events import repository as events
from autofactura.core.events.models import EventType
from autofactura.core.profiles import service as profiles
from autofactura.core.tasks import repository
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus
from autofactura.core.tasks.ticket import clean_ticket
from autofactura.core.tasks.vendor_url import check_vendor_url


@dataclass(frozen=True)
class TicketData:
    folio: str
    date: date
    total: Decimal
    store: str | None = None
    extra: dict[str, Any] | None = None


@dataclass(frozen=True)
class NewTask:
    vendor_url: str
    ticket: TicketData
    fiscal_profile_id: uuid.UUID


async def get(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    task = await repository.get(session, user_id, task_id)
    if task is None:
        raise NotFound("No encontramos esa tarea.", field="id")
    return task


async def create(
    session: AsyncSession, user_id: uuid.UUID, new: NewTask, *, allow_private_urls: bool
) -> Task:
    url = await check_vendor_url(new.vendor_url, allow_private=allow_private_urls)
    t = new.ticket
    ticket = clean_ticket(folio=t.folio, date_=t.date, total=t.total, store=t.store, extra=t.extra)
    try:
        profile = await profiles.get(session, user_id, new.fiscal_profile_id)
    except NotFound as exc:
        exc.field = "fiscalProfileId"
        raise
    task = await repository.add(
        session,
        Task(user_id=user_id, fiscal_profile_id=profile.id, vendor_url=url, ticket=ticket),
    )
    await events.append(
        session, task.id, user_id, EventType.STATUS, {"status": TaskStatus.PENDING.value}
    )
    return task
