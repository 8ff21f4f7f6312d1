"""POST /inbound/email: the route with a stand-in pipeline over httpx's ASGI transport, and
the real app (its routes, body caps and in-process SMTP receiver) over real HTTP and SMTP."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from autofactura.core.config import Settings
from autofactura.core.mail.signature import SIGNATURE_HEADER, sign
from autofactura.core.services import Services
from autofactura.http import BodyLimit
from autofactura.mail_routes import INBOUND_PATH, RECIPIENTS_HEADER, inbound_email
from tests.mail.conftest import (
    DOMAIN,
    MAX_BYTES,
    SECRET,
    FakePipeline,
    mail_settings,
    with_settings,
)
from tests.support.live_server import live_server

BUYER = f"comprador1@{DOMAIN}"
OTHER_BUYER = f"comprador2@{DOMAIN}"


def message(to: str = BUYER, extra: str = "") -> bytes:
    """A new message each time (a signature is only good once)."""
    return (
        f"From: facturas@vendedor.com.mx\r\nTo: {to}\r\n{extra}"
        f"Message-ID: <{uuid.uuid4()}@vendedor.com.mx>\r\nSubject: Factura\r\n\r\n"
        "Adjuntamos tu factura.\r\n"
    ).encode()


def signed(body: bytes, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(secret, body, int(time.time() if at is None else at))}


def app_for(services: Services, fake: FakePipeline) -> Starlette:
    """The route as create_app mounts it, with the stand-in pipeline."""
    limits = {INBOUND_PATH: services.settings.inbound_max_bytes}
    return Starlette(
        routes=[Route(INBOUND_PATH, inbound_email(services, fake.pipeline()), methods=["POST"])],
        middleware=[Middleware(BodyLimit, paths=limits)],
    )


@pytest.fixture
async def client(mail_services: Services, fake: FakePipeline) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_for(mail_services, fake))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def post(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    return await client.post(INBOUND_PATH, content=body, headers=headers or {}, **kw)


async def test_a_signed_message_is_delivered(client: httpx.AsyncClient, fake: FakePipeline) -> None:
    body = message(to=f"Compradora <{BUYER}>", extra=f"Cc: x@example.com, {OTHER_BUYER}\r\n")
    response = await post(client, body, signed(body))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "recipients": [BUYER, OTHER_BUYER],
        "duplicate": False,
        "invoices": 1,
        "matched": 0,
    }
    assert fake.delivered == [(body, [BUYER, OTHER_BUYER])]
    assert fake.channels == ["webhook"]


async def test_relay_headers_name_the_recipient(
    client: httpx.AsyncClient, fake: FakePipeline
) -> None:
    """A Bcc'd address is only in Delivered-To / X-Original-To, which relays add."""
    body = message(to="lista@example.com", extra=f"Delivered-To: {OTHER_BUYER.upper()}\r\n")
    response = await post(client, body, signed(body))
    assert response.status_code == 200, response.text
    assert fake.delivered == [(body, [f"COMPRADOR2@{DOMAIN}"])]


async def test_the_recipients_header_wins_over_the_message(
    client: httpx.AsyncClient, fake: FakePipeline
) -> None:
    body = message(to=BUYER)
    headers = {**signed(body), RECIPIENTS_HEADER: f"{OTHER_BUYER}, nadie@{DOMAIN}"}
    response = await post(client, body, headers)
    assert response.status_code == 200, response.text
    assert fake.delivered == [(body, [OTHER_BUYER])]


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: {},
        lambda body: {SIGNATURE_HEADER: "t=1,v1=00"},
        lambda body: signed(body + b"tampered"),
        lambda body: signed(body, secret="not-the-secret"),
        lambda body: signed(body, at=time.time() - 301),
        lambda body: signed(body, at=time.time() + 301),
    ],
    ids=["missing", "malformed", "tampered", "wrong-secret", "expired", "future"],
)
async def test_a_bad_signature_is_401(
    client: httpx.AsyncClient, fake: FakePipeline, headers: Any
) -> None:
    body = message()
    response = await post(client, body, headers(body))
    assert response.status_code == 401
    assert response.json()["error"]
    assert fake.delivered == []


