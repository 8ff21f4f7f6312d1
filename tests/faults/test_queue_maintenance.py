"""A message a killed worker had taken (prefetched, or held until a retry is due) comes
back to the queue seconds after the worker's heartbeat times out, not minutes: the broker
runs dramatiq's queue maintenance often enough (actors/broker.py). Two brokers on the
test's Redis stand for a worker that dies holding a message and one that lives on."""

from __future__ import annotations

import time
import uuid

import dramatiq
import pytest

from autofactura.actors.broker import make_broker
from autofactura.core.config import Settings
from tests.conftest import DISTRIBUTED
from tests.pipeline.conftest import variant

pytestmark = pytest.mark.skipif(not DISTRIBUTED, reason="dramatiq's Redis broker")

HEARTBEAT_S = 5  # the least the settings accept


def test_a_dead_workers_message_comes_back_soon(settings: Settings) -> None:
    quick = variant(settings, worker_heartbeat_timeout_seconds=HEARTBEAT_S)
    queue = f"maintenance-{uuid.uuid4().hex[:8]}"
    dead, alive = make_broker(quick), make_broker(quick)
    for broker in (dead, alive):
        broker.declare_queue(queue)
    try:
        dead.enqueue(dramatiq.Message(queue, "noop", (), {}, {}))
        taken = next(iter(dead.consume(queue, prefetch=1, timeout=100)))
        assert taken is not None
        # The holder stops here, as a SIGKILL would stop it: no ack, no close.
        started = time.monotonic()
        consumer = alive.consume(queue, prefetch=1, timeout=100)
        back = None
        while back is None and time.monotonic() - started < HEARTBEAT_S + 25:
            back = next(consumer)
        assert back is not None, "the message was not put back"
        assert back.message_id == taken.message_id
        consumer.ack(back)
        consumer.close()
    finally:
        alive.flush(queue)
        for broker in (dead, alive):
            broker.close()
