"""POST /inbound/email: a hosted mail service (or our own relay) posts each raw MIME message
here, signed with AUTOFACTURA_INBOUND_WEBHOOK_SECRET, instead of speaking SMTP to us.

Recipients come from `X-Autofactura-Recipients` (comma-separated) when the sender knows
the envelope, else from the message's own headers. Answers: 404 when the webhook is off,
401 for a missing, wrong or expired signature, 409 for a signature already used, 413 over
AUTOFACTURA_INBOUND_MAX_BYTES (BodyLimit), 422 when no recipient is ours, 200 with what
became of the message. Errors are JSON `{"error": "..."}`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from email.utils import getaddresses

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from autofactura.core.mail import signature
from autofactura.core.mail.smtp import MAX_RECIPIENTS, PIPELINE, Pipeline, our_recipient
from autofactura.core.services import Services

log = logging.getLogger(__name__)

INBOUND_PATH = "/inbound/email"
RECIPIENTS_HEADER = "X-Autofactura-Recipients"
# Where the envelope recipient usually survives (relays add the first two), then the
# visible addressees.
ADDRESS_HEADERS = ("X-Original-To", "Delivered-To", "To", "Cc")


_SIGNATURE_PROBLEMS: dict[type[signature.SignatureError], str] = {
    signature.MalformedSignature: "Falta la firma o no tiene la forma t=<segundos>,v1=<hex>.",
    signature.ExpiredSignature: "La fecha de la firma está fuera del margen permitido.",
    signature.WrongSignature: "La firma no corresponde al mensaje.",
}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status)


def candidates(request: Request, raw: bytes) -> list[str]:
    """Every address the message may be for, in order, without repeats."""
    given = request.headers.get(RECIPIENTS_HEADER)
    if given is not None:
        values = [given]
    else:
        # compat32 (the parser's default) hands back raw header text: no structured parsing
        # that could trip on a vendor's malformed header before we even look at it.
        headers = BytesParser().parsebytes(raw, headersonly=True)
        values = [str(value) for name in ADDRESS_HEADERS for value in headers.get_all(name, [])]
    addresses = [address for _, address in getaddresses(values) if "@" in address]
    return list(dict.fromkeys(addresses))[:MAX_RECIPIENTS]


def inbound_email(
    services: Services,
    pipeline: Pipeline = PIPELINE,
    clock: Callable[[], float] = time.time,
) -> Callable[[Request], Awaitable[Response]]:
    settings = services.settings
    guard = signature.replay_guard(services, "inbound-email")
    tolerance = settings.inbound_webhook_tolerance_seconds

    async def recipients(request: Request, raw: bytes) -> list[str]:
        found = [await our_recipient(services, pipeline, a) for a in candidates(request, raw)]
        return [address for address in found if address is not None]

    async def endpoint(request: Request) -> Response:
        secret = settings.inbound_webhook_secret
        if not (secret and settings.inbound_domain):
            return _error(404, "No encontrado.")
        raw = await request.body()  # BodyLimit caps this path at inbound_max_bytes
        header = request.headers.get(signature.SIGNATURE_HEADER)
        try:
            key = signature.verify(secret, header, raw, clock(), tolerance)
        except signature.SignatureError as exc:
            return _error(401, _SIGNATURE_PROBLEMS.get(type(exc), "Firma no válida."))
        if not await guard.first_use(key, signature.replay_ttl(tolerance)):
            return _error(409, "Esta firma ya se usó; firma cada envío de nuevo.")
        try:
            ours = await recipients(request, raw)
            if not ours:
                return _error(422, "Ningún destinatario es una dirección de recepción nuestra.")
            receipt = await pipeline.deliver(services, raw, ours, channel="webhook")
        except Exception:
            # Let the sender's retry in with the same signature: the pipeline skips a
            # message it already kept for a buyer, so a partial failure is safe to repeat.
            await guard.forget(key)
            log.exception("inbound webhook message failed; the sender may retry")
            return _error(500, "Error interno; reintenta más tarde.")
        return JSONResponse(
            {
                "recipients": receipt.recipients,
                "duplicate": receipt.duplicate,
                "invoices": receipt.invoices,
                "matched": receipt.matched,
            }
        )

    return endpoint
