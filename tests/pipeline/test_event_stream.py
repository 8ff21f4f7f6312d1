"""taskEvents and taskUpdates over a real WebSocket, in both protocols: the whole log from
PENDING to the end, replay only, reconnecting with `after`, events arriving during the
replay, who may subscribe, and taskUpdates' scoping to the caller."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pipeline.conftest import Pipeline
from tests.pipeline.helpers import (
    EVENTS_SUBSCRIPTION,
    FINAL,
    UPDATES_SUBSCRIPTION,
    Buyer,
    assert_gap_free,
    is_final_event,
    register,
    statuses,
    steps,
)
from tests.support.ws import (
    PROTOCOLS,
    TRANSPORT_WS,
    GraphQLWebSocket,
    Message,
    ProtocolName,
    Refused,
    data_of,
    graphql_ws,
)

STREAM_TIMEOUT = 30.0
UNSUPPORTED = "UNSUPPORTED_PORTAL"

pytestmark = pytest.mark.parametrize("protocol", PROTOCOLS)


def final_event(message: Message) -> bool:
    return message.kind == "data" and is_final_event(message.payload["data"]["taskEvents"])


async def stream(
    ws: GraphQLWebSocket, task_id: str, after: int = 0, within: float = STREAM_TIMEOUT
) -> list[dict[str, Any]]:
    """Subscribe to taskEvents and read up to the task's final status event."""
    op = await ws.subscribe(EVENTS_SUBSCRIPTION, id=task_id, after=after)
    events = data_of(await ws.collect_until(op, final_event, within), "taskEvents")
    # The stream stays open (a retry may add events), but nothing more is due now.
    assert await ws.quiet(op, 0.3) == []
    return events


def assert_three_steps_then_unsupported(events: list[dict[str, Any]]) -> None:
    assert_gap_free(events)
    assert statuses(events) == ["PENDING", "RUNNING", "FAILED"]
    assert [e["type"] for e in events[2:-1]] == ["STEP"] * 4
    assert [e["message"] for e in steps(events)] == [
        "Probando el motor scripted.",
        "Paso 1",
        "Paso 2",
        "Paso 3",
    ]
    last = events[-1]["payload"]
    assert last["failureCode"] == UNSUPPORTED
    assert last["status"] == "FAILED"
    assert last["attempt"] == 1


async def test_full_stream_from_pending_to_failed(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName
) -> None:
    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        task_id = await buyer.create_task("STEPS-3-100")
        events = await stream(ws, task_id)
    assert_three_steps_then_unsupported(events)
    assert events == await buyer.events(task_id)  # the live stream says what the log says
    state = await buyer.state(task_id)
    assert (state["status"], state["failureCode"]) == ("FAILED", UNSUPPORTED)


async def test_replay_of_a_finished_task(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName
) -> None:
    task_id = await buyer.create_task("STEPS-3-10")
    await buyer.wait_for_status(task_id, FINAL)
    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        events = await stream(ws, task_id)
    assert_three_steps_then_unsupported(events)
    assert events == await buyer.events(task_id)


async def test_reconnect_after_the_last_seq_seen(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName
) -> None:
    task_id = await buyer.create_task("STEPS-12-100")
    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        op = await ws.subscribe(EVENTS_SUBSCRIPTION, id=task_id, after=0)
        first = data_of(await ws.collect(op, 4, STREAM_TIMEOUT), "taskEvents")
    assert_gap_free(first)
    last_seen = first[-1]["seq"]
    # The task goes on while nobody listens.
    await buyer.wait_for_events(task_id, lambda log: len(log) >= last_seen + 3)

    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        rest = await stream(ws, task_id, after=last_seen)
    assert rest[0]["seq"] == last_seen + 1
    assert_gap_free(first + rest)
    assert first + rest == await buyer.events(task_id)
    assert statuses(first + rest) == ["PENDING", "RUNNING", "FAILED"]
    assert len(steps(first + rest)) == 1 + 12


async def test_events_arriving_during_the_replay(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName
) -> None:
    task_id = await buyer.create_task("STEPS-30-20")
    # Subscribe once the task is well under way, so the replay races new events.
    await buyer.wait_for_events(task_id, lambda log: len(log) >= 5)
    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        events = await stream(ws, task_id)
    assert_gap_free(events)
    assert events == await buyer.events(task_id)
    assert len(steps(events)) == 1 + 30
    assert events[-1]["payload"]["failureCode"] == UNSUPPORTED


# --- Who may subscribe ---------------------------------------------------------------------


async def assert_not_found(ws: GraphQLWebSocket, op: str) -> None:
    """The operation ends with a NOT_FOUND error and no data, in either form both protocols
    allow: a result with errors then `complete`, or one `error` message (which ends it)."""
    messages = await ws.collect_until(op, lambda _: False, STREAM_TIMEOUT)
    if messages[0].kind == "error":
        assert len(messages) == 1, messages
        errors = messages[0].payload
    else:
        assert [m.kind for m in messages] == ["data", "complete"], messages
        assert messages[0].payload["data"] is None
        errors = messages[0].payload["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"], errors
    assert errors[0]["message"] == "No encontramos esa tarea."
    assert await ws.quiet(op, 0.2) == []


