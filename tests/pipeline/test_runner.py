"""The runner's guarantees, against the live workers and in-process: a redelivered message
does nothing, two concurrent runs of one task make one run, an unexpected engine error
ends the task FAILED/INTERNAL, and an engine stops writing once the task was cancelled."""

from __future__ import annotations

import asyncio
import re
import time

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker

from autofactura.actors.tasks import run
from autofactura.core.db import Database
from autofactura.core.engine.errors import LeaseHeld, RunStopped
from autofactura.core.engine.run import TaskRun
from autofactura.core.engine.runner import claim, run_task
from autofactura.core.services import Services
from autofactura.core.tasks import service as task_service
from autofactura.core.tasks.status import FailureCode
from autofactura.schema.ids import encode
from tests.conftest import DISTRIBUTED
from tests.pipeline.conftest import Pipeline
from tests.pipeline.helpers import (
    FINAL,
    Buyer,
    assert_gap_free,
    create_pending_task,
    statuses,
    steps,
    task_uuid,
)

QUEUE = "autofactura"


class _Processed(dramatiq.Middleware):
    """Remembers the ids of the messages the in-process workers have handled."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: object = None,
        exception: object = None,
    ) -> None:
        self.seen.add(message.message_id)

    @classmethod
    def ids(cls, broker: dramatiq.Broker) -> set[str]:
        for middleware in broker.middleware:
            if isinstance(middleware, cls):
                return middleware.seen
        recorder = cls()
        broker.add_middleware(recorder)
        return recorder.seen


def send_again(task_id: str) -> dramatiq.Message[None]:
    if not DISTRIBUTED:
        _Processed.ids(run.broker)  # watching before the message can be handled
    return run.send(str(task_uuid(task_id)))


async def wait_until_processed(message: dramatiq.Message[None], within: float = 20.0) -> None:
    """Until the workers have handled (and acknowledged) this very message."""
    broker = run.broker
    deadline = time.monotonic() + within
    if not DISTRIBUTED:
        # The embedded workers run in this process: watch for this very message (joining
        # the whole queue would also wait for other tests' delayed retries).
        while message.message_id not in _Processed.ids(broker):
            assert time.monotonic() < deadline, f"message not processed in {within}s"
            await asyncio.sleep(0.05)
        return
    # A Redis message's body stays in the queue's hash until a worker acknowledges it.
    assert isinstance(broker, RedisBroker)
    redis_id = message.options["redis_message_id"]
    client = broker.client
    while await asyncio.to_thread(client.hexists, f"autofactura:{QUEUE}.msgs", redis_id):
        assert time.monotonic() < deadline, f"message {redis_id} not processed in {within}s"
        await asyncio.sleep(0.05)


async def test_a_redelivered_message_for_a_finished_task_does_nothing(
    pipeline: Pipeline, buyer: Buyer, services: Services
) -> None:
    task_id = await buyer.create_task("DONE-1")
    done = await buyer.wait_for_status(task_id, FINAL)
    assert done["status"] == "COMPLETED"
    log = await buyer.events(task_id)

    sent = send_again(task_id)  # the queue delivers it again
    await wait_until_processed(sent)
    await run_task(services, task_uuid(task_id))  # and once more, right here

    assert await buyer.state(task_id) == done
    assert await buyer.events(task_id) == log
    assert statuses(log) == ["PENDING", "RUNNING", "COMPLETED"]


async def test_a_redelivered_message_for_a_failed_task_does_nothing(
    pipeline: Pipeline, buyer: Buyer, services: Services
) -> None:
    task_id = await buyer.create_task("STEPS-1-10")
    failed = await buyer.wait_for_status(task_id, FINAL)
    assert failed["failureCode"] == "UNSUPPORTED_PORTAL"
    log = await buyer.events(task_id)
    sent = send_again(task_id)
    await wait_until_processed(sent)
    assert await buyer.state(task_id) == failed
    assert await buyer.events(task_id) == log


async def test_two_concurrent_runs_make_one(
    pipeline: Pipeline, buyer: Buyer, services: Services
) -> None:
    task = await create_pending_task(services, buyer, "STEPS-2-50")
    results = await asyncio.gather(
        run_task(services, task), run_task(services, task), return_exceptions=True
    )
    # One ran it; the other found it taken (LeaseHeld: dramatiq retries later) or done.
    assert results.count(None) >= 1, results
    assert all(r is None or isinstance(r, LeaseHeld) for r in results), results
    task_id = encode("Task", task)
    log = await buyer.events(task_id)
    assert_gap_free(log)
    assert statuses(log) == ["PENDING", "RUNNING", "FAILED"]
    assert [e["message"] for e in steps(log)] == ["Probando el motor scripted.", "Paso 1", "Paso 2"]


async def test_an_unexpected_engine_error_fails_the_task_as_internal(
    pipeline: Pipeline, buyer: Buyer
) -> None:
    task_id = await buyer.create_task("BOOM-1")
    state = await buyer.wait_for_status(task_id, FINAL)
    assert (state["status"], state["failureCode"]) == ("FAILED", "INTERNAL")
    match = re.fullmatch(r"Error interno \(([0-9a-f]{12})\)\.", state["failureReason"])
    assert match, state["failureReason"]
    log = await buyer.events(task_id)
    assert_gap_free(log)
    assert statuses(log) == ["PENDING", "RUNNING", "FAILED"]
    assert log[-1]["payload"]["failureCode"] == "INTERNAL"
    assert match.group(1) in log[-1]["payload"]["failureReason"]
    assert "scripted failure" not in str(log)  # the exception's text stays in the logs


async def test_no_step_is_recorded_after_a_cancel(buyer: Buyer, services: Services) -> None:
    """The engine's next step right after a cancel whose live event has not reached it
    (late, or lost): the step must not be recorded after CANCELLED, and the run stops."""
    task = await create_pending_task(services, buyer, "STEPS-9-10")
    claimed = await claim(services, task)
    assert claimed is not None
    # Commits without publishing live, as when Redis blips: the design tolerates that
    # ("committed events are in the log"), so the engine must not depend on the bus.
    quiet = Database(services.db.url)
    async with TaskRun(services, claimed) as task_run:
        await task_run.step("wait", "Paso 1")
        try:
            async with quiet.session(buyer.user_id) as session:
                await task_service.cancel(session, buyer.user_id, task)
        finally:
            await quiet.dispose()
        with pytest.raises(RunStopped):
            await task_run.step("wait", "Paso 2")  # the engine's next step, just after
    log = await buyer.events(encode("Task", task))
    assert [e["message"] for e in steps(log)] == ["Paso 1"]
    assert (log[-1]["type"], log[-1]["status"]) == ("STATUS", "CANCELLED"), log[-2:]


def test_redelivery_uses_the_configured_broker(pipeline: Pipeline) -> None:
    """Guards the tests above: `run.send` goes where the live workers listen."""
    broker = run.broker
    assert (type(broker).__name__ == "RedisBroker") is DISTRIBUTED
    assert QUEUE in broker.get_declared_queues()


async def test_a_checkpoint_says_when_a_person_had_the_browser(
    buyer: Buyer, services: Services
) -> None:
    """After a pause and a resume the engine learns it must read the page again."""
    task = await create_pending_task(services, buyer, "STEPS-9-10")
    claimed = await claim(services, task)
    assert claimed is not None and buyer.user_id is not None
    user_id = buyer.user_id
    async with TaskRun(services, claimed) as task_run:
        assert await task_run.checkpoint() is False
        async with services.db.session(user_id) as session:
            await task_service.pause(session, user_id, task)

        async def resume_soon() -> None:
            await asyncio.sleep(0.3)
            async with services.db.session(user_id) as session:
                await task_service.resume(session, user_id, task)

        resuming = asyncio.create_task(resume_soon())
        assert await task_run.checkpoint() is True
        await resuming
        assert await task_run.checkpoint() is False
        await task_run.fail(FailureCode.UNSUPPORTED_PORTAL, "fin de la prueba")
