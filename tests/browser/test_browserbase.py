"""BrowserbaseProvider against a local stand-in of Browserbase's HTTP API whose sessions
point at a real local Chromium, so the CDP URL works."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autofactura.core.browser import BrowserError
from autofactura.core.browser.browserbase import BrowserbaseProvider, extract_zip
from autofactura.core.browser.local import LocalChromium
from tests.support.stand_ins import serve_asgi

KEY, PROJECT = "bb_test_key", "proj-1"


@dataclass
class StandIn:
    cdp_url: str = ""
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    sessions: dict[str, str] = field(default_factory=dict)  # id → status
    fail_debug: bool = False
    zip_bytes: bytes = b""

    def app(self) -> Starlette:
        def session_json(sid: str) -> dict[str, Any]:
            now = "2025-01-01T00:00:00Z"
            return {
                "id": sid, "createdAt": now, "updatedAt": now, "startedAt": now,
                "expiresAt": now, "projectId": PROJECT, "keepAlive": False, "proxyBytes": 0,
                "region": "us-west-2", "status": self.sessions[sid],
            }  # fmt: skip

        async def record(request: Request) -> Any:
            assert request.headers["x-bb-api-key"] == KEY
            body = await request.json() if request.method == "POST" else None
            self.requests.append((request.method, request.url.path, body))
            return body

        async def create(request: Request) -> Response:
            body = await record(request)
            assert isinstance(body["timeout"], int)
            assert isinstance(body["browserSettings"]["allowedDomains"], list)
            sid = f"sess-{len(self.sessions) + 1}"
            self.sessions[sid] = "RUNNING"
            return JSONResponse({**session_json(sid), "connectUrl": self.cdp_url,
                                 "seleniumRemoteUrl": "", "signingKey": "k"})  # fmt: skip

        async def update(request: Request) -> Response:
            body = await record(request)
            sid = request.path_params["sid"]
            if sid not in self.sessions:
                return JSONResponse({"error": "not found"}, status_code=404)
            assert body["status"] == "REQUEST_RELEASE" and body["projectId"] == PROJECT
            if self.sessions[sid] == "COMPLETED":
                return JSONResponse({"error": "session already released"}, status_code=409)
            self.sessions[sid] = "COMPLETED"
            return JSONResponse(session_json(sid))

        async def debug(request: Request) -> Response:
            await record(request)
            if self.fail_debug:
                return JSONResponse({"error": "boom"}, status_code=500)
            sid = request.path_params["sid"]
            url = f"https://live.example/{sid}?fullscreen"
            return JSONResponse({"debuggerFullscreenUrl": url, "debuggerUrl": url + "=0",
                                 "wsUrl": "ws://x", "pages": []})  # fmt: skip

        async def downloads(request: Request) -> Response:
            await record(request)
            return Response(self.zip_bytes, media_type="application/zip")

        return Starlette(routes=[
            Route("/v1/sessions", create, methods=["POST"]),
            Route("/v1/sessions/{sid}", update, methods=["POST"]),
            Route("/v1/sessions/{sid}/debug", debug, methods=["GET"]),
            Route("/v1/sessions/{sid}/downloads", downloads, methods=["GET"]),
        ])  # fmt: skip


@pytest.fixture(scope="module")
async def chromium(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    local = LocalChromium(None, True, tmp_path_factory.mktemp("bb-chrome"))
    session = await local.start(uuid.uuid4(), [])
    yield session.cdp_url
    await local.stop(session)


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[StandIn, str]]:
    stand_in = StandIn()
    with serve_asgi(stand_in.app(), "stand-in Browserbase") as url:
        yield stand_in, url


@pytest.fixture
def stand_in(api: tuple[StandIn, str], chromium: str) -> StandIn:
    api[0].cdp_url, api[0].fail_debug = chromium, False
    api[0].requests.clear()
    return api[0]


@pytest.fixture
def provider(api: tuple[StandIn, str], tmp_path: Path) -> BrowserbaseProvider:
    return BrowserbaseProvider(KEY, PROJECT, api[1], base_dir=tmp_path, max_retries=0)


async def test_start_connect_and_release(stand_in: StandIn, provider: BrowserbaseProvider) -> None:
    session = await provider.start(uuid.uuid4(), ["factura.example.com"])
    assert session.provider == "browserbase"
    assert session.live_view_url == f"https://live.example/{session.session_id}?fullscreen"
    method, path, body = stand_in.requests[0]
    assert (method, path) == ("POST", "/v1/sessions")
    assert body["projectId"] == PROJECT and body["timeout"] == 900
    assert body["browserSettings"] == {"allowedDomains": ["factura.example.com"]}
    async with async_playwright() as pw:
        browser = await pw.chromium.connect_over_cdp(session.cdp_url)
        assert browser.contexts
        await browser.close()
    await provider.stop(session)
    assert stand_in.sessions[session.session_id] == "COMPLETED"
    assert not session.downloads_dir.exists()
    await provider.stop(session)  # idempotent


async def test_downloads_extracts_the_zip(stand_in: StandIn, provider: BrowserbaseProvider) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("cfdi.xml", "<cfdi/>")
        archive.writestr("sub/cfdi.pdf", "%PDF")
        archive.writestr("../evil.txt", "x")
        archive.writestr("/abs.txt", "x")
    stand_in.zip_bytes = buf.getvalue()
    session = await provider.start(uuid.uuid4(), [])
    try:
        files = await provider.downloads(session)
        names = sorted(str(f.relative_to(session.downloads_dir)) for f in files)
        assert names == ["cfdi.xml", "sub/cfdi.pdf"]
        assert not (session.downloads_dir.parent / "evil.txt").exists()
    finally:
        await provider.stop(session)


async def test_failure_after_create_releases(
    stand_in: StandIn, provider: BrowserbaseProvider
) -> None:
    stand_in.fail_debug = True
    with pytest.raises(BrowserError):
        await provider.start(uuid.uuid4(), [])
    created = [p for m, p, _ in stand_in.requests if m == "POST" and p != "/v1/sessions"]
    assert len(created) == 1
    assert stand_in.sessions[created[0].rsplit("/", 1)[1]] == "COMPLETED"
    assert list(provider.base_dir.iterdir()) == []


async def test_stop_on_released_or_unknown_session(
    stand_in: StandIn, api: tuple[StandIn, str], provider: BrowserbaseProvider, tmp_path: Path
) -> None:
    session = await provider.start(uuid.uuid4(), [])
    await provider.stop(session)
    other = BrowserbaseProvider(KEY, PROJECT, api[1], base_dir=tmp_path, max_retries=0)
    await other.stop(session)  # the API answers 409: already released
    session.session_id = "sess-unknown"
    await other.stop(session)  # 404


def test_extract_zip_skips_unsafe_names(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("ok.xml", "1")
        archive.writestr("a/../../up.xml", "2")
    assert [p.name for p in extract_zip(buf.getvalue(), tmp_path / "out")] == ["ok.xml"]
