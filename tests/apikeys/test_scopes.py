"""Scopes: mutations need `write`; queries and subscriptions need `read`; the two are
independent. A person's session has both. Every root field carries its check."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from sqlalchemy import update
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import PermissionExtension
from strawberry.types.base import StrawberryObjectDefinition

from autofactura.core.services import Services
from autofactura.core.tasks.models import Task
from autofactura.live.tokens import live_rights, live_secret
from autofactura.schema.context import Context
from autofactura.schema.ids import decode
from autofactura.schema.permissions import CanRead, CanWrite, IsAuthenticated, PersonOnly
from tests.apikeys.helpers import ME, NO_READ, NO_WRITE, TASKS, codes, create_key
from tests.support.api import CREATE_TASK, Caller, create_profile, create_task, ticket

OPEN = {"register", "login"}
EVENTS = """
subscription($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { seq type } }"""


def _permissions(field: Any) -> list[type[Any]]:
    extensions: list[FieldExtension] = field.extensions
    found = [e for e in extensions if isinstance(e, PermissionExtension)]
    return [type(p) for e in found for p in e.permissions]


@pytest.mark.parametrize(
    ("root", "scope"), [("Query", CanRead), ("Subscription", CanRead), ("Mutation", CanWrite)]
)
def test_every_root_field_checks_the_callers_scope(
    schema: strawberry.Schema, root: str, scope: type[Any]
) -> None:
    """A field added without its scope would let a read-only key write (or a write-only
    one read): IsAuthenticated first, then the scope (or PersonOnly, for key management)."""
    definition = schema.get_type_by_name(root)
    assert isinstance(definition, StrawberryObjectDefinition)
    unchecked = {
        field.python_name: _permissions(field)
        for field in definition.fields
        if field.python_name not in OPEN
        and _permissions(field) not in ([IsAuthenticated, scope], [IsAuthenticated, PersonOnly])
    }
    assert unchecked == {}


def input_for(profile_id: str) -> dict[str, Any]:
    return {
        "vendorUrl": "https://93.184.216.34/facturacion",
        "ticket": ticket(),
        "fiscalProfileId": profile_id,
    }


async def test_a_read_key_queries_but_cannot_mutate(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    task = await create_task(buyer, profile["id"])
    reader = buyer.as_user((await create_key(buyer, ["read"]))["key"])

    assert (await reader(ME))["me"]["id"] == str(buyer.user_id)
    edges = (await reader(TASKS))["tasks"]["edges"]
    assert [edge["node"]["id"] for edge in edges] == [task["id"]]
    errors = await reader.errors(CREATE_TASK, input=input_for(profile["id"]))
    assert codes(errors) == ["FORBIDDEN"]
    assert errors[0]["message"] == NO_WRITE
    assert len((await buyer(TASKS))["tasks"]["edges"]) == 1  # nothing was created


async def test_a_write_key_mutates_but_cannot_read(buyer: Caller) -> None:
    """`write` does not imply `read`: a write-only key sees what its own mutations
    answer, nothing else."""
    profile = await create_profile(buyer)
    writer = buyer.as_user((await create_key(buyer, ["write"]))["key"])

    created = (await writer(CREATE_TASK, input=input_for(profile["id"])))["createTask"]
    assert created["__typename"] == "Task"
    for query in (ME, TASKS, "{ fiscalProfiles { id } }"):
        errors = await writer.errors(query)
        assert codes(errors) == ["FORBIDDEN"]
        assert errors[0]["message"] == NO_READ


async def _first_event(
    schema: strawberry.Schema, services: Services, token: str, task_id: str
) -> Any:
    stream = await schema.subscribe(
        EVENTS, variable_values={"taskId": task_id}, context_value=Context(services, token=token)
    )
    assert not isinstance(stream, strawberry.types.ExecutionResult), stream
    try:
        return await anext(stream)
    finally:
        await stream.aclose()


async def test_subscriptions_need_read(
    buyer: Caller, schema: strawberry.Schema, services: Services
) -> None:
    task = await create_task(buyer, (await create_profile(buyer))["id"])
    reader = (await create_key(buyer, ["read"]))["key"]
    writer = (await create_key(buyer, ["write"]))["key"]

    first = await _first_event(schema, services, reader, task["id"])
    assert not first.errors, first.errors
    assert first.data["taskEvents"]["seq"] == 1
    refused = await _first_event(schema, services, writer, task["id"])
    assert [e.extensions["code"] for e in refused.errors] == ["FORBIDDEN"]
    assert refused.errors[0].message == NO_READ


async def test_a_session_has_both_scopes(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    await create_task(buyer, profile["id"])
    assert len((await buyer(TASKS))["tasks"]["edges"]) == 1


async def test_a_read_key_gets_a_view_only_live_link(buyer: Caller, services: Services) -> None:
    """Watching is reading; clicking in the browser is not (live tokens carry the right)."""
    profile = await create_profile(buyer)
    task = await create_task(buyer, profile["id"])
    task_id = decode(task["id"], "Task")
    assert task_id is not None
    async with services.db.session() as session:
        await session.execute(
            update(Task).where(Task.id == task_id).values(live_url=f"/live/{task_id}")
        )
    reader = buyer.as_user((await create_key(buyer, ["read"]))["key"])
    query = "query($id: ID!) { task(id: $id) { liveUrl } }"
    secret = live_secret(services.settings)
    for caller, may_control in ((buyer, True), (reader, False)):
        url = (await caller(query, id=task["id"]))["task"]["liveUrl"]
        rights = live_rights(secret, url.split("?t=")[1], task_id)
        assert rights == (buyer.user_id, may_control)
