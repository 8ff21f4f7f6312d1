"""The live view against a real local Chromium: frames over the WebSocket, input forwarded
only while the task is PAUSED, and tokens bound to the task's owner."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from playwright.async_api import Page, async_playwright
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from autofactura.core.browser.local import LocalChromium
from autofactura.core.config import Settings
from autofactura.core.db.base import utcnow
from autofactura.core.services import Services
from autofactura.core.tasks.lifecycle import move
from autofactura.core.tasks.models import Task
from autofactura.core.tasks.status import TaskStatus
from autofactura.live.registry import LIVE_BROWSERS, LiveBrowsers, publish, withdraw
from autofactura.live.screencast import PageScreencast
from autofactura.live.tokens import (
    check_live_token,
    live_path,
    live_rights,
    live_secret,
    live_token,
)
from autofactura.schema.ids import decode
from tests.support.api import Caller, create_profile, create_task, create_user
from tests.support.live_server import live_server
from tests.support.pages import StaticPage, serve_pages

CHROME = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.access(CHROME, os.X_OK), reason="no /usr/bin/chromium")

BUTTON = (
    b"<html><body style='margin:0'><button id='b' style='position:absolute;left:40px;"
    b"top:40px;width:200px;height:100px' onclick=\"this.textContent='clicked';"
    b"document.body.style.background='red'\">press</button></body></html>"
)


@dataclass
class World:
    server: str
    portal: str
    page: Page
    owner: Caller
    other: Caller
    task_id: uuid.UUID
    cdp_url: str


@pytest.fixture(scope="module")
def portal() -> Iterator[str]:
    with serve_pages({"/": StaticPage(BUTTON)}) as url:
        yield url + "/"


async def _set_status(services: Services, task_id: uuid.UUID, status: TaskStatus) -> None:
    async with services.db.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        if task.task_status is not status:
            await move(session, task, status)
        # Held as if by a live worker, so no worker or sweeper touches it meanwhile.
        task.lease_expires_at = utcnow() + timedelta(hours=1)


@pytest.fixture(scope="module")
async def world(
    settings: Settings,
    services: Services,
    schema: strawberry.Schema,
    portal: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    anonymous = Caller(schema, services)
    owner, other = await create_user(anonymous), await create_user(anonymous)
    created = await create_task(owner, (await create_profile(owner))["id"])
    task_id = decode(created["id"], "Task")
    assert task_id is not None
    await _set_status(services, task_id, TaskStatus.RUNNING)
    provider = LocalChromium(
        CHROME, True, Path(tmp_path_factory.mktemp("live")) / "browsers", allow_private=True
    )
    session = await provider.start(task_id, [])
    LIVE_BROWSERS.register(task_id, session.cdp_url)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(session.cdp_url)
            page = browser.contexts[0].pages[0]
            with live_server(settings) as server:
                yield World(server, portal, page, owner, other, task_id, session.cdp_url)
            await browser.close()
    finally:
        LIVE_BROWSERS.unregister(task_id)
        await provider.stop(session)
        async with services.db.session() as db:
            task = await db.get(Task, task_id)
            if task is not None and not task.task_status.is_final:
                await move(db, task, TaskStatus.CANCELLED)


def _token(settings: Settings, world: World, user: Caller, ttl: int = 600) -> str:
    assert user.user_id is not None
    return live_path(settings, world.task_id, user.user_id, ttl).split("?t=")[1]


def _ws_url(world: World, token: str) -> str:
    return f"ws{world.server.removeprefix('http')}/live/{world.task_id}/ws?t={token}"


async def _next(ws: ClientConnection, kind: str) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while True:
        raw = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
        message: dict[str, Any] = json.loads(raw)
        if message["type"] == kind:
            return message


async def _fresh_page(world: World) -> tuple[float, float]:
    await world.page.goto(world.portal)
    box = await world.page.locator("#b").bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def test_frames_arrive_and_follow_the_page(settings: Settings, world: World) -> None:
    await _fresh_page(world)
    async with connect(_ws_url(world, _token(settings, world, world.owner))) as ws:
        assert (await _next(ws, "status"))["status"] == "RUNNING"
        first = await _next(ws, "frame")
        assert first["meta"]["deviceWidth"] > 0 and len(first["data"]) > 100
        await world.page.evaluate(
            "document.body.innerHTML = '<h1 style=\"color:blue\">cambiado</h1>'"
        )
        deadline = time.monotonic() + 5
        while (await _next(ws, "frame"))["data"] == first["data"]:
            assert time.monotonic() < deadline, "no changed frame"


async def test_input_refused_while_running(
    settings: Settings, services: Services, world: World
) -> None:
    x, y = await _fresh_page(world)
    await _set_status(services, world.task_id, TaskStatus.RUNNING)
    async with connect(_ws_url(world, _token(settings, world, world.owner))) as ws:
        await ws.send(json.dumps({"type": "click", "x": x, "y": y}))
        refused = await _next(ws, "refused")
        assert "pausa" in refused["reason"]
    await asyncio.sleep(0.2)
    assert await world.page.text_content("#b") == "press"


async def test_click_forwarded_while_paused(
    settings: Settings, services: Services, world: World
) -> None:
    x, y = await _fresh_page(world)
    await _set_status(services, world.task_id, TaskStatus.PAUSED)
    try:
        async with connect(_ws_url(world, _token(settings, world, world.owner))) as ws:
            await _next(ws, "frame")
            await ws.send(json.dumps({"type": "click", "x": x, "y": y}))
            deadline = time.monotonic() + 5
            while await world.page.text_content("#b") != "clicked":
                assert time.monotonic() < deadline, "click not forwarded"
                await asyncio.sleep(0.05)
    finally:
        await _set_status(services, world.task_id, TaskStatus.RUNNING)


async def test_a_view_only_link_watches_but_never_clicks(
    settings: Settings, services: Services, world: World
) -> None:
    """What a read-only API key gets: frames, and input refused even while paused."""
    x, y = await _fresh_page(world)
    assert world.owner.user_id is not None
    path = live_path(settings, world.task_id, world.owner.user_id, 600, view_only=True)
    await _set_status(services, world.task_id, TaskStatus.PAUSED)
    try:
        async with connect(_ws_url(world, path.split("?t=")[1])) as ws:
            await _next(ws, "frame")
            await ws.send(json.dumps({"type": "click", "x": x, "y": y}))
            refused = await _next(ws, "refused")
            assert "solo permite mirar" in refused["reason"]
        await asyncio.sleep(0.2)
        assert await world.page.text_content("#b") == "press"
    finally:
        await _set_status(services, world.task_id, TaskStatus.RUNNING)


@pytest.mark.parametrize("who", ["other user", "expired", "garbage"])
async def test_bad_tokens_close_with_4403(settings: Settings, world: World, who: str) -> None:
    if who == "other user":
        token = _token(settings, world, world.other)
    elif who == "expired":
        assert world.owner.user_id is not None
        token = live_token(live_secret(settings), world.task_id, world.owner.user_id, 1000)
    else:
        token = "bm9wZQ.bm9wZQ"
    async with connect(_ws_url(world, token)) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_task_without_browser_closes_with_4404(settings: Settings, world: World) -> None:
    LIVE_BROWSERS.unregister(world.task_id)
    try:
        async with connect(_ws_url(world, _token(settings, world, world.owner))) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
    finally:
        LIVE_BROWSERS.register(world.task_id, world.cdp_url)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


async def test_live_page_needs_a_valid_token(settings: Settings, world: World) -> None:
    path = f"/live/{world.task_id}"
    async with httpx.AsyncClient(base_url=world.server, timeout=10) as client:
        ok = await client.get(path, params={"t": _token(settings, world, world.owner)})
        assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/html")
        assert (
            "/ws" in ok.text
            and "script-src 'self' 'unsafe-inline'" in (ok.headers["content-security-policy"])
        )
        other = _token(settings, world, world.other)
        for token in (other, _token(settings, world, world.owner, -5)):
            assert (await client.get(path, params={"t": token})).status_code == 403
        assert (await client.get(path)).status_code == 403


def test_token_round_trip() -> None:
    secret, task, user = b"k" * 32, uuid.uuid4(), uuid.uuid4()
    token = live_token(secret, task, user, int(time.time()) + 60)
    assert check_live_token(secret, token, task) == user
    assert check_live_token(secret, token, uuid.uuid4()) is None
    assert check_live_token(b"x" * 32, token, task) is None
    tampered = token[:-2] + ("BB" if token.endswith("AA") else "AA")  # always different
    assert check_live_token(secret, tampered, task) is None
    assert live_rights(secret, token, task) == (user, True)
    view = live_token(secret, task, user, int(time.time()) + 60, view_only=True)
    assert live_rights(secret, view, task) == (user, False)


def test_registry_and_coordinate_scaling() -> None:
    registry, task = LiveBrowsers(), uuid.uuid4()
    registry.register(task, "ws://127.0.0.1:1/devtools/browser/x")
    assert registry.get(task) == "ws://127.0.0.1:1/devtools/browser/x"
    registry.unregister(task)
    assert registry.get(task) is None
    cast = PageScreencast("ws://unused")
    cast.meta = {"deviceWidth": 800, "deviceHeight": 600, "offsetTop": 0}
    assert cast._point({"x": 320, "y": 240, "width": 640, "height": 480}) == (400.0, 300.0)
    assert cast._point({"x": 10, "y": 20}) == (10.0, 20.0)


async def test_viewer_page_shows_frames_and_clicks_through(
    settings: Settings, services: Services, world: World
) -> None:
    x, y = await _fresh_page(world)
    await _set_status(services, world.task_id, TaskStatus.PAUSED)
    assert world.owner.user_id is not None
    path = live_path(settings, world.task_id, world.owner.user_id, 600)
    try:
        async with async_playwright() as pw:
            viewer = await pw.chromium.launch(executable_path=CHROME, args=["--no-sandbox"])
            page = await viewer.new_page(viewport={"width": 1000, "height": 800})
            await page.goto(world.server + path)
            # Polled from here: wait_for_function evaluates strings, which our CSP forbids.
            for _ in range(100):
                if await page.evaluate("document.getElementById('screen').naturalWidth") > 0:
                    break
                await asyncio.sleep(0.05)
            assert await page.text_content("#status") == "PAUSED"
            box = await page.locator("#screen").bounding_box()
            size = await page.evaluate(
                "(i => [i.naturalWidth, i.naturalHeight])(document.getElementById('screen'))"
            )
            assert box is not None
            scale = box["width"] / size[0]
            await page.mouse.click(box["x"] + x * scale, box["y"] + y * scale)
            await viewer.close()
        await world.page.wait_for_function(
            "document.getElementById('b').textContent === 'clicked'", timeout=5000
        )
    finally:
        await _set_status(services, world.task_id, TaskStatus.RUNNING)


async def test_cdp_url_published_in_redis(
    settings: Settings, services: Services, world: World
) -> None:
    if services.redis is None:
        pytest.skip("Redis only in distributed mode")
    await _fresh_page(world)
    LIVE_BROWSERS.unregister(world.task_id)
    await publish(services.redis, world.task_id, world.cdp_url, ttl=60)
    try:
        async with connect(_ws_url(world, _token(settings, world, world.owner))) as ws:
            assert (await _next(ws, "frame"))["data"]
    finally:
        await withdraw(services.redis, world.task_id)
        LIVE_BROWSERS.register(world.task_id, world.cdp_url)
