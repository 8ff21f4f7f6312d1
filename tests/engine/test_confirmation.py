"""The irreversible click waits for the buyer when they asked to approve it: the task stops
at INTERVENTION_NEEDED/CONFIRMATION_REQUIRED with nothing stamped, and stamps once after
resumeTask."""

from __future__ import annotations

import asyncio
import uuid

from autofactura.core.services import Services
from tests.portals.app import PortalServer
from tests.support.inprocess import start


async def test_stamping_waits_for_the_buyers_approval(
    portals: PortalServer, services: Services
) -> None:
    folio = f"CONF{uuid.uuid4().hex[:6].upper()}"
    run = await start(
        services,
        portals.url("clasico"),
        folio,
        require_confirmation=True,
        engines="autofill",
        allow_private_urls=True,
    )
    try:
        waiting = await run.wait_for("INTERVENTION_NEEDED")
        assert waiting.intervention_reason == "CONFIRMATION_REQUIRED"
        assert not portals.ledger.stamps("clasico", folio), "stamped before the approval"
        await run.act("resume")
        await asyncio.wait_for(run.runner, 60)
    finally:
        run.runner.cancel()
    done = await run.task()
    assert (done.status, done.engine) == ("COMPLETED", "autofill")
    assert len(portals.ledger.stamps("clasico", folio)) == 1
