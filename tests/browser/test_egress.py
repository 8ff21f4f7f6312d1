"""The browser's egress proxy: a real Chromium reaches public addresses (and, when allowed,
private ones) only through it; loopback, link-local and private targets are refused."""

from __future__ import annotations

import asyncio
import http.server
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from autofactura.core.browser import local
from autofactura.core.browser.egress import MAX_REFUSALS, EgressProxy, Refusal
from autofactura.core.browser.local import LocalChromium
from autofactura.core.tasks.vendor_url import is_public_address
from tests.support.pages import StaticPage, serve_pages

CHROME = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.access(CHROME, os.X_OK), reason="no /usr/bin/chromium")

# The "portal.test" vendor lives on 127.0.0.2: the only address the portal test widens the
# public check to, so 127.0.0.1 (the DevTools port, the page server) stays refused there.
PORTAL_ADDRESS = "127.0.0.2"
FETCHING_PAGE = b"""<html><body><p id="out">waiting</p><script>
fetch("/data.json").then(r => r.text())
  .then(t => { document.getElementById("out").textContent = t; });
</script></body></html>"""
METADATA_IMAGE = b'<html><body><p id="hello">portal</p>\
<img src="http://169.254.169.254/latest/meta-data"></body></html>'


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    data = StaticPage(b'{"ok": true}', "application/json")
    with serve_pages({"/": StaticPage(FETCHING_PAGE), "/data.json": data}) as url:
        yield url


@pytest.fixture(scope="module")
def portal_port() -> Iterator[int]:
    """A portal on 127.0.0.2: / shows an image from the metadata address, /go redirects
    to 10.0.0.1."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/go":
                self.send_response(302)
                self.send_header("Location", "http://10.0.0.1/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(METADATA_IMAGE)))
            self.end_headers()
            self.wfile.write(METADATA_IMAGE)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((PORTAL_ADDRESS, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


async def _portal_resolver(host: str, port: int) -> list[str]:
    if host == "portal.test":
        return [PORTAL_ADDRESS]
    raise OSError(f"{host}: no such name in this test")


def _portal_proxy(
    *, allow_private: bool, also_allowed: frozenset[tuple[str, int]] = frozenset()
) -> EgressProxy:
    return EgressProxy(
        allow_private=allow_private,
        resolver=_portal_resolver,
        is_allowed_address=lambda address: address == PORTAL_ADDRESS or is_public_address(address),
        also_allowed=also_allowed,
    )


def _chromium(tmp_path: Path, allow_private: bool) -> LocalChromium:
    return LocalChromium(None, True, tmp_path / "browsers", allow_private=allow_private)


@needs_chromium
async def test_allowed_private_page_loads_and_fetches(tmp_path: Path, pages: str) -> None:
    provider = _chromium(tmp_path, allow_private=True)
    session = await provider.start(uuid.uuid4(), [])
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(session.cdp_url)
            page = await browser.contexts[0].new_page()
            response = await page.goto(pages + "/")
            assert response is not None and response.status == 200
            await page.wait_for_function("document.getElementById('out').textContent !== 'waiting'")
            assert await page.text_content("#out") == '{"ok": true}'
            await browser.close()
    finally:
        await provider.stop(session)
    assert session.egress_refusals == []


@needs_chromium
async def test_loopback_and_devtools_are_refused(tmp_path: Path, pages: str) -> None:
    provider = _chromium(tmp_path, allow_private=False)
    session = await provider.start(uuid.uuid4(), [])
    devtools = session.cdp_url.removeprefix("ws://127.0.0.1:").split("/", 1)[0]
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(session.cdp_url)
            page = await browser.contexts[0].new_page()
            response = await page.goto(pages + "/")
            assert response is not None and response.status == 403
            assert "127.0.0.1 is not a public address" in await page.content()
            assert await page.query_selector("#out") is None  # the page server was not reached
            response = await page.goto(f"http://localhost:{devtools}/json/version")
            assert response is not None and response.status == 403
            await browser.close()
    finally:
        await provider.stop(session)
    port = int(pages.rsplit(":", 1)[1])
    assert (
        Refusal("127.0.0.1", port, "127.0.0.1 is not a public address") in session.egress_refusals
    )
    assert [r.host for r in session.egress_refusals if r.port == int(devtools)] == ["localhost"]


@needs_chromium
async def test_portal_cannot_reach_metadata_or_redirect_inside(
    tmp_path: Path, portal_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "EgressProxy", _portal_proxy)
    provider = _chromium(tmp_path, allow_private=False)
    session = await provider.start(uuid.uuid4(), [])
    portal = f"http://portal.test:{portal_port}"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(session.cdp_url)
            page = await browser.contexts[0].new_page()
            response = await page.goto(portal + "/")
            assert response is not None and response.status == 200
            assert await page.text_content("#hello") == "portal"
            await page.wait_for_function("document.images[0].complete")
            assert await page.evaluate("document.images[0].naturalWidth") == 0
            response = await page.goto(portal + "/go")
            assert response is not None and response.status == 403
            assert response.url == "http://10.0.0.1/"
            response = await page.goto(f"http://127.0.0.1:{portal_port}/")
            assert response is not None and response.status == 403  # only .2 was widened
            await browser.close()
    finally:
        await provider.stop(session)
    assert {(r.host, r.reason) for r in session.egress_refusals} == {
        ("169.254.169.254", "169.254.169.254 is not a public address"),
        ("10.0.0.1", "10.0.0.1 is not a public address"),
        ("127.0.0.1", "127.0.0.1 is not a public address"),
    }


# --- The proxy alone, from a raw client -----------------------------------------------------


@pytest.fixture
async def proxy() -> AsyncIterator[EgressProxy]:
    egress = _portal_proxy(allow_private=False)
    yield egress
    await egress.stop()


async def _exchange(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    answer = await reader.read()
    writer.close()
    return answer


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("10.0.0.1:443", "10.0.0.1 is not a public address"),
        ("[::1]:443", "::1 is not a public address"),
        ("169.254.169.254:80", "169.254.169.254 is not a public address"),
        ("93.184.216.34:22", "port 22 is not allowed"),  # refused before any connection
    ],
)
async def test_connect_to_refused_target_gets_403(
    proxy: EgressProxy, target: str, reason: str
) -> None:
    port = await proxy.start()
    answer = await _exchange(port, f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert answer.endswith(f"egress refused: {reason}\n".encode())
    assert [r.reason for r in proxy.refused] == [reason]


async def test_refusals_are_distinct_and_capped(proxy: EgressProxy) -> None:
    port = await proxy.start()
    for _ in range(2):
        await _exchange(port, b"GET http://10.0.0.1/ HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n")
    assert proxy.refused == [Refusal("10.0.0.1", 80, "10.0.0.1 is not a public address")]
    for n in range(2, MAX_REFUSALS + 20):
        await _exchange(port, f"CONNECT 10.0.0.{n}:443 HTTP/1.1\r\n\r\n".encode())
    assert len(proxy.refused) == MAX_REFUSALS


@pytest.fixture
async def open_proxy() -> AsyncIterator[EgressProxy]:
    """Private addresses and any CONNECT port allowed (the portal test server's port)."""
    egress = EgressProxy(allow_private=True, resolver=_portal_resolver)
    yield egress
    await egress.stop()


async def test_plain_request_reaches_an_allowed_host(proxy: EgressProxy, portal_port: int) -> None:
    port = await proxy.start()
    host = f"portal.test:{portal_port}"
    request = f"GET http://{host}/ HTTP/1.1\r\nHost: {host}\r\nProxy-Connection: keep-alive\r\n\r\n"
    head, body = (await _exchange(port, request.encode())).split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.0 200") and head.endswith(b"\r\nConnection: close")
    assert body == METADATA_IMAGE
    assert proxy.refused == []


async def test_connect_port_policy_and_a_working_tunnel(
    proxy: EgressProxy, open_proxy: EgressProxy, portal_port: int
) -> None:
    host = f"portal.test:{portal_port}"
    answer = await _exchange(await proxy.start(), f"CONNECT {host} HTTP/1.1\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 403")  # a public-only proxy tunnels to 80/443/… only
    port = await open_proxy.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"CONNECT {host} HTTP/1.1\r\n\r\n".encode())
    assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 200 Connection Established\r\n\r\n"
    writer.write(b"GET /go HTTP/1.0\r\n\r\n")  # through the tunnel, byte for byte
    assert (await reader.read()).startswith(b"HTTP/1.0 302")
    writer.close()
    assert open_proxy.refused == []


