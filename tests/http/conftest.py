"""Fixtures for tests over real HTTP: a live server on the test database and a small client."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from autofactura.core.config import Settings
from tests.support.api import (
    CREATE_PROFILE,
    CREATE_TASK,
    PROFILE,
    REGISTER,
    TLS,
    make_settings,
    ticket,
)
from tests.support.live_server import live_server

VENDOR_URL = "https://93.184.216.34/facturacion"

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on AuthPayload { token user { id email } }
    ... on RateLimitedError { retryAfterSeconds }
    ... on UserError { code message field }
  }
}"""
ME = "{ me { id email } }"
TASKS = """
{ tasks(first: 10) { edges { node { id status vendorUrl ticket { folio date total }
                                    fiscalProfile { id taxId } } } } }"""


def variant(base: Settings, **overrides: Any) -> Settings:
    """The test settings with a few values changed (same database, Redis, keys, data dir)."""
    assert base.database_url is not None
    return make_settings(
        base.database_url,
        base.redis_url,
        base.data_dir,
        base.encryption_keys or "",
        **overrides,
    )


def random_loopback() -> str:
    """A fresh 127.x.y.z source address: the server sees a new client IP (Linux routes 127/8)."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def new_email() -> str:
    return f"http-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class Api:
    """GraphQL over HTTP POST against one base URL, optionally from a chosen client IP."""

    base_url: str
    token: str | None = None
    client_ip: str | None = None

    def client(self) -> httpx.Client:
        transport = (
            httpx.HTTPTransport(local_address=self.client_ip, verify=TLS)
            if self.client_ip
            else None
        )
        return httpx.Client(base_url=self.base_url, transport=transport, verify=TLS, timeout=30)

    def post(self, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        auth = {"authorization": f"Bearer {self.token}"} if self.token else {}
        with self.client() as client:
            return client.post("/graphql", json=body, headers={**auth, **(headers or {})})

    def result(self, query: str, **variables: Any) -> dict[str, Any]:
        """The whole JSON result (data and errors); the status must be 200."""
        response = self.post({"query": query, "variables": variables})
        assert response.status_code == 200, (response.status_code, response.text)
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.result(query, **variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def as_user(self, token: str | None) -> Api:
        return Api(self.base_url, token, self.client_ip)

    def from_ip(self, client_ip: str | None) -> Api:
        return Api(self.base_url, self.token, client_ip)


PASSWORD = "s3cret-pass"


def register(api: Api, email: str | None = None, password: str = PASSWORD) -> Api:
    """A new account; returns the client acting as it."""
    payload = api.data(REGISTER, email=email or new_email(), password=password)["register"]
    assert payload["__typename"] == "AuthPayload", payload
    return api.as_user(payload["token"])


def create_profile(api: Api, **overrides: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.data(CREATE_PROFILE, input={**PROFILE, **overrides})[
        "createFiscalProfile"
    ]
    assert result["__typename"] == "FiscalProfile", result
    return result


def task_input(profile_id: str, **ticket_overrides: Any) -> dict[str, Any]:
    return {
        "vendorUrl": VENDOR_URL,
        "ticket": ticket(**ticket_overrides),
        "fiscalProfileId": profile_id,
    }


def create_task(api: Api, profile_id: str, **ticket_overrides: Any) -> dict[str, Any]:
    data = api.data(CREATE_TASK, input=task_input(profile_id, **ticket_overrides))
    result: dict[str, Any] = data["createTask"]
    return result


@pytest.fixture(scope="package")
def server(settings: Settings) -> Iterator[str]:
    """Base URL of a live server on the test settings (env "test": GraphiQL, introspection).

    One for all of tests/http, stopped when they are done rather than at the end of the
    session: the app borrows the process's dramatiq broker while it runs."""
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="package")
def api(server: str) -> Api:
    return Api(server)


@pytest.fixture(scope="package")
def user(api: Api) -> Api:
    """One account shared by read-mostly tests."""
    return register(api)
