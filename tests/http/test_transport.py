"""The API over a real socket: GraphiQL, the buyer's flow, headers, CORS, body limits, tokens
and the WebSocket transport."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
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
from autofactura.core.tasks.status import TaskStatus
from tests.http.conftest import (
    LOGIN,
    PASSWORD,
    Api,
    create_profile,
    create_task,
    new_email,
    register,
    variant,
)
from tests.support.live_server import live_server

ALLOWED_ORIGIN = "https://app.example.com"
TRANSPORT_WS = Subprotocol("graphql-transport-ws")
INTROSPECTION = "{ __schema { types { name } } }"
ME = "{ me { id email } }"
TASKS = """
{ tasks(first: 10) { edges { node { id status vendorUrl ticket { folio date total }
                                    fiscalProfile { id taxId } } } } }"""
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(scope="module")
def production(settings: Settings) -> Iterator[str]:
    with live_server(variant(settings, env="production")) as url:
        yield url


@pytest.fixture(scope="module")
def cors_server(settings: Settings) -> Iterator[str]:
    with live_server(variant(settings, cors_origins=ALLOWED_ORIGIN)) as url:
        yield url


# --- GraphiQL and introspection ------------------------------------------------------------


def test_graphiql_is_served_outside_production(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_production_serves_no_graphiql(production: str) -> None:
    response = httpx.get(f"{production}/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("text/html")
    assert "graphiql" not in response.text.lower()


def test_production_refuses_introspection_but_answers_queries(production: str) -> None:
    api = Api(production)
    refused = api.result(INTROSPECTION)
    assert refused["data"] is None
    assert any("introspection" in e["message"].lower() for e in refused["errors"])
    buyer = register(api)
    assert buyer.data("{ __typename }") == {"__typename": "Query"}
    assert buyer.data(ME)["me"]["email"].startswith("http-")


def test_introspection_is_open_outside_production(api: Api) -> None:
    names = {t["name"] for t in api.data(INTROSPECTION)["__schema"]["types"]}
    assert {"Task", "FiscalProfile", "UserError", "RateLimitedError"} <= names


# --- The buyer's flow ----------------------------------------------------------------------


def test_register_login_profile_task_list(api: Api) -> None:
    email = new_email()
    registered = register(api, email)
    login = api.data(LOGIN, email=email, password=PASSWORD)["login"]
    assert login["__typename"] == "AuthPayload"
    assert login["user"]["email"] == email
    buyer = api.as_user(login["token"])
    me = buyer.data(ME)["me"]
    assert me["email"] == email
    assert registered.data(ME)["me"] == me

    profile = create_profile(buyer)
    task = create_task(buyer, profile["id"], folio="HTTP-1")
    assert task["__typename"] == "Task", task
    assert task["status"] == "PENDING"
    assert task["fiscalProfile"] == {"id": profile["id"], "taxId": "WAL9709244W4"}

    edges = buyer.data(TASKS)["tasks"]["edges"]
    assert [e["node"]["id"] for e in edges] == [task["id"]]
    node = edges[0]["node"]
    # An embedded worker may already have picked the task up; its status is its own.
    assert node["status"] in {s.value for s in TaskStatus}
    assert node["vendorUrl"] == "https://93.184.216.34/facturacion"
    assert node["ticket"]["folio"] == "HTTP-1"
    assert node["ticket"]["total"] == "245.50"
    assert node["fiscalProfile"]["id"] == profile["id"]


def test_healthz(server: str) -> None:
    response = httpx.get(f"{server}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- Security headers ----------------------------------------------------------------------


def _json_post(server: str) -> httpx.Response:
    return httpx.post(f"{server}/graphql", json={"query": "{ __typename }"})


def _graphiql(server: str) -> httpx.Response:
    return httpx.get(f"{server}/graphql", headers={"accept": "text/html"})


def _healthz(server: str) -> httpx.Response:
    return httpx.get(f"{server}/healthz")


def _too_large(server: str) -> httpx.Response:
    return httpx.post(f"{server}/graphql", content=b"x" * 2_000_000)


def _bad_json(server: str) -> httpx.Response:
    return httpx.post(
        f"{server}/graphql", content=b"{nope", headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize(
    ("request_", "status", "content_type"),
    [
        (_json_post, 200, "application/json"),
        (_graphiql, 200, "text/html"),
        (_healthz, 200, "application/json"),
        (_too_large, 413, "text/plain"),
        (_bad_json, 400, "text/plain"),
    ],
    ids=["graphql-json", "graphiql-html", "healthz", "413", "400"],
)
def test_security_headers(
    server: str, request_: Callable[[str], httpx.Response], status: int, content_type: str
) -> None:
    response = request_(server)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(content_type)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    # Only GraphiQL's page may run scripts; JSON answers allow nothing at all.
    assert csp.startswith(
        "default-src 'self'" if content_type == "text/html" else "default-src 'none'"
    )


def test_hsts_only_in_production(server: str, production: str) -> None:
    assert "strict-transport-security" not in _json_post(server).headers
    assert _json_post(production).headers["strict-transport-security"].startswith("max-age=")


# --- CORS ----------------------------------------------------------------------------------


def _preflight(server: str, origin: str) -> httpx.Response:
    return httpx.options(
        f"{server}/graphql",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )


def test_cors_preflight_from_an_allowed_origin(cors_server: str) -> None:
    response = _preflight(cors_server, ALLOWED_ORIGIN)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://app.example.com", "null"])
def test_cors_preflight_from_another_origin(cors_server: str, origin: str) -> None:
    response = _preflight(cors_server, origin)
    assert response.status_code < 500
    assert "access-control-allow-origin" not in response.headers


def test_cors_simple_request(cors_server: str) -> None:
    body = {"query": "{ __typename }"}
    allowed = httpx.post(f"{cors_server}/graphql", json=body, headers={"origin": ALLOWED_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    other = httpx.post(
        f"{cors_server}/graphql", json=body, headers={"origin": "https://evil.example.com"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_no_cors_origin_is_allowed_by_default(server: str) -> None:
    assert "access-control-allow-origin" not in _preflight(server, ALLOWED_ORIGIN).headers


# --- Body limits and malformed bodies ------------------------------------------------------


def test_announced_large_body_gets_413(server: str) -> None:
    query = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 2_000_000}})
    response = httpx.post(
        f"{server}/graphql", content=query, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_chunked_large_body_gets_413(server: str) -> None:
    def chunks() -> Iterator[bytes]:
        # A generator body has no length: httpx sends it chunked, so only counting helps.
        for _ in range(40):
            yield b"x" * 50_000

    request = httpx.Request(
        "POST", f"{server}/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    with httpx.Client() as client:
        response = client.send(request)
    assert response.status_code == 413


def test_malformed_json_gets_400(server: str) -> None:
    response = _bad_json(server)
    assert response.status_code == 400


@pytest.mark.parametrize("body", [b'"a string"', b"null", b"42", b"true"])
def test_json_that_is_not_an_object_gets_400(server: str, body: bytes) -> None:
    response = httpx.post(
        f"{server}/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_error_responses_carry_security_headers(server: str) -> None:
    response = httpx.post(
        f"{server}/graphql", content=b"null", headers={"content-type": "application/json"}
    )
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name


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
