"""Invoices by e-mail end to end: real SMTP sessions (smtplib) and signed webhook posts
(httpx) into the real receive pipeline, and a local portal that e-mails the invoice to the
task's inbound address while the real autofill engine drives it."""

from __future__ import annotations

import asyncio
import quopri
import smtplib
import time
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage, Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import httpx
import pytest

from autofactura.app import create_app
from autofactura.core.mail import signature
from autofactura.core.mail.smtp import smtp_receiver
from autofactura.core.services import Services
from autofactura.mail_routes import INBOUND_PATH
from tests.mail.conftest import MAX_BYTES, SECRET
from tests.mail.inbox import cfdi_for, events_of, invoices_of, new_buyer, new_task, task_row
from tests.portals import mailer
from tests.portals.app import PortalServer
from tests.support.cfdi_factory import make_pdf
from tests.support.inprocess import start


@pytest.fixture
async def smtp_port(mail_services: Services) -> AsyncIterator[int]:
    async with smtp_receiver(mail_services, "127.0.0.1", 0) as port:
        yield port


def _send(port: int, message: Message) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(message)


async def send(port: int, message: Message) -> None:
    await asyncio.to_thread(_send, port, message)


def quoted_printable(to: str, xml: bytes) -> MIMEMultipart:
    """An XML attached as quoted-printable text/xml inside a nested multipart."""
    outer, inner = MIMEMultipart("mixed"), MIMEMultipart("alternative")
    inner.attach(MIMEText("Su factura", "plain", "utf-8"))
    inner.attach(MIMEText("<p>Su factura</p>", "html", "utf-8"))
    outer.attach(inner)
    part = MIMEText(xml.decode(), "xml", "utf-8")
    part.replace_header("Content-Transfer-Encoding", "quoted-printable")
    part.set_payload(quopri.encodestring(xml).decode())
    part.add_header("Content-Disposition", "attachment", filename="cfdi.xml")
    outer.attach(part)
    outer["To"], outer["From"], outer["Subject"] = to, mailer.SENDER, "Factura"
    return outer


def as_plain_text(to: str, xml: bytes) -> EmailMessage:
    """The XML as the message's own text/plain body, as some mailers send it (SMTP lines
    stop at 1,000 characters, so a one-line XML needs a transfer encoding)."""
    message = EmailMessage()
    message["To"], message["From"], message["Subject"] = to, mailer.SENDER, "CFDI"
    message.set_content(xml.decode(), cte="quoted-printable")
    return message


def base64_octets(to: str, xml: bytes) -> MIMEMultipart:
    """application/octet-stream, base64, with an odd file name and the PDF alongside."""
    outer = MIMEMultipart("mixed")
    outer.attach(MIMEText("Adjunto", "plain", "utf-8"))
    outer.attach(MIMEApplication(xml, "octet-stream", Name="COMPROBANTE_0001"))
    outer.attach(MIMEApplication(make_pdf("Factura"), "pdf", Name="COMPROBANTE_0001.pdf"))
    outer["To"], outer["From"], outer["Subject"] = to, mailer.SENDER, "Factura"
    return outer


@pytest.mark.parametrize("packing", ["base64", "quoted-printable", "plain-text", "zip"])
async def test_each_packing_over_smtp_completes_the_task(
    mail_services: Services, smtp_port: int, packing: str
) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    xml = cfdi_for()
    files = {"FAC-1.xml": xml, "FAC-1.pdf": make_pdf("Factura")}
    message: Message
    if packing == "zip":
        message = mailer.invoice_message(buyer.address, files, zipped=True)
    else:
        packers = {"base64": base64_octets, "quoted-printable": quoted_printable}
        message = packers.get(packing, as_plain_text)(buyer.address, xml)
    await send(smtp_port, message)
    task = await task_row(mail_services, task_id)
    assert (task.status, task.engine) == ("COMPLETED", "email"), task.failure_reason
    [invoice] = await invoices_of(mail_services, buyer.user_id)
    assert invoice.verified and invoice.xml_artifact_id is not None
    if packing in ("base64", "zip"):
        assert invoice.pdf_artifact_id is not None


