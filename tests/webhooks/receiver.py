"""A real HTTP endpoint on 127.0.0.1 for webhook tests: it records every request (path,
headers, raw body) and answers each one as its script says, in order (the last answer
repeats)."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    status: int = 200
    delay_seconds: float = 0.0  # longer than the sender's timeout: it gives up first
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    def __init__(self, url: str, script: list[Reply]) -> None:
        self.url = url
        self.script = script
        self.requests: list[Received] = []
        self._lock = threading.Lock()

    def answer(self, received: Received) -> Reply:
        with self._lock:
            self.requests.append(received)
            return self.script[min(len(self.requests), len(self.script)) - 1]

    def to(self, path: str) -> list[Received]:
        return [request for request in self.requests if request.path == path]


@contextlib.contextmanager
def receiving(*script: Reply) -> Iterator[Receiver]:
    """Yield the receiver; its `url` is http://127.0.0.1:PORT (no trailing slash)."""
    receiver: Receiver | None = None

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert receiver is not None
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = receiver.answer(Received(self.path, headers, body, time.monotonic()))
            time.sleep(reply.delay_seconds)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender gave up waiting and hung up

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(f"http://127.0.0.1:{server.server_port}", list(script) or [Reply()])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
