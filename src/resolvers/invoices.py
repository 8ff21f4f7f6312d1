"""unmatchedInvoices and uploadInvoice."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from autofactura.core.invoices.models import Invoice as InvoiceRow
from autofactura.core.mail import upload
from autofactura.schema.context import Info
from autofactura.schema.errors import user_errors
from autofactura.schema.ids import require
from autofactura.schema.types.invoice import Invoice, InvoiceUpload
from autofactura.schema.types.results import UploadInvoiceResult
from autofactura.schema.types.task import Task

MAX_UNMATCHED = 200


async def unmatched_invoices(info: Info) -> list[Invoice]:
    """CFDIs that reached the account for none of its tasks, newest first."""
    user_id = await info.context.user_id()
    query = (
        select(InvoiceRow)
        .where(InvoiceRow.user_id == user_id, InvoiceRow.task_id.is_(None))
        .order_by(InvoiceRow.created_at.desc())
        .limit(MAX_UNMATCHED)
    )
    async with info.context.db.session(user_id, readonly=True) as session:
        rows = list((await session.execute(query)).scalars())
    return [Invoice.from_model(row) for row in rows]


@user_errors
async def upload_invoice(
    info: Info,
    xml: str,
    task_id: strawberry.ID | None = None,
) -> UploadInvoiceResult:
    user_id = await info.context.user_id()
    wanted = require(task_id, "Task", "taskId", "No encontramos esa tarea.") if task_id else None
    async with info.context.db.session(user_id) as session:
        done = await upload.upload(session, info.context.services, user_id, xml, wanted)
        invoice = Invoice.from_model(done.invoice)
        task = Task.from_model(done.task) if done.task is not None else None
    return InvoiceUpload(invoice=invoice, task=task)
