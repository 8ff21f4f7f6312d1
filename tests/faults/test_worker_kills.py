"""Worker processes SIGKILLed at seeded random points while 20 tasks run on two of them:
just after a worker claimed a task (before its browser opens), while the portal's form
loads (the fill comes next), right after the portal stamped (before the download), and
while the PDF downloads (the XML is in, nothing committed). The killed worker is replaced
at once. Every task still ends; one taken over after its stamp asks the buyer before
stamping again, and resumed, gets its one invoice; no ticket is stamped twice, a stamped
ticket is the buyer's invoice, and every subscriber's stream is whole. Distributed mode:
real worker processes."""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from sqlalchemy import func, select

from autofactura.core.services import Services
from autofactura.core.tasks.models import Task
from tests.conftest import DISTRIBUTED
from tests.faults.checks import Watch, assert_settled, settle
from tests.faults.portal_faults import FaultyPortals, Point
from tests.faults.procs import browsers_under, task_browser
from tests.faults.stack import Crew, Service, create_task, new_folio, run_bound
from tests.pipeline.helpers import Buyer, task_uuid
from tests.support.workers import WorkerProcess

pytestmark = pytest.mark.skipif(not DISTRIBUTED, reason="needs worker processes and Redis")

SEED = 20240610
TASKS = 20
WORKERS = 2
CLAIMED = "claimed"  # the kill point with no portal request: right after a claim
POINTS = (CLAIMED, Point.ENTRY, Point.SUBMIT, Point.DOWNLOAD)


def kill_plan(rng: random.Random) -> list[str | Point]:
    """Every point once, in a seeded order, and one more drawn at random."""
    plan: list[str | Point] = list(POINTS)
    rng.shuffle(plan)
    return [*plan, rng.choice(POINTS)]


async def total_claims(services: Services, ids: list[str]) -> int:
    async with services.db.session() as session:
        query = select(func.sum(Task.claims)).where(Task.id.in_([task_uuid(i) for i in ids]))
        return int((await session.execute(query)).scalar_one() or 0)


async def reached(
    point: str | Point, faulty: FaultyPortals, services: Services, ids: list[str], within: float
) -> bool:
    """Arm the point and wait until some task is there (held by the portal, if a portal point)."""
    if isinstance(point, Point):
        before = faulty.faults.count(point)
        faulty.faults.arm(point)
        return await faulty.faults.wait_hit(point, before, within)
    claims = await total_claims(services, ids)
    deadline = time.monotonic() + within
    while await total_claims(services, ids) == claims:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def victim(crew: Crew, service: Service, held: str | None, rng: random.Random) -> WorkerProcess:
    """The worker whose Chromium runs the task held at the portal, when we know it (the
    stamping POST names its folio); a seeded random one otherwise."""
    if held is not None:
        browser = task_browser(service.settings.data_dir, task_uuid(held))
        for worker in crew.processes:
            if browser in browsers_under(worker.process.pid):
                return worker
    return rng.choice(crew.processes)


async def test_killed_workers_lose_no_invoice_and_stamp_none_twice(
    service: Service, buyer: Buyer, faulty: FaultyPortals, services: Services
) -> None:
    crew = service.crew
    assert crew is not None
    while len(crew.processes) < WORKERS:
        crew.start()
    bound = run_bound(service.settings)
    rng = random.Random(SEED)
    folios = [new_folio("KILL") for _ in range(TASKS)]
    ids, watches = [], []
    for n, folio in enumerate(folios):
        ids.append(await create_task(buyer, faulty.clasico, folio, total=f"{300 + n}.50"))
        watches.append(await Watch.open(service.url, buyer, ids[-1], n, 4 * bound))
    by_folio = dict(zip(folios, ids, strict=True))
    outcomes: list[tuple[str, bool]] = []
    for point in kill_plan(rng):
        await asyncio.sleep(rng.uniform(0, 0.3))  # a little jitter past the point, seeded
        hit = await reached(point, faulty, services, ids, bound)
        stamped = [h.folio for h in faulty.faults.hits if h.point is Point.SUBMIT]
        held = by_folio.get(stamped[-1]) if point is Point.SUBMIT and stamped else None
        crew.kill(victim(crew, service, held, rng))
        crew.start()
        faulty.faults.release()
        outcomes.append((point if isinstance(point, str) else point.value, hit))
    print("kills:", outcomes)
    assert sum(hit for _, hit in outcomes) >= 4, outcomes  # most points were really reached

    settled = await asyncio.gather(*(settle(buyer, i, 3 * bound) for i in ids))
    for task_id, watch, folio in zip(ids, watches, folios, strict=True):
        await assert_settled(buyer, task_id, watch, faulty.ledger, folio, "clasico")
    states = [s.state for s in settled]
    print("outcomes:", [(s["status"], s["failureCode"]) for s in states])
    assert sum(s.asked for s in settled) >= 1, "the task killed after its stamp asked"
    assert sum(s["status"] == "COMPLETED" for s in states) >= TASKS - 2, states
