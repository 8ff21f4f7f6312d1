"""Run a task in this process against the test database, as a worker would, so a test can
pause, resume or cancel it through the task service while an engine drives."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from autofactura.core.engine.runner import run_task
from autofactura.core.fiscal.validation import FiscalProfileData
from autofactura.core.profiles import repository as profile_rows
from autofactura.core.profiles import service as profiles
from autofactura.core.queue import InlineQueue
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.models import Task
from autofactura.core.users.service import ensure_user

BUYER = FiscalProfileData(
    "EKU9003173C9", "ESCUELA KEMPER URGATE", "601", "26015", "G03", "compras@example.com"
)


@dataclass
class Running:
    services: Services
    user_id: uuid.UUID
    task_id: uuid.UUID
    runner: asyncio.Task[None]

    async def task(self) -> Task:
        async with self.services.db.session() as session:
            task = await session.get(Task, self.task_id)
            assert task is not None
            return task

    async def wait_for(self, status: str, within: float = 60.0) -> Task:
        for _ in range(int(within * 10)):
            task = await self.task()
            if task.status == status:
                return task
            await asyncio.sleep(0.1)
        raise AssertionError(f"still {task.status}, wanted {status}")

    async def approve(self, before: Callable[[], Awaitable[None]], within: float) -> Task:
        """Wait for the run to ask the buyer's approval (CONFIRMATION_REQUIRED), check
        `before` then, resume, and return the task once the run has ended."""
        try:
            waiting = await self.wait_for("INTERVENTION_NEEDED")
            assert waiting.intervention_reason == "CONFIRMATION_REQUIRED"
            await before()
            await self.act("resume")
            await asyncio.wait_for(self.runner, within)
        finally:
            self.runner.cancel()
        return await self.task()

    async def act(self, action: str) -> None:
        """pause, resume or cancel, as the buyer would through the API."""
        async with self.services.db.session() as session:
            await getattr(tasks, action)(session, self.user_id, self.task_id)


async def start(
    services: Services,
    url: str,
    folio: str,
    *,
    require_confirmation: bool = False,
    user_id: uuid.UUID | None = None,
    **settings: Any,
) -> Running:
    """Create the task (and a buyer with a profile, unless `user_id` is one already made
    here) and start running it with changed settings."""
    run_services = replace(services, settings=services.settings.model_copy(update=settings))
    async with services.db.session() as session:
        if user_id is None:
            user_id = uuid.uuid4()
            await ensure_user(session, user_id, f"{user_id}@example.com")
            profile = await profiles.create(session, user_id, BUYER)
        else:
            profile = (await profile_rows.list_for_user(session, user_id))[0]
        ticket = tasks.TicketData(folio, date.today() - timedelta(days=1), Decimal("1234.50"))
        new = tasks.NewTask(url, ticket, profile.id, require_confirmation=require_confirmation)
        task = await tasks.create(
            session, user_id, new, allow_private_urls=True, queue=InlineQueue()
        )
    runner = asyncio.create_task(run_task(run_services, task.id))
    return Running(services, user_id, task.id, runner)
