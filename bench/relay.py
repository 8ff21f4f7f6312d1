"""A bare Starlette WebSocket relay of the event feed: the baseline for bench/subscriptions.py.

One Redis pub/sub connection per process, subscribed to `autofactura:events:task:<id>` for
each task some client watches; clients connect to /ws/{task_id} and get every message's
data as-is in a text frame. No auth, no replay, no GraphQL: the least work a server can do
to put the same feed on the same number of sockets. Served with the app's uvicorn settings
(`autofactura serve`: uvloop/httptools/websockets-sansio, ws_per_message_deflate=False).

    .venv/bin/python bench/relay.py --redis-url redis://127.0.0.1:6379/13 --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import uvicorn
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

PREFIX = "autofactura:events:task:"
IDLE = "autofactura:events:idle"


class Relay:
    def __init__(self, redis_url: str) -> None:
        self.redis = Redis.from_url(redis_url, client_name="bench-relay")
        self.sockets: dict[str, set[WebSocket]] = {}
        self.pubsub: PubSub | None = None
        self.reader: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()

    async def start(self) -> None:
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await self.pubsub.subscribe(IDLE)
        self.reader = asyncio.create_task(self.read(), name="relay-reader")

    async def stop(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
        if self.pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                # Any: older redis-py releases leave aclose unannotated, newer ones do not.
                await cast(Any, self.pubsub).aclose()
        await self.redis.aclose()

    async def read(self) -> None:
        backoff = 0.1
        while True:
            try:
                assert self.pubsub is not None
                message = await self.pubsub.get_message(timeout=1.0)
                backoff = 0.1
            except (RedisError, OSError) as exc:
                # Like the app's bus: reconnect and subscribe again (what was published
                # meanwhile is lost here; the app would catch up from the log).
                print(f"relay lost Redis {time.time():.3f} ({exc})", file=sys.stderr, flush=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                await self.reconnect()
                continue
            if message is None:
                continue
            channel = message["channel"]
            task_id = (channel.decode() if isinstance(channel, bytes) else channel)[len(PREFIX) :]
            data = message["data"]
            text = data.decode() if isinstance(data, bytes) else str(data)
            for ws in tuple(self.sockets.get(task_id, ())):
                try:
                    await ws.send_text(text)
                except Exception:  # noqa: BLE001 — a gone client is dropped, never stops the feed
                    self.sockets.get(task_id, set()).discard(ws)

    async def reconnect(self) -> None:
        old = self.pubsub
        if old is not None:
            with contextlib.suppress(RedisError, OSError):
                await cast(Any, old).aclose()
        async with self.lock:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(IDLE, *(PREFIX + task for task in self.sockets))
            except (RedisError, OSError):
                return  # the next read fails again and comes back here
            self.pubsub = pubsub

    async def serve(self, ws: WebSocket) -> None:
        task_id = ws.path_params["task_id"]
        await ws.accept()
        async with self.lock:
            watchers = self.sockets.setdefault(task_id, set())
            if not watchers and self.pubsub is not None:
                with contextlib.suppress(RedisError, OSError):  # resubscribed on reconnect
                    await self.pubsub.subscribe(PREFIX + task_id)
            watchers.add(ws)
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
        except WebSocketDisconnect:
            pass
        finally:
            async with self.lock:
                watchers = self.sockets.get(task_id, set())
                watchers.discard(ws)
                if not watchers:
                    self.sockets.pop(task_id, None)
                    if self.pubsub is not None:
                        with contextlib.suppress(Exception):
                            await self.pubsub.unsubscribe(PREFIX + task_id)


def create_relay(redis_url: str) -> Starlette:
    relay = Relay(redis_url)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await relay.start()
        yield
        await relay.stop()

    return Starlette(routes=[WebSocketRoute("/ws/{task_id}", relay.serve)], lifespan=lifespan)


def uvicorn_config(app: object, deflate: bool = False) -> uvicorn.Config:
    """The settings `autofactura serve` runs the app with (bench/subscriptions.py uses it too);
    `deflate` is for measuring what permessage-deflate would cost."""
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        lifespan="on",
        ws_per_message_deflate=deflate,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fd", type=int, help="serve on this inherited, bound socket")
    parser.add_argument("--deflate", action="store_true", help="offer permessage-deflate")
    args = parser.parse_args()
    config = uvicorn_config(create_relay(args.redis_url), args.deflate)
    server = uvicorn.Server(config)
    if args.fd is not None:
        server.run(sockets=[socket.socket(fileno=args.fd)])
    else:
        config.host, config.port = args.host, args.port
        server.run()


if __name__ == "__main__":
    main()
