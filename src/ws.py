"""Our WebSocket protocol handlers: graphql-transport-ws runs shareable taskEvents
subscriptions through the fan-out; the legacy graphql-ws refuses a bad token the same
way the current one does, by closing the socket with 4403 (strawberry's default there is
1011)."""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage

from autofactura.schema.context import Context, Unauthenticated
from autofactura.schema.fanout import Fanout
from autofactura.schema.share import share_key


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        shared = share_key(operation.query, operation.variables, operation.operation_name)
        if shared is None:
            await super().run_operation(operation)
            return
        key, after = shared
        # The view is our GraphQLApp; the adapter's `ws` is Starlette's socket.
        fanout: Fanout = self.view.fanout  # type: ignore[attr-defined]
        send_text = self.websocket.ws.send_text  # type: ignore[attr-defined]
        await fanout.serve(self.context, operation, send_text, key, after)


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
