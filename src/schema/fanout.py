"""One execution per event and document for taskEvents subscriptions.

Every subscriber of a task is its owner, and a TaskEvent's fields depend only on the
event, so subscribers that sent the same document (whatever their `after`) would get the
same result for each live event. They join a group per (task, document): the group
follows the task once, executes the selection once per event, encodes it once, and each
member only wraps it with its operation id. Each member still replays its own `after`
through the ordinary execution (which also checks it owns the task) and then skips what
it has already seen, so a member gets every event once, in order. A member whose outbox
fills up (a slow client) catches up from the log on its own, never slowing the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from strawberry.schema.base import BaseSchema
from strawberry.types.execution import ExecutionResult

from autofactura.core.auth import Principal
from autofactura.core.events.stream import follow
from autofactura.core.services import Services
from autofactura.schema.context import Context
from autofactura.schema.projection import Projector, projector
from autofactura.schema.share import ShareKey
from autofactura.schema.subscriptions import StreamMode

log = logging.getLogger(__name__)
OUTBOX = 256
_END = (-1, "")
_EXPIRED = (-2, "")
_FOREVER = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(eq=False)
class Member:
    send_text: Any
    operation: Any
    last: int
    deadline: datetime
    outbox: asyncio.Queue[tuple[int, str]] = field(default_factory=lambda: asyncio.Queue(OUTBOX))
    lagged: bool = False
    expired: bool = False
    timer: asyncio.TimerHandle | None = None

    def watch_expiry(self) -> None:
        left = (self.deadline - datetime.now(UTC)).total_seconds()
        self.timer = asyncio.get_running_loop().call_later(max(left, 0.0), self.expire)

    def expire(self) -> None:
        self.expired = True
        with contextlib.suppress(asyncio.QueueFull):
            self.outbox.put_nowait(_EXPIRED)  # wakes a waiting pump; a full one checks the flag

    def offer(self, item: tuple[int, str]) -> None:
        try:
            self.outbox.put_nowait(item)
        except asyncio.QueueFull:
            self.lagged = True  # dropped: it is in the log, the member replays it


@dataclass(eq=False)
class Group:
    key: ShareKey
    members: set[Member] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    task: asyncio.Task[None] | None = None

    def start(self, schema: BaseSchema, context: Context, operation: Any, after: int) -> None:
        project = projector(operation.query, operation.operation_name)
        items = (
            self._projected(context, project, after)
            if project is not None
            else self._executed(schema, context, operation, StreamMode(start_after=after))
        )
        self.task = asyncio.create_task(self._broadcast(items))

    async def _projected(
        self, context: Context, project: Projector, after: int
    ) -> AsyncIterator[tuple[int, str]]:
        """The common selection, built straight from each event (no execution at all)."""
        services, user_id = context.services, await context.user_id()
        async for event in follow(
            services.db, services.bus, user_id, self.key.task_id, after, _never_expires
        ):
            yield event.seq, json.dumps({"data": project(event)}, separators=(",", ":"))

    async def _executed(
        self, schema: BaseSchema, context: Context, op: Any, mode: StreamMode
    ) -> AsyncIterator[tuple[int, str]]:
        stream = await _subscribe(schema, context, op, mode)
        if isinstance(stream, ExecutionResult):
            return
        async with contextlib.aclosing(stream):
            async for result in stream:
                yield mode.last_seq, _encode(result)

    async def _broadcast(self, items: AsyncIterator[tuple[int, str]]) -> None:
        try:
            async for item in items:
                # A member joining replays under this lock: it is listed before the next
                # event goes out, or its replay already holds that event.
                async with self.lock:
                    for member in tuple(self.members):
                        member.offer(item)
        except Exception:
            log.exception("shared subscription for task %s failed", self.key.task_id)
        finally:
            for member in tuple(self.members):
                member.offer(_END)


class Fanout:
    """The process's groups, on one event loop (the API's)."""

    def __init__(self, schema: BaseSchema, services: Services) -> None:
        self.schema, self.services = schema, services
        self.groups: dict[ShareKey, Group] = {}

    async def serve(
        self, context: Context, operation: Any, send_text: Any, key: ShareKey, after: int
    ) -> None:
        group = self.groups.setdefault(key, Group(key))
        member: Member | None = None
        try:
            async with group.lock:
                mode = StreamMode(replay_only=True, start_after=after)
                if not await _replay(self.schema, context, operation, mode):
                    await _complete(operation)
                    return
                principal = await context.principal()
                member = Member(send_text, operation, mode.last_seq, principal.expires_at)
                member.watch_expiry()
                group.members.add(member)
                if group.task is None:
                    group.start(
                        self.schema,
                        _owner_context(self.services, principal),
                        operation,
                        mode.last_seq,
                    )
            await _pump(self.schema, context, member)
        finally:
            if member is not None:
                group.members.discard(member)
                if member.timer is not None:
                    member.timer.cancel()
            if not group.members and self.groups.get(key) is group:
                del self.groups[key]
                if group.task is not None:
                    group.task.cancel()


async def _pump(schema: BaseSchema, context: Context, member: Member) -> None:
    op = member.operation
    prefix = '{"id":' + json.dumps(op.id) + ',"type":"next","payload":'
    while True:
        if member.lagged:
            await _catch_up(schema, context, member)
        item = await _next(member)
        if item is _EXPIRED:
            await op.send_operation_message(
                {
                    "id": op.id,
                    "type": "error",
                    "payload": [
                        {
                            "message": "Tu sesión expiró; inicia sesión de nuevo.",
                            "extensions": {"code": "UNAUTHENTICATED"},
                        }
                    ],
                }
            )
            return
        if item is _END:
            await _complete(op)
            return
        seq, payload = item
        if seq > member.last + 1:
            # Published before this member was listed (it joined mid-event) or dropped:
            # the log has what came between; the item itself is then already sent.
            await _catch_up(schema, context, member)
        if seq > member.last:
            await member.send_text(prefix + payload + "}")
            member.last = seq


async def _catch_up(schema: BaseSchema, context: Context, member: Member) -> None:
    member.lagged = False
    mode = StreamMode(replay_only=True, start_after=member.last)
    await _replay(schema, context, member.operation, mode)
    member.last = max(member.last, mode.last_seq)


async def _next(member: Member) -> tuple[int, str]:
    """The next item; _EXPIRED once the member's token has (a timer set on joining says
    so, so the wait itself needs no timeout). The group checks the log when quiet."""
    if member.expired:
        return _EXPIRED
    if not member.outbox.empty():
        return member.outbox.get_nowait()
    return await member.outbox.get()


async def _subscribe(schema: BaseSchema, context: Context, op: Any, mode: StreamMode) -> Any:
    return await schema.subscribe(
        op.query,
        variable_values=op.variables,
        context_value=context,
        root_value=mode,
        operation_name=op.operation_name,
    )


async def _replay(schema: BaseSchema, context: Context, op: Any, mode: StreamMode) -> bool:
    """Run the member's own execution over the log; False if it answered with errors."""
    stream = await _subscribe(schema, context, op, mode)
    if isinstance(stream, ExecutionResult):
        await op.send_initial_errors(stream.errors or [])
        return False
    async with contextlib.aclosing(stream):
        async for result in stream:
            await op.send_next(result)  # errors too: as the unshared path sends them
            if result.errors:
                return False
    return True


async def _complete(op: Any) -> None:
    await op.send_operation_message({"id": op.id, "type": "complete"})


async def _never_expires() -> float:
    return 30.0  # the group acts for the owner; each member's own token is checked apart


def _owner_context(services: Services, principal: Principal) -> Context:
    """The group acts for the task's owner, whose right every member proved on joining."""
    owner = Principal(principal.user_id, principal.email, _FOREVER - timedelta(days=1))
    return Context(services=services, _principal=owner)


def _encode(result: ExecutionResult) -> str:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return json.dumps(payload, separators=(",", ":"))
