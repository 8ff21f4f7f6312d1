"""The idempotency key under a real race: a twin that reads no key, then loses the insert,
fails with IntegrityError once the winner commits (Postgres: the unique index makes it
wait), and its rerun finds the winner's key; SQLite's single writer makes it wait before
it reads, so it sees the key at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError
from tests.support.inprocess import BUYER

from autofactura.core.errors import Conflict
from autofactura.core.profiles import service as profiles
from autofactura.core.queue import InlineQueue
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.users.service import ensure_user


def _new(profile_id: uuid.UUID, folio: str) -> tasks.NewTask:
    ticket = tasks.TicketData(folio, date.today() - timedelta(days=1), Decimal("10.00"))
    return tasks.NewTask("https://93.184.216.34/facturacion", ticket, profile_id)


async def _create(services: Services, user_id: uuid.UUID, new: tasks.NewTask) -> None:
    async with services.db.session() as session:
        await tasks.create(
            session, user_id, new, allow_private_urls=False, queue=InlineQueue(),
            idempotency_key="carrera",
        )  # fmt: skip


async def test_the_loser_of_a_key_race_fails_then_finds_the_winner(services: Services) -> None:
    user_id = uuid.uuid4()
    async with services.db.session() as session:
        await ensure_user(session, user_id, f"{user_id}@example.com")
        profile = await profiles.create(session, user_id, BUYER)
    async with services.db.session() as winner:
        await tasks.create(
            winner, user_id, _new(profile.id, "F-1"), allow_private_urls=False,
            queue=InlineQueue(), idempotency_key="carrera",
        )  # fmt: skip
        twin = asyncio.create_task(_create(services, user_id, _new(profile.id, "F-2")))
        await asyncio.sleep(0.5)
        assert not twin.done(), "the twin did not wait for the winner"
    expected: type[Exception] = IntegrityError if services.db.is_postgres else Conflict
    with pytest.raises(expected):
        await asyncio.wait_for(twin, 10)
    with pytest.raises(Conflict) as rerun:  # what the resolver's second run answers
        await _create(services, user_id, _new(profile.id, "F-2"))
    assert rerun.value.code == "IDEMPOTENCY_CONFLICT"
