"""tasks.run: the actor that runs one task through the engines."""

from __future__ import annotations

import uuid

import dramatiq

from autofactura.actors import runtime
from autofactura.actors.broker import ensure_broker
from autofactura.core.engine.errors import TRANSIENT
from autofactura.core.engine.runner import run_task
from autofactura.core.services import Services

# A real portal's budget plus a bounded wait for a person, plus a margin: the runner
# enforces both itself; this limit only catches a wedged thread.
TIME_LIMIT_MS = (600 + 900 + 120) * 1000


ensure_broker()  # actors bind to the broker current at declaration time


def _transient(retries: int, exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


@dramatiq.actor(
    actor_name="tasks.run",
    queue_name="autofactura",
    max_retries=6,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=TIME_LIMIT_MS,
    retry_when=_transient,
)
def run(task_id: str) -> None:
    parsed = uuid.UUID(task_id)

    async def go(services: Services) -> None:
        await run_task(services, parsed)

    runtime.run(go)


ACTORS = [run]


class DramatiqQueue:
    """The core's TaskQueue, sending tasks.run messages on the configured broker.

    min_backoff_ms rides on each message, so its retries (after a dead browser, a lost
    database) wait what the sending process was configured with."""

    def __init__(self, min_backoff_ms: int = 5000) -> None:
        self.min_backoff_ms = min_backoff_ms

    def enqueue(self, task_id: uuid.UUID) -> None:
        run.send_with_options(args=(str(task_id),), min_backoff=self.min_backoff_ms)
