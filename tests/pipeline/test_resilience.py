"""The distributed mode's failures: a worker process killed mid-task, and the API's Redis
pub/sub connection killed under live subscribers. Skipped in the embedded mode."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis

from autofactura.actors.tasks import run
from autofactura.core.db.base import utcnow
from autofactura.core.services import Services
from autofactura.core.tasks.models import Task
from tests.conftest import DISTRIBUTED
from tests.pipeline.conftest import Pipeline
from tests.pipeline.helpers import (
    EVENTS_SUBSCRIPTION,
    FINAL,
    Buyer,
    assert_gap_free,
    is_final_event,
    register,
    statuses,
    steps,
    task_uuid,
)
from tests.support.ws import PROTOCOLS, GraphQLWebSocket, data_of, graphql_ws

pytestmark = pytest.mark.skipif(not DISTRIBUTED, reason="needs worker processes and Redis")

TAKEOVER_SECONDS = 10.0
"""How long after the kill (or the redelivery) the take-over must have begun: the
heartbeat timeout (5 s; the 3 s lease is over by then) and a new worker's start fit."""
RERUN_SECONDS = 15.0
"""And then how long the new worker has for the 40-step script (4 s) to its end."""
RESUMED = "Retomamos la tarea tras perder al trabajador."


@dataclass(frozen=True)
class Crash:
    buyer: Buyer
    redelivered: str  # its message is sent again by hand once the lease has run out
    abandoned: str  # left to the system
    killed_at: float


async def lease_expired(services: Services, task_id: str) -> bool:
    async with services.db.session() as session:
        task = await session.get(Task, task_uuid(task_id))
    assert task is not None
    return task.lease_expires_at is None or task.lease_expires_at < utcnow()


@pytest.fixture(scope="module")
async def crash(pipeline: Pipeline, services: Services) -> AsyncIterator[Crash]:
    """Two tasks mid-way when their worker process is SIGKILLed (no clean-up, no
    acknowledgement), and a new worker started in its place."""
    assert pipeline.workers is not None
    buyer = await register(pipeline.url)
    tasks = [await buyer.create_task("STEPS-40-100") for _ in range(2)]
    for task_id in tasks:
        await buyer.wait_for_events(task_id, lambda log: len(steps(log)) >= 4)
    pipeline.workers.kill_all()
    killed_at = time.monotonic()
    for task_id in tasks:
        assert (await buyer.state(task_id))["status"] == "RUNNING"
    pipeline.workers.start()
    yield Crash(buyer, tasks[0], tasks[1], killed_at)
    for task_id in tasks:
        await buyer.finish(task_id)


def taken_over(log: list[dict[str, Any]]) -> bool:
    """A new worker took the task, or it ended some other way."""
    return any(e["message"] == RESUMED for e in log) or statuses(log)[-1] in FINAL


def assert_taken_over(log: list[dict[str, Any]]) -> None:
    """One run to the end, gap-free: the new worker said it took over, and its engine
    started its script again."""
    assert_gap_free(log)
    assert statuses(log) == ["PENDING", "RUNNING", "FAILED"]
    assert log[-1]["payload"]["failureCode"] == "UNSUPPORTED_PORTAL"
    resumes = [e for e in log if e["message"] == RESUMED]
    assert len(resumes) == 1, log
    rerun = [e["message"] for e in steps(log) if e["seq"] > resumes[0]["seq"]]
    assert rerun[:2] == ["Probando el motor scripted.", "Paso 1"]
    assert rerun[-1] == "Paso 40"


async def test_a_redelivered_task_of_a_killed_worker_is_taken_over(
    crash: Crash, services: Services
) -> None:
    buyer, task_id = crash.buyer, crash.redelivered
    before = await buyer.events(task_id)
    deadline = time.monotonic() + 10
    while not await lease_expired(services, task_id):
        assert time.monotonic() < deadline, "the dead worker's lease never ran out"
        await asyncio.sleep(0.1)
    run.send(str(task_uuid(task_id)))  # what the broker does for a dead worker's message
    await buyer.wait_for_events(task_id, taken_over, within=TAKEOVER_SECONDS)
    state = await buyer.wait_for_status(task_id, FINAL, within=RERUN_SECONDS)
    assert (state["status"], state["failureCode"]) == ("FAILED", "UNSUPPORTED_PORTAL"), state
    log = await buyer.events(task_id)
    assert log[: len(before)] == before
    assert_taken_over(log)


