"""Portals that misbehave: a server that never answers, one that answers 500, one that resets
every connection, and a stamping POST that fails or hangs. Each task ends FAILED with the
code that says so and a reason in Spanish, within bounded time, and the stamping POST is
never sent twice (it is not idempotent: a second one may stamp a second invoice)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.checks import Watch, assert_settled
from tests.faults.portal_faults import (
    FaultyPortals,
    Misbehave,
    Point,
    failing_server,
    raw_server,
)
from tests.faults.stack import Service, create_task, new_folio, run_bound
from tests.pipeline.helpers import FINAL, Buyer

TIMED_OUT = "El portal tardó demasiado"
SERVERS: dict[str, Callable[[], contextlib.AbstractContextManager[str]]] = {
    "resets": lambda: raw_server(reset=True),
    "answers 500": failing_server,
}


async def run_to_end(
    service: Service, buyer: Buyer, faulty: FaultyPortals, url: str, folio: str
) -> tuple[dict[str, Any], float]:
    """Create the task with a subscriber on it, wait for its end and check it: its final
    state and how many seconds it took."""
    started = time.monotonic()
    bound = run_bound(service.settings)
    task_id = await create_task(buyer, url, folio)
    watch = await Watch.open(service.url, buyer, task_id, len(folio), 2 * bound)
    await buyer.wait_for_status(task_id, FINAL, within=bound)
    took = time.monotonic() - started
    return await assert_settled(buyer, task_id, watch, faulty.ledger, folio, "clasico"), took


@pytest.mark.parametrize("kind", list(SERVERS))
async def test_a_portal_that_is_down_fails_the_task_as_unreachable(
    service: Service, buyer: Buyer, faulty: FaultyPortals, kind: str
) -> None:
    with SERVERS[kind]() as url:
        state, _ = await run_to_end(service, buyer, faulty, url, new_folio("MAL"))
    assert (state["status"], state["failureCode"]) == ("FAILED", "PORTAL_UNREACHABLE"), state
    reason = state["failureReason"]
    assert reason.startswith(("No pudimos abrir el portal", "El portal respondió con un error")), (
        reason
    )


async def test_a_stamping_post_answered_500_is_not_sent_again(
    service: Service, buyer: Buyer, faulty: FaultyPortals
) -> None:
    folio = new_folio("SUB500")
    faulty.faults.arm(Point.SUBMIT, Misbehave.ERROR_500, times=5)
    state, _ = await run_to_end(service, buyer, faulty, faulty.clasico, folio)
    assert (state["status"], state["failureCode"]) == ("FAILED", "PORTAL_UNREACHABLE"), state
    assert "No los reenviamos para no timbrar dos veces" in state["failureReason"]
    assert faulty.faults.count(Point.SUBMIT, folio) == 1


async def test_a_portal_that_hangs_times_out_without_sending_twice(
    service: Service, buyer: Buyer, faulty: FaultyPortals
) -> None:
    """Both at once: a server that accepts and never answers, and the stamping POST of a
    portal that answered everything else. Each ends by the run's own bound."""
    folio = new_folio("SUBHANG")
    faulty.faults.arm(Point.SUBMIT, Misbehave.HANG, times=5)
    with raw_server(reset=False) as silent:
        (entry, entry_took), (submit, submit_took) = await asyncio.gather(
            run_to_end(service, buyer, faulty, silent, new_folio("HANG")),
            run_to_end(service, buyer, faulty, faulty.clasico, folio),
        )
    for state, took in ((entry, entry_took), (submit, submit_took)):
        assert (state["status"], state["failureCode"]) == ("FAILED", "TIMEOUT"), state
        assert state["failureReason"].startswith(TIMED_OUT), state
        assert service.settings.task_timeout_seconds <= took < run_bound(service.settings), took
    assert faulty.faults.count(Point.SUBMIT, folio) == 1
