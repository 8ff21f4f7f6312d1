"""The task's Chromium SIGKILLed mid-step, found by its profile folder among the worker's
processes: while the portal's form is loading, and right after the stamping POST (the
portal stamped; the browser never saw the answer). A fresh browser takes the task over.
After a stamp that may have happened it does not press the button again by itself: it
asks the buyer. Resumed, its submit meets the portal's "ya fue facturado" and brings back
the one invoice; cancelled, the task ends CANCELLED with the one stamp the portal made."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from tests.faults.checks import Watch, assert_settled, settle
from tests.faults.portal_faults import FaultyPortals, Point
from tests.faults.procs import kill_group, task_browser
from tests.faults.stack import Service, create_task, new_folio, run_bound
from tests.pipeline.helpers import Buyer, steps, task_uuid

CASES = {
    "loading": (Point.ENTRY, "resumeTask", "COMPLETED"),
    "stamped": (Point.SUBMIT, "resumeTask", "COMPLETED"),
    "stamped-cancelled": (Point.SUBMIT, "cancelTask", "CANCELLED"),
}


async def find_browser(data_dir: Path, task_id: uuid.UUID, within: float) -> int:
    deadline = time.monotonic() + within
    while (pid := task_browser(data_dir, task_id)) is None:
        assert time.monotonic() < deadline, f"no Chromium found for task {task_id}"
        await asyncio.sleep(0.05)
    return pid


@pytest.mark.parametrize("case", list(CASES))
async def test_a_killed_browser_is_replaced_and_nothing_is_stamped_twice(
    service: Service, buyer: Buyer, faulty: FaultyPortals, case: str
) -> None:
    point, answer, ended = CASES[case]
    bound = run_bound(service.settings)
    folio = new_folio(f"CHROME-{point.value}")
    before = faulty.faults.count(point)
    faulty.faults.arm(point)  # the portal holds its answer while we kill the browser
    task_id = await create_task(buyer, faulty.clasico, folio)
    watch = await Watch.open(service.url, buyer, task_id, 0, 3 * bound)
    assert await faulty.faults.wait_hit(point, before, bound), f"the engine never reached {point}"
    kill_group(await find_browser(service.settings.data_dir, task_uuid(task_id), bound))
    faulty.faults.release()

    settled = await settle(buyer, task_id, 2 * bound, answer)
    log = await buyer.events(task_id)
    assert settled.state["status"] == ended, (settled.state, [e["message"] for e in log])
    assert settled.asked == (point is Point.SUBMIT), "asked before a second stamp, only then"
    await assert_settled(buyer, task_id, watch, faulty.ledger, folio, "clasico")
    assert len(faulty.ledger.stamps("clasico", folio)) == 1
    assert [e["type"] for e in log].count("LIVE_URL") == 2, "a fresh browser took over"
    assert [e["payload"]["action"] for e in steps(log)].count("resume") == 1
    submits = faulty.faults.count(Point.SUBMIT, folio)
    if case == "stamped":  # the second run's POST was refused: the ticket was invoiced
        assert submits == 2
        assert any("ya estaba facturado" in e["message"] for e in steps(log)), log
    else:
        assert submits == 1
