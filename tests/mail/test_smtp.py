"""The SMTP receiver over real SMTP (smtplib, in a thread) on the test's event loop, feeding
a stand-in pipeline: who is refused at RCPT, size limits, bytes delivered intact, 451."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator

import pytest

from autofactura.core.mail.smtp import smtp_receiver
from autofactura.core.services import Services
from tests.mail.conftest import (
    BROKEN,
    DOMAIN,
    MAX_BYTES,
    FakePipeline,
    mail_settings,
    with_settings,
)

HOST = "127.0.0.1"
SENDER = "facturas@vendedor.com.mx"
BUYER = f"comprador1@{DOMAIN}"
OTHER_BUYER = f"comprador2@{DOMAIN}"

MESSAGE = b"\r\n".join(
    [
        b"From: Facturas <facturas@vendedor.com.mx>",
        f"To: {BUYER}".encode(),
        b"Subject: Tu factura",
        b"Message-ID: <smtp-1@vendedor.com.mx>",
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: 8bit",
        b"",
        "Adjuntamos tu factura, señora Muñoz.".encode(),
        b".a line that starts with a dot",
        b".",  # a lone dot: the end of DATA unless the client stuffs it and we unstuff it
        b"..",
        b"",
    ]
)


@pytest.fixture
async def port(mail_services: Services, fake: FakePipeline) -> AsyncIterator[int]:
    async with smtp_receiver(mail_services, HOST, 0, fake.pipeline()) as bound:
        yield bound


def _client(port: int) -> smtplib.SMTP:
    # local_hostname: skip smtplib's getfqdn() (a DNS lookup) for EHLO.
    return smtplib.SMTP(HOST, port, local_hostname="tests.local", timeout=10)


def _sendmail(port: int, recipients: list[str], message: bytes) -> dict[str, tuple[int, bytes]]:
    with _client(port) as smtp:
        return smtp.sendmail(SENDER, recipients, message)


async def send(port: int, recipients: list[str], message: bytes = MESSAGE) -> dict[str, object]:
    return dict(await asyncio.to_thread(_sendmail, port, recipients, message))


async def test_the_message_reaches_the_pipeline_byte_for_byte(
    port: int, fake: FakePipeline
) -> None:
    refused = await send(port, [BUYER, "Comprador2@INBOUND.Example.COM"])
    assert refused == {}
    # Domain lowercased; the local part as the sender wrote it (the pipeline decides).
    assert fake.delivered == [(MESSAGE, [BUYER, f"Comprador2@{DOMAIN}"])]
    assert fake.channels == ["smtp"]


async def test_a_recipient_at_another_domain_is_refused_at_rcpt(
    port: int, fake: FakePipeline
) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await send(port, ["comprador1@example.com", f"comprador1@sub.{DOMAIN}"])
    assert {code for code, _ in refused.value.recipients.values()} == {550}
    assert fake.delivered == []


async def test_an_unknown_local_part_is_refused_at_rcpt(port: int, fake: FakePipeline) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await send(port, [f"nadie@{DOMAIN}"])
    code, text = refused.value.recipients[f"nadie@{DOMAIN}"]
    assert (code, text.startswith(b"5.1.1")) == (550, True)
    assert fake.delivered == []


async def test_only_the_accepted_recipients_are_delivered(port: int, fake: FakePipeline) -> None:
    refused = await send(port, [f"nadie@{DOMAIN}", OTHER_BUYER, "x@example.com"])
    assert set(refused) == {f"nadie@{DOMAIN}", "x@example.com"}
    assert fake.delivered == [(MESSAGE, [OTHER_BUYER])]


async def test_a_failed_lookup_is_a_temporary_refusal(port: int, fake: FakePipeline) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await send(port, [f"{BROKEN}@{DOMAIN}"])
    assert refused.value.recipients[f"{BROKEN}@{DOMAIN}"][0] == 451


def _data_without_recipients(port: int) -> int:
    with _client(port) as smtp:
        smtp.ehlo()
        smtp.mail(SENDER)
        assert smtp.rcpt("comprador1@example.com")[0] == 550
        try:
            smtp.data(MESSAGE)
        except smtplib.SMTPDataError as exc:
            return exc.smtp_code
        raise AssertionError("DATA was accepted with no recipient")


async def test_no_accepted_recipient_no_data(port: int, fake: FakePipeline) -> None:
    assert await asyncio.to_thread(_data_without_recipients, port) == 503
    assert fake.delivered == []


def _big() -> bytes:
    line = b"0123456789" * 7 + b"\r\n"
    return MESSAGE + line * (MAX_BYTES // len(line) + 10)


async def test_a_message_announced_too_big_is_refused_at_mail_from(
    port: int, fake: FakePipeline
) -> None:
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await send(port, [BUYER], _big())  # smtplib announces SIZE= when we offer it
    assert refused.value.smtp_code == 552
    assert fake.delivered == []


def _data_unannounced(port: int, message: bytes) -> int:
    with _client(port) as smtp:
        smtp.ehlo()
        smtp.mail(SENDER)  # no SIZE=: only the data itself shows it is too big
        smtp.rcpt(BUYER)
        return smtp.data(message)[0]


async def test_data_over_the_limit_is_refused(port: int, fake: FakePipeline) -> None:
    assert await asyncio.to_thread(_data_unannounced, port, _big()) == 552
    assert fake.delivered == []
    assert await asyncio.to_thread(_data_unannounced, port, MESSAGE) == 250
    assert fake.delivered == [(MESSAGE, [BUYER])]


async def test_a_pipeline_error_asks_the_sender_to_retry(port: int, fake: FakePipeline) -> None:
    fake.fail = True
    with pytest.raises(smtplib.SMTPDataError) as failed:
        await send(port, [BUYER])
    assert failed.value.smtp_code == 451
    fake.fail = False
    assert await send(port, [BUYER]) == {}  # the retry
    assert fake.delivered == [(MESSAGE, [BUYER])]


def _connect(port: int) -> smtplib.SMTP:
    smtp = _client(port)
    smtp.ehlo()
    return smtp


def _noop(smtp: smtplib.SMTP) -> None:
    smtp.noop()


async def test_stopping_ends_open_sessions(mail_services: Services, fake: FakePipeline) -> None:
    async with smtp_receiver(mail_services, HOST, 0, fake.pipeline()) as bound:
        idle = await asyncio.to_thread(_connect, bound)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        await asyncio.to_thread(_noop, idle)
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.to_thread(_client, bound)


async def test_the_real_lookup_refuses_an_unknown_local_part(mail_services: Services) -> None:
    async with smtp_receiver(mail_services, HOST, 0) as bound:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await send(bound, [f"factura-nadie@{DOMAIN}"])
    assert refused.value.recipients[f"factura-nadie@{DOMAIN}"][0] == 550


async def test_no_inbound_domain_no_receiver(mail_services: Services) -> None:
    off = with_settings(mail_services, mail_settings(mail_services.settings, inbound_domain=None))
    with pytest.raises(RuntimeError, match="INBOUND_DOMAIN"):
        async with smtp_receiver(off, HOST, 0):
            pass