async def test_a_killed_workers_task_ends_by_itself(crash: Crash) -> None:
    buyer, task_id = crash.buyer, crash.abandoned
    remaining = TAKEOVER_SECONDS - (time.monotonic() - crash.killed_at)
    await buyer.wait_for_events(task_id, taken_over, within=max(remaining, 0.5))
    state = await buyer.wait_for_status(task_id, FINAL, within=RERUN_SECONDS)
    assert state["status"] in {"FAILED", "COMPLETED"}
    assert_taken_over(await buyer.events(task_id))


async def kill_pubsub_connections(redis_url: str) -> int:
    """`CLIENT KILL TYPE pubsub`, limited to the connections on the test's Redis database
    (the API's listener, the workers' control channels): the server is shared, and other
    things on it keep theirs."""
    redis = Redis.from_url(redis_url)
    try:
        db = int(redis.connection_pool.connection_kwargs.get("db", 0))
        clients = await redis.client_list(_type="pubsub")
        ours = [c["id"] for c in clients if int(c["db"]) == db]
        for client_id in ours:
            await redis.client_kill_filter(_id=client_id)
    finally:
        await redis.aclose()
    return len(ours)


async def test_losing_the_pubsub_connection_loses_no_event(
    pipeline: Pipeline, buyer: Buyer
) -> None:
    assert pipeline.settings.redis_url is not None
    task_id = await buyer.create_task("STEPS-30-100")
    connections = [
        await GraphQLWebSocket.open(pipeline.url, PROTOCOLS[i % 2], buyer.token) for i in range(3)
    ]
    try:
        ops = [await ws.subscribe(EVENTS_SUBSCRIPTION, id=task_id, after=0) for ws in connections]
        heads = [await ws.collect(op, 6, 30) for ws, op in zip(connections, ops, strict=True)]

        killed = await kill_pubsub_connections(pipeline.settings.redis_url)
        assert killed >= 1  # at least the API's own listening connection

        def final(message: Any) -> bool:
            return message.kind == "data" and is_final_event(message.payload["data"]["taskEvents"])

        tails = await asyncio.gather(
            *(ws.collect_until(op, final, 60) for ws, op in zip(connections, ops, strict=True))
        )
    finally:
        for ws in connections:
            await ws.close()
    log = await buyer.events(task_id)
    assert statuses(log)[-1] == "FAILED"
    for head, tail in zip(heads, tails, strict=True):
        events = data_of(head + tail, "taskEvents")
        assert_gap_free(events)
        assert events == log


async def test_a_subscriber_connected_through_the_loss_still_gets_the_last_event(
    pipeline: Pipeline, buyer: Buyer
) -> None:
    """The loss happens while the task is quiet (paused); its next events must still
    arrive promptly, not only at the stream's periodic resync."""
    assert pipeline.settings.redis_url is not None
    task_id = await buyer.create_task("STEPS-40-100")
    async with graphql_ws(pipeline.url, PROTOCOLS[0], buyer.token) as ws:
        op = await ws.subscribe(EVENTS_SUBSCRIPTION, id=task_id, after=0)
        await ws.collect(op, 5, 30)
        await buyer.api.control("pauseTask", task_id)
        await buyer.wait_for_events(task_id, lambda log: statuses(log)[-1] == "PAUSED")
        assert await kill_pubsub_connections(pipeline.settings.redis_url) >= 1
        await buyer.api.control("cancelTask", task_id)
        got = await ws.collect_until(
            op,
            lambda m: m.kind == "data" and is_final_event(m.payload["data"]["taskEvents"]),
            10,
        )
    events = data_of(got, "taskEvents")
    assert events[-1]["status"] == "CANCELLED"
    await buyer.wait_for_status(task_id, FINAL)
