"""Give a task the invoice that arrived for it (by e-mail or upload): verified like the
engines verify a download, kept with its files, and the waiting task ended by it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.artifacts.models import Artifact
from autofactura.core.artifacts.storage import ArtifactMissing, ArtifactStorage
from autofactura.core.cfdi.files import InvoiceFile
from autofactura.core.cfdi.parse import Cfdi, NotACfdi, parse_cfdi
from autofactura.core.cfdi.verify import Expected, Mismatch, mismatch_reason, verify
from autofactura.core.events import recorder
from autofactura.core.events.models import EventType
from autofactura.core.invoices import service as invoices
from autofactura.core.invoices.models import Invoice
from autofactura.core.mail import candidates, matching
from autofactura.core.profiles import repository as profiles
from autofactura.core.tasks.lifecycle import Outcome, move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import FailureCode, TaskStatus

ENGINE = "email"
ARRIVED = {
    "email": "La factura llegó por correo: {names}.",
    "upload": "Subiste la factura: {names}.",
}


async def settle(
    session: AsyncSession,
    storage: ArtifactStorage,
    candidate: matching.Candidate,
    cfdi: Cfdi,
    files: list[InvoiceFile],
    *,
    source: str,
) -> Invoice:
    """Keep `cfdi` as the candidate's invoice; a waiting task ends COMPLETED (engine
    "email") or FAILED/INVOICE_MISMATCH, exactly like a download would."""
    task = candidate.task
    mismatches = await _verify(session, task, cfdi)
    names = ", ".join(f.name for f in files) or f"{cfdi.uuid}.xml"
    step = {"action": "download", "message": ARRIVED[source].format(names=names)}
    await recorder.record(session, task, EventType.STEP, step)
    invoice = await invoices.record(session, storage, task, cfdi, mismatches, files, source=source)
    if task.task_status is TaskStatus.AWAITING_EMAIL:
        await move(session, task, *_ending(cfdi, mismatches))
    return invoice


def _ending(cfdi: Cfdi, mismatches: list[Mismatch]) -> tuple[TaskStatus, Outcome]:
    if mismatches:
        reason = mismatch_reason(mismatches)
        return TaskStatus.FAILED, Outcome(
            failure_code=FailureCode.INVOICE_MISMATCH,
            failure_reason=reason,
            engine=ENGINE,
            message=reason,
        )
    message = f"Factura {cfdi.uuid} recibida y verificada."
    return TaskStatus.COMPLETED, Outcome(engine=ENGINE, message=message)


async def _verify(session: AsyncSession, task: Task, cfdi: Cfdi) -> list[Mismatch]:
    profile = None
    if task.fiscal_profile_id is not None:
        profile = await profiles.get(session, task.user_id, task.fiscal_profile_id)
    if profile is None:  # matching needs the profile, so this is a race with its deletion
        raise LookupError("the task's fiscal profile is gone")
    return verify(cfdi, Expected.of(profile, Decimal(str(task.ticket["total"]))))


async def claim_kept(session: AsyncSession, storage: ArtifactStorage, task: Task) -> bool:
    """A task that starts waiting takes an invoice that arrived before it waited (the
    portal's e-mail can beat the page that says it was sent). True when one fitted."""
    issuers = await candidates.known_issuers(session, task.user_id)
    candidate = await candidates.candidate(session, task, issuers)
    if candidate is None:
        return False
    query = select(Invoice).where(Invoice.user_id == task.user_id, Invoice.task_id.is_(None))
    for kept in (await session.execute(query.order_by(Invoice.created_at))).scalars():
        if matching.misfits(kept, Decimal(kept.total), candidate):
            continue  # judged on the row: only a fitting one's XML is fetched from storage
        cfdi = _parsed(await _xml_of(session, storage, kept))
        if cfdi is not None:
            await settle(session, storage, candidate, cfdi, [], source=kept.source)
            return True
    return False


async def _xml_of(session: AsyncSession, storage: ArtifactStorage, invoice: Invoice) -> bytes:
    if invoice.xml_artifact_id is None:
        return b""
    row = await session.get(Artifact, invoice.xml_artifact_id)
    if row is None:
        return b""
    try:
        return await storage.get(row.storage_key)
    except ArtifactMissing:
        return b""


def _parsed(xml: bytes) -> Cfdi | None:
    try:
        return parse_cfdi(xml) if xml else None
    except NotACfdi:
        return None
