"""Choose the broker: Redis when REDIS_URL is set, otherwise an in-process one.

Actors are declared against whatever broker is current when their module is imported,
so `configure` also re-declares ours on the broker it sets.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from autofactura.core.config import Settings
from autofactura.core.webhooks.queue import use_delivery_queue

QUEUE = "autofactura"
# Out of a million broker commands, how many also run dramatiq's queue maintenance, which
# puts back the messages a dead worker had taken (its heartbeat older than the timeout).
# dramatiq's 1,000 left a killed worker's messages waiting minutes on a quiet queue.
MAINTENANCE_CHANCE = 50_000


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        return RedisBroker(  # type: ignore[no-untyped-call]  # dramatiq ships no annotations here
            url=settings.redis_url,
            namespace="autofactura",
            heartbeat_timeout=settings.worker_heartbeat_timeout_seconds * 1000,
            maintenance_chance=MAINTENANCE_CHANCE,
        )
    return StubBroker()


def ensure_broker() -> None:
    """An in-process broker until `configure` picks the real one (never dramatiq's
    implicit default, which would try RabbitMQ)."""
    if dramatiq.broker.global_broker is None:
        dramatiq.set_broker(StubBroker())


_configured: tuple[str | None, dramatiq.Broker] | None = None


def all_actors() -> list[dramatiq.Actor[Any, Any]]:
    from autofactura.actors import tasks, webhooks

    return [*tasks.ACTORS, *webhooks.ACTORS]


def configure(settings: Settings) -> dramatiq.Broker:
    """Set the process's broker; the same one again for the same REDIS_URL, so every app
    in a process (tests start several) shares one queue. Webhook deliveries created in
    this process (by any status change) are sent on it."""
    global _configured
    from autofactura.actors.webhooks import DramatiqDeliveryQueue

    use_delivery_queue(DramatiqDeliveryQueue())
    if _configured is not None and _configured[0] == settings.redis_url:
        broker = _configured[1]
    else:
        broker = make_broker(settings)
        _configured = (settings.redis_url, broker)
    # Point the process and our actors at it again even when it is the same one: a test's
    # server may have handed back another broker meanwhile (tests/support/live_server.py).
    dramatiq.set_broker(broker)
    for actor in all_actors():
        actor.broker = broker
        broker.declare_actor(actor)
    return broker
