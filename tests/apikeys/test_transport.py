"""API keys over real HTTP and WebSocket: a key is a Bearer token like a session's, its
scopes hold on every transport, and a revoked or expired key gets in nowhere."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from autofactura.core.services import Services
from tests.apikeys.helpers import (
    ME,
    NO_READ,
    NO_WRITE,
    REFUSED,
    codes,
    create_key,
    revoke_key,
    set_key,
)
from tests.support.api import CREATE_PROFILE, PROFILE, Caller, create_profile, create_task
from tests.support.ws import (
    LEGACY_WS,
    PROTOCOLS,
    TRANSPORT_WS,
    GraphQLWebSocket,
    ProtocolName,
    Refused,
    graphql_ws,
)

EVENTS = """
subscription($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { seq type } }"""


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def post(server: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{server}/graphql",
            json={"query": query, "variables": variables},
            headers=bearer(token),
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def download(server: str, token: str) -> httpx.Response:
    """GET an artifact that is nobody's: 404 means the token got through to the lookup."""
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(f"{server}/artifacts/{uuid.uuid4()}", headers=bearer(token))


# --- HTTP --------------------------------------------------------------------------------


async def test_a_key_is_a_bearer_token(server: str, buyer: Caller) -> None:
    key = (await create_key(buyer, ["read"]))["key"]
    body = await post(server, key, ME)
    assert body.get("errors") is None
    assert body["data"]["me"]["id"] == str(buyer.user_id)


async def test_a_read_key_cannot_mutate_over_http(server: str, buyer: Caller) -> None:
    key = (await create_key(buyer, ["read"]))["key"]
    body = await post(server, key, CREATE_PROFILE, input=PROFILE)
    assert body["data"] is None
    assert codes(body["errors"]) == ["FORBIDDEN"]
    assert body["errors"][0]["message"] == NO_WRITE


async def test_a_revoked_key_is_refused_over_http(server: str, buyer: Caller) -> None:
    created = await create_key(buyer)
    assert (await post(server, created["key"], ME)).get("errors") is None
    await revoke_key(buyer, created["apiKey"]["id"])
    body = await post(server, created["key"], ME)
    assert body["data"] is None
    assert codes(body["errors"]) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == REFUSED


async def test_an_expired_key_is_refused_over_http(
    server: str, buyer: Caller, services: Services
) -> None:
    created = await create_key(buyer)
    await set_key(services.db, created["apiKey"]["prefix"], expires_at=datetime.now(UTC))
    body = await post(server, created["key"], ME)
    assert codes(body["errors"]) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == REFUSED


@pytest.mark.parametrize(
    "token",
    ["afk_", "afk_aaaaaaaa_" + "b" * 32, "afk_AAAAAAAA_" + "b" * 32],
    ids=["bare", "unknown", "uppercase"],
)
async def test_an_unknown_or_malformed_key_is_refused(server: str, token: str) -> None:
    body = await post(server, token, ME)
    assert codes(body["errors"]) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == REFUSED


async def test_a_key_with_a_wrong_secret_is_refused(server: str, buyer: Caller) -> None:
    key = (await create_key(buyer))["key"]
    forged = key[:-1] + ("a" if key[-1] != "a" else "b")
    body = await post(server, forged, ME)
    assert body["errors"][0]["message"] == REFUSED


@pytest.mark.parametrize(
    ("scopes", "status"), [(["read"], 404), (["write"], 403)], ids=["read", "write-only"]
)
async def test_artifact_downloads_need_read(
    server: str, buyer: Caller, scopes: list[str], status: int
) -> None:
    key = (await create_key(buyer, scopes))["key"]
    response = await download(server, key)
    assert response.status_code == status
    if status == 403:
        assert response.text == NO_READ


async def test_a_revoked_key_cannot_download(server: str, buyer: Caller) -> None:
    created = await create_key(buyer)
    await revoke_key(buyer, created["apiKey"]["id"])
    response = await download(server, created["key"])
    assert (response.status_code, response.text) == (401, REFUSED)


# --- WebSocket ---------------------------------------------------------------------------


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> ProtocolName:
    chosen: ProtocolName = request.param
    return chosen


async def test_a_read_key_subscribes(server: str, buyer: Caller, protocol: ProtocolName) -> None:
    task = await create_task(buyer, (await create_profile(buyer))["id"])
    key = (await create_key(buyer, ["read"]))["key"]
    async with graphql_ws(server, protocol, key) as ws:
        op = await ws.subscribe(EVENTS, taskId=task["id"])
        first = await ws.next_message(op, 10)
    assert first.kind == "data", first
    assert first.payload["data"]["taskEvents"]["seq"] == 1


async def test_a_write_only_key_cannot_subscribe(
    server: str, buyer: Caller, protocol: ProtocolName
) -> None:
    task = await create_task(buyer, (await create_profile(buyer))["id"])
    key = (await create_key(buyer, ["write"]))["key"]
    async with graphql_ws(server, protocol, key) as ws:
        op = await ws.subscribe(EVENTS, taskId=task["id"])
        message = await ws.next_message(op, 10)
    errors = message.payload if message.kind == "error" else message.payload.get("errors")
    assert codes(errors) == ["FORBIDDEN"], message
    assert errors[0]["message"] == NO_READ


async def test_a_revoked_key_is_refused_at_connection_init(
    server: str, buyer: Caller, protocol: ProtocolName
) -> None:
    """As for any bad token: graphql-transport-ws closes with 4403; the legacy protocol
    sends connection_error with the Spanish message first."""
    created = await create_key(buyer, ["read"])
    async with graphql_ws(server, protocol, created["key"]):
        pass  # accepted while it is live
    await revoke_key(buyer, created["apiKey"]["id"])
    with pytest.raises(Refused) as refused:
        await GraphQLWebSocket.open(server, protocol, created["key"])
    assert (refused.value.code, refused.value.reason) == (4403, "Forbidden")
    if protocol == LEGACY_WS:
        [error] = refused.value.messages
        assert error == {"type": "connection_error", "payload": {"message": REFUSED}}
    else:
        assert protocol == TRANSPORT_WS and refused.value.messages == []


async def test_an_open_socket_closes_when_its_key_is_revoked(
    server: str, buyer: Caller, protocol: ProtocolName
) -> None:
    """A key revoked while its socket streams: the socket closes with 4403 at the next
    check, and nothing more of the task reaches it."""
    task = await create_task(buyer, (await create_profile(buyer))["id"])
    created = await create_key(buyer, ["read"])
    async with graphql_ws(server, protocol, created["key"]) as ws:
        op = await ws.subscribe(EVENTS, taskId=task["id"])
        assert (await ws.next_message(op, 10)).kind == "data"
        await asyncio.sleep(1.2)  # two checks pass while the key holds: the socket stays
        assert closing(ws) == (None, None)
        await revoke_key(buyer, created["apiKey"]["id"])
        await asyncio.wait_for(ws.ws.wait_closed(), 10)
    assert closing(ws) == (4403, "Forbidden")


def closing(ws: GraphQLWebSocket) -> tuple[int | None, str | None]:
    return ws.ws.close_code, ws.ws.close_reason
