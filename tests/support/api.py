"""Fixtures and helpers for the API, shared by every test folder (a plugin of the root
conftest): services on the test database, an in-process GraphQL caller, and small create_x
helpers that go through the public mutations."""

from __future__ import annotations

import itertools
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import strawberry

from autofactura.actors.broker import configure as configure_broker
from autofactura.actors.runtime import use_settings
from autofactura.actors.tasks import DramatiqQueue
from autofactura.core.config import Settings
from autofactura.core.services import Services, build_services
from autofactura.schema import build_schema
from autofactura.schema.context import Context

_counter = itertools.count()
# One TLS context for every HTTP client of the tests: httpx builds a new one (loading the CA
# bundle) per client otherwise, 20-200 ms each, more than a request to a local server costs.
TLS = ssl.create_default_context()

PROFILE = {
    "taxId": "WAL9709244W4",
    "legalName": "NUEVA WAL MART DE MEXICO",
    "taxSystem": "601",
    "zip": "01000",
    "cfdiUse": "G03",
    "email": "facturas@example.com",
}


def make_settings(
    database_url: str, redis_url: str | None, data_dir: Path, keys: str, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "database_url": database_url,
        "redis_url": redis_url,
        "encryption_keys": keys,
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "rate_limit_login": "1000/60",
        "rate_limit_register": "1000/60",
        "rate_limit_create_task": "1000/60",
        # Inert unless a ticket's folio asks for a script (tests/support/engines.py).
        "extra_engines": "tests.support.engines:ScriptedEngine",
        # The pipeline's tests run the scripted engine alone; autofill has its own suite.
        "engines": "",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(
    migrated: str, redis_url: str | None, data_dir: Path, encryption_keys: str
) -> Settings:
    return make_settings(migrated, redis_url, data_dir, encryption_keys)


@pytest.fixture(scope="session")
async def services(settings: Settings) -> AsyncIterator[Services]:
    configure_broker(settings)
    use_settings(settings)
    built = build_services(settings, queue=DramatiqQueue(settings.retry_min_backoff_ms))
    yield built
    await built.close()


@pytest.fixture(scope="session")
def schema(settings: Settings) -> strawberry.Schema:
    return build_schema(settings)


@dataclass
class Caller:
    """Runs operations in-process on the schema, as a given user (or anonymously)."""

    schema: strawberry.Schema
    services: Services
    token: str | None = None
    user_id: uuid.UUID | None = None

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        result = await self.schema.execute(
            query,
            variable_values=variables,
            context_value=Context(services=self.services, token=self.token),
        )
        if result.errors:
            raise AssertionError([e.formatted for e in result.errors])
        assert result.data is not None
        return result.data

    async def errors(self, query: str, **variables: Any) -> list[Any]:
        result = await self.schema.execute(
            query,
            variable_values=variables,
            context_value=Context(services=self.services, token=self.token),
        )
        assert result.errors, "expected GraphQL errors"
        return [e.formatted for e in result.errors]

    def as_user(self, token: str | None, user_id: uuid.UUID | None = None) -> Caller:
        return Caller(self.schema, self.services, token, user_id)


REGISTER = """
mutation($email: String!, $password: String!) {
  register(email: $email, password: $password) {
    __typename
    ... on AuthPayload { token user { id email } }
    ... on UserError { code message field }
  }
}"""

CREATE_PROFILE = """
mutation($input: FiscalProfileInput!) {
  createFiscalProfile(input: $input) {
    __typename
    ... on FiscalProfile { id taxId legalName taxSystem zip cfdiUse email }
    ... on ValidationError { problems { field code message } }
    ... on UserError { code message field }
  }
}"""

CREATE_TASK = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) {
    __typename
    ... on Task { id status vendorUrl attempt ticket { folio date total store extra }
                  fiscalProfile { id taxId } events { seq type status } }
    ... on ValidationError { problems { field code message } }
    ... on UserError { code message field }
  }
}"""


@pytest.fixture
def anonymous(schema: strawberry.Schema, services: Services) -> Caller:
    return Caller(schema, services)


async def create_user(anonymous: Caller, **overrides: Any) -> Caller:
    email = overrides.get("email", f"buyer{next(_counter)}-{uuid.uuid4().hex[:8]}@example.com")
    data = await anonymous(REGISTER, email=email, password=overrides.get("password", "s3cret-pass"))
    payload = data["register"]
    assert payload["__typename"] == "AuthPayload", payload
    return anonymous.as_user(payload["token"], uuid.UUID(payload["user"]["id"]))


async def create_profile(caller: Caller, **overrides: Any) -> dict[str, Any]:
    data = await caller(CREATE_PROFILE, input={**PROFILE, **overrides})
    result: dict[str, Any] = data["createFiscalProfile"]
    assert result["__typename"] == "FiscalProfile", result
    return result


def ticket(**overrides: Any) -> dict[str, Any]:
    """A valid ticket; each call a folio of its own (the same ticket twice is refused)."""
    return {
        "folio": f"A-{next(_counter):06d}",
        "date": (date.today() - timedelta(days=1)).isoformat(),
        "total": "245.50",
        **overrides,
    }


async def create_task(caller: Caller, profile_id: str, **overrides: Any) -> dict[str, Any]:
    task_input = {
        "vendorUrl": "https://93.184.216.34/facturacion",
        "ticket": ticket(),
        "fiscalProfileId": profile_id,
        **overrides,
    }
    data = await caller(CREATE_TASK, input=task_input)
    result: dict[str, Any] = data["createTask"]
    assert result["__typename"] == "Task", result
    return result


@pytest.fixture
async def buyer(anonymous: Caller) -> Caller:
    return await create_user(anonymous)
