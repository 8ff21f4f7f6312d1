"""Every operation but register and login needs a verified caller."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from autofactura.schema.context import Info, Unauthenticated


class IsAuthenticated(BasePermission):
    message = "Inicia sesión para continuar."
    error_extensions: ClassVar[dict[str, Any]] = {"code": "UNAUTHENTICATED"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        try:
            await info.context.principal()
        except Unauthenticated as exc:
            self.message = str(exc)
            return False
        return True
