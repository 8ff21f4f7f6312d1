"""A portal's flow is learned from the first completed ticket, replayed for the next one
with no other engine, and learned again when the portal changed under it."""

from __future__ import annotations

import asyncio
import json
import uuid

from autofactura.core.autofill.engine import CONTINUING
from autofactura.core.playbooks import service as playbooks
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.models import Task
from tests.playbooks.conftest import (
    PERSONAL,
    create_ticket,
    new_buyer,
    new_folio,
    outcome,
    run,
    run_ticket,
    stored,
)
from tests.portals.app import PortalServer

CHANGED = "El portal cambió; el playbook ya no aplica."


def _messages(events: list[dict[str, object]]) -> list[str]:
    return [str(event.get("message", "")) for event in events]


async def test_first_ticket_completes_by_autofill_and_learns_a_playbook_without_values(
    portals: PortalServer, services: Services
) -> None:
    buyer, folio = await new_buyer(services), new_folio()
    assert await stored(services, buyer, portals) is None
    ran = await run_ticket(services, portals, buyer, folio)
    assert (ran.task.status, ran.task.engine) == ("COMPLETED", "autofill")
    playbook = await stored(services, buyer, portals)
    assert playbook is not None
    assert (playbook.domain, playbook.learned_by) == ("127.0.0.1", "autofill")
    assert (playbook.successes, playbook.failures) == (0, 0)
    kinds = [action["action"] for action in playbook.actions]
    assert kinds == ["fill_page", "click", "finish"]
    assert playbook.actions[1]["text"] == "Facturar"
    text = json.dumps(playbook.actions, ensure_ascii=False)
    for value in (*PERSONAL, folio, "1234.50", "1,234.50"):
        assert value.casefold() not in text.casefold(), value


async def test_second_ticket_replays_the_playbook_and_stamps_once(
    portals: PortalServer, services: Services
) -> None:
    buyer = await new_buyer(services)
    first = await run_ticket(services, portals, buyer, new_folio())
    assert first.task.engine == "autofill"
    learned = await stored(services, buyer, portals)
    assert learned is not None

    folio = new_folio()
    second = await run_ticket(services, portals, buyer, folio)
    assert (second.task.status, second.task.engine) == ("COMPLETED", "playbook")
    assert len(portals.ledger.stamps("clasico", folio)) == 1
    engines = [e.get("engine") for e in second.events if e.get("action") == "engine"]
    assert engines == ["playbook"], "autofill never started"
    messages = _messages(second.events)
    assert any("Repetimos el playbook" in m for m in messages), messages
    assert any("«Facturar» (paso 2 del playbook)" in m for m in messages), messages
    assert [e["action"] for e in second.events].count("fill") >= 8  # the replayed fill pass
    assert not [m for m in messages for s in PERSONAL if s in m], "personal data in the steps"
    after = await stored(services, buyer, portals)
    assert after is not None
    assert (after.successes, after.failures) == (1, 0)
    assert after.actions == learned.actions, "a replay does not rewrite the playbook"


async def test_a_changed_portal_falls_back_and_relearns(
    portals: PortalServer, services: Services
) -> None:
    buyer = await new_buyer(services)
    await run_ticket(services, portals, buyer, new_folio())
    # The portal "changed": the recorded button is now gone.
    async with services.db.session() as session:
        playbook = await playbooks.for_url(session, buyer.user_id, portals.url("clasico"))
        assert playbook is not None
        actions = [dict(action) for action in playbook.actions]
        actions[1] = {"action": "click", "text": "Emitir CFDI", "tag": "button", "attrs": {}}
        playbook.actions = actions

    folio = new_folio()
    ran = await run_ticket(services, portals, buyer, folio)
    assert (ran.task.status, ran.task.engine) == ("COMPLETED", "autofill")
    assert len(portals.ledger.stamps("clasico", folio)) == 1
    engines = [e.get("engine") for e in ran.events if e.get("action") == "engine"]
    assert engines == ["playbook", "autofill"]
    changed = [e for e in ran.events if e.get("message") == CHANGED]
    assert len(changed) == 1 and changed[0]["failedStep"] == 2, changed
    # Autofill went on from the page the playbook filled, without opening the portal again.
    after = _messages(ran.events)[_messages(ran.events).index(CHANGED) :]
    assert CONTINUING in after and "Abrimos el portal de facturación." not in after
    relearned = await stored(services, buyer, portals)
    assert relearned is not None
    assert (relearned.successes, relearned.failures) == (0, 1)
    assert relearned.learned_by == "autofill"
    assert [a.get("text") for a in relearned.actions if a["action"] == "click"] == ["Facturar"]


async def test_a_playbook_is_the_buyers_own(portals: PortalServer, services: Services) -> None:
    """Another buyer's ticket at the same portal does not replay the first buyer's flow."""
    first, other = await new_buyer(services), await new_buyer(services)
    await run_ticket(services, portals, first, new_folio())
    ran = await run_ticket(services, portals, other, new_folio())
    assert ran.task.engine == "autofill"
    assert not any("Repetimos el playbook" in m for m in _messages(ran.events))


async def test_a_portal_refusal_during_a_replay_keeps_its_failure_code(
    portals: PortalServer, services: Services
) -> None:
    buyer = await new_buyer(services)
    await run_ticket(services, portals, buyer, new_folio())
    ran = await run_ticket(services, portals, buyer, f"NOEXISTE{new_folio()}")
    assert (ran.task.status, ran.task.failure_code) == ("FAILED", "TICKET_NOT_FOUND")
    assert ran.task.engine == "playbook"
    playbook = await stored(services, buyer, portals)
    assert playbook is not None
    assert (playbook.successes, playbook.failures) == (0, 0), "the portal did not change"


async def test_a_replay_waits_for_the_buyers_approval_before_stamping(
    portals: PortalServer, services: Services
) -> None:
    buyer = await new_buyer(services)
    await run_ticket(services, portals, buyer, new_folio())
    folio = new_folio()
    task_id = await create_ticket(services, portals, buyer, folio, require_confirmation=True)
    runner = asyncio.create_task(run(services, task_id))
    try:
        waiting = await _wait_for(services, task_id, "INTERVENTION_NEEDED")
        assert waiting.intervention_reason == "CONFIRMATION_REQUIRED"
        assert not portals.ledger.stamps("clasico", folio), "stamped before the approval"
        async with services.db.session() as session:
            await tasks.resume(session, buyer.user_id, task_id)
        await asyncio.wait_for(runner, 60)
    finally:
        runner.cancel()
    ran = await outcome(services, task_id)
    assert (ran.task.status, ran.task.engine) == ("COMPLETED", "playbook")
    assert len(portals.ledger.stamps("clasico", folio)) == 1


async def _wait_for(services: Services, task_id: uuid.UUID, status: str) -> Task:
    for _ in range(600):
        task = (await outcome(services, task_id)).task
        if task.status == status:
            return task
        await asyncio.sleep(0.1)
    raise AssertionError(f"still {task.status}, wanted {status}")