async def test_a_wrong_rfc_over_smtp_is_kept_unmatched(
    mail_services: Services, smtp_port: int
) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    xml = cfdi_for(receptor_rfc="CACX7605101P8", receptor_name="XOCHILT CASAS CHAVEZ")
    await send(smtp_port, mailer.invoice_message(buyer.address, {"F.xml": xml}))
    assert (await task_row(mail_services, task_id)).status == "AWAITING_EMAIL"
    [kept] = await invoices_of(mail_services, buyer.user_id)
    assert (kept.task_id, kept.receptor_rfc) == (None, "CACX7605101P8")


async def test_unknown_and_oversized_mail_is_refused_and_nothing_kept(
    mail_services: Services, smtp_port: int
) -> None:
    buyer = await new_buyer(mail_services)
    domain = buyer.address.partition("@")[2]
    stranger = mailer.invoice_message(f"factura-nadie@{domain}", {"F.xml": cfdi_for()})
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(smtp_port, stranger)
    huge = mailer.invoice_message(buyer.address, {"F.xml": cfdi_for()})
    huge.add_attachment(b"\0" * MAX_BYTES, maintype="application", subtype="pdf")
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        await send(smtp_port, huge)
    assert await invoices_of(mail_services, buyer.user_id) == []


async def test_the_webhook_feeds_the_same_pipeline(mail_services: Services) -> None:
    buyer = await new_buyer(mail_services)
    task_id = await new_task(mail_services, buyer)
    raw = mailer.invoice_message(buyer.address, {"F.xml": cfdi_for()}).as_bytes()
    stamp = int(time.time())
    good = signature.sign(SECRET, raw, stamp)
    app = create_app(mail_services.settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        bad = await client.post(
            INBOUND_PATH, content=raw, headers={signature.SIGNATURE_HEADER: good[:-2] + "00"}
        )
        assert bad.status_code == 401
        assert (await task_row(mail_services, task_id)).status == "AWAITING_EMAIL"
        ok = await client.post(
            INBOUND_PATH, content=raw, headers={signature.SIGNATURE_HEADER: good}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["matched"] == 1
        replay = await client.post(
            INBOUND_PATH, content=raw, headers={signature.SIGNATURE_HEADER: good}
        )
        assert replay.status_code == 409
        resent = signature.sign(SECRET, raw, stamp + 1)  # the service's own retry
        again = await client.post(
            INBOUND_PATH, content=raw, headers={signature.SIGNATURE_HEADER: resent}
        )
        assert (again.status_code, again.json()["duplicate"]) == (200, True)
    assert (await task_row(mail_services, task_id)).status == "COMPLETED"
    assert len(await invoices_of(mail_services, buyer.user_id)) == 1


async def test_a_portal_that_emails_the_invoice_completes_through_the_inbox(
    portals: PortalServer, mail_services: Services, smtp_port: int
) -> None:
    folio = f"MAIL{uuid.uuid4().hex[:6].upper()}"
    portals.ledger.smtp = ("127.0.0.1", smtp_port)
    try:
        run = await start(
            mail_services, portals.url("correo"), folio, engines="autofill", allow_private_urls=True
        )
        try:
            done = await run.wait_for("COMPLETED", within=90)
        finally:
            run.runner.cancel()
    finally:
        portals.ledger.smtp = None
    assert done.engine == "email"
    [stamp] = portals.ledger.stamps("correo", folio)
    [mail] = [m for m in portals.ledger.emailed if m.uuid == stamp.uuid]
    assert mail.to.endswith("@inbound.example.com") and mail.to.startswith("factura-")
    [invoice] = await invoices_of(mail_services, run.user_id)
    assert (invoice.uuid, invoice.verified, invoice.task_id) == (stamp.uuid, True, run.task_id)
    statuses = [e.payload.get("status") for e in await events_of(mail_services, run.task_id)]
    assert "AWAITING_EMAIL" in statuses
