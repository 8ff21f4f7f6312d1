"""Playbooks against the local portals: tasks run in-process (like the worker would) with
the chain "playbook,autofill", for buyers made directly in the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from autofactura.core.engine.runner import run_task
from autofactura.core.events.models import TaskEvent
from autofactura.core.fiscal.validation import FiscalProfileData
from autofactura.core.playbooks import service as playbooks
from autofactura.core.playbooks.models import Playbook
from autofactura.core.profiles import service as profiles
from autofactura.core.queue import InlineQueue
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.models import Task
from autofactura.core.users.service import ensure_user
from tests.pipeline.conftest import variant
from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE, ticket

# What a stored playbook must never contain: the profile's personal data and the ticket's.
PERSONAL = (PROFILE["taxId"], PROFILE["legalName"], PROFILE["zip"], PROFILE["email"])


@dataclass(frozen=True)
class Buyer:
    user_id: uuid.UUID
    profile_id: uuid.UUID


@dataclass(frozen=True)
class Ran:
    task: Task
    events: list[dict[str, Any]]  # the step payloads, in order


async def new_buyer(services: Services) -> Buyer:
    user_id = uuid.uuid4()
    async with services.db.session() as session:
        await ensure_user(session, user_id, f"{user_id}@example.com")
        data = FiscalProfileData(
            PROFILE["taxId"],
            PROFILE["legalName"],
            PROFILE["taxSystem"],
            PROFILE["zip"],
            PROFILE["cfdiUse"],
            PROFILE["email"],
        )
        profile = await profiles.create(session, user_id, data)
    return Buyer(user_id, profile.id)


def new_folio() -> str:
    return f"PB{uuid.uuid4().hex[:8].upper()}"


async def create_ticket(
    services: Services,
    portals: PortalServer,
    buyer: Buyer,
    folio: str,
    *,
    require_confirmation: bool = False,
    portal: str = "clasico",
) -> uuid.UUID:
    data = ticket(folio)
    bought = date.fromisoformat(data["date"])
    ticket_data = tasks.TicketData(
        folio, bought, Decimal(data["total"]), data["store"], data["extra"]
    )
    new = tasks.NewTask(portals.url(portal), ticket_data, buyer.profile_id, require_confirmation)
    async with services.db.session() as session:
        task = await tasks.create(
            session, buyer.user_id, new, allow_private_urls=True, queue=InlineQueue()
        )
    return task.id


async def run(services: Services, task_id: uuid.UUID, extra_engines: str = "") -> None:
    """Run the task to its end (or a wait for the buyer) in this process, as a worker would,
    with the chain "playbook,autofill" (and `extra_engines` after them)."""
    settings = variant(
        services.settings,
        engines="playbook,autofill",
        extra_engines=extra_engines,  # the pipeline's scripted engine has no part here
        allow_private_urls=True,
        task_timeout_seconds=90,
    )
    await run_task(replace(services, settings=settings), task_id)


async def outcome(services: Services, task_id: uuid.UUID) -> Ran:
    async with services.db.session() as session:
        task = await session.get(Task, task_id)
        rows = await session.execute(
            select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.seq)
        )
        events = [row.payload for row in rows.scalars() if row.type == "step"]
    assert task is not None
    return Ran(task, events)


async def run_ticket(
    services: Services,
    portals: PortalServer,
    buyer: Buyer,
    folio: str,
    portal: str = "clasico",
    extra_engines: str = "",
) -> Ran:
    """A ticket at `portal`, run to its end."""
    task_id = await create_ticket(services, portals, buyer, folio, portal=portal)
    await run(services, task_id, extra_engines)
    return await outcome(services, task_id)


async def stored(
    services: Services, buyer: Buyer, portals: PortalServer, portal: str = "clasico"
) -> Playbook | None:
    async with services.db.session() as session:
        return await playbooks.for_url(session, buyer.user_id, portals.url(portal))
