"""A CFDI XML the buyer attaches by hand: the same reading, matching and verification as
one that arrives by e-mail; for a task they name, only if it is that task's invoice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.cfdi.files import InvoiceFile
from autofactura.core.cfdi.parse import NotACfdi, parse_cfdi
from autofactura.core.errors import Conflict, NotFound, invalid
from autofactura.core.invoices.models import Invoice
from autofactura.core.mail import candidates, matching, settle
from autofactura.core.mail.receive import Found, keep_all, on_a_task
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.models import Task

MAX_XML_CHARS = 2 * 1024 * 1024  # a CFDI with hundreds of concepts is well under this


@dataclass(frozen=True)
class Uploaded:
    invoice: Invoice
    task: Task | None  # None: kept on the account, no task matched


def _read(xml: str) -> Found:
    if len(xml) > MAX_XML_CHARS:
        raise invalid("xml", "TOO_LARGE", "El XML es demasiado grande para ser un CFDI.")
    try:
        cfdi = parse_cfdi(xml)
    except NotACfdi as exc:
        raise invalid("xml", "NOT_A_CFDI", str(exc)) from None
    data = xml.encode("utf-8")
    return Found(cfdi, data, [InvoiceFile(f"{cfdi.uuid}.xml", data, "xml")])


async def upload(
    session: AsyncSession,
    services: Services,
    user_id: uuid.UUID,
    xml: str,
    task_id: uuid.UUID | None = None,
) -> Uploaded:
    found = _read(xml)
    if await on_a_task(session, user_id, found.cfdi.uuid):
        raise Conflict(
            "Esa factura ya está en una de tus tareas.", code="INVOICE_ALREADY_KEPT", field="xml"
        )
    if task_id is not None:
        return await _for_task(session, services, user_id, task_id, found)
    await keep_all(session, services, user_id, [found], source="upload")
    invoice = await _newest(session, user_id, found.cfdi.uuid)
    task = await session.get(Task, invoice.task_id) if invoice.task_id else None
    return Uploaded(invoice, task)


async def _for_task(
    session: AsyncSession, services: Services, user_id: uuid.UUID, task_id: uuid.UUID, found: Found
) -> Uploaded:
    try:
        task = await tasks.get(session, user_id, task_id)
    except NotFound as exc:
        exc.field = "taskId"
        raise
    await session.refresh(task, with_for_update=services.db.is_postgres)
    if not candidates.takes_invoice(task, await candidates.has_invoice(session, task)):
        raise Conflict(
            "Esa tarea no está esperando una factura.", code="TASK_NOT_WAITING", field="taskId"
        )
    issuers = await candidates.known_issuers(session, user_id)
    candidate = await candidates.candidate(session, task, issuers)
    if candidate is None:
        raise Conflict(
            "El perfil fiscal de esa tarea ya no existe.", code="PROFILE_DELETED", field="taskId"
        )
    problems = matching.misfits(found.cfdi, found.cfdi.total, candidate)
    if problems:
        raise Conflict(
            f"Esta factura no es de esa tarea: no coincide {', '.join(problems)}.",
            code="INVOICE_NOT_FOR_TASK",
            field="xml",
        )
    invoice = await settle.settle(
        session, services.storage, candidate, found.cfdi, found.files, source="upload"
    )
    return Uploaded(invoice, task)


async def _newest(session: AsyncSession, user_id: uuid.UUID, cfdi_uuid: str) -> Invoice:
    query = select(Invoice).where(Invoice.user_id == user_id, Invoice.uuid == cfdi_uuid)
    found = (await session.execute(query.order_by(Invoice.created_at.desc()))).scalars().first()
    if found is None:  # keep_all kept it a moment ago in this transaction
        raise LookupError(f"invoice {cfdi_uuid} vanished")
    return found
