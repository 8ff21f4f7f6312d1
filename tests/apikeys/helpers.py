"""Queries and small helpers for the API key tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update

from autofactura.core.apikeys.models import ApiKey
from autofactura.core.db import Database
from autofactura.schema.ids import decode
from tests.support.api import Caller

KEY_FIELDS = "id name prefix scopes createdAt expiresAt revokedAt lastUsedAt"
CREATE_KEY = f"""
mutation($name: String!, $scopes: [ApiKeyScope!]!, $expiresAt: DateTime) {{
  createApiKey(name: $name, scopes: $scopes, expiresAt: $expiresAt) {{
    __typename
    ... on ApiKeyCreated {{ key apiKey {{ {KEY_FIELDS} }} }}
    ... on ValidationError {{ problems {{ field code message }} }}
    ... on UserError {{ code message field }}
  }}
}}"""
REVOKE_KEY = f"""
mutation($id: ID!) {{
  revokeApiKey(id: $id) {{
    __typename
    ... on ApiKey {{ {KEY_FIELDS} }}
    ... on UserError {{ code message field }}
  }}
}}"""
LIST_KEYS = f"{{ apiKeys {{ {KEY_FIELDS} }} }}"
ME = "{ me { id email } }"
TASKS = "{ tasks(first: 5) { edges { node { id status } } } }"
REFUSED = "La clave de API no es válida o fue revocada."
NO_WRITE = "Esta clave de API no permite modificar datos (le falta el permiso write)."
NO_READ = "Esta clave de API no permite leer datos (le falta el permiso read)."


async def create_key(
    caller: Caller, scopes: Sequence[str] = ("read", "write"), name: str = "ERP", **extra: Any
) -> dict[str, Any]:
    """A new key of `caller`'s: {"key", "apiKey"}."""
    data = await caller(CREATE_KEY, name=name, scopes=list(scopes), **extra)
    created: dict[str, Any] = data["createApiKey"]
    assert created["__typename"] == "ApiKeyCreated", created
    return created


async def revoke_key(caller: Caller, key_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await caller(REVOKE_KEY, id=key_id))["revokeApiKey"]
    return result


async def set_key(db: Database, prefix: str, **values: datetime | None) -> None:
    """Change a key's row behind the API (to age it: expiry, last use)."""
    async with db.session() as session:
        await session.execute(update(ApiKey).where(ApiKey.prefix == prefix).values(**values))


def codes(errors: list[Any]) -> list[str]:
    return [error["extensions"]["code"] for error in errors]


def key_uuid(row_id: str) -> uuid.UUID:
    found = decode(row_id, "ApiKey")
    assert found is not None
    return found
