"""A WebSocket authenticated by an API key closes when the key is revoked or expires while
it is open: the key is checked again every `api_key_recheck_seconds`, and a refused key
closes the socket with 4403, as at connection_init. (A person's session needs no watch:
each subscription ends with its token's expiry.)"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from autofactura.core.apikeys.verifier import ApiKeyPrincipal
from autofactura.schema.context import Context, Unauthenticated

log = logging.getLogger(__name__)


class KeyWatch:
    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self, context: Context, websocket: Any) -> None:
        """After connection_ack: watch the socket's key, if it was opened with one."""
        if self._task is not None or not isinstance(await context.principal(), ApiKeyPrincipal):
            return
        interval = context.services.settings.api_key_recheck_seconds
        self._task = asyncio.create_task(_watch(context, websocket, interval))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def _watch(context: Context, websocket: Any, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await context.reverify()
        except Unauthenticated:
            await websocket.close(code=4403, reason="Forbidden")
            return
        except Exception:  # a database hiccup must not drop the buyer's socket
            log.warning("could not check this socket's API key again", exc_info=True)
