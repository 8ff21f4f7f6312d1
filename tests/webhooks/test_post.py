"""The POST itself: the address is checked right before connecting (a name can be
re-pointed after registration) and is the one connected to; redirects are not followed.
And the pieces of a delivery: its ids, its body, its retry schedule."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from typing import Any

import pytest

from autofactura.core.config import Settings
from autofactura.core.webhooks.deliver import MAX_BACKOFF_SECONDS, backoff_seconds
from autofactura.core.webhooks.payload import body_of, global_id
from autofactura.core.webhooks.post import post
from autofactura.schema.ids import encode
from tests.webhooks.receiver import Reply, receiving

BODY = b'{"event":"task.completed"}'
HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def resolves_to(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Point names at addresses for this test, as DNS would after a change."""

    def point(names: dict[str, str]) -> None:
        loop = asyncio.get_running_loop()
        real = loop.getaddrinfo

        async def fake(host: str, port: int, **kwargs: Any) -> list[Any]:
            if host in names:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
            return await real(host, port, **kwargs)

        monkeypatch.setattr(loop, "getaddrinfo", fake)

    return point


async def test_a_private_address_is_refused_at_send_time_without_connecting() -> None:
    with receiving(Reply(200)) as receiver:
        answer = await post(receiver.url, BODY, HEADERS, time_limit=2, allow_private=False)
    assert answer.status_code is None and not answer.delivered
    assert answer.error == "La dirección del webhook resuelve a una red privada; no se envió."
    assert receiver.requests == []


async def test_a_name_repointed_inward_is_refused(resolves_to: Any) -> None:
    with receiving(Reply(200)) as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        resolves_to({"hooks.example.com": "127.0.0.1"})
        url = f"http://hooks.example.com:{port}/hook"
        answer = await post(url, BODY, HEADERS, time_limit=2, allow_private=False)
    assert answer.error is not None and "red privada" in answer.error
    assert receiver.requests == []


async def test_the_connection_goes_to_the_resolved_address_with_the_name_as_host(
    resolves_to: Any,
) -> None:
    with receiving(Reply(204)) as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        resolves_to({"hooks.example.com": "127.0.0.1"})
        url = f"http://hooks.example.com:{port}/hook?x=1"
        answer = await post(url, BODY, HEADERS, time_limit=2, allow_private=True)
    assert answer.status_code == 204 and answer.delivered and answer.error is None
    [request] = receiver.requests
    assert request.path == "/hook?x=1" and request.body == BODY
    assert request.headers["host"] == f"hooks.example.com:{port}"


async def test_a_name_that_does_not_resolve_is_an_error() -> None:
    answer = await post(
        "https://no-such-host.invalid/hook", BODY, HEADERS, time_limit=2, allow_private=False
    )
    assert answer.error == "No se pudo resolver no-such-host.invalid."


async def test_a_redirect_is_not_followed() -> None:
    with receiving(Reply(302, headers={"Location": "/elsewhere"})) as receiver:
        answer = await post(f"{receiver.url}/hook", BODY, HEADERS, time_limit=2, allow_private=True)
    assert answer.status_code == 302 and not answer.delivered
    assert answer.error is not None and "no se sigue" in answer.error
    assert [r.path for r in receiver.requests] == ["/hook"]


async def test_a_closed_port_is_an_error_not_an_exception() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        answer = await post(
            f"http://127.0.0.1:{port}/", BODY, HEADERS, time_limit=2, allow_private=True
        )
    assert answer.status_code is None
    assert answer.error is not None and answer.error.startswith("No se pudo entregar: ")


def test_ids_in_the_body_are_the_ones_graphql_gives() -> None:
    value = uuid.uuid4()
    assert global_id("Task", value) == encode("Task", value)
    assert global_id("WebhookDelivery", value) == encode("WebhookDelivery", value)


def test_the_body_is_the_same_bytes_whatever_the_key_order() -> None:
    one = body_of({"b": 1, "a": {"y": "é", "x": None}})
    other = body_of({"a": {"x": None, "y": "é"}, "b": 1})
    assert one == other == '{"a":{"x":null,"y":"é"},"b":1}'.encode()
    assert json.loads(one) == {"a": {"x": None, "y": "é"}, "b": 1}


def test_retries_double_from_the_base_up_to_an_hour(settings: Settings) -> None:
    waits = [backoff_seconds(settings, attempt) for attempt in range(1, 12)]
    assert waits[:7] == [30, 60, 120, 240, 480, 960, 1920]
    assert waits[7:] == [MAX_BACKOFF_SECONDS] * 4
    assert backoff_seconds(settings, 500) == MAX_BACKOFF_SECONDS
