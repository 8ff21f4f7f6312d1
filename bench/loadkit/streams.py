"""The load bench's live subscribers, over real WebSockets (graphql-transport-ws): one
taskUpdates per buyer, opened before its tasks exist, and taskEvents (from seq 0, so the
replay and the live feed meet) for a sample of tasks. Each follows until every task it
watches has shown a final status, or the deadline passes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.ws import TRANSPORT_WS, GraphQLWebSocket
from websockets.exceptions import ConnectionClosed

FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
UPDATES = "subscription { taskUpdates { id status } }"
EVENTS = """subscription($id: ID!, $after: Int!) {
  taskEvents(taskId: $id, after: $after) { seq type status } }"""


@dataclass
class EventStream:
    """One task's taskEvents as received: seqs in arrival order and the final status."""

    task_id: str
    seqs: list[int] = field(default_factory=list)
    final: str | None = None
    error: str | None = None

    @property
    def gap_free(self) -> bool:
        """1, 2, 3, … with no gap or duplicate, ending on a final status."""
        return self.final is not None and self.seqs == list(range(1, len(self.seqs) + 1))


@dataclass
class UpdateStream:
    """One buyer's taskUpdates: the statuses each task went through, as received."""

    watched: set[str] = field(default_factory=set)
    seen: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    def done(self) -> bool:
        return bool(self.watched) and all(
            any(s in FINAL for s in self.seen.get(task_id, [])) for task_id in self.watched
        )

    def missed(self) -> list[str]:
        """Watched tasks whose final status never came (or came before a non-final one)."""
        return [t for t in self.watched if not self.seen.get(t) or self.seen[t][-1] not in FINAL]


async def _payload(ws: GraphQLWebSocket, op: str, name: str, within: float) -> dict[str, Any]:
    message = await ws.next_message(op, max(0.0, within))
    if message.kind != "data" or message.payload.get("errors"):
        raise RuntimeError(f"{name}: {message}")
    value: dict[str, Any] = message.payload["data"][name]
    return value


async def open_updates(base_url: str, token: str) -> tuple[GraphQLWebSocket, str]:
    ws = await GraphQLWebSocket.open(base_url, TRANSPORT_WS, token)
    return ws, await ws.subscribe(UPDATES)


async def follow_updates(
    ws: GraphQLWebSocket, op: str, stream: UpdateStream, deadline: float
) -> None:
    try:
        while not stream.done() and time.monotonic() < deadline:
            try:
                # Short waits, so a stream whose last update came before `watched` was
                # filled in still notices it is done.
                update = await _payload(
                    ws, op, "taskUpdates", min(1.0, deadline - time.monotonic())
                )
            except TimeoutError:
                continue
            stream.seen.setdefault(update["id"], []).append(update["status"])
    except (ConnectionClosed, OSError, RuntimeError) as exc:
        stream.error = repr(exc)
    finally:
        await ws.close()


async def follow_events(base_url: str, token: str, stream: EventStream, deadline: float) -> None:
    try:
        async with await GraphQLWebSocket.open(base_url, TRANSPORT_WS, token) as ws:
            op = await ws.subscribe(EVENTS, id=stream.task_id, after=0)
            while stream.final is None:
                event = await _payload(ws, op, "taskEvents", deadline - time.monotonic())
                stream.seqs.append(int(event["seq"]))
                if event["type"] == "STATUS" and event["status"] in FINAL:
                    stream.final = event["status"]
    except (TimeoutError, ConnectionClosed, OSError, RuntimeError, AssertionError) as exc:
        stream.error = repr(exc)
