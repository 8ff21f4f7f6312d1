"""The API over a real socket: GraphiQL, the buyer's flow, security headers, CORS and body
limits. Tokens and the WebSocket transport are in test_tokens.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from autofactura.core.config import Settings
from autofactura.core.tasks.status import TaskStatus
from tests.http.conftest import (
    LOGIN,
    ME,
    PASSWORD,
    TASKS,
    Api,
    create_profile,
    create_task,
    new_email,
    register,
    variant,
)
from tests.support.live_server import live_server

ALLOWED_ORIGIN = "https://app.example.com"
INTROSPECTION = "{ __schema { types { name } } }"
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
