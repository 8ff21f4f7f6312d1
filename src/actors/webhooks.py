"""webhooks.deliver: one attempt at one webhook delivery; the next one, if any, is a new
message sent with a delay (never a sleeping worker)."""

from __future__ import annotations

import uuid

import dramatiq

from autofactura.actors import runtime
from autofactura.actors.broker import ensure_broker
from autofactura.core.services import Services
from autofactura.core.webhooks.deliver import deliver as deliver_once

# The POST is bounded by webhook_timeout_seconds (at most 60 s); this only catches a
# wedged thread.
TIME_LIMIT_MS = 180_000

ensure_broker()  # actors bind to the broker current at declaration time


@dramatiq.actor(
    actor_name="webhooks.deliver",
    # Its own queue: a deployment can give deliveries workers of their own (--queues).
    queue_name="webhooks",
    # Only for our own failures (the database away); the endpoint's are retried above.
    max_retries=5,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=TIME_LIMIT_MS,
)
def deliver(delivery_id: str) -> None:
    parsed = uuid.UUID(delivery_id)

    async def go(services: Services) -> None:
        await deliver_once(services, parsed)

    runtime.run(go)


ACTORS = [deliver]


class DramatiqDeliveryQueue:
    """The core's DeliveryQueue, sending webhooks.deliver messages on the process's broker."""

    def send(self, delivery_id: uuid.UUID, delay_seconds: float = 0.0) -> None:
        delay_ms = int(delay_seconds * 1000)
        deliver.send_with_options(args=(str(delivery_id),), delay=delay_ms or None)