async def test_another_users_task_is_not_found(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName
) -> None:
    other = await register(pipeline.url)
    task_id = await other.create_task("STEPS-1-10")
    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        op = await ws.subscribe(EVENTS_SUBSCRIPTION, id=task_id, after=0)
        await assert_not_found(ws, op)
    await other.wait_for_status(task_id, FINAL)


@pytest.mark.parametrize(
    "bad_id",
    [
        "garbage",
        "VGFzazpub3BlCg==",
        "00000000-0000-0000-0000-0",
        "7b0c1a52-2f4e-4b8e-9c1d-3a5e6f708192",
    ],
)
async def test_a_garbage_id_is_not_found(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName, bad_id: str
) -> None:
    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        op = await ws.subscribe(EVENTS_SUBSCRIPTION, id=bad_id, after=0)
        await assert_not_found(ws, op)


@pytest.mark.parametrize("token", [None, "garbage", "a.b.c"], ids=["none", "garbage", "dots"])
async def test_no_valid_token_is_refused(
    pipeline: Pipeline, protocol: ProtocolName, token: str | None
) -> None:
    """graphql-transport-ws closes with 4403 and says nothing; the legacy graphql-ws sends a
    connection_error (with a Spanish message) and then closes with 4403 as well."""
    with pytest.raises(Refused) as refused:
        await GraphQLWebSocket.open(pipeline.url, protocol, token)
    assert (refused.value.code, refused.value.reason) == (4403, "Forbidden")
    if protocol == TRANSPORT_WS:
        assert refused.value.messages == []
    else:
        [error] = refused.value.messages
        assert error["type"] == "connection_error"
        assert error["payload"]["message"] in {
            "Inicia sesión para continuar.",
            "La sesión no es válida; inicia sesión de nuevo.",
        }


# --- taskUpdates ---------------------------------------------------------------------------


async def test_task_updates_stream_only_the_callers_tasks(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName
) -> None:
    other = await register(pipeline.url)
    async with graphql_ws(pipeline.url, protocol, buyer.token) as ws:
        op = await ws.subscribe(UPDATES_SUBSCRIPTION)
        # taskUpdates has no replay: a first task tells us the subscription is live.
        probe = await buyer.create_task("GIVE-UP-1")
        await ws.collect_until(op, lambda m: update_of(m)["id"] == probe, STREAM_TIMEOUT)

        theirs = await other.create_task("STEPS-3-50")
        mine = await buyer.create_task("STEPS-3-50")
        done = await ws.collect_until(
            op,
            lambda m: update_of(m)["id"] == mine and update_of(m)["status"] in FINAL,
            STREAM_TIMEOUT,
        )
        await other.wait_for_status(theirs, FINAL)
        done += await ws.quiet(op, 0.5)
    updates = data_of(done, "taskUpdates")
    assert {u["id"] for u in updates} <= {probe, mine}
    assert theirs not in {u["id"] for u in updates}
    seen = [u["status"] for u in updates if u["id"] == mine]
    assert seen[-1] == "FAILED", seen
    assert "RUNNING" in seen, seen
    final = next(u for u in updates if u["id"] == mine and u["status"] == "FAILED")
    assert final["failureCode"] == UNSUPPORTED


def update_of(message: Message) -> dict[str, Any]:
    assert message.kind == "data", message
    update: dict[str, Any] = message.payload["data"]["taskUpdates"]
    return update


FRAGMENT_SUBSCRIPTION = """
subscription($id: ID!, $after: Int!) {
  taskEvents(taskId: $id, after: $after) { ...Event }
}
fragment Event on TaskEvent { seq type status message payload }"""


async def test_documents_the_fan_out_cannot_compile_still_stream_in_full(
    pipeline: Pipeline, buyer: Buyer, protocol: ProtocolName
) -> None:
    """Two subscribers of one task with a fragment document: the shared group executes it."""
    async with (
        graphql_ws(pipeline.url, protocol, buyer.token) as first,
        graphql_ws(pipeline.url, protocol, buyer.token) as second,
    ):
        task_id = await buyer.create_task("STEPS-3-100")
        ops = [
            await ws.subscribe(FRAGMENT_SUBSCRIPTION, id=task_id, after=0) for ws in (first, second)
        ]
        seen = [
            data_of(await ws.collect_until(op, final_event, STREAM_TIMEOUT), "taskEvents")
            for ws, op in zip((first, second), ops, strict=True)
        ]
    assert seen[0] == seen[1] == await buyer.events(task_id)
    assert_three_steps_then_unsupported(seen[0])
