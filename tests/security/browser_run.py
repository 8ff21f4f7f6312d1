"""Two real task runs at once on one live server (autofill, a real Chromium; distributed: an
`autofactura worker` process beside it), with everything they write captured (capture.py):

- a portal on 127.0.0.1 that tries to send the browser to "somewhere that is not the
  vendor", a recording web server on another loopback host (127.0.0.2);
- the app's own demo portal (/demo/portal/) for a buyer whose RFC, legal name and e-mails
  are found nowhere else, to its completion: its taskEvents over the WebSocket and its
  webhook deliveries are kept for the PII scan."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autofactura.core.config import Settings
from autofactura.core.webhooks.events import EVENTS
from tests.conftest import DISTRIBUTED
from tests.http.conftest import variant
from tests.pipeline.helpers import CREATE_TASK, FINAL, Buyer, register, task_uuid
from tests.pipeline.test_event_stream import stream
from tests.security.capture import everything_written, uvicorn_at_debug
from tests.support.api import ticket
from tests.support.live_server import live_server
from tests.support.pages import StaticPage, serve_pages
from tests.support.workers import WorkerProcess, clear_backlog
from tests.support.ws import TRANSPORT_WS, graphql_ws
from tests.webhooks.helpers import CREATE_WEBHOOK
from tests.webhooks.receiver import Receiver, receiving

CHROME = "/usr/bin/chromium"
OTHER_HOST = "127.0.0.2"
RUN_SECONDS = 90.0
# The buyer of the demo run: values that appear nowhere else in the suite.
RFC = "QZX991231H77"
LEGAL_NAME = "QUIMERAS ZAFIRO XOCHIPILLI"
PROFILE_EMAIL = "zafiro.facturas@quimeras-xochipilli.example"
PII_PROFILE = {
    "taxId": RFC,
    "legalName": LEGAL_NAME,
    "taxSystem": "601",
    "zip": "01000",
    "cfdiUse": "G03",
    "email": PROFILE_EMAIL,
}


def account_email() -> str:
    """The buyer's login, new each run (the database outlives a run)."""
    return f"quimera-{uuid.uuid4().hex[:8]}@xochipilli.example"


# The other host's page for any path: a form like the vendor's, telling its server (/typed)
# as soon as anything is typed into it.
FORM = (
    b'<html><body><form method="post"><input name="rfc" placeholder="RFC">'
    b"<button>Facturar</button></form><script>"
    b'document.querySelector("input").addEventListener("input", () => fetch("/typed", '
    b"{keepalive: true}));</script></body></html>"
)


@dataclass
class Recorder:
    """Every request a server received, as (method, path)."""

    hits: list[tuple[str, str]] = field(default_factory=list)

    def saw(self, method: str, path: str) -> None:
        self.hits.append((method, path))

    def paths(self) -> list[str]:
        return [path for _, path in self.hits]


def _leaving(elsewhere: str) -> bytes:
    """Opens a pop-up on the other host at once (a script's, with no click behind it), loads
    a frame and a beacon from there, then sends the page there, saying so first (/tried).
    /hold stays open: the engine waits for it, so the page is still there when it tries (a
    blocked navigation ends the page)."""
    return f"""<html><body><h1>Facturación</h1>
<iframe id="frame" src="{elsewhere}/frame"></iframe>
<script>
fetch("/hold");
window.open("{elsewhere}/popup");
const framed = new Promise(done => frame.addEventListener("load", done));
Promise.all([fetch("{elsewhere}/beacon", {{mode: "no-cors"}}), framed]).then(() => {{
  navigator.sendBeacon("/tried");
  location.href = "{elsewhere}/steal";
}});
</script></body></html>""".encode()


