"""The client role (`--client`): a process of WebSocket subscribers driven by JSON lines on
stdin/stdout, and `ClientProc`, the orchestrator's handle on one such process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from subs.common import ENTRY, SUBSCRIPTION, raise_fd_limit, run_event_loop, self_cpu


@dataclass
class ClientStats:
    t0: int = 2**63  # counting window, time.time_ns()
    t1: int = 0
    count: int = 0
    latencies: list[float] = field(default_factory=list)
    stamps: list[float] = field(default_factory=list)  # receipt, seconds into the window
    ready: int = 0
    failed: int = 0
    gaps: int = 0
    dups: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(text[:300])

    def record(self, event: dict[str, Any], now: int, last: int) -> int:
        """Check the event's seq against the last one, count it if inside the window;
        returns the new last seq."""
        seq: int = event["seq"]
        if last:
            if seq <= last:
                self.dups += 1
            elif seq != last + 1:
                self.gaps += 1
        if self.t0 <= now <= self.t1:
            self.count += 1
            sent = event["payload"].get("sentAt")
            if sent:
                self.latencies.append(round((now - sent) / 1e6, 3))
                self.stamps.append(round((now - self.t0) / 1e9, 3))
        return max(last, seq)


async def _open_app_subscription(url: str, task: str, token: str, options: dict[str, Any]) -> Any:
    """A graphql-transport-ws connection, acknowledged, with taskEvents subscribed."""
    from websockets.asyncio.client import connect

    ws = await connect(url, subprotocols=["graphql-transport-ws"], **options)  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await asyncio.wait_for(ws.recv(), 60))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no connection_ack: {ack}")
    subscribe = {"query": SUBSCRIPTION, "variables": {"id": task}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
    return ws


async def _subscriber(
    kind: str,
    url: str,
    task: str,
    token: str,
    st: ClientStats,
    gate: asyncio.Semaphore,
    cfg_deflate: bool = False,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    released = False

    def ready() -> None:
        nonlocal released
        if not released:
            released = True
            st.ready += 1
            gate.release()

    await gate.acquire()
    options: dict[str, Any] = {
        "compression": "deflate" if cfg_deflate else None,
        "ping_interval": None,
        "max_size": None,
        "open_timeout": 60,
        "close_timeout": 1,
    }
    try:
        if kind == "app":
            ws = await _open_app_subscription(url, task, token, options)
        else:
            ws = await connect(f"{url}/{task}", **options)
            ready()  # no replay on the relay: open is ready
        last = 0
        async for raw in ws:
            now = time.time_ns()
            msg = json.loads(raw)
            if kind == "app":
                kind_of = msg.get("type")
                if kind_of != "next":
                    if kind_of == "ping":
                        await ws.send('{"type":"pong"}')
                        continue
                    st.error(str(raw))
                    break
                payload = msg["payload"]
                if payload.get("errors"):
                    st.error(json.dumps(payload["errors"]))
                event = payload["data"]["taskEvents"]
                ready()  # the replay's first event arrived: this subscription is live
            else:
                event = msg
            last = st.record(event, now, last)
    except asyncio.CancelledError:
        raise
    except (WebSocketException, OSError, RuntimeError, KeyError, TimeoutError) as exc:
        st.error(f"{type(exc).__name__}: {exc}")
    finally:
        if not released:
            st.failed += 1
            released = True
            gate.release()


def _reply(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _count_window(
    st: ClientStats, command: dict[str, Any], tasks: list[asyncio.Task[None]]
) -> dict[str, Any]:
    """A counting window [t0, t1]: deliveries, latencies and this process's CPU in it."""
    st.t0, st.t1 = int(command["t0"] * 1e9), int(command["t1"] * 1e9)
    st.count, st.latencies, st.stamps = 0, [], []
    errors_before = st.errors
    await asyncio.sleep(max(0.0, command["t0"] - time.time()))
    cpu0 = self_cpu()
    await asyncio.sleep(max(0.0, command["t1"] - time.time()))
    cpu1 = self_cpu()
    await asyncio.sleep(0.3)  # receipts stamped inside the window, still being read
    return {
        "count": st.count,
        "latencies": st.latencies,
        "stamps": st.stamps,
        "cpu": cpu1 - cpu0,
        "gaps": st.gaps,
        "dups": st.dups,
        "errors": st.errors - errors_before,
        "error_samples": st.error_samples,
        "open": sum(not t.done() for t in tasks),
    }


async def _client(cfg: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(commands.put_nowait, {"cmd": "close"})

    threading.Thread(target=read_stdin, daemon=True).start()

    st = ClientStats()
    gate = asyncio.Semaphore(cfg["concurrency"])
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(
            _subscriber(cfg["kind"], cfg["url"], task, token, st, gate, cfg["deflate"])
        )
        for task, token in cfg["subs"]
    ]
    deadline = time.perf_counter() + cfg["ready_timeout"]
    while st.ready + st.failed < len(tasks) and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    _reply(
        {
            "ready": st.ready,
            "failed": st.failed,
            "seconds": time.perf_counter() - started,
            "errors": st.error_samples,
        }
    )
    while True:
        command = await commands.get()
        if command["cmd"] == "close":
            break
        _reply(await _count_window(st, command, tasks))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    _reply({"closed": True})


def client_main() -> None:
    raise_fd_limit()
    cfg = json.loads(sys.stdin.readline())
    run_event_loop(lambda: _client(cfg))


class ClientProc:
    """One child process of subscribers."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, cfg: dict[str, Any]) -> ClientProc:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ENTRY),
            "--client",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**28,
        )
        self = cls(proc)
        await self.send(cfg)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def send(self, obj: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        await self.proc.stdin.drain()

    async def recv(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {self.pid} exited ({self.proc.returncode})")
        result: dict[str, Any] = json.loads(line)
        return result

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.send({"cmd": "close"})
            await asyncio.wait_for(self.recv(), 15)
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()
