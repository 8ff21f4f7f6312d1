"""A minimal CDP client for the live view: one page target of a browser, its screencast
frames, and the viewer's input dispatched to it.

Viewer input protocol (JSON objects):
- ``{"type": "click", "x": X, "y": Y, "width"?: W, "height"?: H}``: X, Y in the frame
  image's pixels when W, H (the image's natural size) are given, else in CSS pixels;
- ``{"type": "key", "text": "a"}``: text inserted at the focus;
- ``{"type": "keydown", "key": "Enter"}``: a key press (Enter, Tab, Backspace, arrows…);
- ``{"type": "scroll", "x"?, "y"?, "dx": DX, "dy": DY}``: a mouse wheel.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

log = logging.getLogger(__name__)

_KEYS: dict[str, tuple[int, str]] = {
    "Enter": (13, "\r"),
    "Tab": (9, ""),
    "Backspace": (8, ""),
    "Delete": (46, ""),
    "Escape": (27, ""),
    "ArrowLeft": (37, ""),
    "ArrowUp": (38, ""),
    "ArrowRight": (39, ""),
    "ArrowDown": (40, ""),
    "Home": (36, ""),
    "End": (35, ""),
}


class CDPError(Exception):
    """The browser refused a command or went away."""


class PageScreencast:
    def __init__(self, cdp_url: str) -> None:
        self.cdp_url = cdp_url
        self.meta: dict[str, Any] = {}
        self._ws: ClientConnection | None = None
        self._session: str | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._frames: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=4)
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> PageScreencast:
        self._ws = await connect(self.cdp_url, max_size=64 * 1024 * 1024, open_timeout=5)
        self._reader = asyncio.create_task(self._read())
        targets = await self.send("Target.getTargets", session=False)
        pages = [t for t in targets.get("targetInfos", []) if t.get("type") == "page"]
        if not pages:
            raise CDPError("the browser has no page")
        attached = await self.send(
            "Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True}, False
        )
        self._session = str(attached["sessionId"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.send("Page.stopScreencast"), 2)
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session: bool = True
    ) -> dict[str, Any]:
        if self._ws is None:
            raise CDPError("not connected")
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        try:
            await self._ws.send(json.dumps(message))
            return await asyncio.wait_for(future, 10)
        finally:
            self._pending.pop(msg_id, None)

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                message = json.loads(raw)
                if "id" in message:
                    future = self._pending.get(message["id"])
                    if future is not None and not future.done():
                        if "error" in message:
                            future.set_exception(CDPError(str(message["error"])))
                        else:
                            future.set_result(message.get("result", {}))
                elif message.get("method") == "Page.screencastFrame":
                    await self._on_frame(message["params"])
        except Exception as exc:  # noqa: BLE001 — a dead browser ends the stream below
            log.debug("CDP connection ended: %s", exc)
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(CDPError("the browser connection closed"))
            with contextlib.suppress(asyncio.QueueFull):
                self._frames.put_nowait(None)

    async def _on_frame(self, params: dict[str, Any]) -> None:
        assert self._ws is not None
        ack = {
            "id": next(self._ids),
            "method": "Page.screencastFrameAck",
            "params": {"sessionId": params["sessionId"]},
            "sessionId": self._session,
        }
        await self._ws.send(json.dumps(ack))
        frame = {"data": params["data"], "meta": params.get("metadata", {})}
        if self._frames.full():  # the viewer is slow: keep the newest frames
            self._frames.get_nowait()
        self._frames.put_nowait(frame)

    async def frames(
        self, quality: int = 60, max_width: int = 1280, max_height: int = 1280
    ) -> AsyncIterator[dict[str, Any]]:
        """Start the screencast and yield `{"data": base64 JPEG, "meta": {...}}` frames."""
        await self.send(
            "Page.startScreencast",
            {"format": "jpeg", "quality": quality, "maxWidth": max_width, "maxHeight": max_height},
        )
        while (frame := await self._frames.get()) is not None:
            self.meta = frame["meta"]
            yield frame

    def _point(self, event: dict[str, Any]) -> tuple[float, float]:
        x, y = float(event.get("x", 0)), float(event.get("y", 0))
        width, height = event.get("width"), event.get("height")
        if width and height and self.meta.get("deviceWidth"):
            x = x * float(self.meta["deviceWidth"]) / float(width)
            y = y * float(self.meta.get("deviceHeight", 0)) / float(height)
        return x, y - float(self.meta.get("offsetTop", 0))

    async def dispatch_input(self, event: dict[str, Any]) -> bool:
        """Forward one viewer event; False for an unknown or malformed one."""
        kind = event.get("type")
        if kind == "click":
            x, y = self._point(event)
            for phase in ("mousePressed", "mouseReleased"):
                await self.send(
                    "Input.dispatchMouseEvent",
                    {"type": phase, "x": x, "y": y, "button": "left", "clickCount": 1},
                )
        elif kind == "key" and isinstance(event.get("text"), str):
            await self.send("Input.insertText", {"text": event["text"][:1000]})
        elif kind == "keydown" and event.get("key") in _KEYS:
            code, text = _KEYS[event["key"]]
            base = {"key": event["key"], "windowsVirtualKeyCode": code}
            down = {**base, "type": "keyDown", **({"text": text} if text else {})}
            await self.send("Input.dispatchKeyEvent", down)
            await self.send("Input.dispatchKeyEvent", {**base, "type": "keyUp"})
        elif kind == "scroll":
            x, y = self._point(event)
            await self.send(
                "Input.dispatchMouseEvent",
                {
                    "type": "mouseWheel",
                    "x": x,
                    "y": y,
                    "deltaX": float(event.get("dx", 0)),
                    "deltaY": float(event.get("dy", 0)),
                },
            )
        else:
            return False
        return True
