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
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage as TransportInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage

from autofactura.metrics import counted
from autofactura.schema.context import Context, Unauthenticated
from autofactura.schema.fanout import Fanout
from autofactura.schema.share import share_key
from autofactura.ws_watch import KeyWatch


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    key_watch: KeyWatch | None = None

    async def handle_connection_init(self, message: TransportInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.key_watch is None:
            self.key_watch = KeyWatch()
            await self.key_watch.start(self.context, self.websocket)

    async def shutdown(self) -> None:
        if self.key_watch is not None:
            await self.key_watch.stop()
        await super().shutdown()

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        with counted(self.view, operation.query, operation.operation_name):
            await self._run_operation(operation)

    async def _run_operation(self, operation: Operation[Context, None]) -> None:
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
    key_watch: KeyWatch | None = None

    async def cleanup(self) -> None:
        if self.key_watch is not None:
            await self.key_watch.stop()
        await super().cleanup()

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
        if self.connection_acknowledged and self.key_watch is None:
            self.key_watch = KeyWatch()
            await self.key_watch.start(self.context, self.websocket)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        with counted(self.view, query, operation_name):
            await super().handle_async_results(operation_id, query, operation_name, variables)
