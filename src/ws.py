"""The legacy graphql-ws protocol refuses a bad token the same way the current one does:
by closing the socket with 4403 (strawberry's default there is 1011)."""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage

from autofactura.schema.context import Context, Unauthenticated


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload: Any = message.get("payload")
        if isinstance(payload, dict):
            self.context.connection_params = payload
        try:
            await self.context.principal()
        except Unauthenticated as exc:
            await self.send_message({"type": "connection_error", "payload": {"message": str(exc)}})
            await self.websocket.close(code=4403, reason="Forbidden")
            return
        await super().handle_connection_init(message)
