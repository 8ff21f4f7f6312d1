"""A small GraphQL-over-WebSocket client for tests, speaking both protocols served at /graphql:

- ``graphql-transport-ws`` (connection_init → connection_ack, subscribe → next* → complete,
  error; ping/pong), and
- the legacy ``graphql-ws`` (connection_init → connection_ack | connection_error,
  start → data* → complete, error; stop; ``ka`` keep-alives).

Messages are normalised to `Message(kind, op_id, payload)` with kind "data", "error" or
"complete", so a test reads the same thing whichever protocol it speaks. Every wait has a
deadline: a silent server makes the test fail with what it got so far, never hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

ProtocolName = Literal["graphql-transport-ws", "graphql-ws"]
TRANSPORT_WS: ProtocolName = "graphql-transport-ws"
LEGACY_WS: ProtocolName = "graphql-ws"
PROTOCOLS: tuple[ProtocolName, ...] = (TRANSPORT_WS, LEGACY_WS)

Kind = Literal["data", "error", "complete"]


@dataclass(frozen=True)
class Message:
    """One operation message: `payload` is the execution result for "data" ({"data",
    "errors"?}), the list of errors for "error", and None for "complete"."""

    kind: Kind
    op_id: str
    payload: Any


class Refused(Exception):
    """The server refused the connection (connection_error and/or a close)."""

    def __init__(self, messages: list[dict[str, Any]], code: int | None, reason: str) -> None:
        super().__init__(f"refused: close {code} {reason!r}, messages {messages}")
        self.messages = messages
        self.code = code
        self.reason = reason


class Incomplete(AssertionError):
    """Fewer messages than expected arrived before the deadline (or the stream ended)."""

    def __init__(self, what: str, got: list[Message]) -> None:
        super().__init__(f"{what}; got {len(got)}: {got}")
        self.got = got


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/graphql"


def auth_payload(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass
class GraphQLWebSocket:
    """One open, acknowledged connection."""

    ws: ClientConnection
    protocol: ProtocolName
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pending: dict[str, deque[Message]] = field(default_factory=dict)
    _pongs: set[asyncio.Task[None]] = field(default_factory=set)

    # --- connection ----------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        base_url: str,
        protocol: ProtocolName,
        token: str | None,
        *,
        payload: dict[str, Any] | None = None,
        within: float = 10.0,
    ) -> GraphQLWebSocket:
        """Connect, send connection_init with the token and wait for connection_ack.

        Raises `Refused` when the server answers connection_error or closes the socket."""
        ws = await connect(
            ws_url(base_url), subprotocols=[Subprotocol(protocol)], open_timeout=within
        )
        if ws.subprotocol != protocol:
            await ws.close()
            raise AssertionError(f"server chose {ws.subprotocol!r}, not {protocol!r}")
        init = payload if payload is not None else auth_payload(token)
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        received: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        try:
            while True:
                raw = await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic()))
                message = json.loads(raw)
                if message.get("type") == "connection_ack":
                    return cls(ws, protocol)
                if message.get("type") in ("ka", "ping", "pong"):
                    continue
                received.append(message)
                if message.get("type") == "connection_error":
                    # The legacy protocol closes right behind it; wait for that close.
                    with contextlib.suppress(ConnectionClosed, TimeoutError):
                        await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
                    break
        except ConnectionClosed:
            pass
        except TimeoutError:
            await ws.close()
            raise AssertionError(f"no connection_ack within {within}s: {received}") from None
        await ws.close()  # a no-op when the server closed first, as a refusal does
        raise Refused(received, ws.close_code, ws.close_reason or "")

    async def close(self) -> None:
        await self.ws.close()

    async def __aenter__(self) -> GraphQLWebSocket:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- operations ----------------------------------------------------------------------

    async def subscribe(self, query: str, **variables: Any) -> str:
        """Start an operation; returns its id."""
        op_id = str(next(self._ids))
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        payload = {"query": query, "variables": variables}
        await self.ws.send(json.dumps({"id": op_id, "type": kind, "payload": payload}))
        self._pending.setdefault(op_id, deque())
        return op_id

    async def stop(self, op_id: str) -> None:
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        await self.ws.send(json.dumps({"id": op_id, "type": kind}))

    async def next_message(self, op_id: str, within: float) -> Message:
        """The next message of operation `op_id` (others are kept for later)."""
        queue = self._pending.setdefault(op_id, deque())
        deadline = time.monotonic() + within
        while not queue:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no message for operation {op_id} within {within}s")
            raw = await asyncio.wait_for(self.ws.recv(), remaining)
            message = self._normalise(json.loads(raw))
            if message is not None:
                self._pending.setdefault(message.op_id, deque()).append(message)
        return queue.popleft()

    def _normalise(self, message: dict[str, Any]) -> Message | None:
        kind = message.get("type")
        if kind == "ping":  # graphql-transport-ws keep-alive: answer it
            pong = asyncio.get_running_loop().create_task(self.ws.send('{"type":"pong"}'))
            self._pongs.add(pong)
            pong.add_done_callback(self._pongs.discard)
            return None
        if kind in ("pong", "ka"):
            return None
        op_id = str(message.get("id"))
        if kind in ("next", "data"):
            return Message("data", op_id, message.get("payload"))
        if kind == "error":
            errors = message.get("payload")
            return Message("error", op_id, errors if isinstance(errors, list) else [errors])
        if kind == "complete":
            return Message("complete", op_id, None)
        raise AssertionError(f"unexpected message {message}")

    async def collect(self, op_id: str, count: int, within: float) -> list[Message]:
        """Exactly the next `count` messages of `op_id` (any kind), within `within` s."""
        got: list[Message] = []
        deadline = time.monotonic() + within
        while len(got) < count:
            try:
                got.append(await self.next_message(op_id, deadline - time.monotonic()))
            except (TimeoutError, ConnectionClosed) as exc:
                raise Incomplete(f"wanted {count} messages ({exc!r})", got) from None
        return got

    async def collect_until(
        self, op_id: str, done: Callable[[Message], bool], within: float
    ) -> list[Message]:
        """Messages of `op_id` up to and including the first for which `done` is true; an
        "error" or "complete" ends the collection too."""
        got: list[Message] = []
        deadline = time.monotonic() + within
        while True:
            try:
                message = await self.next_message(op_id, deadline - time.monotonic())
            except (TimeoutError, ConnectionClosed) as exc:
                raise Incomplete(f"the awaited message did not come ({exc!r})", got) from None
            got.append(message)
            if done(message) or message.kind != "data":
                return got

    async def quiet(self, op_id: str, seconds: float) -> list[Message]:
        """Whatever `op_id` receives during the next `seconds` (for "nothing more came")."""
        got: list[Message] = []
        deadline = time.monotonic() + seconds
        with contextlib.suppress(TimeoutError):
            while True:
                got.append(await self.next_message(op_id, deadline - time.monotonic()))
        return got


@contextlib.asynccontextmanager
async def graphql_ws(
    base_url: str, protocol: ProtocolName, token: str | None, **kwargs: Any
) -> AsyncIterator[GraphQLWebSocket]:
    """`async with graphql_ws(url, protocol, token) as ws:` an acknowledged connection."""
    connection = await GraphQLWebSocket.open(base_url, protocol, token, **kwargs)
    try:
        yield connection
    finally:
        await connection.close()


def data_of(messages: list[Message], field_name: str) -> list[dict[str, Any]]:
    """The `field_name` values of the "data" messages; any other message fails the test."""
    values: list[dict[str, Any]] = []
    for message in messages:
        assert message.kind == "data", message
        assert not message.payload.get("errors"), message.payload
        values.append(message.payload["data"][field_name])
    return values
