"""A stand-in for Sentry's ingestion endpoint on 127.0.0.1: it accepts envelopes
(POST /api/<project>/envelope/) and keeps their decoded bodies for a test to read."""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Envelopes:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.paths: list[str] = []
        self._changed = threading.Condition()

    def add(self, path: str, body: bytes) -> None:
        with self._changed:
            self.paths.append(path)
            self.bodies.append(body)
            self._changed.notify_all()

    def wait_for_exception(self, type_name: str, within: float) -> bytes:
        """The first envelope whose event carries an exception of this type."""
        deadline = time.monotonic() + within
        with self._changed:
            while True:
                for body in self.bodies:
                    if type_name in exception_types(body):
                        return body
                left = deadline - time.monotonic()
                assert left > 0, f"no {type_name} event within {within}s: {self.bodies!r:.2000}"
                self._changed.wait(left)


def exception_types(envelope: bytes) -> list[str]:
    """The exception types of the events in an envelope (one JSON document per line)."""
    found: list[str] = []
    for line in envelope.splitlines():
        with contextlib.suppress(ValueError):
            item: Any = json.loads(line)
            if isinstance(item, dict) and isinstance(item.get("exception"), dict):
                found += [value.get("type", "") for value in item["exception"]["values"]]
    return found


def _decoded(body: bytes, encoding: str) -> bytes:
    """The SDK compresses with Brotli when the module is installed, else with gzip."""
    if encoding == "br":
        import brotli

        decoded: bytes = brotli.decompress(body)
        return decoded
    return gzip.decompress(body) if encoding == "gzip" else body


def _handler(envelopes: Envelopes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            body = _decoded(body, self.headers.get("content-encoding", ""))
            ok = self.path.startswith("/api/") and self.path.endswith("/envelope/")
            if ok:
                envelopes.add(self.path, body)
            self.send_response(200 if ok else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def sentry_collector() -> Iterator[tuple[str, Envelopes]]:
    """Yield a DSN pointing at a local collector, and what it receives."""
    envelopes = Envelopes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(envelopes))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://public@127.0.0.1:{server.server_address[1]}/1", envelopes
    finally:
        server.shutdown()
        server.server_close()
