"""Faults at the local portals, for the fault tests: hooks that hold a portal's answer at a
chosen point (the entry page, the stamping POST after it stamped, the PDF download) until the
test has done its damage, answers that misbehave (a 500, a request that hangs), and whole
servers that never answer or reset every connection."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.portals.app import build_app
from tests.portals.ledger import Ledger
from tests.support.stand_ins import serve_asgi

HOLD_CAP_SECONDS = 60.0  # a held answer is given up after this, whatever happens


class Point(Enum):
    """Where a request to the `clasico` portal stands in the invoicing flow."""

    ENTRY = "entry"  # GET the form: the engine is about to fill it
    SUBMIT = "submit"  # POST the form: the portal stamps the CFDI
    DOWNLOAD = "download"  # GET the PDF: the XML came already


class Misbehave(Enum):
    HOLD = "hold"  # answer normally, but only once released (after stamping, for SUBMIT)
    ERROR_500 = "500"  # answer 500 without handling the request (nothing stamped)
    HANG = "hang"  # never answer (until released or the cap)


def point_of(method: str, path: str) -> Point | None:
    if method == "GET" and path.rstrip("/") == "/clasico":
        return Point.ENTRY
    if method == "POST" and path == "/clasico/facturar":
        return Point.SUBMIT
    if method == "GET" and path.startswith("/clasico/cfdi/") and path.endswith(".pdf"):
        return Point.DOWNLOAD
    return None


@dataclass(frozen=True)
class Hit:
    point: Point
    folio: str  # from the form, for SUBMIT; "" otherwise
    at: float  # time.monotonic()


@dataclass
class _Armed:
    how: Misbehave
    times: int
    released: threading.Event = field(default_factory=threading.Event)


class PortalFaults:
    """ASGI middleware over the portals; thread-safe (the portals run on their own thread)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.hits: list[Hit] = []
        self._armed: dict[Point, _Armed] = {}
        self._held = threading.Condition()

    # -- the test's side ------------------------------------------------------------------

    def arm(self, point: Point, how: Misbehave = Misbehave.HOLD, times: int = 1) -> None:
        """The next `times` requests at `point` misbehave."""
        with self._held:
            self._armed[point] = _Armed(how, times)

    def release(self) -> None:
        """Let every held answer go (to a browser that may be dead by now) and disarm."""
        with self._held:
            for armed in self._armed.values():
                armed.released.set()
            self._armed.clear()

    def count(self, point: Point, folio: str | None = None) -> int:
        with self._held:
            return sum(1 for h in self.hits if h.point is point and folio in (None, h.folio))

    async def wait_hit(self, point: Point, after: int, within: float) -> bool:
        """Until more than `after` requests reached `point`; False when none came in time."""
        deadline = time.monotonic() + within
        while self.count(point) <= after:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    # -- the portal's side ----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        point = (
            point_of(scope.get("method", ""), scope.get("path", ""))
            if scope["type"] == "http"
            else None
        )
        if point is None:
            await self.app(scope, receive, send)
            return
        body, receive = await _buffered(receive)
        folio = dict(parse_qsl(body.decode("utf-8", "replace"))).get("folio", "")
        armed = self._take(point)
        with self._held:
            self.hits.append(Hit(point, folio.strip().upper(), time.monotonic()))
        if armed is None:
            await self.app(scope, receive, send)
        elif armed.how is Misbehave.ERROR_500:
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
        elif armed.how is Misbehave.HANG:
            await _wait(armed.released)
        else:
            await self.app(scope, receive, _held_send(send, armed.released))

    def _take(self, point: Point) -> _Armed | None:
        with self._held:
            armed = self._armed.get(point)
            if armed is None or armed.times <= 0:
                return None
            armed.times -= 1
            return armed


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _held_send(send: Send, released: threading.Event) -> Send:
    async def held(message: Message) -> None:
        if message["type"] == "http.response.start":
            await _wait(released)
        await send(message)

    return held


async def _wait(released: threading.Event) -> None:
    """Until the test releases it (set from the test's thread), or the cap."""
    await asyncio.to_thread(released.wait, HOLD_CAP_SECONDS)


@dataclass(frozen=True)
class FaultyPortals:
    base_url: str
    ledger: Ledger
    faults: PortalFaults

    @property
    def clasico(self) -> str:
        return f"{self.base_url}/clasico/"


@contextlib.contextmanager
def serve_faulty_portals() -> Iterator[FaultyPortals]:
    ledger = Ledger()
    faults = PortalFaults(build_app(ledger))
    with serve_asgi(faults, "faulty portals") as base_url:
        yield FaultyPortals(base_url, ledger, faults)


# -- whole servers that misbehave ----------------------------------------------------------


async def _always_500(request: Request) -> Response:
    return PlainTextResponse("Internal Server Error", status_code=500)


@contextlib.contextmanager
def failing_server() -> Iterator[str]:
    """Every request answered 500."""
    app = Starlette(routes=[Route("/{path:path}", _always_500, methods=["GET", "POST"])])
    with serve_asgi(app, "a portal that answers 500") as base_url:
        yield f"{base_url}/facturacion/"


@contextlib.contextmanager
def raw_server(*, reset: bool) -> Iterator[str]:
    """A TCP server that accepts and then never answers (`reset` False) or resets the
    connection as soon as the request arrives (`reset` True)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    kept: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not reset:
                kept.append(conn)  # open, silent
                continue
            with contextlib.suppress(OSError):
                conn.settimeout(2)
                conn.recv(65536)
                # Linger 0: close() sends RST instead of FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, name="raw-portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/facturacion/"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in kept:
            conn.close()
