"""GraphQL operations, a task moved through its statuses as a worker would, and waits."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from autofactura.core.invoices.models import Invoice
from autofactura.core.queue import InlineQueue
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.lifecycle import Outcome, move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus
from autofactura.schema.ids import decode
from tests.support.api import Caller, create_profile

T = TypeVar("T")

CREATE_WEBHOOK = """
mutation($url: String!, $events: [String!]!) {
  createWebhook(url: $url, events: $events) {
    __typename
    ... on Webhook { id url events secret createdAt }
    ... on ValidationError { problems { field code message } }
    ... on UserError { code message field }
  }
}"""

DELETE_WEBHOOK = """
mutation($id: ID!) {
  deleteWebhook(id: $id) {
    __typename
    ... on DeletedWebhook { id }
    ... on UserError { code message field }
  }
}"""

REPLAY = """
mutation($id: ID!) {
  replayWebhookDelivery(id: $id) {
    __typename
    ... on WebhookDelivery { id event state replayOf taskId }
    ... on UserError { code message field }
  }
}"""

WEBHOOKS = """
{
  webhooks {
    id url events secret
    deliveries(first: 50) {
      id event state attempts createdAt deliveredAt nextAttemptAt taskId replayOf
      attemptsLog { attempt statusCode error durationMs createdAt }
    }
  }
}"""

FINISHED = ("DELIVERED", "FAILED")


async def register_webhook(caller: Caller, url: str, *events: str) -> dict[str, Any]:
    data = await caller(CREATE_WEBHOOK, url=url, events=list(events))
    result: dict[str, Any] = data["createWebhook"]
    assert result["__typename"] == "Webhook", result
    return result


async def webhooks(caller: Caller) -> list[dict[str, Any]]:
    data = await caller(WEBHOOKS)
    found: list[dict[str, Any]] = data["webhooks"]
    return found


async def deliveries_of(caller: Caller, webhook_id: str) -> list[dict[str, Any]]:
    for webhook in await webhooks(caller):
        if webhook["id"] == webhook_id:
            found: list[dict[str, Any]] = webhook["deliveries"]
            return found
    raise AssertionError(f"no webhook {webhook_id}")


async def new_task(services: Services, caller: Caller) -> uuid.UUID:
    """A PENDING task of the caller's, with no tasks.run message (nobody runs it)."""
    assert caller.user_id is not None
    profile = await create_profile(caller)
    profile_id = decode(profile["id"], "FiscalProfile")
    assert profile_id is not None
    ticket = tasks.TicketData(
        f"W-{uuid.uuid4().hex[:10]}", date.today() - timedelta(days=1), Decimal("245.50")
    )
    new = tasks.NewTask("https://93.184.216.34/facturacion", ticket, profile_id)
    async with services.db.session() as session:
        task = await tasks.create(
            session, caller.user_id, new, allow_private_urls=False, queue=InlineQueue()
        )
    return task.id


async def move_task(
    services: Services, task_id: uuid.UUID, target: TaskStatus, outcome: Outcome | None = None
) -> None:
    async with services.db.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        await move(session, task, target, outcome or Outcome())


async def complete_with_invoice(services: Services, task_id: uuid.UUID) -> None:
    """RUNNING, an invoice recorded, then COMPLETED: as an engine finishes."""
    await move_task(services, task_id, TaskStatus.RUNNING)
    async with services.db.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        session.add(
            Invoice(
                task_id=task.id,
                user_id=task.user_id,
                uuid="6F1A2B3C-4D5E-4F60-8172-93A4B5C6D7E8",
                total="245.50",
                issuer_rfc="EKU9003173C9",
                issuer_name="ESCUELA KEMPER URGATE",
                receptor_rfc="WAL9709244W4",
                verified=True,
            )
        )
    await move_task(services, task_id, TaskStatus.COMPLETED, Outcome(engine="autofill"))


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], within: float = 30.0
) -> T:
    """Poll `probe` until `done(value)`; fail with the last value after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not there after {within} s: {value!r}")
        await asyncio.sleep(0.05)


async def finished_deliveries(caller: Caller, webhook_id: str, count: int) -> list[dict[str, Any]]:
    """Wait until the webhook has `count` deliveries, all DELIVERED or FAILED."""
    return await eventually(
        lambda: deliveries_of(caller, webhook_id),
        lambda found: len(found) == count and all(d["state"] in FINISHED for d in found),
    )
