"""Tiny local web pages for browser tests: fixed bodies by path, served on 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

HOLD_SECONDS = 10.0


@dataclass(frozen=True)
class StaticPage:
    body: bytes
    content_type: str = "text/html"
    attachment: str | None = None  # served as a download with this file name
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    # Answered only once this is set (HOLD_SECONDS at most): a request the page keeps open.
    hold: threading.Event | None = None


@contextlib.contextmanager
def serve_pages(
    pages: dict[str, StaticPage],
    default: str = "/",
    seen: Callable[[str, str], object] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """Yield the base URL (no trailing slash); unknown paths get the `default` page. A POST
    gets the page too; `seen(method, path)` hears of every request first."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if seen is not None:
                seen(self.command, self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            page = pages.get(self.path, pages[default])
            if page.hold is not None:
                page.hold.wait(HOLD_SECONDS)
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            if page.attachment:
                self.send_header("Content-Disposition", f'attachment; filename="{page.attachment}"')
            for name, value in page.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
