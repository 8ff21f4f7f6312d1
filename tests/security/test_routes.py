"""Every HTTP route of the app, refused tokens and another user's valid one: /artifacts/{id}
(401 without a valid token, 404 for someone else's file exactly as for none), /live/{task}
and its WebSocket (403 / 4403), /inbound/email (401 without the mail service's signature).
GraphQL over GET and POST is test_access.py; its WebSocket is test_websocket.py."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route, WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from autofactura.app import create_app
from autofactura.core.config import Settings
from autofactura.core.mail.signature import SIGNATURE_HEADER, sign
from autofactura.live.tokens import live_secret, live_token
from autofactura.schema.ids import decode
from tests.http.conftest import Api, variant
from tests.security.conftest import INBOUND_SECRET, Victim
from tests.security.tokens import refused_tokens
from tests.support.api import TLS
from tests.support.live_server import _ProcessGlobals

# Routes anyone may call, and why that is safe.
PUBLIC = {
    "/healthz": "a liveness probe for load balancers: it answers only {'status': 'ok'}",
    "/readyz": "a readiness probe: whether the database and Redis answer, nobody's data",
    "/metrics": "process-wide counters, nobody's data; METRICS_TOKEN puts it behind a token "
    "(its own tests cover that)",
    "/": "the console's page: static HTML, every call it makes goes to /graphql with a token",
    "/web/{name:path}": "the console's static modules and stylesheet, the same for everyone",
}
# The demo vendor portal (off in production) is a stand-in vendor: it holds nobody's data.
PUBLIC_PREFIXES = ("/demo/portal",)
PROTECTED = {
    "/graphql": "test_access.py, test_websocket.py",
    "/artifacts/{artifact_id}": "test_artifacts_*",
    "/live/{task_id}": "test_live_*",
    "/live/{task_id}/ws": "test_live_*",
    "/inbound/email": "test_inbound_*",
}


def _paths(settings: Settings) -> set[str]:
    held = _ProcessGlobals()  # create_app points the process's broker at itself
    try:
        app = create_app(variant(settings, demo_portal=True))
    finally:
        held.restore()
    inner = app.app  # type: ignore[attr-defined]
    assert isinstance(inner, Starlette)
    routes: list[BaseRoute] = inner.routes
    return {r.path for r in routes if isinstance(r, (Route, WebSocketRoute))}


def test_every_route_is_either_attacked_here_or_public_for_a_stated_reason(
    settings: Settings,
) -> None:
    paths = _paths(settings)
    unclassified = {
        p
        for p in paths
        if p not in PUBLIC and p not in PROTECTED and not p.startswith(PUBLIC_PREFIXES)
    }
    assert unclassified == set(), "attack the new route here, or say why it is public"
    assert set(PROTECTED) <= paths


@pytest.fixture(scope="module")
def tokens(settings: Settings, attacker: Api, victim: Victim) -> dict[str, str | None]:
    assert attacker.token is not None
    return refused_tokens(settings, attacker.token, victim.user_id)


def _get(server: str, path: str, token: str | None = None, **params: str) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.get(server + path, headers=headers, params=params, timeout=30, verify=TLS)


# --- /artifacts/{id} ------------------------------------------------------------------------


def test_artifacts_refuse_every_bad_token_with_401(
    server: str, victim: Victim, tokens: dict[str, str | None]
) -> None:
    answers = {
        kind: _get(server, f"/artifacts/{victim.artifact_id}", token)
        for kind, token in tokens.items()
    }
    assert {kind: r.status_code for kind, r in answers.items()} == dict.fromkeys(tokens, 401)
    assert all(b"<cfdi:" not in r.content for r in answers.values())


def test_artifacts_of_someone_else_are_404_like_missing_ones(
    server: str, victim: Victim, attacker: Api
) -> None:
    theirs = _get(server, f"/artifacts/{victim.artifact_id}", attacker.token)
    missing = _get(server, f"/artifacts/{uuid.uuid4()}", attacker.token)
    assert (theirs.status_code, theirs.text) == (missing.status_code, missing.text)
    assert theirs.status_code == 404
    own = httpx.get(
        server + victim.artifact_url, timeout=30, verify=TLS
    )  # the control: the owner's link
    assert own.status_code == 200 and b"<cfdi:" in own.content
    assert _get(server, f"/artifacts/{victim.artifact_id}", victim.api.token).status_code == 200


def test_artifacts_signed_links_cannot_be_bent(server: str, victim: Victim, attacker: Api) -> None:
    path, _, query = victim.artifact_url.partition("?")
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    attacker_id = attacker.data("{ me { id } }")["me"]["id"]
    bent = {
        "another user": {**params, "u": attacker_id},
        "later expiry": {**params, "e": str(int(params["e"]) + 3600)},
        "other signature": {**params, "s": params["s"][::-1]},
        "no signature": {**params, "s": ""},
        "expired": {**params, "e": str(int(time.time()) - 10)},
    }
    answers = {
        name: httpx.get(server + path, params=p, timeout=30, verify=TLS) for name, p in bent.items()
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(bent, 403)


# --- /live/{task_id} and its WebSocket -------------------------------------------------------


def _live_tokens(settings: Settings, victim: Victim, attacker: Api) -> dict[str, str]:
    task_id = decode(victim.task_id, "Task")
    assert task_id is not None and attacker.token is not None and victim.api.token is not None
    owner, later = uuid.UUID(victim.user_id), int(time.time()) + 600
    secret = live_secret(settings)
    genuine = live_token(secret, task_id, owner, later)
    attacker_id = uuid.UUID(attacker.data("{ me { id } }")["me"]["id"])
    other_task = live_token(secret, uuid.uuid4(), owner, later)
    return {
        "none": "",
        "garbage": "bm9wZQ.bm9wZQ",
        "session jwt": victim.api.token,
        "other secret": live_token(os.urandom(32), task_id, owner, later),
        "expired": live_token(secret, task_id, owner, int(time.time()) - 1),
        "another user": live_token(secret, task_id, attacker_id, later),
        "another task's token": other_task,
        "tampered payload": f"{genuine.split('.')[0][:-2]}xx.{genuine.split('.')[1]}",
        "swapped task": tampered_live(other_task, genuine),
    }


def tampered_live(token: str, genuine: str) -> str:
    """The other token's payload with the genuine token's signature."""
    return f"{token.split('.')[0]}.{genuine.split('.')[1]}"


def test_live_page_refuses_bad_tokens_with_403(
    server: str, settings: Settings, victim: Victim, attacker: Api
) -> None:
    task_id = decode(victim.task_id, "Task")
    bad = _live_tokens(settings, victim, attacker)
    answers = {kind: _get(server, f"/live/{task_id}", t=token) for kind, token in bad.items()}
    assert {kind: r.status_code for kind, r in answers.items()} == dict.fromkeys(bad, 403)
    assert all("Vista en vivo" not in r.text for r in answers.values())


async def _close_code(url: str) -> int:
    async with connect(url, open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_live_socket_refuses_bad_tokens_with_4403(
    server: str, settings: Settings, victim: Victim, attacker: Api
) -> None:
    task_id = decode(victim.task_id, "Task")
    base = server.replace("http://", "ws://", 1) + f"/live/{task_id}/ws?t="
    bad = _live_tokens(settings, victim, attacker)
    codes = {kind: await _close_code(base + token) for kind, token in bad.items()}
    assert codes == dict.fromkeys(bad, 4403)


# --- /inbound/email --------------------------------------------------------------------------


@pytest.fixture
def mail() -> Iterator[bytes]:
    yield (
        f"From: facturas@vendedor.com.mx\r\nTo: nadie@in.example.com\r\n"
        f"Message-ID: <{uuid.uuid4()}@vendedor.com.mx>\r\nSubject: Factura\r\n\r\nHola\r\n"
    ).encode()


def test_inbound_needs_the_mail_services_signature(
    server: str, mail: bytes, victim: Victim
) -> None:
    now = int(time.time())
    attempts = {
        "none": {},
        "a user's bearer token": {"authorization": f"Bearer {victim.api.token}"},
        "an API key": {"authorization": f"Bearer {victim.api_key}"},
        "another secret": {SIGNATURE_HEADER: sign("not-the-secret", mail, now)},
        "stale": {SIGNATURE_HEADER: sign(INBOUND_SECRET, mail, now - 3600)},
        "another body": {SIGNATURE_HEADER: sign(INBOUND_SECRET, mail + b"x", now)},
    }
    codes = {
        name: httpx.post(
            f"{server}/inbound/email", content=mail, headers=h, timeout=30, verify=TLS
        ).status_code
        for name, h in attempts.items()
    }
    assert codes == dict.fromkeys(attempts, 401)
    signed = {SIGNATURE_HEADER: sign(INBOUND_SECRET, mail, now)}
    control = httpx.post(
        f"{server}/inbound/email", content=mail, headers=signed, timeout=30, verify=TLS
    )
    assert control.status_code == 422  # signed: let in, but no recipient of ours
