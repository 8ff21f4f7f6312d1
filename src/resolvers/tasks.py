"""createTask, tasks and task."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated

import strawberry
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import PageInfo

from autofactura.core.errors import ServiceError
from autofactura.core.tasks import repository, service
from autofactura.core.tasks.models import Task as TaskRow
from autofactura.core.tasks.repository import TaskFilter
from autofactura.core.tasks.ticket import MEXICO_CITY
from autofactura.schema.context import Info
from autofactura.schema.errors import bad_input, to_user_error, user_errors
from autofactura.schema.ids import decode, require
from autofactura.schema.inputs import CreateTaskInput, TaskFilterInput
from autofactura.schema.types.connection import (
    TaskConnection,
    TaskEdge,
    decode_cursor,
    encode_cursor,
)
from autofactura.schema.types.results import CreateTaskResult, TaskControlResult
from autofactura.schema.types.task import Task

MAX_PAGE = 100
Control = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[TaskRow]]


MAX_BULK = 100


@user_errors
async def create_task(
    info: Info,
    input: CreateTaskInput,
    idempotency_key: Annotated[
        str | None,
        strawberry.argument(
            description="Retry-safe creation: the same key and input give the same task (24 h)."
        ),
    ] = None,
) -> CreateTaskResult:
    services = info.context.services
    user_id = await info.context.user_id()
    await services.limiter.hit(services.rules.create_task, str(user_id))
    return await _create(info, user_id, input, idempotency_key)


async def create_tasks(
    info: Info,
    input: list[CreateTaskInput],
    idempotency_key: Annotated[
        str | None,
        strawberry.argument(
            description='Retry-safe batch: item i uses the key "<key>:<i>" (0-based).'
        ),
    ] = None,
) -> list[CreateTaskResult]:
    """Up to 100 tickets, one result per item in order: a Task or why it was refused."""
    if len(input) > MAX_BULK:
        raise bad_input(
            ServiceError(f"Envía como máximo {MAX_BULK} tickets por llamada.", code="TOO_MANY")
        )
    services = info.context.services
    user_id = await info.context.user_id()
    try:
        await services.limiter.hit(services.rules.create_task, str(user_id))  # once per batch
    except ServiceError as exc:
        raise bad_input(exc) from None
    results: list[CreateTaskResult] = []
    for index, item in enumerate(input):
        key = f"{idempotency_key}:{index}" if idempotency_key is not None else None
        try:
            results.append(await _create(info, user_id, item, key))
        except ServiceError as exc:  # each item stands alone: a bad one stops no other
            results.append(to_user_error(exc))  # type: ignore[arg-type]  # a union member
    return results


async def _create(info: Info, user_id: uuid.UUID, input: CreateTaskInput, key: str | None) -> Task:
    new = _new_task(input)
    settings = info.context.services.settings
    for attempt in (1, 2):
        try:
            async with info.context.db.session(user_id) as session:
                row = await service.create(
                    session,
                    user_id,
                    new,
                    allow_private_urls=settings.allow_private_urls,
                    queue=info.context.services.queue,
                    idempotency_key=key,
                    demo_portal_url=settings.demo_portal_url,
                )
            return Task.from_model(row)
        except IntegrityError:
            # A twin request with the same key committed first: the second run finds it.
            if key is None or attempt == 2:
                raise
    raise AssertionError("not reached")


def _new_task(input: CreateTaskInput) -> service.NewTask:
    ticket = input.ticket
    return service.NewTask(
        vendor_url=input.vendor_url,
        ticket=service.TicketData(
            folio=ticket.folio,
            date=ticket.date,
            total=ticket.total,
            store=ticket.store,
            extra=ticket.extra if isinstance(ticket.extra, dict) else None,
        ),
        fiscal_profile_id=require(
            input.fiscal_profile_id,
            "FiscalProfile",
            "fiscalProfileId",
            "No encontramos ese perfil fiscal.",
        ),
        require_confirmation=input.require_confirmation,
    )


@user_errors
async def pause_task(info: Info, id: strawberry.ID) -> TaskControlResult:
    """Stop the engine at its next step so you can act in the live view."""
    return await _control(info, id, service.pause)


@user_errors
async def resume_task(info: Info, id: strawberry.ID) -> TaskControlResult:
    """Give control back to the engine after a pause or an intervention."""
    return await _control(info, id, service.resume)


@user_errors
async def cancel_task(info: Info, id: strawberry.ID) -> TaskControlResult:
    return await _control(info, id, service.cancel)


@user_errors
async def retry_task(info: Info, id: strawberry.ID) -> TaskControlResult:
    """A new attempt (attempt + 1) of a FAILED or CANCELLED task."""
    queue = info.context.services.queue

    async def retry(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> TaskRow:
        return await service.retry(session, user_id, task_id, queue=queue)

    return await _control(info, id, retry)


async def _control(info: Info, id: strawberry.ID, action: Control) -> Task:
    user_id = await info.context.user_id()
    task_id = require(id, "Task", "id", "No encontramos esa tarea.")
    async with info.context.db.session(user_id) as session:
        row = await action(session, user_id, task_id)
    return Task.from_model(row)


async def task(info: Info, id: strawberry.ID) -> Task | None:
    """Null when the id does not exist or is not the caller's."""
    task_id = decode(id, "Task")
    if task_id is None:
        return None
    row = await (await info.context.loaders()).task.load(task_id)
    return Task.from_model(row) if row else None


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, MEXICO_CITY) if day else None


def _filter(where: TaskFilterInput | None) -> TaskFilter:
    if where is None:
        return TaskFilter()
    profile_id = (
        decode(where.fiscal_profile_id, "FiscalProfile") if where.fiscal_profile_id else None
    )
    # createdBefore includes the whole day the buyer named.
    end = where.created_before + timedelta(days=1) if where.created_before else None
    return TaskFilter(
        statuses=[s.value for s in where.status or []],
        created_after=_day_start(where.created_after),
        created_before=_day_start(end),
        fiscal_profile_id=profile_id,
    )


async def tasks(
    info: Info, first: int = 20, after: str | None = None, filter: TaskFilterInput | None = None
) -> TaskConnection:
    """The caller's tasks, newest first."""
    user_id = await info.context.user_id()
    limit = max(0, min(first, MAX_PAGE))
    try:
        position = decode_cursor(after) if after else None
    except ServiceError as exc:
        raise bad_input(exc) from None
    async with info.context.db.session(user_id, readonly=True) as session:
        rows = await repository.page(session, user_id, _filter(filter), position, limit + 1)
    edges = [
        TaskEdge(cursor=encode_cursor(r.created_at, r.id), node=Task.from_model(r))
        for r in rows[:limit]
    ]
    info_ = PageInfo(
        has_next_page=len(rows) > limit,
        has_previous_page=position is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return TaskConnection(edges=edges, page_info=info_)
