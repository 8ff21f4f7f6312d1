"""The buyer's pause holds the agent between steps (no model calls while paused), resume
lets it go on, and cancel ends the run for good."""

from __future__ import annotations

import asyncio

from autofactura.core.services import Services
from tests.agent.conftest import SCRIPTED, folio
from tests.portals.app import PortalServer
from tests.support.agents import CHATS
from tests.support.inprocess import Running, start


async def _calls_reach(number: str, count: int, within: float = 30.0) -> None:
    for _ in range(int(within * 10)):
        if number in CHATS and CHATS[number].calls >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the agent made {CHATS.get(number) and CHATS[number].calls} calls")


async def _start(
    services: Services, portals: PortalServer, number: str, *, require_confirmation: bool = False
) -> Running:
    """Autofill, then the scripted agent, on `prosa` (a choice only its prose explains)."""
    return await start(
        services,
        portals.url("prosa"),
        number,
        require_confirmation=require_confirmation,
        engines="autofill",
        extra_engines=SCRIPTED,
        allow_private_urls=True,
    )


async def test_pause_resume_and_cancel_reach_the_agent(
    portals: PortalServer, services: Services
) -> None:
    number = folio("ESPERA")
    run = await _start(services, portals, number)
    try:
        await _calls_reach(number, 2)
        await run.act("pause")
        await asyncio.sleep(2.0)  # a step in flight may still finish
        paused_at = CHATS[number].calls
        await asyncio.sleep(2.5)
        assert CHATS[number].calls == paused_at, "the model was called while paused"
        await run.act("resume")
        await _calls_reach(number, paused_at + 1)
        await run.act("cancel")
        await asyncio.wait_for(run.runner, 30)
    finally:
        run.runner.cancel()
    assert (await run.task()).status == "CANCELLED"
    assert not portals.ledger.stamps("prosa", number)


async def test_a_buyer_who_approves_each_stamp_approves_the_agent_before_it_starts(
    portals: PortalServer, services: Services
) -> None:
    """Nothing can stop the model right before its stamping click, so it asks first."""
    number = folio("PROSA")
    run = await _start(services, portals, number, require_confirmation=True)

    async def no_model_call_yet() -> None:
        await asyncio.sleep(1.0)
        assert number not in CHATS or CHATS[number].calls == 0, "the model ran before the yes"
        assert not portals.ledger.stamps("prosa", number)

    assert (await run.approve(no_model_call_yet, within=90)).status == "COMPLETED"
    assert CHATS[number].calls >= 3
    assert len(portals.ledger.stamps("prosa", number)) == 1
