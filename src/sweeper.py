"""Runs the task sweeper in the API process (and the webhook deliveries' backstop): at
start, then every sweep interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from redis.exceptions import RedisError

from autofactura.core.services import Services
from autofactura.core.tasks import idempotency
from autofactura.core.tasks.sweeper import (
    fail_abandoned,
    fail_overdue_email,
    resend_orphaned,
    resend_pending,
)
from autofactura.core.webhooks.sweeper import resend_overdue as resend_overdue_deliveries

log = logging.getLogger(__name__)
PENDING_GRACE = timedelta(minutes=10)


async def forget_idempotency_keys(services: Services) -> None:
    """createTask keys older than a day are free again: drop them in bounded batches."""
    async with services.db.session() as session:
        await idempotency.forget_expired(session)


class RedisRestarts:
    """Tells when the broker's Redis restarted (its run_id changed): a Redis without
    persistence lost every queued message then, so PENDING tasks need theirs again now,
    not after the grace meant for a message that is merely slow."""

    def __init__(self, services: Services) -> None:
        self.redis = services.redis
        self.run_id: str | None = None

    async def restarted(self) -> bool:
        if self.redis is None:
            return False
        try:
            run_id = str((await self.redis.info("server"))["run_id"])
        except (RedisError, OSError, KeyError):
            return False  # down: asked again on the next sweep
        seen, self.run_id = self.run_id, run_id
        return seen is not None and seen != run_id


@contextlib.asynccontextmanager
async def run_sweeper(services: Services, *, resend_all_pending: bool) -> AsyncIterator[None]:
    """`resend_all_pending`: the embedded queue lives in memory, so after a restart every
    PENDING task needs its message again."""

    async def loop() -> None:
        first = True
        redis = RedisRestarts(services)
        while True:
            try:
                lost = (first and resend_all_pending) or await redis.restarted()
                grace = timedelta(0) if lost else PENDING_GRACE
                await resend_pending(services, grace)
                await resend_orphaned(services)
                await fail_abandoned(services)
                await fail_overdue_email(services)
                await resend_overdue_deliveries(services, grace)
                await forget_idempotency_keys(services)
            except Exception:
                log.exception("task sweep failed; trying again later")
            first = False
            await asyncio.sleep(services.settings.sweep_interval_seconds)

    task = asyncio.create_task(loop(), name="task-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
