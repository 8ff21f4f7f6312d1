"""The SMTP receiver: vendors' mail servers deliver to <random>@inbound_domain here, and each
accepted message goes to the receive pipeline. Runs on the caller's event loop (aiosmtpd's
protocol under `loop.create_server`), so it shares the app's database engine and Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiosmtpd.smtp import SMTP, Envelope, Session

from autofactura.core.mail.receive import Receipt, receive, recipient_known
from autofactura.core.services import Services

log = logging.getLogger(__name__)

# RFC 5321 asks a server to take at least 100; each one costs a lookup.
MAX_RECIPIENTS = 100
REFUSED = "550 5.1.1 Unknown recipient / destinatario desconocido"
TRY_LATER = "451 4.3.0 Temporary failure, try again later / error temporal, reintente"


class Deliver(Protocol):
    def __call__(
        self, services: Services, raw: bytes, recipients: list[str], *, channel: str
    ) -> Awaitable[Receipt]: ...


@dataclass(frozen=True)
class Pipeline:
    """The receive pipeline's two entry points; tests hand in stand-ins."""

    known: Callable[[Services, str], Awaitable[bool]] = recipient_known
    deliver: Deliver = receive


PIPELINE = Pipeline()


def at_inbound_domain(services: Services, address: str) -> str | None:
    """`address` with its domain lowercased when it is at the inbound domain, else None."""
    local, at, domain = address.strip().rpartition("@")
    domain = domain.lower()
    if not (at and local and domain == services.settings.inbound_domain):
        return None
    return f"{local}@{domain}"


async def our_recipient(services: Services, pipeline: Pipeline, address: str) -> str | None:
    """The normalized address when it is one of our buyers' inbound addresses, else None."""
    normalized = at_inbound_domain(services, address)
    if normalized is None or not await pipeline.known(services, normalized):
        return None
    return normalized


class InboundHandler:
    """aiosmtpd hooks: refuse strangers at RCPT, hand each message to the pipeline at DATA."""

    def __init__(self, services: Services, pipeline: Pipeline = PIPELINE) -> None:
        self.services, self.pipeline = services, pipeline

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients / demasiados destinatarios"
        try:
            normalized = await our_recipient(self.services, self.pipeline, address)
        except Exception:
            log.exception("could not look up inbound recipient %s", address)
            return TRY_LATER
        if normalized is None:
            return REFUSED
        envelope.rcpt_tos.append(normalized)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            await self.pipeline.deliver(self.services, raw, list(envelope.rcpt_tos), channel="smtp")
        except Exception:
            # The sending server keeps the message and retries: nothing is lost.
            log.exception("inbound message from %s failed; asked to retry", envelope.mail_from)
            return TRY_LATER
        return "250 2.0.0 OK"  # the pipeline logs what became of it


@contextlib.asynccontextmanager
async def smtp_receiver(
    services: Services, host: str, port: int, pipeline: Pipeline = PIPELINE
) -> AsyncIterator[int]:
    """Listen on host:port (0 picks a free port) until the block ends; yields the port."""
    settings = services.settings
    if not settings.inbound_domain:
        raise RuntimeError("the SMTP receiver needs AUTOFACTURA_INBOUND_DOMAIN")
    loop = asyncio.get_running_loop()
    handler = InboundHandler(services, pipeline)
    sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def session() -> SMTP:
        smtp = SMTP(
            handler,
            data_size_limit=settings.inbound_max_bytes,
            enable_SMTPUTF8=True,
            hostname=settings.inbound_domain,  # not getfqdn(): a DNS lookup per connection
            ident="autofactura",
            loop=loop,
        )
        sessions.add(smtp)
        return smtp

    server = await loop.create_server(session, host, port)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        # Closing the listener leaves open sessions running: end them too.
        for smtp in list(sessions):
            if smtp.transport is not None:
                smtp.transport.close()
        await server.wait_closed()
