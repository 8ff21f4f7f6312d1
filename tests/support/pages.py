"""Tiny local web pages for browser tests: fixed bodies by path, served on 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StaticPage:
    body: bytes
    content_type: str = "text/html"
    attachment: str | None = None  # served as a download with this file name
    headers: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def serve_pages(pages: dict[str, StaticPage], default: str = "/") -> Iterator[str]:
    """Yield the base URL (no trailing slash); unknown paths get the `default` page."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path, pages[default])
            self.send_response(200)
            self.send_header("Content-Type", page.content_type)
            if page.attachment:
                self.send_header("Content-Disposition", f'attachment; filename="{page.attachment}"')
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
