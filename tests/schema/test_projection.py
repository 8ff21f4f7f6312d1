"""The fan-out's compiled selection answers exactly what GraphQL execution answers."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from strawberry.relay import GlobalID

from autofactura.core.events import recorder, repository
from autofactura.core.events.bus import BusEvent
from autofactura.core.events.models import EventType
from autofactura.core.services import Services
from autofactura.core.tasks.models import Task
from autofactura.schema.context import Context
from autofactura.schema.projection import projector
from autofactura.schema.subscriptions import StreamMode
from tests.support.api import Caller, create_profile, create_task

FULL = """subscription($id: ID!, $after: Int!) {
  taskEvents(taskId: $id, after: $after) { seq type status message payload createdAt }
}"""
ALIASED = """subscription S($id: ID!) {
  feed: taskEvents(taskId: $id) { __typename n: seq kind: type status createdAt }
}"""


async def _events(services: Services, user_id: uuid.UUID, task_id: uuid.UUID) -> list[BusEvent]:
    async with services.db.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        await recorder.record(session, task, EventType.STEP, {"action": "fill", "message": "RFC"})
        await recorder.record(session, task, EventType.STEP, {"action": "wait", "n": [1, 2]})
        await recorder.record(session, task, EventType.STATUS, {"status": "PAUSED"})
    async with services.db.session() as session:
        return [BusEvent.of(row) for row in await repository.after(session, task_id, 0, 100)]


async def _executed(caller: Caller, query: str, variables: dict[str, Any]) -> list[Any]:
    context = Context(services=caller.services, token=caller.token)
    mode = StreamMode(replay_only=True)
    stream = await caller.schema.subscribe(
        query, variable_values=variables, context_value=context, root_value=mode
    )
    results = []
    async for result in stream:
        assert not result.errors, result.errors
        results.append(json.loads(json.dumps(result.data)))
    return results


@pytest.mark.parametrize("query", [FULL, ALIASED])
async def test_projection_matches_execution(buyer: Caller, services: Services, query: str) -> None:
    profile = await create_profile(buyer)
    task = await create_task(buyer, profile["id"])
    assert buyer.user_id is not None
    task_uuid = uuid.UUID(GlobalID.from_id(task["id"]).node_id)
    events = await _events(services, buyer.user_id, task_uuid)
    executed = await _executed(buyer, query, {"id": task["id"], "after": 0})
    project = projector(query, "S" if "subscription S" in query else None)
    assert project is not None
    assert [json.loads(json.dumps(project(event))) for event in events] == executed
    assert len(executed) == 4


@pytest.mark.parametrize(
    "query",
    [
        "subscription($id: ID!) { taskEvents(taskId: $id) { ...F } }"
        " fragment F on TaskEvent { seq }",
        "subscription($id: ID!) { taskEvents(taskId: $id) { seq @include(if: true) } }",
        "subscription($id: ID!) { taskEvents(taskId: $id) @skip(if: false) { seq } }",
        "subscription { taskUpdates { id } }",
        "query { me { id } }",
    ],
)
def test_anything_else_keeps_ordinary_execution(query: str) -> None:
    assert projector(query, None) is None