@contextlib.contextmanager
def leaving_portal(vendor: Recorder, elsewhere: Recorder) -> Iterator[str]:
    """The base URL of the vendor's portal on 127.0.0.1 (/ tries to leave, /go is a redirect
    to the other host); the other host on 127.0.0.2 serves a form for any path."""
    held = threading.Event()  # never set: /hold ends with the page (or HOLD_SECONDS)
    with serve_pages({"/": StaticPage(FORM)}, seen=elsewhere.saw, host=OTHER_HOST) as other:
        pages = {
            "/": StaticPage(_leaving(other)),
            "/go": StaticPage(b"", status=302, headers={"Location": f"{other}/redirected"}),
            "/hold": StaticPage(b"{}", "application/json", hold=held),
        }
        try:
            with serve_pages(pages, seen=vendor.saw) as portal:
                yield portal
        finally:
            held.set()


@dataclass(frozen=True)
class BrowserRuns:
    vendor: Recorder  # what the portal that tries to leave saw
    elsewhere: Recorder  # what the other host saw
    leaving: dict[str, Any]  # the end state of the task on that portal's page
    redirected: dict[str, Any]  # the end state of the task on its redirect (/go)
    demo: dict[str, Any]  # the end state of the demo run
    demo_id: uuid.UUID
    account_email: str  # the demo buyer's login
    events: list[dict[str, Any]]  # the demo run's taskEvents, as the WebSocket sent them
    deliveries: list[bytes]  # every webhook body the buyer's endpoint received
    written: str  # all the output and log lines of the whole time


async def run_in_a_browser(settings: Settings, written: Path) -> BrowserRuns:
    real = variant(
        settings,
        engines="autofill",
        allow_private_urls=True,
        worker_threads=3,
        task_timeout_seconds=RUN_SECONDS,
    )
    vendor, elsewhere, email = Recorder(), Recorder(), account_email()
    with contextlib.ExitStack() as stack:
        stack.enter_context(everything_written(written))
        portal = stack.enter_context(leaving_portal(vendor, elsewhere))
        hooks = stack.enter_context(receiving())
        url = stack.enter_context(live_server(real))
        stack.enter_context(uvicorn_at_debug())
        if DISTRIBUTED:
            clear_backlog(real)
            worker = WorkerProcess(real, 3, LOG_LEVEL="DEBUG", AUTOFACTURA_LOG_FORMAT="json")
            stack.callback(worker.stop)
        anyone = await register(url)
        buyer = await register(url, email, PII_PROFILE)
        hook = await buyer.api.data(CREATE_WEBHOOK, url=f"{hooks.url}/hook", events=list(EVENTS))
        assert hook["createWebhook"]["__typename"] == "Webhook", hook
        tasks = [await _task(anyone, f"{portal}{path}") for path in ("/", "/go")]
        demo_id = await _task(buyer, f"{url}/demo/portal/")
        async with graphql_ws(url, TRANSPORT_WS, buyer.token) as ws:
            streamed = asyncio.ensure_future(stream(ws, demo_id, within=RUN_SECONDS))
            try:
                # The three run at once on the worker's threads: waiting in turn costs nothing.
                leaving, redirected = [
                    await anyone.wait_for_status(t, FINAL, within=RUN_SECONDS) for t in tasks
                ]
                demo = await buyer.wait_for_status(demo_id, FINAL, within=RUN_SECONDS)
                events = await streamed
            finally:
                streamed.cancel()
        deliveries = await _delivered(hooks)
    text = await asyncio.to_thread(written.read_text, "utf-8")
    return BrowserRuns(
        vendor,
        elsewhere,
        leaving,
        redirected,
        demo,
        task_uuid(demo_id),
        email,
        events,
        deliveries,
        text,
    )


async def _task(buyer: Buyer, vendor_url: str) -> str:
    task = {"vendorUrl": vendor_url, "ticket": ticket(), "fiscalProfileId": buyer.profile_id}
    created = (await buyer.api.data(CREATE_TASK, input=task))["createTask"]
    assert created["__typename"] == "Task", created
    task_id: str = created["id"]
    return task_id


async def _delivered(hooks: Receiver) -> list[bytes]:
    """The bodies received, once the delivery of the run's final event came."""
    deadline = time.monotonic() + 30
    while not hooks.requests:
        assert time.monotonic() < deadline, "no webhook delivery came"
        await asyncio.sleep(0.05)
    return [r.body for r in hooks.requests]
