"""The buyer's tasks an arriving invoice may belong to, loaded with what matching needs."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.db.base import utcnow
from autofactura.core.invoices.models import Invoice
from autofactura.core.mail.matching import Candidate
from autofactura.core.profiles import repository as profiles
from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus

# A task a portal completed by e-mailing the buyer's own address can still take the
# invoice when the buyer forwards it, for this long.
FORWARD_WINDOW = timedelta(days=60)
MAX_CANDIDATES = 200


def takes_invoice(task: Task, has_invoice: bool) -> bool:
    """AWAITING_EMAIL, or COMPLETED with no invoice (a portal that e-mailed the buyer)."""
    status = task.task_status
    return status is TaskStatus.AWAITING_EMAIL or (
        status is TaskStatus.COMPLETED and not has_invoice
    )


async def candidates(session: AsyncSession, user_id: uuid.UUID) -> list[Candidate]:
    since = utcnow() - FORWARD_WINDOW
    query = (
        select(Task)
        .outerjoin(Invoice, Invoice.task_id == Task.id)
        .where(
            Task.user_id == user_id,
            or_(
                Task.status == TaskStatus.AWAITING_EMAIL.value,
                and_(
                    Task.status == TaskStatus.COMPLETED.value,
                    Invoice.id.is_(None),
                    Task.completed_at >= since,
                ),
            ),
        )
        .order_by(Task.created_at)
        .limit(MAX_CANDIDATES)
    )
    tasks = list((await session.execute(query)).scalars())
    issuers = await known_issuers(session, user_id)
    # One query for the profiles: a buyer's waiting tasks mostly share one or two.
    owned: dict[uuid.UUID | None, FiscalProfile] = {
        p.id: p for p in await profiles.list_for_user(session, user_id)
    }
    found = [_candidate(task, owned.get(task.fiscal_profile_id), issuers) for task in tasks]
    return [c for c in found if c is not None]


async def candidate(session: AsyncSession, task: Task, issuers: dict[str, str]) -> Candidate | None:
    if task.fiscal_profile_id is None:
        return None
    profile = await profiles.get(session, task.user_id, task.fiscal_profile_id)
    return _candidate(task, profile, issuers)


def _candidate(
    task: Task, profile: FiscalProfile | None, issuers: dict[str, str]
) -> Candidate | None:
    if profile is None:  # deleted since the task ended, or none (a task without one)
        return None
    ticket = task.ticket
    return Candidate(
        task=task,
        tax_id=profile.tax_id,
        total=Decimal(str(ticket["total"])),
        bought=date.fromisoformat(str(ticket["date"])),
        folio=str(ticket["folio"]),
        issuer_rfc=issuers.get(_portal(task.vendor_url)),
        waiting=task.task_status is TaskStatus.AWAITING_EMAIL,
    )


async def known_issuers(session: AsyncSession, user_id: uuid.UUID) -> dict[str, str]:
    """Portal → the issuer RFC of a verified invoice the buyer got there before. By host and
    path: one invoicing provider's host serves many vendors under different paths."""
    rows = await session.execute(
        select(Task.vendor_url, Invoice.issuer_rfc)
        .join(Invoice, Invoice.task_id == Task.id)
        .where(Invoice.user_id == user_id, Invoice.verified.is_(True))
        .order_by(Invoice.created_at)
    )
    return {_portal(url): rfc for url, rfc in rows.all()}


async def has_invoice(session: AsyncSession, task: Task) -> bool:
    query = select(Invoice.id).where(Invoice.task_id == task.id).limit(1)
    return (await session.execute(query)).first() is not None


def _portal(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}"
