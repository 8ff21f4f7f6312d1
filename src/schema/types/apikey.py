"""ApiKey (never its hash) and ApiKeyCreated, the one answer that carries the key."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from autofactura.core.apikeys import scopes
from autofactura.core.apikeys.models import ApiKey as ApiKeyModel
from autofactura.schema.ids import encode


# Values in lowercase, as the scopes are written everywhere else (docs, the stored rows).
@strawberry.enum(name="ApiKeyScope", description="What an API key may do.")
class ApiKeyScope(Enum):
    READ = strawberry.enum_value(
        scopes.READ, name="read", description="Queries, subscriptions and file downloads."
    )
    WRITE = strawberry.enum_value(scopes.WRITE, name="write", description="Mutations.")


@strawberry.type(
    name="ApiKey", description="A key for servers; the key itself is never shown again."
)
class ApiKey:
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="The key's visible start, to recognise it.")
    scopes: list[ApiKeyScope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = strawberry.field(
        description="When a request last used it, to the minute."
    )

    @classmethod
    def from_model(cls, row: ApiKeyModel) -> ApiKey:
        return cls(
            id=strawberry.ID(encode("ApiKey", row.id)),
            name=row.name,
            prefix=row.prefix,
            scopes=[ApiKeyScope(scope) for scope in row.scopes],
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )


@strawberry.type(description="A new API key. `key` is shown only here: store it now.")
class ApiKeyCreated:
    key: str = strawberry.field(description="The whole key, for `Authorization: Bearer <key>`.")
    api_key: ApiKey
