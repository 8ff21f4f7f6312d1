"""The irreversible click waits for the buyer when they asked to approve it: the task stops
at INTERVENTION_NEEDED/CONFIRMATION_REQUIRED with nothing stamped, and stamps once after
resumeTask."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from autofactura.core.engine.runner import run_task
from autofactura.core.fiscal.validation import FiscalProfileData
from autofactura.core.profiles import service as profiles
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.models import Task
from autofactura.core.users.service import ensure_user
from tests.pipeline.conftest import variant
from tests.portals.app import PortalServer


class _Inline:
    def enqueue(self, task_id: uuid.UUID) -> None:
        pass  # the test runs the task itself


async def _status(services: Services, task_id: uuid.UUID) -> Task:
    async with services.db.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        return task


async def _wait_for(services: Services, task_id: uuid.UUID, status: str) -> Task:
    for _ in range(600):
        task = await _status(services, task_id)
        if task.status == status:
            return task
        await asyncio.sleep(0.1)
    raise AssertionError(f"still {task.status}, wanted {status}")


async def test_stamping_waits_for_the_buyers_approval(
    portals: PortalServer, services: Services
) -> None:
    settings = variant(services.settings, engines="autofill", allow_private_urls=True)
    run_services = replace(services, settings=settings)
    user_id, folio = uuid.uuid4(), f"CONF{uuid.uuid4().hex[:6].upper()}"
    async with services.db.session() as session:
        await ensure_user(session, user_id, f"{user_id}@example.com")
        data = FiscalProfileData(
            "EKU9003173C9", "ESCUELA KEMPER URGATE", "601", "26015", "G03", "compras@example.com"
        )
        profile = await profiles.create(session, user_id, data)
        ticket = tasks.TicketData(folio, date.today() - timedelta(days=1), Decimal("1234.50"))
        new = tasks.NewTask(portals.url("clasico"), ticket, profile.id, require_confirmation=True)
        task = await tasks.create(session, user_id, new, allow_private_urls=True, queue=_Inline())
    runner = asyncio.create_task(run_task(run_services, task.id))
    try:
        waiting = await _wait_for(services, task.id, "INTERVENTION_NEEDED")
        assert waiting.intervention_reason == "CONFIRMATION_REQUIRED"
        assert not portals.ledger.stamps("clasico", folio), "stamped before the approval"
        async with services.db.session() as session:
            await tasks.resume(session, user_id, task.id)
        await asyncio.wait_for(runner, 60)
    finally:
        runner.cancel()
    done = await _status(services, task.id)
    assert (done.status, done.engine) == ("COMPLETED", "autofill")
    assert len(portals.ledger.stamps("clasico", folio)) == 1
