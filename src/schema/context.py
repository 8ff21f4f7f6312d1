"""The typed per-request context: the caller, the services, and this request's loaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.types import Info as StrawberryInfo

from autofactura.core import auth
from autofactura.core.apikeys.errors import RefusedApiKey
from autofactura.core.db import Database
from autofactura.core.services import Services
from autofactura.schema.loaders import Loaders


class Unauthenticated(Exception):
    """No valid token came with the request."""

    def __init__(self, message: str = "Inicia sesión para continuar.") -> None:
        super().__init__(message)


@dataclass
class Context:
    services: Services
    request: HTTPConnection | None = None
    response: Any = None
    token: str | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)
    _principal: auth.Principal | None = None
    _loaders: Loaders | None = None

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def client_ip(self) -> str:
        client = self.request.client if self.request is not None else None
        return client.host if client else "unknown"

    async def principal(self) -> auth.Principal:
        """The verified caller, verified once per request (and re-checked for expiry)."""
        if self._principal is None:
            token = self.token or _bearer(_authorization(self.connection_params))
            if not token:
                raise Unauthenticated()
            try:
                self._principal = await self.services.verifier.verify(token)
            except RefusedApiKey as exc:
                raise Unauthenticated(str(exc)) from None
            except auth.ExpiredToken:
                raise Unauthenticated("Tu sesión expiró; inicia sesión de nuevo.") from None
            except auth.AuthError:
                raise Unauthenticated("La sesión no es válida; inicia sesión de nuevo.") from None
            await self.services.known_users.ensure(self._principal)
        if self._principal.expired():
            raise Unauthenticated("Tu sesión expiró; inicia sesión de nuevo.")
        return self._principal

    async def reverify(self) -> None:
        """Verify the caller's token again, now (an API key may have been revoked since);
        raises Unauthenticated when it no longer holds."""
        self._principal = None
        await self.principal()

    async def seconds_left(self) -> float:
        """Seconds until the caller's token expires; raises once it has (subscriptions
        check this, so a long-lived stream ends with its token)."""
        if self._principal is None:
            await self.principal()
        assert self._principal is not None
        left = (self._principal.expires_at - datetime.now(UTC)).total_seconds()
        if left <= 0:
            raise Unauthenticated("Tu sesión expiró; inicia sesión de nuevo.")
        return left

    async def user_id(self) -> uuid.UUID:
        return (await self.principal()).user_id

    async def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.db, await self.user_id())
        return self._loaders


def _authorization(params: object) -> object:
    if not isinstance(params, dict):
        return None
    return params.get("Authorization") or params.get("authorization")


def _bearer(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def token_from(request: HTTPConnection) -> str | None:
    return _bearer(request.headers.get("authorization"))


Info = StrawberryInfo[Context, None]
