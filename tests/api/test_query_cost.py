"""A page of 50 tasks with their profiles, events and artifacts costs a bounded number of
queries, whatever the page size (DataLoaders, not one query per task)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from autofactura.core.services import Services
from tests.support.api import Caller, create_profile, create_task

PAGE = """
query($first: Int!) {
  tasks(first: $first) {
    edges { node {
      id status ticket { folio total }
      fiscalProfile { taxId legalName }
      events(first: 5) { seq type }
      artifacts { name }
    } }
  }
}"""


@contextmanager
def counting(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_page_cost_does_not_grow_with_the_page(buyer: Caller, services: Services) -> None:
    profiles = [await create_profile(buyer) for _ in range(3)]
    for i in range(50):
        await create_task(buyer, profiles[i % 3]["id"])
    costs = {}
    for size in (5, 50):
        with counting(services) as statements:
            page = await buyer(PAGE, first=size)
        assert len(page["tasks"]["edges"]) == size
        assert all(e["node"]["fiscalProfile"]["taxId"] for e in page["tasks"]["edges"])
        assert all(len(e["node"]["events"]) == 1 for e in page["tasks"]["edges"])
        # The per-transaction set_config that switches Postgres to the caller's role is
        # one statement per session, not per task; count only reads of data.
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        costs[size] = len([s for s in reads if "set_config" not in s])
    assert costs[50] == costs[5]
    assert costs[50] <= 4  # tasks, profiles, events, artifacts
