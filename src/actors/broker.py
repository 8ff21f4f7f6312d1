"""Choose the broker: Redis when REDIS_URL is set, otherwise an in-process one."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from autofactura.core.config import load_settings


def setup_broker() -> dramatiq.Broker:
    settings = load_settings()
    broker: dramatiq.Broker
    if settings.redis_url:
        broker = RedisBroker(url=settings.redis_url, namespace="autofactura")  # type: ignore[no-untyped-call]  # dramatiq ships no annotations for it
    else:
        broker = StubBroker()
    dramatiq.set_broker(broker)
    return broker
