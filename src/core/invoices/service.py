"""Keep an invoice: its files as artifacts, its facts as the task's invoice, and an invoice
event for the live stream (no personal data in it). A CFDI that arrived for none of the
buyer's tasks is kept on their account instead, and moves onto a task when one matches."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.artifacts import service as artifacts
from autofactura.core.artifacts.models import Artifact
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


async def unmatched(session: AsyncSession, user_id: uuid.UUID, cfdi_uuid: str) -> Invoice | None:
    query = select(Invoice).where(
        Invoice.user_id == user_id, Invoice.task_id.is_(None), Invoice.uuid == cfdi_uuid
    )
    return (await session.execute(query.limit(1))).scalars().first()


async def record(
    session: AsyncSession,
    storage: ArtifactStorage,
    task: Task,
    cfdi: Cfdi,
    mismatches: list[Mismatch],
    files: list[InvoiceFile],
    *,
    source: str = "portal",
) -> Invoice:
    """Store the files and the invoice (replacing an earlier attempt's) in the session."""
    kept = await unmatched(session, task.user_id, cfdi.uuid)
    if kept is not None:  # the e-mail came before the task waited for it: no second copy
        return await attach(session, task, kept, mismatches)
    stored = await _store(session, storage, task.user_id, task.id, cfdi, files)
    invoice = await for_task(session, task) or Invoice(task_id=task.id, user_id=task.user_id)
    _fill(invoice, cfdi, source, stored)
    _judge(invoice, mismatches)
    session.add(invoice)
    await session.flush()
    await _announce(session, task, invoice, list(stored.values()))
    return invoice


async def keep_unmatched(
    session: AsyncSession,
    storage: ArtifactStorage,
    user_id: uuid.UUID,
    cfdi: Cfdi,
    files: list[InvoiceFile],
    *,
    source: str,
) -> Invoice:
    """Keep a CFDI that matched none of the user's tasks (once per UUID), never drop it."""
    kept = await unmatched(session, user_id, cfdi.uuid)
    if kept is not None:
        return kept
    stored = await _store(session, storage, user_id, None, cfdi, files)
    invoice = Invoice(task_id=None, user_id=user_id, verified=False, mismatches=[])
    _fill(invoice, cfdi, source, stored)
    session.add(invoice)
    await session.flush()
    return invoice


async def attach(
    session: AsyncSession, task: Task, invoice: Invoice, mismatches: list[Mismatch]
) -> Invoice:
    """Move a kept invoice (and its files) onto `task`, replacing an earlier attempt's."""
    earlier = await for_task(session, task)
    if earlier is not None and earlier.id != invoice.id:
        await session.delete(earlier)
        await session.flush()
    ids = [i for i in (invoice.xml_artifact_id, invoice.pdf_artifact_id) if i is not None]
    if ids:
        await session.execute(
            update(Artifact)
            .where(Artifact.id.in_(ids), Artifact.user_id == task.user_id)
            .values(task_id=task.id)
            .execution_options(synchronize_session=False)
        )
    invoice.task_id = task.id
    _judge(invoice, mismatches)
    await session.flush()
    rows = (await session.execute(select(Artifact).where(Artifact.id.in_(ids)))).scalars()
    await _announce(session, task, invoice, list(rows))
    return invoice


async def _store(
    session: AsyncSession,
    storage: ArtifactStorage,
    user_id: uuid.UUID,
    task_id: uuid.UUID | None,
    cfdi: Cfdi,
    files: list[InvoiceFile],
) -> dict[str, Artifact]:
    stored: dict[str, Artifact] = {}
    for item in files:
        if item.kind in stored:
            continue  # the first XML and PDF are the invoice; others stay downloads
        name = f"{cfdi.uuid}.{item.kind}"
        stored[item.kind] = await artifacts.save_for(
            session, storage, user_id, task_id, item.kind, name, item.data,
            _CONTENT_TYPES[item.kind],
        )  # fmt: skip
    return stored


def _fill(invoice: Invoice, cfdi: Cfdi, source: str, stored: dict[str, Artifact]) -> None:
    invoice.uuid = cfdi.uuid
    invoice.total = str(cfdi.total)
    invoice.issuer_rfc = cfdi.issuer_rfc
    invoice.issuer_name = cfdi.issuer_name
    invoice.receptor_rfc = cfdi.receptor_rfc
    invoice.issued_at = cfdi.issued_at
    invoice.source = source
    invoice.xml_artifact_id = stored["xml"].id if "xml" in stored else None
    invoice.pdf_artifact_id = stored["pdf"].id if "pdf" in stored else None


def _judge(invoice: Invoice, mismatches: list[Mismatch]) -> None:
    invoice.verified = not mismatches
    # Field names only: the messages quote the buyer's data, which is kept encrypted.
    invoice.mismatches = [{"field": m.field} for m in mismatches]


async def _announce(
    session: AsyncSession, task: Task, invoice: Invoice, files: list[Artifact]
) -> None:
    for row in files:
        await recorder.record(session, task, EventType.ARTIFACT, artifacts.event_payload(row))
    await recorder.record(session, task, EventType.INVOICE, _invoice_payload(invoice))


def _invoice_payload(invoice: Invoice) -> dict[str, object]:
    return {
        "uuid": invoice.uuid,
        "total": invoice.total,
        "issuerRfc": invoice.issuer_rfc,
        "issuerName": invoice.issuer_name,
        "verified": invoice.verified,
        "mismatches": [m["field"] for m in invoice.mismatches],
        "source": invoice.source,
        "xmlArtifactId": str(invoice.xml_artifact_id) if invoice.xml_artifact_id else None,
        "pdfArtifactId": str(invoice.pdf_artifact_id) if invoice.pdf_artifact_id else None,
    }
