"""A long-lived subscription must not grow memory with every event it delivers."""

from __future__ import annotations

import gc
from collections.abc import AsyncGenerator

import strawberry
from graphql.execution.collect_fields import FieldDetails

from autofactura.schema.execution import PerEventCachesContext


@strawberry.type
class Item:
    number: int

    @strawberry.field
    def double(self) -> int:
        return self.number * 2


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def items(self, count: int) -> AsyncGenerator[Item, None]:
        for number in range(count):
            yield Item(number=number)


def _alive() -> int:
    gc.collect()
    return sum(isinstance(o, FieldDetails) for o in gc.get_objects())


async def _deliver(schema: strawberry.Schema, count: int) -> int:
    stream = await schema.subscribe(f"subscription {{ items(count: {count}) {{ number double }} }}")
    received = 0
    async for result in stream:
        assert not result.errors
        received += 1
        if received == count:
            alive = _alive()  # measured while the subscription is still open
    await stream.aclose()
    return alive


async def test_event_count_does_not_grow_memory() -> None:
    schema = strawberry.Schema(
        query=Query,
        subscription=Subscription,
        execution_context_class=PerEventCachesContext,
    )
    base = await _deliver(schema, 10)
    after_many = await _deliver(schema, 2000)
    assert after_many - base < 50
