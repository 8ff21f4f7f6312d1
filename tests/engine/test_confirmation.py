"""The irreversible click waits for the buyer when they asked to approve it: the task stops
at INTERVENTION_NEEDED/CONFIRMATION_REQUIRED with nothing stamped, and stamps once after
resumeTask."""

from __future__ import annotations

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

    async def nothing_stamped() -> None:
        assert not portals.ledger.stamps("clasico", folio), "stamped before the approval"

    done = await run.approve(nothing_stamped, within=60)
    assert (done.status, done.engine) == ("COMPLETED", "autofill")
    assert len(portals.ledger.stamps("clasico", folio)) == 1
