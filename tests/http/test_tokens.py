"""Tokens over real HTTP and over the WebSocket transport (graphql-transport-ws): every bad
one is refused without data, the server's own works."""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.sync.connection import Connection
from websockets.typing import Subprotocol

from autofactura.core import auth
from autofactura.core.config import Settings
from tests.http.conftest import ME, TASKS, Api

TRANSPORT_WS = Subprotocol("graphql-transport-ws")


# --- Tokens over HTTP ----------------------------------------------------------------------


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": str(uuid.uuid4()),
        "email": "nobody@example.com",
        "aud": "authenticated",
        "role": "authenticated",
        "iss": "autofactura",
        "iat": now,
        "exp": now + 3600,
        **overrides,
    }


def bad_tokens(settings: Settings) -> dict[str, str | None]:
    """Every token a caller might send that must not let them in."""
    secret = auth.load_or_create_secret(settings.data_dir)
    past = int(time.time()) - 3600
    return {
        "none": None,
        "garbage": "garbage",
        "three-dots": "a.b.c",
        "other-secret": auth.LocalTokens(os.urandom(32), 3600).issue(uuid.uuid4(), "x@example.com"),
        "expired": jwt.encode(_claims(iat=past - 60, exp=past), secret, algorithm="HS256"),
        "alg-none": jwt.encode(_claims(), "", algorithm="none"),
        "wrong-audience": jwt.encode(_claims(aud="anon"), secret, algorithm="HS256"),
        "wrong-issuer": jwt.encode(_claims(iss="someone-else"), secret, algorithm="HS256"),
    }


BAD_TOKENS = [
    "none",
    "garbage",
    "three-dots",
    "other-secret",
    "expired",
    "alg-none",
    "wrong-audience",
    "wrong-issuer",
]


@pytest.mark.parametrize("kind", BAD_TOKENS)
@pytest.mark.parametrize(
    "query", [ME, TASKS, "{ fiscalProfiles { id } }"], ids=["me", "tasks", "profiles"]
)
def test_bad_tokens_are_unauthenticated(
    api: Api, settings: Settings, kind: str, query: str
) -> None:
    tokens = bad_tokens(settings)
    assert sorted(tokens) == sorted(BAD_TOKENS)
    body = api.as_user(tokens[kind]).result(query)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_expired_token_says_so(api: Api, settings: Settings) -> None:
    body = api.as_user(bad_tokens(settings)["expired"]).result(ME)
    assert body["errors"][0]["message"] == "Tu sesión expiró; inicia sesión de nuevo."


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer a b", "token abc", "bearer"])
def test_malformed_authorization_header_is_unauthenticated(server: str, header: str) -> None:
    response = httpx.post(
        f"{server}/graphql", json={"query": ME}, headers={"authorization": header}
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_token_of_the_servers_own_secret_works(api: Api, user: Api) -> None:
    assert user.token is not None
    assert user.data(ME)["me"]["email"].startswith("http-")


# --- WebSocket (graphql-transport-ws) ------------------------------------------------------


def _ws_url(server: str) -> str:
    return server.replace("http://", "ws://", 1) + "/graphql"


def _open(server: str, payload: dict[str, Any]) -> ClientConnection:
    ws = connect(_ws_url(server), subprotocols=[TRANSPORT_WS], open_timeout=10)
    ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(ws.recv(timeout=10))
    assert ack["type"] == "connection_ack", ack
    return ws


def _run(ws: Connection, query: str, op_id: str = "1") -> list[dict[str, Any]]:
    """Send one operation and collect its messages up to `complete` or `error`."""
    ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    messages: list[dict[str, Any]] = []
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message.get("type") == "ping":
            ws.send(json.dumps({"type": "pong"}))
            continue
        assert message["id"] == op_id, message
        messages.append(message)
        if message["type"] in ("complete", "error"):
            return messages


def test_ws_query_with_a_token(server: str, user: Api) -> None:
    email = user.data(ME)["me"]["email"]
    with _open(server, {"Authorization": f"Bearer {user.token}"}) as ws:
        assert ws.subprotocol == TRANSPORT_WS
        messages = _run(ws, "{ me { email } }")
    assert messages == [
        {"id": "1", "type": "next", "payload": {"data": {"me": {"email": email}}}},
        {"id": "1", "type": "complete"},
    ]


@pytest.mark.parametrize("kind", ["none", "garbage", "other-secret", "expired", "alg-none"])
def test_ws_bad_token_is_refused_and_gets_no_data(
    server: str, settings: Settings, kind: str
) -> None:
    """connection_init with a bad token closes the socket (4403 Forbidden), even when the
    client sends its query right behind it without waiting for the ack."""
    token = bad_tokens(settings)[kind]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    received: list[dict[str, Any]] = []
    with connect(_ws_url(server), subprotocols=[TRANSPORT_WS], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        query = {"query": "{ me { email } }"}
        with pytest.raises(ConnectionClosed) as closed:
            # The server may close before this send: that is the refusal too.
            ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
            while True:
                received.append(json.loads(ws.recv(timeout=10)))
    assert received == []
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Forbidden")


def test_ws_header_token_is_not_needed_in_payload(server: str, user: Api) -> None:
    """A non-browser client may authenticate the upgrade request itself."""
    headers = {"Authorization": f"Bearer {user.token}"}
    ws = connect(
        _ws_url(server),
        subprotocols=[TRANSPORT_WS],
        additional_headers=headers,
        open_timeout=10,
    )
    with ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        messages = _run(ws, "{ me { email } }")
    assert messages[0]["payload"]["data"]["me"]["email"].startswith("http-")
