"""Create and read tasks; the buyer's input is checked before anything is stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.errors import Conflict, NotFound
from autofactura.core.events import recorder
from autofactura.core.events.models import EventType
from autofactura.core.profiles import service as profiles
from autofactura.core.queue import TaskQueue, enqueue_after_commit
from autofactura.core.tasks import duplicates, idempotency, repository
from autofactura.core.tasks.lifecycle import IllegalTransition, Outcome, move, status_payload
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
    # Stop before the irreversible stamping click until the buyer approves.
    require_confirmation: bool = False


async def get(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    task = await repository.get(session, user_id, task_id)
    if task is None:
        raise NotFound("No encontramos esa tarea.", field="id")
    return task


async def create(
    session: AsyncSession,
    user_id: uuid.UUID,
    new: NewTask,
    *,
    allow_private_urls: bool,
    queue: TaskQueue,
    idempotency_key: str | None = None,
    demo_portal_url: str | None = None,
) -> Task:
    """A new task, queued after commit. With `idempotency_key`, the task an earlier request
    with that key and input made, if any. A racing twin with the same key fails with
    IntegrityError at flush: the caller runs it again in a new transaction, which then
    finds the winner's task."""
    url = await check_vendor_url(
        new.vendor_url, allow_private=allow_private_urls, demo_portal_url=demo_portal_url
    )
    t = new.ticket
    ticket = clean_ticket(folio=t.folio, date_=t.date, total=t.total, store=t.store, extra=t.extra)
    key = idempotency.clean_key(idempotency_key) if idempotency_key is not None else None
    digest = idempotency.request_hash(
        {
            "vendorUrl": url,
            "ticket": ticket,
            "fiscalProfileId": str(new.fiscal_profile_id),
            "requireConfirmation": new.require_confirmation,
        }
    )
    try:
        profile = await profiles.get(session, user_id, new.fiscal_profile_id)
    except NotFound as exc:
        exc.field = "fiscalProfileId"
        raise
    # The key is looked at under the ticket's lock: a twin that held it first has
    # committed its key by the time this one gets it.
    await duplicates.hold(session, user_id, profile.id, url, ticket)
    if key is not None and (done := await idempotency.earlier(session, user_id, key, digest)):
        return done
    await duplicates.refuse_duplicate(session, user_id, profile.id, url, ticket)
    task = await repository.add(
        session,
        Task(
            user_id=user_id,
            fiscal_profile_id=profile.id,
            vendor_url=url,
            ticket=ticket,
            require_confirmation=new.require_confirmation,
        ),
    )
    if key is not None:
        await idempotency.remember(session, user_id, key, digest, task.id)
    await recorder.record(session, task, EventType.STATUS, status_payload(task, Outcome()))
    enqueue_after_commit(session, queue, task.id)
    return task


async def pause(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    """The engine stops at its next step; the buyer can act in the live view."""
    task = await get(session, user_id, task_id)
    await move(session, task, TaskStatus.PAUSED, Outcome(message="Pausada por ti."))
    return task


async def resume(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    """Hand control back to the engine, after a pause or a requested intervention."""
    task = await get(session, user_id, task_id)
    if task.task_status not in (TaskStatus.PAUSED, TaskStatus.INTERVENTION_NEEDED):
        # PENDING → RUNNING is the worker's move, never the buyer's.
        raise IllegalTransition(task.task_status, TaskStatus.RUNNING)
    await move(session, task, TaskStatus.RUNNING, Outcome(message="Reanudada por ti."))
    return task


async def cancel(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    task = await get(session, user_id, task_id)
    await move(session, task, TaskStatus.CANCELLED, Outcome(message="Cancelada por ti."))
    return task


async def retry(
    session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID, *, queue: TaskQueue
) -> Task:
    """A new attempt of a FAILED or CANCELLED task, queued like a new one."""
    task = await get(session, user_id, task_id)
    if task.fiscal_profile_id is None:
        raise Conflict(
            "El perfil fiscal de esta tarea ya no existe; crea una tarea nueva.",
            code="PROFILE_DELETED",
            field="id",
        )
    await move(session, task, TaskStatus.PENDING, Outcome(message="Nuevo intento."))
    enqueue_after_commit(session, queue, task.id)
    return task
