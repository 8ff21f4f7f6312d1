"""Deliveries to real endpoints on loopback, by the real actor: signed over the exact body,
retried after a 5xx or a timeout with backoff, never after a 2xx, logged, replayable."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import strawberry

from autofactura.core.db.base import utcnow
from autofactura.core.ratelimit import Rule
from autofactura.core.services import Services
from autofactura.core.signing import SIGNATURE_HEADER, verify
from autofactura.core.tasks.lifecycle import Outcome
from autofactura.core.tasks.status import FailureCode, TaskStatus
from autofactura.core.webhooks.models import WebhookDelivery
from autofactura.core.webhooks.queue import delivery_queue
from autofactura.core.webhooks.sweeper import resend_overdue
from autofactura.schema.ids import decode, encode
from tests.support.api import PROFILE, Caller
from tests.webhooks.helpers import (
    REPLAY,
    complete_with_invoice,
    deliveries_of,
    finished_deliveries,
    move_task,
    new_task,
    register_webhook,
)
from tests.webhooks.receiver import Reply, receiving

CANCEL = """
mutation($id: ID!) { cancelTask(id: $id) { __typename ... on Task { status } } }"""


async def test_a_completed_task_is_posted_signed_over_the_exact_body(
    integrator: Caller, hook_services: Services
) -> None:
    with receiving(Reply(200)) as receiver:
        webhook = await register_webhook(integrator, f"{receiver.url}/hooks", "task.completed")
        task_id = await new_task(hook_services, integrator)
        await complete_with_invoice(hook_services, task_id)
        [delivery] = await finished_deliveries(integrator, webhook["id"], 1)

    [request] = receiver.requests
    assert request.path == "/hooks"
    signature = request.headers[SIGNATURE_HEADER.lower()]
    verify(webhook["secret"], signature, request.body, time.time(), tolerance=300)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-autofactura-event"] == "task.completed"
    assert request.headers["x-autofactura-delivery"] == delivery["id"]
    assert request.headers["user-agent"].startswith("autofactura-webhooks/")

    body = json.loads(request.body)
    assert body["id"] == delivery["id"] and body["event"] == "task.completed"
    task = body["task"]
    assert task["id"] == encode("Task", task_id) == delivery["taskId"]
    assert task["status"] == "COMPLETED" and task["engine"] == "autofill"
    assert task["vendorUrl"] == "https://93.184.216.34/facturacion"
    assert task["ticket"]["total"] == "245.50" and task["completedAt"]
    assert task["invoice"] == {
        "uuid": "6F1A2B3C-4D5E-4F60-8172-93A4B5C6D7E8",
        "total": "245.50",
        "issuerRfc": "EKU9003173C9",
        "issuerName": "ESCUELA KEMPER URGATE",
        "verified": True,
    }
    text = request.body.decode()
    for value in (PROFILE["taxId"], PROFILE["legalName"], PROFILE["email"], '"01000"'):
        assert value not in text, f"the buyer's {value} went out in clear"

    assert delivery["state"] == "DELIVERED" and delivery["attempts"] == 1
    assert delivery["deliveredAt"] and delivery["nextAttemptAt"] is None
    [attempt] = delivery["attemptsLog"]
    assert (attempt["attempt"], attempt["statusCode"], attempt["error"]) == (1, 200, None)


async def test_a_500_is_retried_until_a_200(integrator: Caller, hook_services: Services) -> None:
    with receiving(Reply(500), Reply(503), Reply(204)) as receiver:
        webhook = await register_webhook(integrator, receiver.url, "task.failed")
        task_id = await new_task(hook_services, integrator)
        await move_task(hook_services, task_id, TaskStatus.RUNNING)
        outcome = Outcome(failure_code=FailureCode.TICKET_NOT_FOUND, failure_reason="No existe.")
        await move_task(hook_services, task_id, TaskStatus.FAILED, outcome)
        [delivery] = await finished_deliveries(integrator, webhook["id"], 1)

    assert delivery["state"] == "DELIVERED" and delivery["attempts"] == 3
    log = [(a["attempt"], a["statusCode"]) for a in delivery["attemptsLog"]]
    assert log == [(1, 500), (2, 503), (3, 204)]
    first, second, third = receiver.requests
    assert first.body == second.body == third.body  # the event as it was, every time
    for request in receiver.requests:
        verify(
            webhook["secret"],
            request.headers["x-autofactura-signature"],
            request.body,
            time.time(),
            tolerance=300,
        )
    # Backoff 0.2 s, then 0.4 s (doubling); a generous margin below, none above.
    assert second.at - first.at >= 0.15 and third.at - second.at >= 0.35
    assert json.loads(first.body)["task"]["failureCode"] == "TICKET_NOT_FOUND"


async def test_a_timeout_is_retried(integrator: Caller, hook_services: Services) -> None:
    with receiving(Reply(200, delay_seconds=2.5), Reply(200)) as receiver:
        webhook = await register_webhook(integrator, receiver.url, "task.intervention_needed")
        task_id = await new_task(hook_services, integrator)
        await move_task(hook_services, task_id, TaskStatus.RUNNING)
        await move_task(hook_services, task_id, TaskStatus.INTERVENTION_NEEDED)
        [delivery] = await finished_deliveries(integrator, webhook["id"], 1)

    assert delivery["state"] == "DELIVERED" and delivery["event"] == "task.intervention_needed"
    slow, fast = delivery["attemptsLog"]
    assert slow["statusCode"] is None and slow["error"] == "Sin respuesta en 1 s."
    assert 900 <= slow["durationMs"] < 2500
    assert fast["statusCode"] == 200
    assert len(receiver.requests) == 2


async def test_a_2xx_is_never_retried(integrator: Caller, hook_services: Services) -> None:
    with receiving(Reply(202)) as receiver:
        webhook = await register_webhook(integrator, receiver.url, "task.completed")
        task_id = await new_task(hook_services, integrator)
        await complete_with_invoice(hook_services, task_id)
        await finished_deliveries(integrator, webhook["id"], 1)
        await asyncio.sleep(2.0)  # ten times the first backoff: a retry would have come
        [delivery] = await deliveries_of(integrator, webhook["id"])
    assert len(receiver.requests) == 1
    assert delivery["attempts"] == 1 and len(delivery["attemptsLog"]) == 1


async def test_only_subscribed_events_are_sent_and_cancelling_is_one(
    integrator: Caller, hook_services: Services
) -> None:
    with receiving(Reply(200)) as receiver:
        cancelled = await register_webhook(integrator, f"{receiver.url}/c", "task.cancelled")
        completed = await register_webhook(integrator, f"{receiver.url}/d", "task.completed")
        task_id = await new_task(hook_services, integrator)
        await move_task(hook_services, task_id, TaskStatus.RUNNING)
        await move_task(hook_services, task_id, TaskStatus.PAUSED)  # no event
        # Through the API: the delivery is written in the caller's own (RLS) session.
        result = await integrator(CANCEL, id=encode("Task", task_id))
        assert result["cancelTask"]["status"] == "CANCELLED"
        [delivery] = await finished_deliveries(integrator, cancelled["id"], 1)
        await asyncio.sleep(0.5)
        assert await deliveries_of(integrator, completed["id"]) == []
    assert [r.path for r in receiver.requests] == ["/c"]
    assert delivery["event"] == "task.cancelled" and delivery["state"] == "DELIVERED"
    assert json.loads(receiver.requests[0].body)["task"]["status"] == "CANCELLED"


async def test_replay_sends_the_same_body_as_a_new_delivery(
    integrator: Caller, stranger: Caller, hook_services: Services
) -> None:
    with receiving(Reply(200)) as receiver:
        webhook = await register_webhook(integrator, receiver.url, "task.completed")
        task_id = await new_task(hook_services, integrator)
        await complete_with_invoice(hook_services, task_id)
        [original] = await finished_deliveries(integrator, webhook["id"], 1)

        refused = await stranger(REPLAY, id=original["id"])
        assert refused["replayWebhookDelivery"]["__typename"] == "NotFoundError"

        data = await integrator(REPLAY, id=original["id"])
        replay = data["replayWebhookDelivery"]
        assert replay["__typename"] == "WebhookDelivery"
        assert replay["id"] != original["id"] and replay["replayOf"] == original["id"]
        assert replay["event"] == "task.completed" and replay["taskId"] == original["taskId"]
        found = await finished_deliveries(integrator, webhook["id"], 2)

    assert [d["id"] for d in found] == [replay["id"], original["id"]]  # newest first
    assert found[0]["state"] == "DELIVERED" and found[0]["attempts"] == 1
    first, again = receiver.requests
    assert again.body == first.body  # the same event id inside
    assert again.headers["x-autofactura-delivery"] == replay["id"]
    verify(
        webhook["secret"],
        again.headers["x-autofactura-signature"],
        again.body,
        time.time(),
        tolerance=300,
    )


async def test_a_delivery_fails_for_good_when_its_window_ends(
    integrator: Caller, hook_services: Services
) -> None:
    with receiving(Reply(500)) as receiver:
        webhook = await register_webhook(integrator, receiver.url, "task.completed")
        # Born almost 10 minutes ago: ~4 s of its 600 s retry window are left.
        born = utcnow() - timedelta(seconds=596)
        delivery_id = await _insert_delivery(hook_services, integrator, webhook, born, born)
        delivery_queue().send(delivery_id)
        [delivery] = await finished_deliveries(integrator, webhook["id"], 1)
    assert delivery["state"] == "FAILED" and delivery["nextAttemptAt"] is None
    assert delivery["attempts"] >= 2
    assert {a["statusCode"] for a in delivery["attemptsLog"]} == {500}
    assert len(receiver.requests) == delivery["attempts"] == len(delivery["attemptsLog"])


async def test_the_sweeper_sends_a_delivery_whose_message_was_lost(
    integrator: Caller, hook_services: Services
) -> None:
    with receiving(Reply(200)) as receiver:
        webhook = await register_webhook(integrator, receiver.url, "task.completed")
        due = utcnow() - timedelta(minutes=20)
        await _insert_delivery(hook_services, integrator, webhook, utcnow(), due)
        await asyncio.sleep(0.5)  # no message was sent: as if it died with a worker
        assert receiver.requests == []
        assert await resend_overdue(hook_services, timedelta(minutes=10)) >= 1
        [delivery] = await finished_deliveries(integrator, webhook["id"], 1)
    assert delivery["state"] == "DELIVERED"
    assert json.loads(receiver.requests[0].body)["id"] == "lost"


async def _insert_delivery(
    services: Services,
    caller: Caller,
    webhook: dict[str, Any],
    created_at: datetime,
    next_attempt_at: datetime,
) -> uuid.UUID:
    """A pending delivery written directly, with no message sent for it."""
    webhook_id = decode(webhook["id"], "Webhook")
    assert webhook_id is not None and caller.user_id is not None
    row = WebhookDelivery(
        webhook_id=webhook_id,
        user_id=caller.user_id,
        event="task.completed",
        payload={"id": "lost", "event": "task.completed", "task": None},
        state="pending",
        attempts=0,
        created_at=created_at,
        next_attempt_at=next_attempt_at,
    )
    async with services.db.session() as session:
        session.add(row)
    return row.id


async def test_replays_are_rate_limited(
    integrator: Caller, hook_services: Services, schema: strawberry.Schema
) -> None:
    """Each replay is a POST to a URL the user chose: a burst is cut off."""
    with receiving(Reply(200)) as receiver:
        webhook = await register_webhook(integrator, receiver.url, "task.completed")
        task_id = await new_task(hook_services, integrator)
        await complete_with_invoice(hook_services, task_id)
        [original] = await finished_deliveries(integrator, webhook["id"], 1)
        rule = Rule.parse("webhook_replay", "2/60")
        limited = dataclasses.replace(
            hook_services, rules=dataclasses.replace(hook_services.rules, webhook_replay=rule)
        )
        caller = Caller(schema, limited, integrator.token, integrator.user_id)
        kinds = [
            (await caller(REPLAY, id=original["id"]))["replayWebhookDelivery"]["__typename"]
            for _ in range(3)
        ]
        await finished_deliveries(integrator, webhook["id"], 3)
    assert kinds == ["WebhookDelivery", "WebhookDelivery", "RateLimitedError"]
    assert len(receiver.requests) == 3  # the original and two replays
