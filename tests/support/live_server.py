"""Serve `create_app(settings)` for real with uvicorn on a free 127.0.0.1 port, in a thread (or,
for requests that may wedge the server, in a child process that can be killed)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import uvicorn

from autofactura.actors import runtime
from autofactura.actors.broker import all_actors
from autofactura.app import create_app
from autofactura.core.config import Settings

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 20.0


class _ProcessGlobals:
    """create_app points the process's dramatiq broker, our actors and the actor runtime at
    the new app. A server in a test borrows them and gives them back when it stops, so the
    tests that run after it find the broker their own fixtures configured."""

    def __init__(self) -> None:
        self.broker = dramatiq.broker.global_broker
        self.actor_brokers = [actor.broker for actor in all_actors()]
        self.settings = runtime._settings

    def restore(self) -> None:
        if self.broker is not None:
            dramatiq.set_broker(self.broker)
        for actor, broker in zip(all_actors(), self.actor_brokers, strict=True):
            actor.broker = broker
        runtime._settings = self.settings


class LiveServer:
    """One uvicorn server on its own thread and event loop.

    The app (and so its engine and Redis client) is built on the server thread, so its
    async resources only ever meet that thread's loop, never the test's.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Bound here and handed to uvicorn: the port is ours before the thread starts,
        # so no other process can take it between choosing it and listening on it.
        self._socket = _bound_socket()
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._server: uvicorn.Server | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"live-{self.port}", daemon=True)
        self._globals: _ProcessGlobals | None = None

    def _run(self) -> None:
        try:
            # The app knows where it listens, as `autofactura serve` tells it.
            app = create_app(self.settings.model_copy(update={"host": HOST, "port": self.port}))
            config = uvicorn.Config(
                app, host=HOST, port=self.port, log_level="warning", lifespan="on"
            )
            self._server = uvicorn.Server(config)
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # noqa: BLE001 — reported to the starting thread, which waits on it
            self._error = exc

    def start(self) -> None:
        self._globals = _ProcessGlobals()
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (self._server is not None and self._server.started and self._accepts()):
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"live server on {self.url} did not start") from self._error
            if time.monotonic() > deadline:
                raise TimeoutError(f"live server on {self.url} did not start in time")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT_S)
        self._socket.close()
        if self._globals is not None:
            self._globals.restore()
        if self._thread.is_alive():
            raise TimeoutError(f"live server on {self.url} did not stop in time")

    def _accepts(self) -> bool:
        return _accepts(self.port)


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), 1):
        return True
    return False


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


@contextlib.contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of a running server for `settings`."""
    server = LiveServer(settings)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def live_server_process(settings: Settings) -> Iterator[str]:
    """Like `live_server`, but in a child process that is killed at the end, so a request
    that pins the server's event loop cannot take the test run down with it."""
    sock = _bound_socket()
    port = sock.getsockname()[1]
    config = json.dumps({"fd": sock.fileno(), "settings": settings.model_dump(mode="json")})
    # The child inherits the bound socket itself: no window for another process to take the port.
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "tests.support.live_server", config],
        cwd=ROOT,
        pass_fds=[sock.fileno()],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _accepts(port):
            if process.poll() is not None:
                raise RuntimeError(f"server process exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"server process on port {port} did not start in time")
            time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        sock.close()
        process.kill()
        process.wait(STOP_TIMEOUT_S)


def _serve_inherited_socket(config: dict[str, object]) -> None:
    sock = socket.socket(fileno=int(str(config["fd"])))
    settings = Settings(**config["settings"])  # type: ignore[arg-type]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    )
    server.run(sockets=[sock])


if __name__ == "__main__":
    _serve_inherited_socket(json.loads(sys.argv[1]))
