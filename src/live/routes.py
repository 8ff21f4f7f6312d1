"""GET /live/{task_id}?t=… (the viewer page) and WS /live/{task_id}/ws?t=… (its stream).

Server → viewer messages: ``{"type": "frame", "data": base64 JPEG, "meta": {...}}``,
``{"type": "status", "status": "PAUSED"}``, ``{"type": "refused", "reason": "…"}`` and
``{"type": "error", "message": "…"}``. Viewer → server: the input events described in
`autofactura.live.screencast`. A bad, expired or foreign token closes with 4403, a task
without a registered browser with 4404.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from autofactura.core.services import Services
from autofactura.core.tasks import repository
from autofactura.core.tasks.status import TaskStatus
from autofactura.live.registry import lookup
from autofactura.live.screencast import CDPError, PageScreencast
from autofactura.live.tokens import live_rights, live_secret

CONTROLLABLE = frozenset({TaskStatus.PAUSED, TaskStatus.INTERVENTION_NEEDED})
REFUSED = "La tarea está en curso; pausa para tomar el control."
VIEW_ONLY = "Este enlace solo permite mirar; abre la tarea con tu sesión para tomar el control."
STATUS_POLL_S = 2.0

# Inline script and style only (the app's HTML CSP: script-src 'self' 'unsafe-inline',
# img-src 'self' data:, connect-src 'self'); the token stays in location.search.
_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Vista en vivo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;font:14px system-ui,sans-serif;background:#111;color:#eee}
header{padding:8px 12px;display:flex;gap:12px;align-items:center}
#screen{display:block;max-width:100%;margin:0 auto;outline:none;cursor:default}
#screen.control{cursor:pointer}#note{color:#fb6}</style></head>
<body><header><strong>Vista en vivo</strong>
<span>Estado: <b id="status">__STATUS__</b></span><span id="note"></span></header>
<img id="screen" tabindex="0" alt="Navegador de la tarea">
<script>
(function () {
  var img = document.getElementById("screen"), statusEl = document.getElementById("status"),
      note = document.getElementById("note");
  var proto = location.protocol === "https:" ? "wss:" : "ws:";
  var ws = new WebSocket(proto + "//" + location.host + "/live/__TASK__/ws" + location.search);
  function send(msg) { if (ws.readyState === 1) ws.send(JSON.stringify(msg)); }
  function setStatus(s) {
    statusEl.textContent = s;
    img.className = (s === "PAUSED" || s === "INTERVENTION_NEEDED") ? "control" : "";
  }
  ws.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type === "frame") { img.src = "data:image/jpeg;base64," + m.data; }
    else if (m.type === "status") { setStatus(m.status); note.textContent = ""; }
    else if (m.type === "refused") { note.textContent = m.reason; }
    else if (m.type === "error") { note.textContent = m.message; }
  };
  ws.onclose = function (e) {
    note.textContent = e.code === 4403 ? "Enlace no válido o expirado." :
      e.code === 4404 ? "No hay un navegador activo para esta tarea." : "Conexión cerrada.";
  };
  function point(e) {
    var r = img.getBoundingClientRect();
    return {x: (e.clientX - r.left) * img.naturalWidth / r.width,
            y: (e.clientY - r.top) * img.naturalHeight / r.height,
            width: img.naturalWidth, height: img.naturalHeight};
  }
  img.addEventListener("click", function (e) {
    img.focus(); var p = point(e); p.type = "click"; send(p);
  });
  img.addEventListener("wheel", function (e) {
    e.preventDefault(); var p = point(e); p.type = "scroll"; p.dx = e.deltaX; p.dy = e.deltaY;
    send(p);
  }, {passive: false});
  img.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    if (e.key.length === 1) send({type: "key", text: e.key});
    else send({type: "keydown", key: e.key});
  });
})();
</script></body></html>
"""


def render_page(task_id: uuid.UUID, status: str) -> str:
    return _PAGE.replace("__TASK__", str(task_id)).replace("__STATUS__", html.escape(status))


async def _task_status(services: Services, user_id: uuid.UUID, task_id: uuid.UUID) -> str | None:
    async with services.db.session(user_id, readonly=True) as session:
        task = await repository.get(session, user_id, task_id)
        return None if task is None else task.status


@dataclass(frozen=True)
class Viewer:
    task_id: uuid.UUID
    user_id: uuid.UUID
    status: str
    may_control: bool  # False for a view-only token (a read-only API key's)


async def _authorize(services: Services, raw_task_id: str, token: str) -> Viewer | None:
    """Who is watching, when the token is valid and the task is its user's."""
    try:
        task_id = uuid.UUID(raw_task_id)
    except ValueError:
        return None
    rights = live_rights(live_secret(services.settings), token, task_id)
    if rights is None:
        return None
    status = await _task_status(services, rights[0], task_id)
    return None if status is None else Viewer(task_id, rights[0], status, rights[1])


def live_page(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def page(request: Request) -> Response:
        token = request.query_params.get("t", "")
        found = await _authorize(services, request.path_params["task_id"], token)
        if found is None:
            return PlainTextResponse("El enlace no es válido o ya expiró.", 403)
        return HTMLResponse(
            render_page(found.task_id, found.status),
            headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
        )

    return page


def live_socket(services: Services) -> Callable[[WebSocket], Awaitable[None]]:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        token = websocket.query_params.get("t", "")
        found = await _authorize(services, websocket.path_params["task_id"], token)
        if found is None:
            await websocket.close(4403, "forbidden")
            return
        task_id, status = found.task_id, found.status
        cdp_url = await lookup(task_id, services.redis)
        if cdp_url is None:
            await websocket.close(4404, "no browser")
            return
        try:
            async with PageScreencast(cdp_url) as cast:
                await websocket.send_json({"type": "status", "status": status})
                await _serve(services, websocket, cast, found)
            with contextlib.suppress(Exception):
                await websocket.close(1000, "browser closed")
        except (CDPError, OSError) as exc:
            with contextlib.suppress(Exception):
                await websocket.send_json({"type": "error", "message": str(exc)})
                await websocket.close(4404, "no browser")

    return socket


async def _serve(
    services: Services, websocket: WebSocket, cast: PageScreencast, viewer: Viewer
) -> None:
    task_id, user_id = viewer.task_id, viewer.user_id
    last = {"status": viewer.status}

    async def pump() -> None:
        async for frame in cast.frames():
            await websocket.send_json({"type": "frame", **frame})

    async def watch() -> None:
        while True:
            await asyncio.sleep(STATUS_POLL_S)
            current = await _task_status(services, user_id, task_id)
            if current is not None and current != last["status"]:
                last["status"] = current
                await websocket.send_json({"type": "status", "status": current})

    async def receive() -> None:
        while True:
            raw = await websocket.receive_text()
            try:
                event: Any = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            if not viewer.may_control:
                await websocket.send_json({"type": "refused", "reason": VIEW_ONLY})
                continue
            current = await _task_status(services, user_id, task_id)
            if current is None or TaskStatus(current) not in CONTROLLABLE:
                await websocket.send_json({"type": "refused", "reason": REFUSED})
                continue
            if not await cast.dispatch_input(event):
                await websocket.send_json({"type": "error", "message": "evento no válido"})

    tasks = [asyncio.create_task(job()) for job in (pump, watch, receive)]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
