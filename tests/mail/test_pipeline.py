"""The receive pipeline on the real database: an e-mailed CFDI completes the buyer's
waiting task, verified like a download; anything else is kept, never dropped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from autofactura.core.db.base import utcnow
from autofactura.core.engine.run import TaskRun
from autofactura.core.mail.receive import receive, recipient_known
from autofactura.core.services import Services
from autofactura.core.tasks import service as tasks
from autofactura.core.tasks.lifecycle import IllegalTransition
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus
from autofactura.core.tasks.sweeper import fail_overdue_email
from tests.mail.inbox import (
    cfdi_for,
    events_of,
    invoice_mail,
    invoices_of,
    new_buyer,
    new_task,
    task_row,
)


async def test_an_emailed_invoice_completes_the_waiting_task(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    xml = cfdi_for()
    receipt = await receive(mail_services, invoice_mail(buyer.address, xml), [buyer.address])
    assert (receipt.recipients, receipt.invoices, receipt.matched) == ([buyer.address], 1, 1)
    task = await task_row(mail_services, task_id)
    assert (task.status, task.engine) == ("COMPLETED", "email")
    [invoice] = await invoices_of(mail_services, buyer.user_id)
    assert (invoice.task_id, invoice.verified, invoice.source) == (task_id, True, "email")
    assert invoice.xml_artifact_id is not None and invoice.pdf_artifact_id is not None
    events = await events_of(mail_services, task_id)
    kinds = [e.type for e in events[-5:]]
    assert kinds == ["step", "artifact", "artifact", "invoice", "status"]
    assert "llegó por correo" in events[-5].payload["message"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # no gap


async def test_the_same_message_twice_is_received_once(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    await new_task(mail_services, buyer)
    raw = invoice_mail(buyer.address, cfdi_for())
    first = await receive(mail_services, raw, [buyer.address])
    again = await receive(mail_services, raw, [buyer.address])
    assert (first.duplicate, first.matched) == (False, 1)
    assert (again.duplicate, again.invoices, again.matched) == (True, 0, 0)
    assert len(await invoices_of(mail_services, buyer.user_id)) == 1


async def test_a_cfdi_for_another_rfc_is_kept_unmatched(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    xml = cfdi_for(receptor_rfc="XAXX010101000", receptor_name="PUBLICO EN GENERAL")
    receipt = await receive(mail_services, invoice_mail(buyer.address, xml), [buyer.address])
    assert (receipt.invoices, receipt.matched) == (1, 0)
    assert (await task_row(mail_services, task_id)).status == "AWAITING_EMAIL"
    [kept] = await invoices_of(mail_services, buyer.user_id)
    assert (kept.task_id, kept.receptor_rfc, kept.source) == (None, "XAXX010101000", "email")
    assert kept.xml_artifact_id is not None


async def test_a_wrong_name_on_the_right_ticket_fails_the_task(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    xml = cfdi_for(receptor_name="OTRA ESCUELA")
    await receive(mail_services, invoice_mail(buyer.address, xml), [buyer.address])
    task = await task_row(mail_services, task_id)
    assert (task.status, task.failure_code, task.engine) == ("FAILED", "INVOICE_MISMATCH", "email")
    assert "razón social" in (task.failure_reason or "")
    [invoice] = await invoices_of(mail_services, buyer.user_id)
    assert (invoice.task_id, invoice.verified) == (task_id, False)


async def test_the_folio_in_the_cfdi_picks_between_two_like_tasks(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    older = await new_task(mail_services, buyer, folio="TK-100200")
    newer = await new_task(mail_services, buyer, folio="TK-300400")
    await receive(
        mail_services,
        invoice_mail(buyer.address, cfdi_for(folio="TK300400")),
        [buyer.address],
    )
    assert (await task_row(mail_services, newer)).status == "COMPLETED"
    assert (await task_row(mail_services, older)).status == "AWAITING_EMAIL"
    # Without a folio, the oldest waiting task of the same total takes it.
    await receive(mail_services, invoice_mail(buyer.address, cfdi_for()), [buyer.address])
    assert (await task_row(mail_services, older)).status == "COMPLETED"


async def test_another_total_or_a_date_before_the_purchase_do_not_match(
    mail_services: Services,
) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    old = (utcnow() - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S")
    for xml in (cfdi_for(total="999.00"), cfdi_for(issued_at=old)):
        await receive(mail_services, invoice_mail(buyer.address, xml), [buyer.address])
    assert (await task_row(mail_services, task_id)).status == "AWAITING_EMAIL"
    assert len(await invoices_of(mail_services, buyer.user_id)) == 2  # both kept


async def test_only_our_addresses_are_recipients(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    domain = buyer.address.partition("@")[2]
    assert await recipient_known(mail_services, buyer.address)
    assert await recipient_known(mail_services, buyer.address.upper())
    assert not await recipient_known(mail_services, f"factura-nadie@{domain}")
    assert not await recipient_known(mail_services, buyer.address.replace(domain, "otro.mx"))
    raw = invoice_mail("x@otro.mx", cfdi_for())
    receipt = await receive(mail_services, raw, ["x@otro.mx", f"factura-nadie@{domain}"])
    assert (receipt.recipients, receipt.invoices) == ([], 0)


async def test_an_invoice_that_came_before_the_wait_is_taken_then(
    mail_services: Services,
) -> None:
    """The portal's e-mail can beat the page saying it was sent: kept, then claimed."""
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer, status=TaskStatus.RUNNING)
    await receive(mail_services, invoice_mail(buyer.address, cfdi_for()), [buyer.address])
    [kept] = await invoices_of(mail_services, buyer.user_id)
    assert kept.task_id is None
    async with TaskRun(mail_services, await task_row(mail_services, task_id)) as run:
        run.inbound_email = buyer.address
        await run.await_email("autofill")
    task = await task_row(mail_services, task_id)
    assert (task.status, task.engine) == ("COMPLETED", "email")
    [invoice] = await invoices_of(mail_services, buyer.user_id)
    assert (invoice.id, invoice.task_id, invoice.verified) == (kept.id, task_id, True)
    kinds = [e.type for e in await events_of(mail_services, task_id)]
    assert kinds[-6:] == ["status", "step", "artifact", "artifact", "invoice", "status"]


async def test_a_wait_that_runs_out_fails_with_timeout(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    later = await new_task(mail_services, buyer)
    async with mail_services.db.session() as session:
        await session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(awaiting_email_until=utcnow() - timedelta(seconds=1))
        )
    assert await fail_overdue_email(mail_services) >= 1
    task = await task_row(mail_services, task_id)
    assert (task.status, task.failure_code) == ("FAILED", "TIMEOUT")
    assert "uploadInvoice" in (task.failure_reason or "")
    assert (await task_row(mail_services, later)).status == "AWAITING_EMAIL"


async def test_a_waiting_task_can_be_cancelled_not_paused(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    async with mail_services.db.session() as session:
        try:
            await tasks.pause(session, buyer.user_id, task_id)
            raise AssertionError("a waiting task was paused")
        except IllegalTransition as exc:
            assert "esperando la factura por correo" in exc.message
    async with mail_services.db.session() as session:
        await tasks.cancel(session, buyer.user_id, task_id)
    await receive(mail_services, invoice_mail(buyer.address, cfdi_for()), [buyer.address])
    assert (await task_row(mail_services, task_id)).status == "CANCELLED"
    [kept] = await invoices_of(mail_services, buyer.user_id)
    assert kept.task_id is None  # kept on the account, not on the cancelled task
