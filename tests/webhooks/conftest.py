"""Webhook deliveries run by the real `webhooks.deliver` actor: dramatiq worker threads on
the in-process broker (embedded) or an `autofactura worker --queues webhooks` process
(distributed), on short timings: a 1 s timeout and retries 0.2 s, 0.4 s, 0.8 s… apart."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import dramatiq
import pytest
import strawberry

from autofactura.actors import runtime
from autofactura.actors.broker import configure as configure_broker
from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.conftest import DISTRIBUTED
from tests.support.api import Caller, create_user
from tests.support.workers import WorkerProcess

TIMINGS: dict[str, Any] = {
    "allow_private_urls": True,  # the receivers are on loopback
    "webhook_timeout_seconds": 1.0,
    "webhook_retry_base_seconds": 0.2,
    "webhook_retry_window_seconds": 600.0,
}


@pytest.fixture(scope="package")
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=TIMINGS)


@pytest.fixture(scope="package")
def hook_services(services: Services, hook_settings: Settings) -> Services:
    return dataclasses.replace(services, settings=hook_settings)


@pytest.fixture(scope="package")
def delivery_worker(services: Services, hook_settings: Settings) -> Iterator[None]:
    """Consumes the webhooks queue only: tasks.run messages other tests left are not ours."""
    del services  # it has configured the process's broker and the actor runtime
    if DISTRIBUTED:
        env = {f"AUTOFACTURA_{name.upper()}": str(value) for name, value in TIMINGS.items()}
        process = WorkerProcess(hook_settings, threads=4, queues=("webhooks",), **env)
        try:
            yield
        finally:
            process.stop()
        return
    previous = runtime._settings
    runtime.use_settings(hook_settings)
    worker = dramatiq.Worker(
        configure_broker(hook_settings), queues={"webhooks"}, worker_threads=4, worker_timeout=100
    )
    worker.start()
    try:
        yield
    finally:
        worker.stop(timeout=10_000)
        runtime._settings = previous


@pytest.fixture
async def integrator(
    schema: strawberry.Schema, hook_services: Services, delivery_worker: None
) -> AsyncIterator[Caller]:
    """A fresh account whose API calls may register loopback URLs (the receivers')."""
    caller = await create_user(Caller(schema, hook_services))
    yield caller


@pytest.fixture
async def stranger(schema: strawberry.Schema, hook_services: Services) -> Caller:
    return await create_user(Caller(schema, hook_services))


def as_uuid(caller: Caller) -> uuid.UUID:
    assert caller.user_id is not None
    return caller.user_id
