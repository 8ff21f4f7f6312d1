"""createWebhook, webhooks and deleteWebhook: the URL obeys the vendor URLs' SSRF rules,
events are a non-empty subset of the four, each endpoint has its own secret."""

from __future__ import annotations

import asyncio

import pytest

from autofactura.core.webhooks.service import MAX_WEBHOOKS
from tests.support.api import Caller
from tests.webhooks.helpers import CREATE_WEBHOOK, DELETE_WEBHOOK, register_webhook, webhooks

PUBLIC = "https://93.184.216.34/hooks/autofactura"
ALL_EVENTS = ["task.completed", "task.failed", "task.intervention_needed", "task.cancelled"]


async def test_an_endpoint_gets_its_own_secret_and_is_listed_until_deleted(
    integrator: Caller,
) -> None:
    first = await register_webhook(integrator, PUBLIC, *ALL_EVENTS)
    second = await register_webhook(integrator, PUBLIC, "task.completed", "task.completed")
    assert first["secret"].startswith("whsec_") and len(first["secret"]) > 40
    assert first["secret"] != second["secret"]
    assert first["events"] == ALL_EVENTS
    assert second["events"] == ["task.completed"]  # repeated once

    listed = await webhooks(integrator)
    assert [(w["id"], w["secret"]) for w in listed] == [
        (first["id"], first["secret"]),
        (second["id"], second["secret"]),
    ]

    deleted = await integrator(DELETE_WEBHOOK, id=first["id"])
    assert deleted["deleteWebhook"] == {"__typename": "DeletedWebhook", "id": first["id"]}
    assert [w["id"] for w in await webhooks(integrator)] == [second["id"]]
    again = await integrator(DELETE_WEBHOOK, id=first["id"])
    assert again["deleteWebhook"]["__typename"] == "NotFoundError"


async def test_someone_elses_endpoint_is_neither_listed_nor_deletable(
    integrator: Caller, stranger: Caller
) -> None:
    mine = await register_webhook(integrator, PUBLIC, "task.failed")
    assert await webhooks(stranger) == []
    result = await stranger(DELETE_WEBHOOK, id=mine["id"])
    assert result["deleteWebhook"]["__typename"] == "NotFoundError"
    assert [w["id"] for w in await webhooks(integrator)] == [mine["id"]]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8080/hook", "sitio público"),
        ("http://localhost/hook", "sitio público"),
        ("https://10.1.2.3/hook", "sitio público"),
        ("http://192.168.0.10/hook", "sitio público"),
        ("http://169.254.169.254/latest/meta-data/", "sitio público"),  # cloud metadata
        ("http://[::1]/hook", "sitio público"),
        ("http://metadata.google.internal/computeMetadata/v1/", "sitio público"),
        ("ftp://93.184.216.34/hook", "http:// o https://"),
        ("file:///etc/passwd", "http:// o https://"),
        ("https://user:secret@93.184.216.34/hook", "no es válida"),
        ("", "Escribe la dirección del webhook"),
    ],
)
async def test_private_and_non_http_urls_are_refused(buyer: Caller, url: str, message: str) -> None:
    """`buyer` is on the default settings: no private-URL allowance."""
    data = await buyer(CREATE_WEBHOOK, url=url, events=["task.completed"])
    result = data["createWebhook"]
    assert result["__typename"] == "ValidationError", result
    assert [(p["field"], p["code"]) for p in result["problems"]] == [("url", "INVALID_WEBHOOK_URL")]
    assert message in result["problems"][0]["message"]
    assert await webhooks(buyer) == []


@pytest.mark.parametrize(
    ("events", "code", "message"),
    [
        ([], "NO_EVENTS", "Elige al menos un evento"),
        (["task.done"], "UNKNOWN_EVENT", "No conocemos el evento «task.done»"),
        (["TASK.COMPLETED"], "UNKNOWN_EVENT", "task.completed, task.failed"),
    ],
)
async def test_events_must_be_some_of_the_four(
    integrator: Caller, events: list[str], code: str, message: str
) -> None:
    data = await integrator(CREATE_WEBHOOK, url=PUBLIC, events=events)
    result = data["createWebhook"]
    assert result["__typename"] == "ValidationError", result
    assert [(p["field"], p["code"]) for p in result["problems"]] == [("events", code)]
    assert message in result["problems"][0]["message"]


async def test_every_problem_is_reported_at_once(buyer: Caller) -> None:
    data = await buyer(CREATE_WEBHOOK, url="http://127.0.0.1/", events=["task.done"])
    problems = data["createWebhook"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [
        ("url", "INVALID_WEBHOOK_URL"),
        ("events", "UNKNOWN_EVENT"),
    ]


async def test_a_user_has_at_most_twenty_endpoints(integrator: Caller) -> None:
    for _ in range(MAX_WEBHOOKS):
        await register_webhook(integrator, PUBLIC, "task.completed")
    data = await integrator(CREATE_WEBHOOK, url=PUBLIC, events=["task.completed"])
    assert data["createWebhook"]["__typename"] == "ConflictError"
    assert data["createWebhook"]["code"] == "TOO_MANY_WEBHOOKS"
    assert "20 webhooks" in data["createWebhook"]["message"]
    first = (await webhooks(integrator))[0]
    await integrator(DELETE_WEBHOOK, id=first["id"])  # deleted ones do not count
    # Three at once for the one free place: the count is taken by one at a time.
    racing = await asyncio.gather(
        *(integrator(CREATE_WEBHOOK, url=PUBLIC, events=["task.completed"]) for _ in range(3))
    )
    kinds = sorted(r["createWebhook"]["__typename"] for r in racing)
    assert kinds == ["ConflictError", "ConflictError", "Webhook"]
    assert len(await webhooks(integrator)) == MAX_WEBHOOKS
