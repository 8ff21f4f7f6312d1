"""Keep the invoice a task obtained: its files as artifacts, its facts as the task's
invoice, and an invoice event for the live stream (no personal data in it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.artifacts import service as artifacts
from autofactura.core.artifacts.storage import ArtifactStorage
from autofactura.core.cfdi.files import InvoiceFile
from autofactura.core.cfdi.parse import Cfdi
from autofactura.core.cfdi.verify import Mismatch
from autofactura.core.events import recorder
from autofactura.core.events.models import EventType
from autofactura.core.invoices.models import Invoice
from autofactura.core.tasks.models import Task

_CONTENT_TYPES = {"xml": "application/xml", "pdf": "application/pdf"}


async def for_task(session: AsyncSession, task: Task) -> Invoice | None:
    query = select(Invoice).where(Invoice.task_id == task.id, Invoice.user_id == task.user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def record(
    session: AsyncSession,
    storage: ArtifactStorage,
    task: Task,
    cfdi: Cfdi,
    mismatches: list[Mismatch],
    files: list[InvoiceFile],
) -> Invoice:
    """Store the files and the invoice (replacing an earlier attempt's) in the session."""
    stored = {}
    for item in files:
        if item.kind in stored:
            continue  # the first XML and PDF are the invoice; others stay downloads
        name = f"{cfdi.uuid}.{item.kind}"
        stored[item.kind] = await artifacts.save(
            session, storage, task, item.kind, name, item.data, _CONTENT_TYPES[item.kind]
        )
    invoice = await for_task(session, task) or Invoice(task_id=task.id, user_id=task.user_id)
    invoice.uuid = cfdi.uuid
    invoice.total = str(cfdi.total)
    invoice.issuer_rfc = cfdi.issuer_rfc
    invoice.issuer_name = cfdi.issuer_name
    invoice.receptor_rfc = cfdi.receptor_rfc
    invoice.verified = not mismatches
    # Field names only: the messages quote the buyer's data, which is kept encrypted.
    invoice.mismatches = [{"field": m.field} for m in mismatches]
    invoice.xml_artifact_id = stored["xml"].id if "xml" in stored else None
    invoice.pdf_artifact_id = stored["pdf"].id if "pdf" in stored else None
    session.add(invoice)
    await session.flush()
    for row in stored.values():
        await recorder.record(session, task, EventType.ARTIFACT, artifacts.event_payload(row))
    await recorder.record(session, task, EventType.INVOICE, _invoice_payload(invoice))
    return invoice


def _invoice_payload(invoice: Invoice) -> dict[str, object]:
    return {
        "uuid": invoice.uuid,
        "total": invoice.total,
        "issuerRfc": invoice.issuer_rfc,
        "issuerName": invoice.issuer_name,
        "verified": invoice.verified,
        "mismatches": [m["field"] for m in invoice.mismatches],
        "xmlArtifactId": str(invoice.xml_artifact_id) if invoice.xml_artifact_id else None,
        "pdfArtifactId": str(invoice.pdf_artifact_id) if invoice.pdf_artifact_id else None,
    }
