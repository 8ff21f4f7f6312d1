"""Helpers for the e-mail pipeline's tests: a buyer with an inbound address and a task
waiting for its e-mailed invoice, the CFDI that task should get, and e-mails carrying it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from autofactura.core.db.base import utcnow
from autofactura.core.events.models import TaskEvent
from autofactura.core.invoices.models import Invoice
from autofactura.core.mail import addresses
from autofactura.core.profiles import service as profiles
from autofactura.core.queue import InlineQueue
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.lifecycle import Outcome, move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus
from autofactura.core.users.service import ensure_user
from tests.portals.buyer import PROFILE
from tests.support.cfdi_factory import make_cfdi, make_pdf, receptor_of
from tests.support.inprocess import BUYER


@dataclass
class Buyer:
    user_id: uuid.UUID
    profile_id: uuid.UUID
    address: str


async def new_buyer(services: Services) -> Buyer:
    user_id = uuid.uuid4()
    async with services.db.session() as session:
        await ensure_user(session, user_id, f"{user_id}@example.com")
        profile = await profiles.create(session, user_id, BUYER)
        address = await addresses.address_for(session, services.settings, user_id)
    assert address is not None
    return Buyer(user_id, profile.id, address)


async def new_task(
    services: Services,
    buyer: Buyer,
    *,
    total: str = "1234.50",
    folio: str | None = None,
    status: TaskStatus = TaskStatus.AWAITING_EMAIL,
) -> uuid.UUID:
    """A task of `buyer`'s moved to `status` (RUNNING, or on to AWAITING_EMAIL) as an
    engine would leave it."""
    folio = folio or f"T{uuid.uuid4().hex[:8].upper()}"
    ticket = tasks.TicketData(folio, date.today() - timedelta(days=1), Decimal(total))
    new = tasks.NewTask("https://93.184.216.34/facturacion", ticket, buyer.profile_id)
    async with services.db.session() as session:
        task = await tasks.create(
            session, buyer.user_id, new, allow_private_urls=False, queue=InlineQueue()
        )
        await move(session, task, TaskStatus.RUNNING)
        if status is TaskStatus.AWAITING_EMAIL:
            until = utcnow() + timedelta(hours=24)
            await move(
                session, task, status, Outcome(engine="autofill", awaiting_email_until=until)
            )
    return task.id


def cfdi_for(total: str = "1234.50", **overrides: Any) -> bytes:
    """The CFDI a portal stamps for BUYER (tests/support/inprocess.py) and this total."""
    values: dict[str, Any] = {
        **receptor_of(PROFILE),  # the same buyer as BUYER, in the API's shape
        "total": total,
        "uuid": str(uuid.uuid4()).upper(),
        **overrides,
    }
    return make_cfdi(**values)


def invoice_mail(to: str, xml: bytes, *, pdf: bool = True, name: str = "FACTURA") -> bytes:
    """A vendor's e-mail: a text body, the XML and the PDF as base64 attachments."""
    message = EmailMessage()
    message["From"] = "facturacion@vendedor.com.mx"
    message["To"] = to
    message["Subject"] = "Tu factura electrónica"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@vendedor.com.mx>"
    message.set_content("Adjuntamos tu factura. Gracias por tu compra.")
    message.add_attachment(xml, maintype="application", subtype="xml", filename=f"{name}.xml")
    if pdf:
        data = make_pdf("Factura")
        message.add_attachment(data, maintype="application", subtype="pdf", filename=f"{name}.pdf")
    return message.as_bytes()


async def task_row(services: Services, task_id: uuid.UUID) -> Task:
    async with services.db.session(readonly=True) as session:
        task = await session.get(Task, task_id)
    assert task is not None
    return task


async def invoices_of(services: Services, user_id: uuid.UUID) -> list[Invoice]:
    async with services.db.session(readonly=True) as session:
        rows = await session.execute(select(Invoice).where(Invoice.user_id == user_id))
        return list(rows.scalars())


async def events_of(services: Services, task_id: uuid.UUID) -> list[TaskEvent]:
    async with services.db.session(readonly=True) as session:
        rows = await session.execute(
            select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.seq)
        )
        return list(rows.scalars())
