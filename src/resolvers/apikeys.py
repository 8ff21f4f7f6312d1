"""apiKeys, createApiKey and revokeApiKey (a person's session only: see PersonOnly)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from autofactura.core.apikeys import keys, repository, service
from autofactura.schema.context import Info
from autofactura.schema.errors import user_errors
from autofactura.schema.ids import require
from autofactura.schema.types.apikey import ApiKey, ApiKeyCreated, ApiKeyScope
from autofactura.schema.types.results import CreateApiKeyResult, RevokeApiKeyResult


async def api_keys(info: Info) -> list[ApiKey]:
    """Your API keys, newest first, revoked and expired ones too."""
    user_id = await info.context.user_id()
    async with info.context.db.session(user_id, readonly=True) as session:
        rows = await repository.list_for_user(session, user_id)
    return [ApiKey.from_model(row) for row in rows]


@user_errors
async def create_api_key(
    info: Info, name: str, scopes: list[ApiKeyScope], expires_at: datetime | None = None
) -> CreateApiKeyResult:
    user_id = await info.context.user_id()
    secret = keys.hashing_key(info.context.services.settings)
    # str(): mypy sees enum_value()'s definition object; at run time the value is the str.
    chosen = [str(scope.value) for scope in scopes]
    async with info.context.db.session(user_id) as session:
        created = await service.create(session, secret, user_id, name, chosen, expires_at)
    return ApiKeyCreated(key=created.key, api_key=ApiKey.from_model(created.row))


@user_errors
async def revoke_api_key(info: Info, id: strawberry.ID) -> RevokeApiKeyResult:
    user_id = await info.context.user_id()
    key_id = require(id, "ApiKey", "id", "No encontramos esa clave de API.")
    async with info.context.db.session(user_id) as session:
        row = await service.revoke(session, user_id, key_id)
    return ApiKey.from_model(row)
