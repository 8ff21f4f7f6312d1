"""autofactura_queue_depth counts the messages that wait: tasks pile up while no worker is
free (distributed: none runs yet; embedded: the only worker thread is held by a task
waiting for its buyer), a retry not yet due counts as delayed, and the queue empties
once a worker is free. Its own server, with no other app of this process running: in
the embedded mode every app's worker threads share the process's in-memory broker."""

from __future__ import annotations

import contextlib
import uuid

from autofactura.actors import tasks as task_actors
from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.conftest import DISTRIBUTED
from tests.observability.scrape import scrape, value, wait_for_value
from tests.pipeline.conftest import variant
from tests.pipeline.helpers import Buyer, register
from tests.support.live_server import live_server
from tests.support.workers import WorkerProcess

DEPTH = "autofactura_queue_depth"
QUEUE = "autofactura"


async def _hold_the_only_thread(buyer: Buyer) -> str:
    held = await buyer.create_task("CAPTCHA-holds-the-thread")
    await buyer.wait_for_status(held, {"INTERVENTION_NEEDED"})
    return held


async def test_waiting_and_delayed_messages_are_counted(
    settings: Settings, services: Services
) -> None:
    del services  # set the process's broker first; the server borrows it
    # One worker thread, and no sweep after the first (at start) sends messages again.
    quiet = variant(settings, worker_threads=1, sweep_interval_seconds=3600)
    with live_server(quiet) as url, contextlib.ExitStack() as workers:
        buyer = await register(url)
        if not DISTRIBUTED:  # what the first sweep sent again runs first
            await wait_for_value(url, DEPTH, lambda v: v == 0, queue=QUEUE, state="waiting")
        held = None if DISTRIBUTED else await _hold_the_only_thread(buyer)
        before = await scrape(url)
        waiting = value(before, DEPTH, queue=QUEUE, state="waiting")  # earlier runs' leftovers
        queued = [await buyer.create_task(f"DONE-queued-{n}") for n in range(3)]
        await wait_for_value(url, DEPTH, lambda v: v == waiting + 3, queue=QUEUE, state="waiting")
        # A message for a task that does not exist, due in ten minutes (a no-op then).
        delayed = value(before, DEPTH, queue=QUEUE, state="delayed")
        task_actors.run.send_with_options(args=(str(uuid.uuid4()),), delay=600_000)
        await wait_for_value(url, DEPTH, lambda v: v == delayed + 1, queue=QUEUE, state="delayed")
        if held is not None:
            await buyer.api.control("cancelTask", held)  # the thread is free again
        else:
            workers.callback(WorkerProcess(quiet).stop)
        await wait_for_value(url, DEPTH, lambda v: v == 0, queue=QUEUE, state="waiting")
        for task_id in queued:
            await buyer.wait_for_status(task_id, {"COMPLETED"})
        # Still counted while a worker holds it until it is due.
        assert value(await scrape(url), DEPTH, queue=QUEUE, state="delayed") == delayed + 1
