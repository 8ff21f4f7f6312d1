"""Task creation for integrators: idempotency keys (also under a race), the duplicate-ticket
guard, and createTasks in bulk with one result per item."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from autofactura.core.db.base import utcnow
from autofactura.core.services import Services
from autofactura.core.tasks.idempotency import forget_expired
from autofactura.core.tasks.models import IdempotencyKey, Task
from tests.support.api import Caller, create_profile, ticket

CREATE = """
mutation($input: CreateTaskInput!, $key: String) {
  createTask(input: $input, idempotencyKey: $key) {
    __typename
    ... on Task { id ticket { folio total } }
    ... on DuplicateTicketError { existingTaskId }
    ... on ValidationError { problems { field code } }
    ... on UserError { code message field }
  }
}"""
BULK = """
mutation($input: [CreateTaskInput!]!, $key: String) {
  createTasks(input: $input, idempotencyKey: $key) {
    __typename
    ... on Task { id ticket { folio } }
    ... on DuplicateTicketError { existingTaskId }
    ... on ValidationError { problems { field code } }
    ... on UserError { code message field }
  }
}"""
CANCEL = "mutation($id: ID!) { cancelTask(id: $id) { __typename } }"


def task_input(profile_id: str, **ticket_fields: Any) -> dict[str, Any]:
    return {
        "vendorUrl": "https://93.184.216.34/facturacion",
        "ticket": ticket(**ticket_fields),
        "fiscalProfileId": profile_id,
    }


async def create(buyer: Caller, data: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = (await buyer(CREATE, input=data, key=key))["createTask"]
    return result


async def count_tasks(services: Services, buyer: Caller) -> int:
    async with services.db.session(readonly=True) as session:
        query = select(func.count()).select_from(Task).where(Task.user_id == buyer.user_id)
        return int((await session.execute(query)).scalar_one())


async def test_the_same_key_and_input_give_the_same_task(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    data = task_input(profile["id"])
    first = await create(buyer, data, key="pedido-1")
    again = await create(buyer, data, key="pedido-1")
    assert first["__typename"] == "Task", first
    assert again["id"] == first["id"]
    other = await create(buyer, {**data, "ticket": {**data["ticket"], "total": "9.99"}}, "pedido-1")
    assert (other["__typename"], other["code"]) == ("ConflictError", "IDEMPOTENCY_CONFLICT")
    assert other["field"] == "idempotencyKey"
    blank = await create(buyer, task_input(profile["id"]), key="  ")
    assert blank["__typename"] == "ValidationError"


async def test_a_key_older_than_a_day_is_free_again(buyer: Caller, services: Services) -> None:
    profile = await create_profile(buyer)
    first = await create(buyer, task_input(profile["id"]), key="viejo")
    async with services.db.session() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == buyer.user_id)
            .values(created_at=utcnow() - timedelta(hours=25))
        )
    fresh = await create(buyer, task_input(profile["id"]), key="viejo")
    assert fresh["__typename"] == "Task" and fresh["id"] != first["id"]
    async with services.db.session() as session:  # the sweeper's clean-up
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == buyer.user_id)
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        assert await forget_expired(session) >= 1
        left = select(func.count()).where(IdempotencyKey.user_id == buyer.user_id)
        assert (await session.execute(left)).scalar_one() == 0


async def test_racing_requests_with_one_key_make_one_task(
    buyer: Caller, services: Services
) -> None:
    profile = await create_profile(buyer)
    data = task_input(profile["id"])
    results = await asyncio.gather(*(create(buyer, data, key="carrera") for _ in range(6)))
    assert {r["__typename"] for r in results} == {"Task"}, results
    assert len({r["id"] for r in results}) == 1
    assert await count_tasks(services, buyer) == 1


async def test_racing_requests_with_one_key_and_two_inputs(
    buyer: Caller, services: Services
) -> None:
    """Different tickets take different locks; the key's uniqueness settles the race."""
    profile = await create_profile(buyer)
    one, two = task_input(profile["id"]), task_input(profile["id"])
    results = await asyncio.gather(create(buyer, one, "doble"), create(buyer, two, "doble"))
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ConflictError", "Task"], results
    assert next(r for r in results if "code" in r)["code"] == "IDEMPOTENCY_CONFLICT"
    assert await count_tasks(services, buyer) == 1


async def test_racing_twins_without_a_key_make_one_task(buyer: Caller, services: Services) -> None:
    profile = await create_profile(buyer)
    data = task_input(profile["id"])
    results = await asyncio.gather(*(create(buyer, data) for _ in range(4)))
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["DuplicateTicketError"] * 3 + ["Task"], results
    assert await count_tasks(services, buyer) == 1


async def test_a_second_task_for_the_same_ticket_is_refused(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    data = task_input(profile["id"], folio="B-778899")
    first = await create(buyer, data)
    spelled = {**data, "ticket": {**data["ticket"], "folio": "b-778899 "}}
    spelled["vendorUrl"] = "https://93.184.216.34/otra-ruta"  # the same vendor (host)
    refused = await create(buyer, spelled)
    assert (refused["__typename"], refused["code"]) == ("DuplicateTicketError", "DUPLICATE_TICKET")
    assert refused["existingTaskId"] == first["id"]
    assert "reintentar" in refused["message"]
    other_total = await create(buyer, {**data, "ticket": {**data["ticket"], "total": "1.00"}})
    assert other_total["__typename"] == "Task"
    other_profile = await create_profile(
        buyer, taxId="EKU9003173C9", legalName="ESCUELA KEMPER URGATE", zip="26015"
    )
    assert (await create(buyer, task_input(other_profile["id"], folio="B-778899")))[
        "__typename"
    ] == "Task"
    await buyer(CANCEL, id=first["id"])  # cancelled: the ticket is free again
    assert (await create(buyer, data))["__typename"] == "Task"


async def test_bulk_gives_one_result_per_item_in_order(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    good = task_input(profile["id"])
    items = [
        good,
        task_input(str(uuid.uuid4())),  # no such profile
        task_input(profile["id"], total="-5"),
        good,  # the first one's ticket again
        task_input(profile["id"]),
    ]
    results = (await buyer(BULK, input=items, key="lote-7"))["createTasks"]
    kinds = [r["__typename"] for r in results]
    assert kinds == ["Task", "NotFoundError", "ValidationError", "DuplicateTicketError", "Task"]
    assert results[3]["existingTaskId"] == results[0]["id"]
    assert results[2]["problems"][0]["field"] == "ticket.total"
    again = (await buyer(BULK, input=items, key="lote-7"))["createTasks"]
    assert [r.get("id") for r in again] == [r.get("id") for r in results]  # retry-safe


async def test_bulk_refuses_more_than_a_hundred(buyer: Caller) -> None:
    profile = await create_profile(buyer)
    errors = await buyer.errors(BULK, input=[task_input(profile["id"])] * 101)
    assert errors[0]["extensions"]["code"] == "TOO_MANY"
