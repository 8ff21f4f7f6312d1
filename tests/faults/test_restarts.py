"""Redis, then Postgres, restarted while tasks run (distributed mode), each a private
server of the test's on the same port before and after. One task is held at the portal
right after its stamp, others run or wait in the queue.

Redis has no persistence: its restart loses the queue, the workers' heartbeats and the
live channel. The API's sweeper notices (Redis's run_id changed) and sends the PENDING
tasks again; a run whose lease nobody renews is taken over. A buyer's subscription does
not break: the server's bus reconnects and catches up from the event log.

Postgres's restart drops every connection: writes fail, a run that cannot record is
taken over once its lease runs out; a subscription whose server lost its database ends,
and the buyer's client subscribes again with `after` = the last seq it saw.

Either way every task ends (COMPLETED, or FAILED with a reason), no ticket is stamped
twice, and each subscriber's stream is gap-free."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from autofactura.core.config import Settings
from autofactura.core.db.migrate import reset_and_upgrade
from tests.conftest import DISTRIBUTED, TEST_DATABASE_URL
from tests.faults.checks import Settled, Watch, assert_settled, settle
from tests.faults.portal_faults import FaultyPortals, Point
from tests.faults.servers import PrivateCluster, PrivateRedis, private_folder, private_service
from tests.faults.stack import Service, create_task, new_folio, run_bound
from tests.pipeline.helpers import register
from tests.support.create_database import create

pytestmark = pytest.mark.skipif(not DISTRIBUTED, reason="restarts the distributed mode's servers")

TASKS = 4
DOWN_SECONDS = 2.0


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    with private_folder("redis") as folder:
        redis = PrivateRedis(folder)
        redis.start()
        try:
            yield redis
        finally:
            redis.kill()


def own_database() -> str:
    """A database of this test's on the test Postgres (the session's service sweeps its own)."""
    parts = urlsplit(TEST_DATABASE_URL)
    url = urlunsplit(parts._replace(path=f"{parts.path}_restarts_{os.getpid()}"))
    asyncio.run(create(url))
    reset_and_upgrade(url)
    return url


async def run_through(
    service: Service, faulty: FaultyPortals, restart: Callable[[], Awaitable[None]]
) -> tuple[list[Settled], list[Watch]]:
    buyer = await register(service.url)
    bound = run_bound(service.settings)
    folios = [new_folio("RESTART") for _ in range(TASKS)]
    before = faulty.faults.count(Point.SUBMIT)
    faulty.faults.arm(Point.SUBMIT)  # one task waits at the portal right after its stamp
    ids, watches = [], []
    for n, folio in enumerate(folios):
        ids.append(await create_task(buyer, faulty.clasico, folio, total=f"{500 + n}.50"))
        watches.append(await Watch.open(service.url, buyer, ids[-1], n, 5 * bound))
    assert await faulty.faults.wait_hit(Point.SUBMIT, before, bound), "no task reached the stamp"
    await restart()
    faulty.faults.release()
    settled = await asyncio.gather(*(settle(buyer, i, 3 * bound) for i in ids))
    for task_id, watch, folio in zip(ids, watches, folios, strict=True):
        await assert_settled(buyer, task_id, watch, faulty.ledger, folio, "clasico")
    print("outcomes:", [(s.state["status"], s.state["failureCode"], s.asked) for s in settled])
    print("reconnects:", [w.reconnects for w in watches])
    return settled, watches


async def test_a_redis_restart_loses_no_task(
    settings: Settings, faulty: FaultyPortals, redis_server: PrivateRedis
) -> None:
    backends = {
        "redis_url": redis_server.url,
        "database_url": await asyncio.to_thread(own_database),
    }
    with private_service(settings, **backends) as service:
        settled, watches = await run_through(
            service, faulty, lambda: redis_server.restart(DOWN_SECONDS)
        )
    assert all(w.reconnects == 0 for w in watches), "a buyer's stream broke"
    assert sum(s.state["status"] == "COMPLETED" for s in settled) >= TASKS - 1, settled


async def test_a_postgres_restart_loses_no_task(
    settings: Settings, faulty: FaultyPortals, redis_server: PrivateRedis
) -> None:
    with private_folder("postgres") as folder:
        cluster = await asyncio.to_thread(PrivateCluster, folder)
        await asyncio.to_thread(cluster.start)
        try:
            with private_service(settings, redis_server.url, cluster.url) as service:
                settled, _ = await run_through(service, faulty, cluster.restart)
        finally:
            await asyncio.to_thread(cluster.stop)
    assert sum(s.state["status"] == "COMPLETED" for s in settled) >= TASKS - 1, settled
