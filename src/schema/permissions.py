"""Every operation but register and login needs a verified caller; an API key also needs
the scope of the operation (read for queries and subscriptions, write for mutations)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from autofactura.core.apikeys import scopes
from autofactura.core.apikeys.verifier import ApiKeyPrincipal
from autofactura.core.auth import Principal
from autofactura.schema.context import Info, Unauthenticated


class IsAuthenticated(BasePermission):
    message = "Inicia sesión para continuar."

    def __init__(self) -> None:
        super().__init__()
        self.error_extensions = {"code": "UNAUTHENTICATED"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        try:
            await info.context.principal()
        except Unauthenticated as exc:
            self.message = str(exc)
            return False
        return True


class _Forbidden(BasePermission):
    """A known caller whose credential may not do this (FORBIDDEN, not UNAUTHENTICATED).

    Listed after IsAuthenticated, which has already verified the caller."""

    def __init__(self) -> None:
        super().__init__()
        self.error_extensions = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        try:
            principal = await info.context.principal()
        except Unauthenticated:
            return False
        return self.allows(principal)

    def allows(self, principal: Principal) -> bool:
        raise NotImplementedError


class CanRead(_Forbidden):
    """Queries and subscriptions: a session, or an API key with `read`."""

    message = scopes.missing(scopes.READ)

    def allows(self, principal: Principal) -> bool:
        return scopes.READ in principal.scopes


class CanWrite(_Forbidden):
    """Mutations: a session, or an API key with `write`."""

    message = scopes.missing(scopes.WRITE)

    def allows(self, principal: Principal) -> bool:
        return scopes.WRITE in principal.scopes


class PersonOnly(_Forbidden):
    """Managing API keys takes a person's session: a leaked key must not mint more keys."""

    message = (
        "Las claves de API no pueden crear, listar ni revocar claves; inicia sesión con tu "
        "cuenta para hacerlo."
    )

    def allows(self, principal: Principal) -> bool:
        return not isinstance(principal, ApiKeyPrincipal)
