"""What the agent found out on a portal (a choice only the prose explains) becomes the
buyer's playbook there: the next ticket replays it with no model call at all."""

from __future__ import annotations

from autofactura.core.services import Services
from tests.playbooks.conftest import PERSONAL, new_buyer, run_ticket, stored
from tests.portals.app import PortalServer
from tests.support.agents import CHATS

SCRIPTED = "tests.support.agents:scripted_agent"


async def test_an_agent_success_replays_without_the_model(
    portals: PortalServer, services: Services
) -> None:
    buyer = await new_buyer(services)
    first = "T1PB01-PROSA"  # a store ticket (they start with T); the agent's script: PROSA
    learned = await run_ticket(services, portals, buyer, first, "prosa", SCRIPTED)
    assert (learned.task.status, learned.task.engine) == ("COMPLETED", "agent")
    playbook = await stored(services, buyer, portals, "prosa")
    assert playbook is not None and playbook.learned_by == "agent"
    kept = str(playbook.actions)
    assert "Sucursal" in kept, "the prose-only choice is part of the playbook"
    assert not [value for value in (*PERSONAL, first) if value in kept]

    second = "T1PB02-PROSA"
    replayed = await run_ticket(services, portals, buyer, second, "prosa", SCRIPTED)
    assert (replayed.task.status, replayed.task.engine) == ("COMPLETED", "playbook")
    assert second not in CHATS, "the model was asked for a replayed portal"
    assert len(portals.ledger.stamps("prosa", second)) == 1
