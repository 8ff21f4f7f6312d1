"""A task's browser: started on first use, within the process's browser budget, announced
as a live_url event, and on the way out stopped with its downloads kept as artifacts."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import mimetypes
import threading
import uuid
from typing import Any
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from autofactura.core.artifacts import service as artifacts
from autofactura.core.browser.session import BrowserProvider, BrowserSession, provider_for
from autofactura.core.events import recorder
from autofactura.core.events.models import EventType
from autofactura.core.services import Services
from autofactura.core.tasks.models import Task
from autofactura.live.registry import LIVE_BROWSERS, publish, withdraw
from autofactura.live.screencast import CDPError, PageScreencast

_PROBE_SECONDS = 3.0
_budget_lock = threading.Lock()
_budgets: dict[int, threading.BoundedSemaphore] = {}


def _budget(size: int) -> threading.BoundedSemaphore:
    """One budget per process, shared by every worker thread (each has its own loop)."""
    with _budget_lock:
        return _budgets.setdefault(size, threading.BoundedSemaphore(size))


def live_location(task_id: uuid.UUID, session: BrowserSession) -> str:
    """The provider's own live view, or our page for local browsers (signed when read)."""
    return session.live_view_url or f"/live/{task_id}"


class TaskBrowser:
    def __init__(
        self, services: Services, task_id: uuid.UUID, user_id: uuid.UUID, vendor_url: str
    ) -> None:
        self.services, self.task_id, self.user_id = services, task_id, user_id
        self.vendor_host = urlsplit(vendor_url).hostname or ""
        self.provider: BrowserProvider = provider_for(services.settings)
        self.session: BrowserSession | None = None
        self._slot = _budget(services.settings.browser_concurrency)
        self._held = False

    async def open(self) -> BrowserSession:
        if self.session is not None:
            return self.session
        # Waiting for a free browser must not block this thread's event loop.
        await asyncio.to_thread(self._slot.acquire)
        self._held = True
        self.session = await self.provider.start(self.task_id, [self.vendor_host])
        if self.session.live_view_url is None:  # our own live view needs to find it
            LIVE_BROWSERS.register(self.task_id, self.session.cdp_url)
            if self.services.redis is not None:
                await publish(self.services.redis, self.task_id, self.session.cdp_url)
        await self._announce(self.session)
        return self.session

    async def screenshot(self, name: str) -> None:
        """A small JPEG of the page the engine drives, kept as a screenshot artifact."""
        if self.session is None:
            return
        params = {"format": "jpeg", "quality": 50}
        shot = await _page_call(self.session, "Page.captureScreenshot", params)
        if shot is not None:
            data = base64.b64decode(shot["data"])
            await self._store([("screenshot", name, data, "image/jpeg")])

    async def lost(self) -> bool:
        """True when this browser was started and no longer answers over CDP."""
        if self.session is None:
            return False
        try:
            async with asyncio.timeout(_PROBE_SECONDS):
                async with connect(self.session.cdp_url, open_timeout=_PROBE_SECONDS) as ws:
                    await ws.send(json.dumps({"id": 1, "method": "Browser.getVersion"}))
                    await ws.recv()
            return False
        except (OSError, TimeoutError, WebSocketException):
            return True

    async def close(self) -> None:
        session, self.session = self.session, None
        try:
            if session is not None:
                await self._keep_final_page(session)
                await self._keep_downloads(session)
        finally:
            if session is not None:
                await self._withdraw()
                await self.provider.stop(session)
            if self._held:
                self._held = False
                self._slot.release()

    async def _withdraw(self) -> None:
        LIVE_BROWSERS.unregister(self.task_id)
        if self.services.redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await withdraw(self.services.redis, self.task_id)

    async def _announce(self, session: BrowserSession) -> None:
        url = live_location(self.task_id, session)
        async with self.services.db.session() as db:
            task = await db.get(Task, self.task_id)
            if task is None:
                return
            task.live_url = url
            await recorder.record(db, task, EventType.LIVE_URL, {"url": url})

    async def _keep_final_page(self, session: BrowserSession) -> None:
        expression = {"expression": "document.documentElement.outerHTML", "returnByValue": True}
        html = await _page_call(session, "Runtime.evaluate", expression)
        value = (html or {}).get("result", {}).get("value")
        if isinstance(value, str):
            await self._store([("html", "final.html", value.encode(), "text/html")])

    async def _keep_downloads(self, session: BrowserSession) -> None:
        items = []
        for path in await self.provider.downloads(session):
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            items.append(("download", path.name, await asyncio.to_thread(path.read_bytes), kind))
        await self._store(items)

    async def _store(self, items: list[tuple[str, str, bytes, str]]) -> None:
        """Keep files as the task's artifacts, each announced by an artifact event."""
        if not items:
            return
        async with self.services.db.session() as db:
            task = await db.get(Task, self.task_id)
            if task is None:
                return
            for kind, name, data, content_type in items:
                row = await artifacts.save(
                    db, self.services.storage, task, kind, name, data, content_type
                )
                payload = artifacts.event_payload(row)
                await recorder.record(db, task, EventType.ARTIFACT, payload)


async def _page_call(
    session: BrowserSession, method: str, params: dict[str, Any]
) -> dict[str, Any] | None:
    """One CDP call on the page the engine drives (the browser's first page); None when the
    browser is gone or the page busy: an artifact is never worth failing a task for."""
    try:
        async with PageScreencast(session.cdp_url) as page:
            return await page.send(method, params)
    except (CDPError, OSError, TimeoutError, WebSocketException):
        return None