async def test_stop_closes_port_and_open_tunnels(open_proxy: EgressProxy, portal_port: int) -> None:
    before = asyncio.all_tasks()
    port = await open_proxy.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"CONNECT portal.test:{portal_port} HTTP/1.1\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")  # the tunnel is open and idle
    await open_proxy.stop()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the proxy
    writer.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    assert asyncio.all_tasks() - before == set()
    await open_proxy.stop()  # twice is fine


async def test_stop_mid_request_logs_no_loop_error(open_proxy: EgressProxy) -> None:
    """A browser stopped while its proxy reads a request head (found under load): the
    handler ends quietly, with no "Exception in callback" from asyncio's stream server."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    try:
        port = await open_proxy.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET http://portal.test/ HTTP/1.1\r\n")  # the head is not over
        await writer.drain()
        # The proxy announces no "handler started"; it starts within a few loop turns.
        while not open_proxy._handlers:  # noqa: ASYNC110 — no event to await here
            await asyncio.sleep(0)
        await open_proxy.stop()  # the streams' done-callbacks ran before gather returned
        writer.close()
        del reader
    finally:
        loop.set_exception_handler(None)
    assert errors == []


async def test_a_lookup_that_hangs_is_a_502_in_bounded_time() -> None:
    async def hanging(host: str, port: int) -> list[str]:
        await asyncio.sleep(60)
        raise AssertionError("not reached")

    egress = EgressProxy(allow_private=False, resolver=hanging, resolve_seconds=0.3)
    try:
        request = b"GET http://slow.test/ HTTP/1.1\r\nHost: slow.test\r\n\r\n"
        answer = await asyncio.wait_for(_exchange(await egress.start(), request), 5)
    finally:
        await egress.stop()
    assert answer.startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
    assert answer.endswith(b"slow.test did not resolve in 0.3 s\n")
    assert egress.refused == []  # unreachable, not a policy refusal