async def test_a_replayed_signature_is_409(client: httpx.AsyncClient, fake: FakePipeline) -> None:
    body = message()
    headers = signed(body)
    assert (await post(client, body, headers)).status_code == 200
    replayed = await post(client, body, headers)
    assert replayed.status_code == 409
    assert "firma" in replayed.json()["error"]
    assert len(fake.delivered) == 1


async def test_a_failed_delivery_can_be_retried_with_the_same_signature(
    client: httpx.AsyncClient, fake: FakePipeline
) -> None:
    body = message()
    headers = signed(body)
    fake.fail = True
    failed = await post(client, body, headers)
    assert (failed.status_code, set(failed.json())) == (500, {"error"})
    fake.fail = False
    assert (await post(client, body, headers)).status_code == 200
    assert fake.delivered == [(body, [BUYER])]


async def test_no_recipient_of_ours_is_422(client: httpx.AsyncClient, fake: FakePipeline) -> None:
    body = message(to=f"nadie@{DOMAIN}", extra=f"Cc: {BUYER.replace(DOMAIN, 'example.com')}\r\n")
    response = await post(client, body, signed(body))
    assert response.status_code == 422
    assert response.json()["error"]
    assert fake.delivered == []


async def test_a_body_over_the_inbound_limit_is_413(
    client: httpx.AsyncClient, fake: FakePipeline
) -> None:
    body = message() + b"x" * MAX_BYTES
    assert (await post(client, body, signed(body))).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(MAX_BYTES // 1024 + 2):
            yield b"x" * 1024

    streamed = await client.post(INBOUND_PATH, content=chunks(), headers=signed(b""))
    assert streamed.status_code == 413
    assert fake.delivered == []


@pytest.mark.parametrize(
    "overrides", [{"inbound_webhook_secret": None}, {"inbound_domain": None}], ids=str
)
async def test_the_webhook_is_off_without_its_settings(
    mail_services: Services, fake: FakePipeline, overrides: dict[str, Any]
) -> None:
    off = with_settings(mail_services, mail_settings(mail_services.settings, **overrides))
    transport = httpx.ASGITransport(app=app_for(off, fake))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        body = message()
        response = await post(http, body, signed(body))
    assert response.status_code == 404
    assert response.json() == {"error": "No encontrado."}


# --- the real app -------------------------------------------------------------------------

APP_MAX_BYTES = 2_000_000  # over the GraphQL endpoint's 1 MB cap


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def app_server(settings: Settings) -> Iterator[tuple[str, int]]:
    """create_app with mail on: the webhook, and the SMTP receiver in its lifespan."""
    smtp_port = _free_port()
    with_mail = mail_settings(settings, inbound_max_bytes=APP_MAX_BYTES, smtp_port=smtp_port)
    with live_server(with_mail) as url:
        yield url, smtp_port


async def test_the_app_caps_inbound_mail_at_its_own_limit(app_server: tuple[str, int]) -> None:
    async with httpx.AsyncClient(base_url=app_server[0], timeout=30) as http:
        bigger_than_graphql = await http.post(INBOUND_PATH, content=b"x" * 1_500_000)
        too_big = await http.post(INBOUND_PATH, content=b"x" * (APP_MAX_BYTES + 1))
    assert bigger_than_graphql.status_code == 401  # read whole, then refused for no signature
    assert too_big.status_code == 413


@pytest.mark.parametrize("to", ["alguien@example.com", f"factura-nadie@{DOMAIN}"])
async def test_the_app_answers_422_for_strangers(app_server: tuple[str, int], to: str) -> None:
    body = message(to=to)
    async with httpx.AsyncClient(base_url=app_server[0], timeout=30) as http:
        response = await http.post(INBOUND_PATH, content=body, headers=signed(body))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"


def _rcpt_elsewhere(port: int) -> int:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="tests.local", timeout=10) as smtp:
        assert smtp.ehlo()[0] == 250
        smtp.mail("facturas@vendedor.com.mx")
        return smtp.rcpt("alguien@example.com")[0]


async def test_the_app_runs_the_smtp_receiver_when_smtp_port_is_set(
    app_server: tuple[str, int],
) -> None:
    assert await asyncio.to_thread(_rcpt_elsewhere, app_server[1]) == 550
