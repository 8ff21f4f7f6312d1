"""Every operation but register and login needs a verified caller."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

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
