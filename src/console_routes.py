"""The buyers' web console (src/web): GET / serves its page, GET /web/{path} its modules
and stylesheet. Plain files, no build step; the page talks to the API at /graphql only."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from autofactura.http import CONSOLE_CSP

WEB_DIR = Path(__file__).resolve().parent / "web"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Revalidated on each load, so a new release is picked up without a stale module mix.
_HEADERS = {"cache-control": "no-cache"}


def _file(name: str) -> Path | None:
    """The console file `name`, or None for anything outside the folder or of another kind."""
    path = (WEB_DIR / name).resolve()
    if path.parent != WEB_DIR or path.suffix not in CONTENT_TYPES or not path.is_file():
        return None
    return path


async def console_page(_: Request) -> Response:
    return FileResponse(
        WEB_DIR / "index.html",
        media_type=CONTENT_TYPES[".html"],
        headers={**_HEADERS, "content-security-policy": CONSOLE_CSP},
    )


async def console_file(request: Request) -> Response:
    path = _file(request.path_params["name"])
    if path is None:
        return PlainTextResponse("Not found", 404)
    return FileResponse(path, media_type=CONTENT_TYPES[path.suffix], headers=_HEADERS)


def console_routes() -> list[BaseRoute]:
    return [
        Route("/", console_page, methods=["GET"]),
        Route("/web/{name:path}", console_file, methods=["GET"]),
    ]
