"""One pipeline for every inbound e-mail (SMTP receiver, HTTP webhook): whose address it
is, the invoices it carries, and which waiting task each one completes. A CFDI that fits
no task is kept on the buyer's account, never dropped; the same message twice is a no-op."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.cfdi.files import InvoiceFile
from autofactura.core.cfdi.parse import Cfdi, NotACfdi, parse_cfdi
from autofactura.core.invoices import service as invoices
from autofactura.core.invoices.models import Invoice
from autofactura.core.mail import addresses, candidates, matching, settle
from autofactura.core.mail.message import InboundMail, read_message
from autofactura.core.mail.models import InboundMessage
from autofactura.core.services import Services
from autofactura.core.tasks.models import Task

log = logging.getLogger(__name__)
# SQLite (embedded mode) has one writer at a time and its busy-wait is not fair: with 16
# deliveries at once some waited seconds (bench/inbound.py). Queue them first come first
# served instead; Postgres needs no such thing.
_SQLITE_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


@dataclass
class Receipt:
    """What became of one message."""

    recipients: list[str] = field(default_factory=list)  # the ones that are ours
    duplicate: bool = False  # the same message was received before: nothing done again
    invoices: int = 0  # CFDIs kept (matched or not)
    matched: int = 0  # tasks it completed


@dataclass(frozen=True)
class Found:
    """One CFDI of a message, with its XML bytes and the files that go with it."""

    cfdi: Cfdi
    xml: bytes
    files: list[InvoiceFile]


async def recipient_known(services: Services, address: str) -> bool:
    """True when `address` is a buyer's inbound address (refuse others at RCPT time)."""
    async with services.db.session(readonly=True) as session:
        return await addresses.user_for(session, services.settings, address) is not None


async def receive(
    services: Services, raw: bytes, recipients: list[str], *, channel: str = "smtp"
) -> Receipt:
    """Read `raw` (MIME) for each of `recipients` that is ours and keep what it carries."""
    mail = read_message(raw)
    found = invoices_in(mail.files)
    digest = hashlib.sha256(raw).hexdigest()
    receipt = Receipt()
    for address in dict.fromkeys(a.strip().lower() for a in recipients):
        async with services.db.session(readonly=True) as session:
            user_id = await addresses.user_for(session, services.settings, address)
        if user_id is None:
            continue
        receipt.recipients.append(address)
        done = await _deliver(services, user_id, mail, found, digest, channel)
        if done is None:
            receipt.duplicate = True
            continue
        receipt.invoices += done[0]
        receipt.matched += done[1]
    log.info(
        "inbound mail via %s: %d recipients, %d invoices, %d matched%s",
        channel, len(receipt.recipients), receipt.invoices, receipt.matched,
        " (duplicate)" if receipt.duplicate else "",
    )  # fmt: skip
    return receipt


def invoices_in(files: list[InvoiceFile]) -> list[Found]:
    """Each CFDI in the files, with the PDF named like it (or the only PDF, for one XML)."""
    pdfs = [f for f in files if f.kind == "pdf"]
    found = []
    for item in files:
        if item.kind != "xml":
            continue
        try:
            cfdi = parse_cfdi(item.data)
        except NotACfdi:
            continue  # an acuse, a CFDI 3.3, or noise: nothing to match
        found.append(Found(cfdi, item.data, [item]))
    for entry in found:
        pdf = _pdf_for(entry, pdfs, alone=len(found) == 1)
        if pdf is not None:
            entry.files.append(pdf)
            pdfs.remove(pdf)
    return found


def _pdf_for(entry: Found, pdfs: list[InvoiceFile], *, alone: bool) -> InvoiceFile | None:
    stem = entry.files[0].name.rsplit(".", 1)[0].lower()
    for pdf in pdfs:
        name = pdf.name.lower()
        if name.rsplit(".", 1)[0] == stem or entry.cfdi.uuid.lower() in name:
            return pdf
    return pdfs[0] if alone and len(pdfs) == 1 else None


async def _deliver(
    services: Services,
    user_id: uuid.UUID,
    mail: InboundMail,
    found: list[Found],
    digest: str,
    channel: str,
) -> tuple[int, int] | None:
    """(kept, matched) for one buyer; None when this message was already received."""
    async with _turn(services), services.db.session() as session:
        entry = InboundMessage(
            user_id=user_id, sha256=digest, message_id=mail.message_id[:255], channel=channel
        )
        try:
            async with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            return None
        kept, matched = await keep_all(session, services, user_id, found, source="email")
        entry.invoices, entry.matched = kept, matched
    return kept, matched


@contextlib.asynccontextmanager
async def _turn(services: Services) -> AsyncIterator[None]:
    if services.db.is_postgres:
        yield
        return
    lock = _SQLITE_TURNS.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        yield


async def keep_all(
    session: AsyncSession,
    services: Services,
    user_id: uuid.UUID,
    found: list[Found],
    *,
    source: str,
) -> tuple[int, int]:
    """Match each CFDI to a task or keep it unmatched: (kept, matched)."""
    pool = await candidates.candidates(session, user_id)
    kept = matched = 0
    for item in found:
        if await on_a_task(session, user_id, item.cfdi.uuid):
            continue  # this invoice already reached its task (another copy of the e-mail)
        chosen = matching.best(item.cfdi, item.xml, pool)
        if chosen is not None and await _still_takes(session, services, chosen.task):
            await settle.settle(
                session, services.storage, chosen, item.cfdi, item.files, source=source
            )
            pool.remove(chosen)
            matched += 1
        else:
            await invoices.keep_unmatched(
                session, services.storage, user_id, item.cfdi, item.files, source=source
            )
        kept += 1
    return kept, matched


async def on_a_task(session: AsyncSession, user_id: uuid.UUID, cfdi_uuid: str) -> bool:
    query = select(Invoice.id).where(
        Invoice.user_id == user_id, Invoice.uuid == cfdi_uuid, Invoice.task_id.is_not(None)
    )
    return (await session.execute(query.limit(1))).first() is not None


async def _still_takes(session: AsyncSession, services: Services, task: Task) -> bool:
    """Re-read under a row lock: the buyer may have cancelled it a moment ago."""
    fresh = await session.get(
        Task, task.id, with_for_update=services.db.is_postgres, populate_existing=True
    )
    if fresh is None:
        return False
    return candidates.takes_invoice(fresh, await candidates.has_invoice(session, fresh))
