"""The duplicate-ticket guard: one ticket, one invoice. A second task for the same vendor,
folio, total and fiscal profile while one is live or completed is refused (the vendor
would refuse it anyway, and a second stamp is worse than none); retryTask tries again."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.errors import Conflict
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus

_OVER = (TaskStatus.FAILED.value, TaskStatus.CANCELLED.value)


class DuplicateTicket(Conflict):
    """A live or completed task already has this ticket; `existing_task_id` names it."""

    code = "DUPLICATE_TICKET"

    def __init__(self, existing_task_id: uuid.UUID) -> None:
        super().__init__(
            "Ya tienes una tarea para este ticket con este perfil fiscal; si falló, usa "
            "reintentar en esa tarea en lugar de crear otra.",
            field="ticket.folio",
        )
        self.existing_task_id = existing_task_id


def vendor_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def folio_of(folio: str) -> str:
    return folio.replace(" ", "").upper()  # as the SQL below compares it


async def hold(
    session: AsyncSession,
    user_id: uuid.UUID,
    profile_id: uuid.UUID,
    vendor_url: str,
    ticket: dict[str, Any],
) -> None:
    """Until commit, be the only transaction creating this ticket's task: two identical
    requests at once would both pass a plain check (SQLite's single writer already
    serializes them; Postgres needs this advisory lock)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    total = Decimal(ticket["total"])
    name = f"{user_id}|{profile_id}|{vendor_of(vendor_url)}|{folio_of(ticket['folio'])}|{total}"
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    await session.execute(text("select pg_advisory_xact_lock(:n)"), {"n": number})


async def refuse_duplicate(
    session: AsyncSession,
    user_id: uuid.UUID,
    profile_id: uuid.UUID,
    vendor_url: str,
    ticket: dict[str, Any],
) -> None:
    """Raise DuplicateTicket when this ticket already has a live or completed task."""
    vendor, folio = vendor_of(vendor_url), folio_of(ticket["folio"])
    total = Decimal(ticket["total"])
    stored_folio = func.upper(func.replace(Task.ticket["folio"].as_string(), " ", ""))
    rows = await session.execute(
        select(Task.id, Task.vendor_url, Task.ticket)
        .where(
            Task.user_id == user_id,
            Task.fiscal_profile_id == profile_id,
            Task.status.not_in(_OVER),
            stored_folio == folio,  # in SQL: a buyer may have thousands of finished tasks
        )
        .order_by(Task.created_at)
    )
    for task_id, url, stored in rows.all():
        same = (
            vendor_of(url) == vendor
            and folio_of(str(stored.get("folio", ""))) == folio
            and Decimal(str(stored.get("total", "0"))) == total
        )
        if same:
            raise DuplicateTicket(task_id)
